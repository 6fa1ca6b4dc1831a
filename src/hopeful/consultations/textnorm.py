"""One text normalisation, applied before every personal-data and stakeholder-name check.

A check that reads the raw text is beaten by a zero-width space inside a postcode, a Cyrillic
"а" in a name, a curly apostrophe in "O’Neill", a non-breaking space in a phone number or an
accent left off. So every check reads the same normalised text instead: Unicode NFKC
(full-width and styled letters and digits become plain ones, odd spaces become spaces), format
characters removed (zero-width spaces and joiners, soft hyphens, bidi controls), control
characters removed, look-alike letters from other scripts mapped to Latin and variant
apostrophes, dashes and quotes to plain ones (the tables are in data/personal_data.toml),
digits of any script made ASCII, accents removed, case folded, and every run of whitespace made
one space. The text shown in reports is never changed: only what is checked.
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["PERSONAL_DATA_PATH", "guard_words", "normalise"]

PERSONAL_DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "personal_data.toml"


@cache
def guard_words() -> dict[str, Any]:
    """The declarative tables of the guard (homoglyphs, punctuation, word lists), read once."""
    with PERSONAL_DATA_PATH.open("rb") as handle:
        return tomllib.load(handle)


@cache
def _translation() -> dict[int, str]:
    words = guard_words()
    return {ord(k): v for k, v in {**words["homoglyphs"], **words["punctuation"]}.items()}


def _plain(ch: str) -> str:
    """One character as checked: format/control characters dropped, digits made ASCII."""
    category = unicodedata.category(ch)
    if ch.isspace():
        return " "
    if category in ("Cf", "Cc", "Cs", "Co", "Cn"):
        return ""
    if ch.isdecimal() and not ch.isascii():
        return str(unicodedata.decimal(ch))
    return ch


def normalise(text: str, *, fold_case: bool = True) -> str:
    """The text every check reads (see the module docstring); `fold_case=False` keeps case.

    Case is kept only for the one check that needs it (a capitalised title before a
    capitalised name, "Dr Ahmed", as opposed to "the dr said").
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(_plain(ch) for ch in text).translate(_translation())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    if fold_case:
        text = text.casefold()
    return " ".join(text.split())
