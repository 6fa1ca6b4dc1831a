"""The reports' downloads: each town's figures as a CSV next to its report, the whole towns
table and the data dictionary, safe to open in a spreadsheet.

A councillor's analyst wants a town's numbers in a spreadsheet with what each one means, so a
town's file is its row of towns.csv in long form: one line per column, with a human label,
the value exactly as towns.csv holds it (empty where there is none, never "NaN"), its unit,
source and year from the data dictionary. Text that a spreadsheet would run as a formula
(a cell starting with = + - @, a tab or a carriage return) is prefixed with an apostrophe;
plain numbers such as -0.53 are left as numbers. Same inputs, same bytes; files are written
atomically and rewritten only when their bytes change.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from hopeful import atomic

__all__ = [
    "DICTIONARY_NAME",
    "TOWNS_NAME",
    "TOWN_COLUMNS",
    "read_text_table",
    "spreadsheet_safe",
    "table_csv",
    "town_csv",
    "town_links",
    "write_if_changed",
    "write_shared",
    "write_town_csvs",
]

# Labels for the few columns whose dictionary meaning does not start with one (`column,label`).
LABELS_FILE = Path(__file__).parent / "download_labels.csv"
TOWNS_NAME = "towns.csv"
DICTIONARY_NAME = "data_dictionary.csv"
TOWN_COLUMNS = ("field", "label", "value", "unit", "meaning", "source", "year")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# A label is the dictionary's meaning up to its first aside: "Town name (ONS name…)" -> "Town name".
_ASIDE = re.compile(r"\s*(?:\(|;|: | - | — |\. ).*$", re.DOTALL)


def spreadsheet_safe(value: str) -> str:
    """`value`, or `'value` when a spreadsheet would read it as a formula (OWASP CSV injection).

    A plain number keeps its sign: "-0.53" cannot run anything and must stay a number.
    """
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([spreadsheet_safe(str(cell)) for cell in row] for row in rows)
    return buffer.getvalue()


def read_text_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV as the exact text it holds (no number parsing, no NaN)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return [], []
    return rows[0], rows[1:]


def table_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A whole table as spreadsheet-safe CSV text."""
    return _csv([list(header), *rows])


def _label(column: str, meaning: str, indicator_names: Mapping[str, str]) -> str:
    if column in indicator_names:
        return indicator_names[column]
    short = _ASIDE.sub("", meaning).strip()
    return short or column


def town_csv(
    header: Sequence[str],
    row: Sequence[str],
    dictionary: Mapping[str, Mapping[str, str]],
    indicator_names: Mapping[str, str],
) -> str:
    """One town's row in long form: field, label, value, unit, meaning, source, year."""
    lines = [list(TOWN_COLUMNS)]
    for column, value in zip(header, row, strict=True):
        entry = dictionary.get(column, {})
        meaning = entry.get("meaning", "")
        lines.append(
            [
                column,
                _label(column, meaning, indicator_names),
                value,
                entry.get("unit", ""),
                meaning,
                entry.get("source", ""),
                entry.get("year", ""),
            ]
        )
    return _csv(lines)


def town_links(slug: str) -> list[tuple[str, str]]:
    """(text, href) of a town report's downloads, relative to the report in reports/towns/."""
    return [
        ("This town's figures (CSV)", f"{slug}.csv"),
        ("All towns (CSV)", f"../{TOWNS_NAME}"),
        ("Data dictionary (CSV)", f"../{DICTIONARY_NAME}"),
    ]


def write_if_changed(path: Path, text: str) -> bool:
    """Atomic write unless the file already holds exactly `text`; True when written."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic.write_bytes(path, data)
    return True


def _dictionary(processed_dir: Path) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Data-dictionary entries of towns.csv's columns, and column -> human label where the
    meaning does not give one (download_labels.csv, then the indicator catalogue's names)."""
    path = processed_dir / DICTIONARY_NAME
    header, rows = read_text_table(path) if path.is_file() else ([], [])
    entries = [dict(zip(header, r, strict=True)) for r in rows]
    towns = {e["column"]: e for e in entries if e.get("table") == "towns"}
    head, lines = read_text_table(LABELS_FILE)
    names = {line[0]: line[1] for line in lines}  # checked first, like the catalogue's names
    catalogue = processed_dir / "indicators.csv"
    if catalogue.is_file():
        head, lines = read_text_table(catalogue)
        if "code" in head and "name" in head:
            code, name = head.index("code"), head.index("name")
            names = {line[code]: line[name] for line in lines if line[name]} | names
    return towns, names


def write_town_csvs(processed_dir: Path, out_dir: Path, slugs: Mapping[str, str]) -> int:
    """`<out_dir>/<slug>.csv` for each town code in `slugs`; returns how many files changed."""
    processed_dir, out_dir = Path(processed_dir), Path(out_dir)
    header, rows = read_text_table(processed_dir / TOWNS_NAME)
    dictionary, names = _dictionary(processed_dir)
    code_at = header.index("town_code")
    out_dir.mkdir(parents=True, exist_ok=True)
    changed = 0
    for row in rows:
        slug = slugs.get(row[code_at])
        if slug is not None:
            text = town_csv(header, row, dictionary, names)
            changed += write_if_changed(out_dir / f"{slug}.csv", text)
    return changed


def write_shared(processed_dir: Path, out_dir: Path) -> list[Path]:
    """reports/towns.csv and reports/data_dictionary.csv: spreadsheet-safe copies of those
    that exist (a processed folder made by hand may lack the dictionary)."""
    written = []
    for name in (TOWNS_NAME, DICTIONARY_NAME):
        source = Path(processed_dir) / name
        if not source.is_file():
            continue
        header, rows = read_text_table(source)
        target = Path(out_dir) / name
        write_if_changed(target, table_csv(header, rows))
        written.append(target)
    return written
