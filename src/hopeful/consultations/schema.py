"""The consultation evidence format, and a reader that refuses anything that could harm people.

One CSV per town, one row per coded finding. Lines starting with `#` are comments (the
template explains the columns there). The reader stops at the first problem with a
DataError naming the file, column and row (the line number in the file, as a spreadsheet
shows it). Errors about personal data never repeat the offending text, so logs stay clean.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from hopeful.errors import DataError
from hopeful.load import CODE_PATTERNS
from hopeful.paths import project_root

COLUMNS = (
    "town_code", "date", "sector", "role", "kind", "theme", "summary", "source_id", "consent",
)  # fmt: skip
SECTORS = (
    "housing", "health", "employment", "education",
    "community", "business", "local_authority", "other",
)  # fmt: skip
CORE_SECTORS = ("housing", "health", "employment", "education")
KINDS = ("friction", "opportunity", "hope", "asset")
CONSENT = ("yes", "no")
OPTIONAL = frozenset({"role"})
FREE_TEXT = ("role", "summary")
FICTIONAL_PREFIX = "FICTIONAL-"
SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# What looks like personal data. Deliberately cautious: a false alarm costs a rewording,
# a miss could expose someone.
PERSONAL_DATA: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an email address", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("a social media handle", re.compile(r"(?<![\w@.])@\w{2,}")),
    (
        "a phone number",
        re.compile(
            r"(?<![\w+])(?:(?:\+|00)44[\s\-]*(?:\(0\)[\s\-]*)?|\(?0)[1237](?:[\s\-()]*\d){8,9}(?!\d)"
        ),
    ),
    (
        "a postcode",
        re.compile(
            r"(?<![\w])(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w])",
            re.IGNORECASE,
        ),
    ),
)


@dataclass(frozen=True)
class Evidence:
    """A town's consented findings; `excluded_no_consent` counts rows left out for consent."""

    path: Path
    town_code: str
    findings: pd.DataFrame
    excluded_no_consent: int


def default_evidence_dir() -> Path:
    """data/consultations in the checkout: where evidence files live, out of git."""
    return project_root() / "data" / "consultations"


def evidence_path(evidence_dir: str | Path, town_code: str) -> Path:
    """The evidence file of one town: `<evidence_dir>/<town_code>.csv`."""
    return Path(evidence_dir) / f"{town_code}.csv"


def stakeholders_path(evidence_dir: str | Path, town_code: str) -> Path:
    """Optional list of names that must never appear in that town's evidence."""
    return Path(evidence_dir) / f"{town_code}.stakeholders.txt"


def is_real_town_code(code: str) -> bool:
    """An ONS town code (BUA/BUASD), as opposed to the example's made-up code."""
    return re.match(CODE_PATTERNS["town"], code) is not None


def is_fictional(source_id: str) -> bool:
    """True for the example evidence's source ids, which must never be mistaken for real findings."""
    return source_id.upper().startswith(FICTIONAL_PREFIX)


def read_stakeholders(path: str | Path | None, *, required: bool = False) -> tuple[str, ...]:
    """Names, one a line (`#` comments and blank lines skipped); no file means no names."""
    if path is None or not Path(path).is_file():
        if required:
            raise DataError("stakeholder list is missing", file=path)
        return ()
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    names = (line.strip() for line in lines)
    return tuple(name for name in names if name and not name.startswith("#"))


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    parts = [r"\s+".join(map(re.escape, name.split())) for name in names if name.split()]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(parts)) + r")(?!\w)", re.IGNORECASE)


def personal_data(text: str, names: Iterable[str] = ()) -> str | None:
    """What kind of personal data `text` seems to hold (e.g. 'a phone number'), or None."""
    for label, pattern in PERSONAL_DATA:
        if pattern.search(text):
            return label
    names_re = _name_pattern(names)
    if names_re is not None and names_re.search(text):
        return "a name from the stakeholder list"
    return None


