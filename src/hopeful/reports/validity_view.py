"""The overview's validity table and its summary, in plain words, from index_validity.csv.

The index step writes the table (`hopeful.scoring.validity`); this module only labels it and
writes the sentences from its numbers, so the overview says what the current run found.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import processed
from hopeful.scoring.validity import ALL_TOWNS, INDEX

__all__ = ["validity_summary", "validity_table"]

FILE = "index_validity.csv"
PREDICTORS = {INDEX: "Towns Index", "uk_imd_score": "Deprivation (UK composite score)"}


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


def _predictor(code: str) -> str:
    return PREDICTORS.get(code, code)


def validity_table(processed_dir: str | Path) -> pd.DataFrame:
    """Every outcome, group and predictor: rank correlation and partial rank correlation with
    their bootstrap intervals, in plain labels."""
    data = processed.read_table(processed_dir, FILE)
    level = f"{data['level'].iloc[0]:.0%}"
    return pd.DataFrame(
        {
            "Outcome": data["outcome_name"],
            "Nation": data["nation"],
            "Measure": data["predictor"].map(_predictor),
            "Towns (local authorities)": [
                f"{t:,} ({c})" for t, c in zip(data["towns"], data["clusters"], strict=True)
            ],
            f"Rank correlation ({level} interval)": _with_interval(data, "rho"),
            "Controlling for": data["control"].map(_predictor),
            f"Partial rank correlation ({level} interval)": _with_interval(data, "partial"),
            "Sign expected": data["expected_sign"].map({1: "+", -1: "−"}),
        }
    )


def _verdict(row: pd.Series) -> str:
    """Whether the partial correlation's interval excludes 0, and on which side."""
    if row["partial_low"] > 0 or row["partial_high"] < 0:
        agrees = (row["partial"] > 0) == (row["expected_sign"] > 0)
        return "in the expected direction" if agrees else "against the expected direction"
    return "the interval includes 0"


def validity_summary(processed_dir: str | Path) -> str:
    """Markdown: one line per outcome over the widest group, then the count of checks where
    the index keeps a partial correlation in the expected direction."""
    data = processed.read_table(processed_dir, FILE)
    lines = []
    for _, rows in data.groupby("outcome", sort=False):
        groups = rows["nation"].unique()
        group = ALL_TOWNS if ALL_TOWNS in groups else groups[0]
        rows = rows[rows["nation"] == group].set_index("predictor")
        index, other = rows.loc[INDEX], rows.drop(index=INDEX).iloc[0]
        lines.append(
            f"- **{index['outcome_name']}** ({_where(group, index['towns'])}): rank correlation with the index {_r(index['rho'])}, "
            f"with deprivation {_r(other['rho'])}; with deprivation held fixed, the index "
            f"{_r(index['partial'])} ({_interval(index['partial_low'], index['partial_high'])}): "
            f"{_verdict(index)}."
        )
    index_rows = data[data["predictor"] == INDEX]
    expected = index_rows[
        ((index_rows["partial_low"] > 0) & (index_rows["expected_sign"] > 0))
        | ((index_rows["partial_high"] < 0) & (index_rows["expected_sign"] < 0))
    ]
    against = index_rows[
        ((index_rows["partial_low"] > 0) & (index_rows["expected_sign"] < 0))
        | ((index_rows["partial_high"] < 0) & (index_rows["expected_sign"] > 0))
    ]
    lines.append(
        f"\nOf {len(index_rows)} outcome and nation checks, the index keeps a correlation "
        f"beyond deprivation in the expected direction in **{len(expected)}** "
        f"({', '.join(_names(expected)) or 'none'}) and one against it in **{len(against)}** "
        f"({', '.join(_names(against)) or 'none'}); in the rest its interval includes 0."
    )
    return "\n".join(lines)


def _where(group: str, towns: int) -> str:
    return f"all {towns:,} towns" if group == ALL_TOWNS else f"{towns:,} towns in {group}"


def _names(rows: pd.DataFrame) -> list[str]:
    return [f"{o} ({n})" for o, n in zip(rows["outcome_name"], rows["nation"], strict=True)]
