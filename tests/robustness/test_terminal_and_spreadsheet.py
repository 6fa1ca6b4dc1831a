"""Terminal and spreadsheet safety (issue 16, class 6): text from data never drives the user's
terminal, and no CSV this project writes opens as a formula."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hopeful.cli import main, terminal_safe
from hopeful.reports import batch

HOSTILE = [
    "\x1b[2J\x1b[HE35000001",  # clear screen, cursor home
    "E35\x1b]0;owned\x07000001",  # OSC: set the window title
    "E35\x9b31m000001",  # C1 CSI
    "E35000001\r\x1b[KGravesend ok",  # overwrite the line
    "Grave\u202esend",  # bidi override
]


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_safe_leaves_no_control_character(text: str) -> None:
    shown = terminal_safe(text)
    assert all(ch.isprintable() for ch in shown), repr(shown)
    assert "E35" in shown or "Grave" in shown


def test_terminal_safe_keeps_ordinary_text() -> None:
    text = "Gravesend — Port Talbot: 12% «ok»\n\tnext line"
    assert terminal_safe(text) == text


@pytest.mark.parametrize("town", HOSTILE)
def test_unknown_town_with_escapes_reaches_the_terminal_inert(
    town: str, mini_processed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["report", town, "--processed-dir", str(mini_processed), "--out-dir", str(tmp_path)]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x9b" not in err and "\u202e" not in err and "\r" not in err
    assert "error" in err


@pytest.mark.parametrize("start", ["=", "+", "@", "-", "\t"])
def test_manifest_cells_never_start_a_formula(start: str, tmp_path: Path) -> None:
    code = f'{start}HYPERLINK("http://example.invalid","x")'
    outcome = batch.TownOutcome(code, f"{start}slug", "failed", 0.5, f"{start}cmd|' /C calc'!A0")
    path = tmp_path / "manifest.csv"
    batch.write_manifest(path, [outcome])
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    for cell in rows[1]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), rows[1]
    assert rows[1][0] == "'" + code
