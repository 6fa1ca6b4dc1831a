"""Errors a user can act on: each names the file, column and row where they exist."""

from __future__ import annotations

from pathlib import Path


class HopefulError(Exception):
    """Base class; the CLI prints these without a traceback and exits non-zero."""


class DataError(HopefulError):
    """Bad input data, located as precisely as the input allows."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        row: int | str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.column = column
        self.row = row
        where = []
        if self.file is not None:
            where.append(self.file)
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ChecksumError(DataError):
    """A file's sha256 does not match the registry."""


class TownNotFoundError(HopefulError):
    """A town name or code that matches no town, or more than one."""
