"""The overview's validity tables and their summary, in plain words, from index_validity.csv.

The index step writes the table (`hopeful.scoring.validity`); this module only labels it and
writes the sentences from its numbers, so the overview says what the current run found.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import processed
from hopeful.scoring.validity import ALL_TOWNS, INDEX

__all__ = ["domain_table", "validity_summary", "validity_table"]

FILE = "index_validity.csv"
PREDICTORS = {INDEX: "Towns Index", "uk_imd_score": "Deprivation (UK composite score)"}
DOMAIN = "domain_"


def _r(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:+.2f}"


def _interval(low: float, high: float) -> str:
    return "–" if pd.isna(low) else f"{_r(low)} to {_r(high)}"


def _with_interval(data: pd.DataFrame, column: str) -> list[str]:
    return [
        f"{_r(v)} ({_interval(lo, hi)})"
        for v, lo, hi in zip(
            data[column], data[f"{column}_low"], data[f"{column}_high"], strict=True
        )
    ]


def _predictor(code: str, names: dict[str, str]) -> str:
    return PREDICTORS.get(code) or names.get(code.removeprefix(DOMAIN), code)


def _domain_names() -> dict[str, str]:
    """The framework's domain names (the same file the index was scored with; see stale.py)."""
    from hopeful.scoring.framework import DEFAULT_PATH, load_framework

    return {d.code: d.name for d in load_framework(DEFAULT_PATH).domains}


def _is_domain(data: pd.DataFrame) -> pd.Series:
    return data["predictor"].str.startswith(DOMAIN)


def validity_table(processed_dir: str | Path) -> pd.DataFrame:
    """The index and deprivation against every outcome and group: rank correlation and partial
    rank correlation (each controlling for the other) with their bootstrap intervals."""
    data = processed.read_table(processed_dir, FILE)
    data = data[~_is_domain(data)]
    level = f"{data['level'].iloc[0]:.0%}"
    return pd.DataFrame(
        {
            "Outcome": data["outcome_name"],
            "Nation": data["nation"],
            "Measure": data["predictor"].map(PREDICTORS),
            "Towns (local authorities)": [
                f"{t:,} ({c})" for t, c in zip(data["towns"], data["clusters"], strict=True)
            ],
            f"Rank correlation ({level} interval)": _with_interval(data, "rho"),
            "Controlling for": data["control"].map(PREDICTORS),
            f"Partial rank correlation ({level} interval)": _with_interval(data, "partial"),
            "Sign expected": data["expected_sign"].map({1: "+", -1: "−"}),
        }
    ).reset_index(drop=True)


def _widest(data: pd.DataFrame) -> pd.DataFrame:
    """Per outcome, the rows of its widest group: all towns, else its one nation."""
    keep = []
    for _, rows in data.groupby("outcome", sort=False):
        groups = rows["nation"].unique()
        keep.append(rows[rows["nation"] == (ALL_TOWNS if ALL_TOWNS in groups else groups[0])])
    return pd.concat(keep)


def domain_table(processed_dir: str | Path) -> pd.DataFrame:
    """Each domain's partial rank correlation with each outcome, deprivation held fixed (all
    towns, or the one nation an outcome covers): which part of the index carries what it adds."""
    data = _widest(processed.read_table(processed_dir, FILE))
    data = data[_is_domain(data)]
    names = _domain_names()
    data = data.assign(
        column=data["outcome_name"] + " (" + data["nation"] + ")",
        value=_with_interval(data, "partial"),
    )
    table = data.pivot(index="predictor", columns="column", values="value")
    order = list(dict.fromkeys(data["predictor"]))
    table = table.loc[order, list(dict.fromkeys(data["column"]))]
    table.index = [_predictor(p, names) for p in table.index]
    return table.rename_axis("Domain").reset_index().rename_axis(columns=None)


def _side(row: pd.Series) -> str | None:
    """ "expected" or "against" when the partial correlation's interval excludes 0, else None."""
    if row["partial_low"] > 0 or row["partial_high"] < 0:
        return "expected" if (row["partial"] > 0) == (row["expected_sign"] > 0) else "against"
    return None


VERDICT = {
    "expected": "in the expected direction",
    "against": "against the expected direction",
    None: "the interval includes 0",
}


def validity_summary(processed_dir: str | Path) -> str:
    """Markdown: one line per outcome over its widest group, the count of outcome and nation
    checks where the index keeps a partial correlation each way, and which domains carry it."""
    data = processed.read_table(processed_dir, FILE)
    lines = []
    widest = _widest(data)
    for _, rows in widest.groupby("outcome", sort=False):
        rows = rows.set_index("predictor")
        index = rows.loc[INDEX]
        other = rows.loc[index["control"]]
        interval = _interval(index["partial_low"], index["partial_high"])
        lines.append(
            f"- **{index['outcome_name']}** ({_where(index['nation'], index['towns'])}): rank "
            f"correlation with the index {_r(index['rho'])}, with deprivation "
            f"{_r(other['rho'])}; with deprivation held fixed, the index "
            f"{_r(index['partial'])} ({interval}): {VERDICT[_side(index)]}."
        )
    index_rows = data[data["predictor"] == INDEX]
    sides = index_rows.apply(_side, axis=1)
    expected, against = index_rows[sides == "expected"], index_rows[sides == "against"]
    lines.append(
        f"\nOf {len(index_rows)} outcome and nation checks, the index keeps a correlation "
        f"beyond deprivation in the expected direction in **{len(expected)}** "
        f"({', '.join(_names(expected)) or 'none'}) and one against it in **{len(against)}** "
        f"({', '.join(_names(against)) or 'none'}); in the rest its interval includes 0."
    )
    domains = widest[_is_domain(widest)]
    if not domains.empty:
        names = _domain_names()
        sides = domains.apply(_side, axis=1)
        counts = [
            f"{_predictor(p, names)} {int((sides[rows.index] == 'expected').sum())} as expected, "
            f"{int((sides[rows.index] == 'against').sum())} against"
            for p, rows in domains.groupby("predictor", sort=False)
        ]
        lines.append(
            f"\nDomains beyond deprivation, over the {widest['outcome'].nunique()} outcomes "
            f"(intervals excluding 0): {'; '.join(counts)}."
        )
    return "\n".join(lines)


def _where(group: str, towns: int) -> str:
    return f"all {towns:,} towns" if group == ALL_TOWNS else f"{towns:,} towns in {group}"


def _names(rows: pd.DataFrame) -> list[str]:
    return [f"{o} ({n})" for o, n in zip(rows["outcome_name"], rows["nation"], strict=True)]
