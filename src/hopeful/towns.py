"""Addressing a town: by ONS code or unambiguous name, and the safe file slug derived from it."""

from __future__ import annotations

import difflib
import re
import unicodedata

import pandas as pd

from hopeful.errors import TownNotFoundError

__all__ = ["normalise_name", "resolve_town", "slugify"]

_CODE = re.compile(r"^[A-Za-z]\d{8}$")
_SHOWN_QUERY = 80
_QUALIFIER = r"\s*\([^()]*\)\s*$"  # ONS's or our own " (Isle of Wight)" after a town name


def normalise_name(name: str) -> str:
    """Case-, accent- and punctuation-insensitive form: 'Port-Talbot' and 'port talbot' agree."""
    decomposed = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return " ".join(text.split())


def resolve_town(towns: pd.DataFrame, query: str) -> pd.Series:
    """The one row of `towns` that `query` names; errors list close matches when there is none."""
    query = str(query).strip()
    shown = query if len(query) <= _SHOWN_QUERY else query[:_SHOWN_QUERY] + "…"
    if _CODE.match(query):
        hit = towns[towns["town_code"].str.upper() == query.upper()]
        if len(hit) == 1:
            return hit.iloc[0]
    wanted = normalise_name(query)
    names = towns["town_name"].map(normalise_name)
    # A qualified name ("Newport (Isle of Wight)") also answers to its bare name, so "Newport"
    # names the Welsh town and both qualified ones: ambiguous, not silently the Welsh one.
    bare = towns["town_name"].str.replace(_QUALIFIER, "", regex=True).map(normalise_name)
    hit = towns[(names == wanted) | (bare == wanted)]
    if len(hit) == 1:
        return hit.iloc[0]
    if len(hit) > 1:
        options = "; ".join(
            f"{r.town_code} ({r.town_name}, {r.lad_name})" for r in hit.itertuples()
        )
        raise TownNotFoundError(f"town {shown!r} is ambiguous; use a code: {options}")
    close = difflib.get_close_matches(wanted, sorted(set(names)), n=5, cutoff=0.6)
    partial = sorted({n for n in names if wanted and wanted in n})[:5]
    suggestions = list(dict.fromkeys(close + partial))[:5]
    by_norm = dict(zip(names, towns["town_name"], strict=True))
    hint = (
        " Close matches: " + ", ".join(repr(by_norm[s]) for s in suggestions) + "."
        if suggestions
        else ""
    )
    raise TownNotFoundError(f"no town matches {shown!r}.{hint}")


def slugify(code: str, name: str) -> str:
    """A file-name-safe slug: lowercase ASCII letters, digits and hyphens only, never a path."""
    safe_code = re.sub(r"[^a-z0-9]", "", str(code).lower())
    safe_name = normalise_name(name).replace(" ", "-")[:60].strip("-")
    slug = f"{safe_code}-{safe_name}" if safe_name else safe_code
    if not safe_code:
        raise TownNotFoundError(f"cannot make a file name from code {code!r}")
    return slug
