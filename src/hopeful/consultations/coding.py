"""Do two coders agree? Cohen's kappa on a second coding of a sample of findings.

A second person codes a sample of findings to a theme without seeing the first coding. Raw
agreement flatters: with few themes two coders agree often by chance. Cohen's kappa removes
the agreement chance alone would give:

    kappa = (p_observed - p_chance) / (1 - p_chance)

with p_chance = sum over categories of the product of the two coders' shares. Overall kappa
treats the theme as one nominal code; per theme, each theme is a yes/no code ("is this
finding about housing?"). Kappa is undefined when chance agreement is 1 (both coders used a
single category only): reported as not defined, never as a number.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["cohens_kappa", "kappa_table", "disagreements"]


def cohens_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Cohen's kappa of two codings of the same items; NaN when chance agreement is 1."""
    if len(first) != len(second) or not len(first):
        raise ValueError("two codings of the same, non-empty list of items are needed")
    a, b = pd.Series(list(first)), pd.Series(list(second))
    observed = float((a.to_numpy() == b.to_numpy()).mean())
    pa, pb = a.value_counts(normalize=True), b.value_counts(normalize=True)
    chance = float(sum(pa.get(c, 0.0) * pb.get(c, 0.0) for c in set(pa.index) | set(pb.index)))
    if chance >= 1.0:
        return float("nan")
    return (observed - chance) / (1.0 - chance)


def kappa_table(pairs: pd.DataFrame, themes: Sequence[str]) -> pd.DataFrame:
    """Kappa per theme (yes/no) over the sample, then overall (nominal), with raw agreement.

    `pairs` has columns `theme` (first coder) and `theme_second`. Themes neither coder used
    in the sample are left out: there is nothing to agree on.
    """
    rows = []
    used = set(pairs["theme"]) | set(pairs["theme_second"])
    for theme in themes:
        if theme not in used:
            continue
        a, b = pairs["theme"] == theme, pairs["theme_second"] == theme
        rows.append(
            {
                "theme": theme,
                "n_first": int(a.sum()),
                "n_second": int(b.sum()),
                "agreement": float((a == b).mean()),
                "kappa": cohens_kappa(a.map(str).tolist(), b.map(str).tolist()),
            }
        )
    rows.append(
        {
            "theme": "overall",
            "n_first": len(pairs),
            "n_second": len(pairs),
            "agreement": float((pairs["theme"] == pairs["theme_second"]).mean()),
            "kappa": cohens_kappa(pairs["theme"].tolist(), pairs["theme_second"].tolist()),
        }
    )
    return pd.DataFrame(rows, columns=["theme", "n_first", "n_second", "agreement", "kappa"])


def disagreements(pairs: pd.DataFrame) -> pd.DataFrame:
    """The findings the two coders put under different themes, for the team to resolve."""
    differ = pairs[pairs["theme"] != pairs["theme_second"]]
    return differ[["finding_id", "theme", "theme_second", "summary"]].reset_index(drop=True)
