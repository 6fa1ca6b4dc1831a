"""Every verb of the `hopeful` command has --help and errors exit non-zero without a traceback."""

import subprocess
import sys

import pytest

from hopeful.cli import build_parser, main

VERBS = ["fetch", "prepare", "score", "report", "reports"]


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([verb, "--help"])
    assert exit_.value.code == 0
    assert "usage: hopeful " + verb in capsys.readouterr().out


def test_parser_lists_every_verb() -> None:
    help_text = build_parser().format_help()
    for verb in VERBS:
        assert verb in help_text


def test_console_script_is_installed() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "hopeful.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "fetch" in out.stdout


def test_unknown_town_exits_non_zero_with_close_matches(tmp_path, capsys) -> None:
    (tmp_path / "towns.csv").write_text(
        "town_code,town_name,lad_name\nE35001042,Gravesend,Gravesham\n"
    )
    code = main(
        ["report", "Gravesnd", "--processed-dir", str(tmp_path), "--out-dir", str(tmp_path)]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "no town matches 'Gravesnd'" in err and "Gravesend" in err
    assert not (tmp_path / "towns").exists()


def test_consultation_template_help(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["consultation", "template", "--help"])
    assert exit_.value.code == 0
    assert "Never overwrites" in capsys.readouterr().out


def test_consultation_template_writes_once(tmp_path) -> None:
    (tmp_path / "towns.csv").write_text(
        "town_code,town_name,lad_name\nE35001042,Gravesend,Gravesham\n"
    )
    args = ["consultation", "template", "gravesend", "--processed-dir", str(tmp_path),
            "--evidence-dir", str(tmp_path / "ev")]  # fmt: skip
    assert main(args) == 0
    written = tmp_path / "ev" / "E35001042.csv"
    text = written.read_text()
    assert text.startswith("#") and "town_code,date,sector" in text
    assert main(args) == 2  # never overwrites evidence
    assert written.read_text() == text
