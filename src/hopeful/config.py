"""One typed reader for the declarative TOML files: framework, clusters, consultation config.

Every file gets the same rules: an unknown section or key is a typo (the error names the file,
the table and the key, with the closest known key), a value of the wrong type is an error, and
numbers must be finite (TOML allows nan and inf; neither is a usable weight or threshold).
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hopeful.errors import DataError

__all__ = ["REQUIRED", "Table", "check_sections", "finite", "read_toml", "unknown_message"]

REQUIRED: Any = object()


def finite(v: Any) -> bool:
    """A real number (not a bool) that is neither nan nor infinite."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


KINDS: dict[str, tuple[Any, str]] = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "text": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string"),
    "number": (finite, "a finite number"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "bool": (lambda v: isinstance(v, bool), "a boolean"),
    "list": (lambda v: isinstance(v, list), "a list"),
    "table": (lambda v: isinstance(v, dict), "a table"),
    "names": (
        lambda v: isinstance(v, list) and all(isinstance(x, str) and x for x in v),
        "a list of non-empty names",
    ),
    "tables": (
        lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
        "a list of tables",
    ),
}


def read_toml(
    path: str | Path, error: type[DataError] = DataError, what: str = "file"
) -> tuple[dict[str, Any], bytes]:
    """The parsed document and its bytes (for the sha256 recorded with outputs)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        return tomllib.loads(raw.decode("utf-8")), raw
    except FileNotFoundError as exc:
        raise error(f"{what} is missing", file=path) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"not valid TOML: {exc}", file=path) from exc


def unknown_message(kind: str, unknown: Iterable[str], known: Iterable[str]) -> str:
    """'unknown key(s): wieght (did you mean 'weight'?)': typos come with their likely fix."""
    unknown, known = sorted(unknown), sorted(known)
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            hints.append(f"{name!r} -> {close[0]!r}")
    hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
    return f"unknown {kind}(s): {', '.join(unknown)}{hint}"


def check_sections(
    doc: dict[str, Any], allowed: Iterable[str], path: Path, error: type[DataError] = DataError
) -> None:
    """Top-level tables the file may have; any other is a typo."""
    allowed = list(allowed)
    unknown = set(doc) - set(allowed)
    if unknown:
        raise error(unknown_message("section", unknown, allowed), file=path)


class Table:
    """One TOML table being read: typed access, and an error for keys nobody asked for."""

    def __init__(
        self, path: Path, where: str, table: Any, error: type[DataError] = DataError
    ) -> None:
        self.path, self.where, self.error_type = Path(path), where, error
        if not isinstance(table, dict):
            raise self.error("must be a table")
        self.table: dict[str, Any] = table
        self.used: set[str] = set()

    def error(self, message: str) -> DataError:
        """An error naming the file and this table."""
        return self.error_type(f"{self.where}: {message}", file=self.path)

    def get(self, key: str, kind: str, default: Any = REQUIRED) -> Any:
        """The value of `key`, checked to be of `kind` (numbers come back as float)."""
        self.used.add(key)
        if key not in self.table:
            if default is REQUIRED:
                raise self.error(f"missing required key {key!r}")
            return default
        value = self.table[key]
        check, wanted = KINDS[kind]
        if not check(value):
            raise self.error(f"{key!r} must be {wanted}")
        return float(value) if kind == "number" else value

    def choice(self, key: str, allowed: Iterable[str], default: Any = REQUIRED) -> Any:
        """A text value that must be one of `allowed`."""
        allowed = list(allowed)
        value = self.get(key, "text", default)
        if key in self.table and value not in allowed:
            raise self.error(f"unknown {key} {value!r}; expected one of: {', '.join(allowed)}")
        return value

    def rest(self) -> dict[str, Any]:
        """The keys not yet read (method parameters, checked by the caller)."""
        return {k: v for k, v in self.table.items() if k not in self.used}

    def only(self, keys: Iterable[str]) -> None:
        """Refuse keys outside `keys` before reading: a misspelt key is named as the typo,
        not reported as the key it should have been being missing."""
        unknown = set(self.table) - set(keys)
        if unknown:
            raise self.error(unknown_message("key", unknown, keys))

    def finish(self) -> None:
        """Every key must have been read: any other is a typo."""
        unknown = set(self.table) - self.used
        if unknown:
            raise self.error(unknown_message("key", unknown, self.used))
