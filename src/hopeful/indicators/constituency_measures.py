"""Constituency inputs: GE2024 (Reform UK) and Census 2021 manufacturing on the July 2024
constituencies, GE2010 (BNP) and Census 2011 manufacturing on the 2010 constituencies.

2024 constituencies reach a town through its population shares (processed
town_constituencies.csv, built by hopeful.prepare.constituencies from LSOA points in the
2024 polygons): a town's value is the share-weighted mean of its constituencies' values
("constituency_apportioned"). The mirror has no 2010 boundaries, only ONS's 2012 district ->
constituency list, so 2010 constituencies reach a town as UKIP 2015 does
(hopeful.indicators.politics): an authority takes the mean of the constituencies that overlap
it, weighted by electorate (votes) or residents (Census), and its towns inherit it
("inherited_constituency"). A party that put up no candidate got 0 votes there: its share is
0, and `<party>_stood_share` says how much of the town (or authority) it was on the ballot in.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim
from hopeful.errors import DataError
from hopeful.indicators import politics

__all__ = ["apportion", "la_constituency_measures", "pcon24_measures"]


def pcon24_measures(interim_dir: Path) -> pd.DataFrame:
    """Per E&W 2024 constituency: Reform UK share of valid votes (0 where it did not stand),
    whether it stood (1/0), and the share of employed residents in manufacturing (2021)."""
    votes = interim.read(interim_dir, "ge2024_results_constituencies")
    census = interim.read(interim_dir, "ge2024_census21_constituency_summaries")
    missing = sorted(set(votes["pcon24_code"]) ^ set(census["pcon24_code"]))
    if missing:
        raise DataError(
            f"constituencies in only one of the GE2024 files: {missing[:5]}",
            file=interim.raw_file("ge2024_census21_constituency_summaries"),
            column="ONSConstID",
        )
    out = pd.DataFrame(
        {
            "reform_share_2024": votes["reform_votes"] / votes["valid_votes"],
            "reform_stood_share": (votes["reform_votes"] > 0).astype("float64"),
        }
    ).set_axis(votes["pcon24_code"].to_numpy())
    manufacturing = census.set_index("pcon24_code")["manufacturing_pct"] / 100
    out["manufacturing_share_2021"] = manufacturing.reindex(out.index)
    return out.rename_axis("pcon24_code").sort_index()


def apportion(town_pcon: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Town values as the population-share-weighted mean of their constituencies' values.

    `town_pcon`: town_code, pcon24_code, population_share; `values` indexed by pcon24_code. A
    constituency with no value is left out and the other shares re-weighted.
    """
    unknown = sorted(set(town_pcon["pcon24_code"]) - set(values.index))
    if unknown:
        raise DataError(
            f"town constituencies without results: {unknown[:5]}",
            file="town_constituencies.csv",
            column="pcon24_code",
        )
    rows = town_pcon.merge(values, left_on="pcon24_code", right_index=True, how="left")
    out = {}
    for column in values.columns:
        known = rows[column].notna()
        weight = rows["population_share"].where(known, 0.0)
        total = weight.groupby(rows["town_code"]).sum()
        share_sum = (weight * rows[column].fillna(0)).groupby(rows["town_code"]).sum()
        out[column] = share_sum / total.where(total > 0)
    return pd.DataFrame(out).rename_axis("town_code").sort_index()


def _pcon10(interim_dir: Path) -> pd.DataFrame:
    """Per E&W 2010 constituency: BNP 2010 share of all votes (0 where it did not stand),
    whether it stood, manufacturing share 2011, and the electorate and residents as weights."""
    votes = interim.read(interim_dir, "bes2015_results_pcon10").set_index("pcon10_code")
    census = interim.read(interim_dir, "census11_pcon10").set_index("pcon10_code")
    stood = votes["bnp_votes10"].notna()
    return pd.DataFrame(
        {
            "bnp_share_2010": votes["bnp_votes10"].fillna(0) / votes["total_votes10"],
            "bnp_stood_share": stood.astype("float64"),
            "electorate": votes["electorate10"],
            "manufacturing_share_2011": census["manufacturing_pct"].reindex(votes.index) / 100,
            "residents": census["population11"].reindex(votes.index),
        }
    )


def la_constituency_measures(interim_dir: Path) -> pd.DataFrame:
    """Per 2021 authority: electorate-weighted BNP 2010 share and stood share, and
    resident-weighted 2011 manufacturing share, over the 2010 constituencies overlapping it."""
    pcon = _pcon10(interim_dir)
    pairs = politics.lad_constituencies(interim_dir, politics.ltla16_to_ltla21(interim_dir))
    unknown = sorted(set(pairs["pcon_code"]) - set(pcon.index))
    if unknown:
        raise DataError(
            f"constituencies without a 2010 result or 2011 census profile: {unknown[:5]}",
            file=interim.raw_file("lookup_lad12_pcon12"),
            column="PCON12CD",
        )
    rows = pairs.merge(pcon, left_on="pcon_code", right_index=True, how="left")
    out = pd.DataFrame(index=sorted(rows["lad_code"].unique()))
    for column, weight in (
        ("bnp_share_2010", "electorate"),
        ("bnp_stood_share", "electorate"),
        ("manufacturing_share_2011", "residents"),
    ):
        weighted = (rows[column] * rows[weight]).groupby(rows["lad_code"]).sum()
        out[column] = weighted / rows.groupby("lad_code")[weight].sum()
    return out.rename_axis("lad_code").reset_index()
