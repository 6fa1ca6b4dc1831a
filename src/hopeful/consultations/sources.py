"""Rows of a consultation table from a CSV file or a sheet of an .xlsx workbook, alike.

Practitioners code in spreadsheets: the same validation must apply whether a table arrives as
a CSV (one file per table) or as a sheet of one workbook. Both give (row number, values)
pairs, the row number being what the spreadsheet or a text editor shows, so every DataError
can point at the cell to fix. Comment rows (first cell starting with `#`) and blank rows are
skipped in both.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from hopeful.errors import DataError

__all__ = [
    "Source", "cell_text", "csv_rows", "read_rows", "read_table", "table_source", "xlsx_rows",
]  # fmt: skip


@dataclass(frozen=True)
class Source:
    """Where a table lives: a CSV file, or one sheet of a workbook (`sheet` set)."""

    path: Path
    sheet: str | None = None

    @property
    def where(self) -> str:
        """The location errors name: the file, and the sheet when there is one."""
        return f"{self.path} [sheet {self.sheet}]" if self.sheet else str(self.path)

    def exists(self) -> bool:
        """True when the file is there and, for a workbook, has the sheet."""
        if not self.path.is_file():
            return False
        return self.sheet is None or self.sheet in _sheet_names(self.path)


def table_source(evidence_file: Path, table: str) -> Source:
    """Where `table` of a town lives: a sheet of its workbook, or `<code>.<table>.csv`."""
    if evidence_file.suffix.lower() == ".xlsx":
        return Source(evidence_file, table)
    stem = evidence_file.name[: -len(evidence_file.suffix)]
    return Source(evidence_file.with_name(f"{stem}.{table}.csv"))


def _skip(values: list[str]) -> bool:
    return not any(v.strip() for v in values) or values[0].lstrip().startswith("#")


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SAVE_AS = "expected UTF-8 (in Excel: Save As, 'CSV UTF-8')"


def _decode_utf8(data: bytes, path: Path) -> str:
    """A CSV's bytes as UTF-8 text (a UTF-8 byte-order mark allowed), or a DataError naming the
    file, the row and the byte: a file saved as Windows-1252 or UTF-16 is said to be one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if data[:2] in _UTF16_BOMS:
            hint = "it starts with a UTF-16 byte-order mark (saved as UTF-16 / Unicode text)"
        else:
            hint = "saved as Windows-1252 (ANSI)?"
        raise DataError(
            f"cannot be decoded as UTF-8 at byte {exc.start} "
            f"({data[exc.start : exc.start + 1]!r}): {hint}; {_SAVE_AS}",
            file=path,
            row=data.count(b"\n", 0, exc.start) + 1,
        ) from exc
    if "\x00" in text:
        at = text.index("\x00")
        raise DataError(
            f"holds a NUL character at character {at} (saved as UTF-16 without a byte-order "
            f"mark?); {_SAVE_AS}",
            file=path,
            row=text.count("\n", 0, at) + 1,
        )
    return text


def csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Non-comment, non-blank lines of a UTF-8 CSV, each with its line number in the file."""
    if not path.is_file():
        raise DataError("file is missing", file=path)
    text = _decode_utf8(path.read_bytes(), path)
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


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would hold: dates ISO, whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _workbook(path: Path):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise DataError(f"cannot be read as an .xlsx workbook ({exc})", file=path) from exc


def _sheet_names(path: Path) -> list[str]:
    book = _workbook(path)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def xlsx_rows(path: Path, sheet: str) -> list[tuple[int, list[str]]]:
    """Non-comment, non-blank rows of one sheet, each with its spreadsheet row number."""
    if not path.is_file():
        raise DataError("file is missing", file=path)
    book = _workbook(path)
    try:
        if sheet not in book.sheetnames:
            raise DataError(f"sheet {sheet!r} is missing", file=path)
        rows: list[tuple[int, list[str]]] = []
        for n, cells in enumerate(book[sheet].iter_rows(values_only=True), start=1):
            values = [cell_text(c) for c in cells]
            while values and not values[-1].strip():
                values.pop()
            if values and not _skip(values):
                rows.append((n, values))
        return rows
    finally:
        book.close()


def read_rows(source: Source) -> list[tuple[int, list[str]]]:
    """The table's rows, from whichever kind of file holds it."""
    if source.sheet is None:
        return csv_rows(source.path)
    return xlsx_rows(source.path, source.sheet)


def read_table(
    source: Source, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Rows as {column: stripped text}, after checking the header.

    The header must hold every column of `columns` and may hold those of `optional`; any
    other column is refused, so nobody adds one for personal details by accident. Absent
    optional columns read as "". A workbook row may stop early (empty trailing cells).
    """
    rows = read_rows(source)
    if not rows:
        raise DataError(f"no header row; expected: {','.join(columns)}", file=source.where)
    n, header = rows[0]
    header = [h.strip() for h in header]
    unexpected = [h for h in header if h not in columns and h not in optional]
    missing = [c for c in columns if c not in header]
    if unexpected or missing or len(set(header)) != len(header):
        extra = f" (optional: {','.join(optional)})" if optional else ""
        raise DataError(
            f"header must have exactly the columns {','.join(columns)}{extra} (unexpected: "
            f"{unexpected}, missing: {missing}); never add columns for personal details",
            file=source.where,
            column=(unexpected or missing or [None])[0],
            row=n,
        )
    out: list[tuple[int, dict[str, str]]] = []
    for n, values in rows[1:]:
        if source.sheet is not None and len(values) < len(header):
            values = values + [""] * (len(header) - len(values))
        if len(values) != len(header):
            raise DataError(
                f"has {len(values)} fields, the header has {len(header)}",
                file=source.where,
                row=n,
            )
        record = dict.fromkeys(optional, "")
        record.update({h: v.strip() for h, v in zip(header, values, strict=True)})
        out.append((n, record))
    return out