def _lines(path: Path) -> list[tuple[int, list[str]]]:
    """Non-comment, non-blank lines parsed as CSV, each with its line number in the file."""
    if not path.is_file():
        raise DataError("file is missing", file=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"cannot be decoded as UTF-8: {exc.reason}", file=path) from exc
    rows: list[tuple[int, list[str]]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            rows.append((n, next(csv.reader([line], strict=True))))
        except csv.Error as exc:
            raise DataError(
                f"malformed CSV ({exc}); each finding must be on one line", file=path, row=n
            ) from exc
    return rows


def _header(path: Path, rows: list[tuple[int, list[str]]]) -> list[str]:
    if not rows:
        raise DataError(f"no header line; expected: {','.join(COLUMNS)}", file=path)
    n, header = rows[0]
    header = [h.strip() for h in header]
    unexpected = [h for h in header if h not in COLUMNS]
    missing = [c for c in COLUMNS if c not in header]
    if unexpected or missing or len(set(header)) != len(header):
        raise DataError(
            f"header must have exactly the columns {','.join(COLUMNS)} (unexpected: "
            f"{unexpected}, missing: {missing}); never add columns for personal details",
            file=path,
            column=(unexpected or missing or [None])[0],
            row=n,
        )
    return header


def _check_row(
    path: Path,
    n: int,
    record: dict[str, str],
    town_code: str,
    themes: frozenset[str],
    names: tuple[str, ...],
) -> None:
    def fail(column: str, message: str) -> DataError:
        return DataError(message, file=path, column=column, row=n)

    if record["town_code"] != town_code:
        raise fail(
            "town_code",
            f"finding is for town {record['town_code']!r} but this file is read for "
            f"{town_code!r}; each town's evidence lives in its own file",
        )
    for column in COLUMNS:
        if column not in OPTIONAL and not record[column]:
            raise fail(column, "value is missing")
    if not ISO_DATE.match(record["date"]):
        raise fail("date", f"{record['date']!r} is not an ISO date (YYYY-MM-DD)")
    try:
        date.fromisoformat(record["date"])
    except ValueError as exc:
        raise fail("date", f"{record['date']!r} is not a valid date") from exc
    for column, allowed in (
        ("sector", SECTORS),
        ("kind", KINDS),
        ("theme", tuple(sorted(themes))),
        ("consent", CONSENT),
    ):
        if record[column] not in allowed:
            raise fail(
                column, f"unknown {column} {record[column]!r}; allowed: {', '.join(allowed)}"
            )
    if not SOURCE_ID.match(record["source_id"]):
        raise fail("source_id", "must be a code (letters, digits, . _ -), not a name or text")
    for column in FREE_TEXT:
        found = personal_data(record[column], names)
        if found:
            raise fail(
                column,
                f"looks like it contains personal data ({found}); remove it (the text is "
                "not repeated here)",
            )
    if is_real_town_code(town_code) and is_fictional(record["source_id"]):
        raise fail(
            "source_id",
            f"fictional example finding ({FICTIONAL_PREFIX}…) in evidence for a real town",
        )


def read_evidence(
    path: str | Path,
    town_code: str,
    themes: Iterable[str],
    *,
    stakeholders: Iterable[str] = (),
) -> Evidence:
    """Read and validate one town's evidence; findings without consent are dropped and counted."""
    path = Path(path)
    rows = _lines(path)
    header = _header(path, rows)
    allowed = frozenset(themes)
    names = tuple(stakeholders)
    records: list[dict[str, str | int]] = []
    for n, values in rows[1:]:
        if len(values) != len(header):
            raise DataError(
                f"has {len(values)} fields, the header has {len(header)}", file=path, row=n
            )
        record = {h: v.strip() for h, v in zip(header, values, strict=True)}
        for column in ("sector", "kind", "consent"):
            record[column] = record[column].lower()
        _check_row(path, n, record, town_code, allowed, names)
        records.append({**record, "line": n})
    frame = pd.DataFrame(records, columns=[*COLUMNS, "line"]).astype({"line": int})
    consented = frame[frame["consent"] == "yes"].reset_index(drop=True)
    return Evidence(path, town_code, consented, int((frame["consent"] == "no").sum()))
