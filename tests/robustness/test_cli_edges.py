"""Command-line edges (issue 16, class 5): each bad option is one line and exit 2, before any
kernel starts or any file is written; argparse's own usage line names the option."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hopeful import cli
from hopeful.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    return caught.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--jobs", "-1", "need 1 to"),
        ("--jobs", "0", "need 1 to"),
        ("--jobs", "10000", "need 1 to"),
        ("--jobs", "two", "whole number"),
        ("--timeout", "inf", "finite number above 0"),
        ("--timeout", "nan", "finite number above 0"),
        ("--timeout", "0", "finite number above 0"),
        ("--timeout", "-5", "finite number above 0"),
        ("--timeout", "soon", "takes seconds"),
    ],
)
def test_bad_numbers_for_reports_are_refused(
    tmp_path: Path, option: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(["reports", "--out-dir", str(tmp_path / "out"), option, value], capsys)
    assert code == 2
    assert option in err and says in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_jobs_limit_scales_with_the_machine(capsys: pytest.CaptureFixture[str]) -> None:
    limit = cli.MAX_JOBS_PER_CORE * (os.cpu_count() or 1)
    assert cli._jobs(str(limit)) == limit
    code, err = run(["reports", "--jobs", str(limit + 1)], capsys)
    assert code == 2 and f"need 1 to {limit}" in err


@pytest.mark.parametrize("option", ["--notebook", "--overview"])
def test_missing_notebook_is_named(
    tmp_path: Path, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.ipynb"
    code, err = run(["reports", option, str(missing)], capsys)
    assert code == 2 and f"notebook {missing} does not exist" in err


def test_towns_option_without_towns_does_not_mean_all_towns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = run(["reports", "--towns"], capsys)
    assert code == 2 and "--towns" in err and "expected at least one argument" in err
