"""An empty, self-explaining evidence file, so coders need nothing but a spreadsheet.

Offered as a CSV (`<code>.csv`, comment lines explaining every column; the optional tables
go in `<code>.<table>.csv` beside it) or as a workbook (`<code>.xlsx`: a `read_me` sheet and
one sheet per table, with drop-down lists for the fixed vocabularies). Both are read by the
same validating reader.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from hopeful.atomic import write_text
from hopeful.consultations.config import ThemesConfig, load_themes
from hopeful.consultations.inputs import DIMENSIONS, RESPONSES, STAKEHOLDER_GROUPS
from hopeful.consultations.schema import (
    COLUMNS,
    CONSENT,
    GROUPS,
    KINDS,
    PARTICIPANT_COLUMNS,
    ROLE_TYPES,
    SECTORS,
    SMALL_GROUP,
)
from hopeful.errors import HopefulError

__all__ = [
    "FINDING_COLUMNS",
    "TABLES",
    "cli_template",
    "template_text",
    "write_template",
    "write_workbook_template",
]

FINDING_COLUMNS = ("finding_id", *COLUMNS, "participant_id")
COLUMN_HELP = {
    "finding_id": "optional code for the finding, e.g. F-001 (second coding and member "
    "checking refer to it; without it the row number is used)",
    "town_code": "ONS code of this town: {town_code} (every row; other towns' rows are refused)",
    "date": "date of the conversation, ISO format YYYY-MM-DD",
    "sector": "one of: " + ", ".join(SECTORS),
    "role": "generic role, e.g. 'frontline housing officer' (optional; never a name or a "
    "title that identifies one person)",
    "kind": "one of: " + ", ".join(KINDS),
    "theme": "one theme id (listed below)",
    "summary": "short summary or quote, on one line; no names, emails, phone numbers, "
    "postcodes, addresses, NHS or National Insurance numbers (refused)",
    "source_id": "your code for the conversation, e.g. INT-07 (letters, digits, . _ -, with a "
    "digit; never a name); salience counts conversations, not rows",
    "consent": "one of: " + ", ".join(CONSENT) + " (rows with 'no' are kept out of reports "
    "and counted)",
    "participant_id": "optional pseudonymous id from the participants table, e.g. P-03 "
    "(required when there is one)",
}
# The optional tables: columns and one line of help each.
TABLES = {
    "participants": (
        PARTICIPANT_COLUMNS,
        "one row per person consulted: pseudonymous participant_id (never a name), sector, "
        f"role_type ({', '.join(ROLE_TYPES)}), groups (';'-separated: {', '.join(GROUPS)}; "
        "optional), consent (yes/no: findings of a participant without consent are left "
        f"out). Sector x role type groups under {SMALL_GROUP} people are flagged.",
    ),
    "sampling": (
        ("dimension", "name", "planned"),
        f"who you planned to hear: dimension ({', '.join(DIMENSIONS)}), name (a sector or a "
        "group as above), planned (number of people)",
    ),
    "second_coding": (
        ("finding_id", "theme"),
        "a second coder's theme for a sample of findings, coded without seeing the first "
        "coding (Cohen's kappa per theme and overall)",
    ),
    "workshop": (
        ("stakeholder_group", "theme", "votes"),
        f"dot votes per theme at the priorities workshop, by stakeholder_group "
        f"({', '.join(STAKEHOLDER_GROUPS)})",
    ),
    "member_check": (
        ("finding_id", "response", "theme", "note"),
        f"what participants said back: response ({', '.join(RESPONSES)}); an added finding "
        "has no finding_id but a theme; note is optional and checked for personal data",
    ),
}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _help_lines(town_code: str, town_name: str, themes: ThemesConfig, workbook: bool) -> list:
    where = "the sheet of that name" if workbook else f"{town_code}.<table>.csv beside this file"
    lines = [
        f"Consultation evidence for {_one_line(town_name)} ({_one_line(town_code)}).",
        "One row per coded finding. Lines starting with # are comments and are ignored.",
        "Real evidence is sensitive: keep this file out of git (docs/consultations.md).",
        "",
        "Columns:",
    ]
    lines += [
        f"  {col}: {COLUMN_HELP[col].format(town_code=_one_line(town_code))}"
        for col in FINDING_COLUMNS
    ]
    lines += ["", f"Optional tables, each in {where}:"]
    lines += [f"  {name} ({','.join(cols)}): {text}" for name, (cols, text) in TABLES.items()]
    lines += ["", "Themes (id: label):"]
    lines += [f"  {t.id}: {t.label}" for t in themes.themes]
    return lines


def template_text(town_code: str, town_name: str, themes: ThemesConfig) -> str:
    """A commented blank evidence CSV for one town: columns, allowed values and themes."""
    lines = [f"# {line}".rstrip() for line in _help_lines(town_code, town_name, themes, False)]
    lines = [line if line != "#" else "#" for line in lines]
    lines += ["#", ",".join(FINDING_COLUMNS)]
    return "\n".join(lines) + "\n"


def write_workbook_template(
    town_code: str, town_name: str, path: Path, themes: ThemesConfig
) -> Path:
    """The workbook template: read_me, findings and the optional tables, with drop-downs."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    readme = book.active
    readme.title = "read_me"
    for line in _help_lines(town_code, town_name, themes, True):
        readme.append([line])
    lists = {
        "sector": SECTORS,
        "kind": KINDS,
        "consent": CONSENT,
        "theme": themes.ids,
        "role_type": ROLE_TYPES,
        "dimension": DIMENSIONS,
        "stakeholder_group": STAKEHOLDER_GROUPS,
        "response": RESPONSES,
    }
    for name, columns in (("findings", FINDING_COLUMNS), *((n, c) for n, (c, _) in TABLES.items())):
        sheet = book.create_sheet(name)
        sheet.append(list(columns))
        for i, column in enumerate(columns):
            if column in lists:
                letter = sheet.cell(row=1, column=i + 1).column_letter
                check = DataValidation(type="list", formula1='"' + ",".join(lists[column]) + '"')
                check.add(f"{letter}2:{letter}2000")
                sheet.add_data_validation(check)
    # fixed properties, so the same town gives the same workbook content
    book.properties.created = book.properties.modified = datetime(2000, 1, 1)
    book.properties.creator = "hopeful"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_template(
    town_code: str, town_name: str, path: str | Path, *, themes: ThemesConfig | None = None
) -> Path:
    """Write an empty annotated evidence file (.csv or .xlsx); never overwrites evidence."""
    path = Path(path)
    if path.exists():
        raise HopefulError(f"{path} already exists; it may hold evidence, so it is left alone")
    themes = themes or load_themes()
    if path.suffix.lower() == ".xlsx":
        return write_workbook_template(town_code, town_name, path, themes)
    write_text(path, template_text(town_code, town_name, themes))
    return path


def cli_template(town_row: pd.Series, out_dir: str | Path, fmt: str = "csv") -> Path:
    """`hopeful consultation template TOWN`: the template at <out_dir>/<town_code>.<fmt>."""
    code = str(town_row["town_code"])
    other = Path(out_dir) / f"{code}.{'xlsx' if fmt == 'csv' else 'csv'}"
    if other.exists():
        raise HopefulError(f"{other} already holds this town's evidence; one format per town")
    return write_template(code, str(town_row["town_name"]), Path(out_dir) / f"{code}.{fmt}")
