"""The national picture: summary tables the overview notebook displays."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def load_towns(processed_dir: str | Path) -> pd.DataFrame:
    return pd.read_csv(Path(processed_dir) / "towns.csv", dtype={"town_code": str, "lad_code": str})


def universe_counts(towns: pd.DataFrame) -> pd.DataFrame:
    """Towns by nation and size class, with totals."""
    table = pd.crosstab(towns["nation"], towns["size_class"], margins=True, margins_name="Total")
    cols = [c for c in ["small", "medium", "large", "Total"] if c in table.columns]
    return table[cols].rename_axis(index="Nation", columns=None).reset_index()


def most_deprived(towns: pd.DataFrame, n: int = 10, column: str = "uk_imd_score") -> pd.DataFrame:
    """The n most deprived towns on the UK-comparable score."""
    top = towns.sort_values([column, "town_code"], ascending=[False, True]).head(n)
    return pd.DataFrame(
        {
            "Town": top["town_name"],
            "Local authority": top["lad_name"],
            "Nation": top["nation"],
            "Size": top["size_class"],
            "UK-comparable score": top[column].round(1),
        }
    )
