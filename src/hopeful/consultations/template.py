"""An empty, self-explaining evidence file, so coders need nothing but a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful.atomic import write_text
from hopeful.consultations.config import ThemesConfig, load_themes
from hopeful.consultations.schema import COLUMNS, CONSENT, KINDS, SECTORS, evidence_path
from hopeful.errors import HopefulError

COLUMN_HELP = {
    "town_code": "ONS code of this town: {town_code} (every row; other towns' rows are refused)",
    "date": "date of the conversation, ISO format YYYY-MM-DD",
    "sector": "one of: " + ", ".join(SECTORS),
    "role": "generic role, e.g. 'frontline housing officer' (optional; never a name or a "
    "title that identifies one person)",
    "kind": "one of: " + ", ".join(KINDS),
    "theme": "one theme id (listed below)",
    "summary": "short summary or quote, on one line; no names, emails, phone numbers or "
    "postcodes (refused)",
    "source_id": "your code for the conversation, e.g. INT-07 (letters, digits, . _ -)",
    "consent": "one of: " + ", ".join(CONSENT) + " (rows with 'no' are kept out of reports "
    "and counted)",
}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def template_text(town_code: str, town_name: str, themes: ThemesConfig) -> str:
    """A commented blank evidence file for one town: columns, allowed values and themes."""
    lines = [
        f"# Consultation evidence for {_one_line(town_name)} ({_one_line(town_code)}).",
        "# One row per coded finding. Lines starting with # are comments and are ignored.",
        "# Real evidence is sensitive: keep this file out of git (docs/consultations.md).",
        "#",
        "# Columns:",
    ]
    lines += [
        f"#   {col}: {COLUMN_HELP[col].format(town_code=_one_line(town_code))}" for col in COLUMNS
    ]
    lines += ["#", "# Themes (id: label):"]
    lines += [f"#   {t.id}: {t.label}" for t in themes.themes]
    lines += ["#", ",".join(COLUMNS)]
    return "\n".join(lines) + "\n"


def write_template(
    town_code: str, town_name: str, path: str | Path, *, themes: ThemesConfig | None = None
) -> Path:
    """Write an empty annotated evidence file; never overwrites evidence already there."""
    path = Path(path)
    if path.exists():
        raise HopefulError(f"{path} already exists; it may hold evidence, so it is left alone")
    write_text(path, template_text(town_code, town_name, themes or load_themes()))
    return path


def cli_template(town_row: pd.Series, out_dir: str | Path) -> Path:
    """`hopeful consultation template TOWN`: the template at <out_dir>/<town_code>.csv."""
    code = str(town_row["town_code"])
    return write_template(code, str(town_row["town_name"]), evidence_path(out_dir, code))
