"""Area characteristics for the attitude models, built once per LSOA 2011 and summed to any area.

Every feature is a share or rate with its own denominator (people, residents, households), so
a town, a 2016 counting area or a part of one gets its value as the denominator-weighted mean
of its LSOAs (`hopeful.prepare.iod.weighted_mean`). Census 2021 counts (LSOA 2021) are moved onto
LSOA 2011 with the ONS best-fit lookup: a split LSOA 2011 takes the sum of its parts, and an
LSOA 2021 formed by a merger is shared equally among its parents.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim
from hopeful.errors import DataError
from hopeful.indicators import census21_oa, politics
from hopeful.models.poll import schema
from hopeful.prepare import geography, iod, lsoa
from hopeful.prepare.raw_tables import OA_TABLES

__all__ = [
    "aggregate_features",
    "area_results",
    "census21_counts",
    "census21_oa_counts",
    "lsoa11_to_area16",
    "lsoa_features",
    "skills_percentile",
    "to_lsoa11",
    "town_features",
]

AGES_18_24 = [str(age) for age in range(18, 25)]
AGES_18_PLUS = [str(age) for age in range(18, 90)] + ["90+"]

# feature -> (its denominator column, what it measures). The order is the models' order.
FEATURES: dict[str, tuple[str, str]] = {
    "low_skills": (
        "population",
        "adult skills deprivation, within-nation percentile (1 = most deprived LSOA): IoD2019 "
        "Adult Skills sub-domain in England, WIMD 2019 Education domain in Wales",
    ),
    "share_65plus": ("population", "share of residents aged 65+ (ONS mid-2019)"),
    "share_18_24": ("population", "share of residents aged 18-24 (ONS mid-2019)"),
    "share_white": ("residents21", "share of residents White (Census 2021 TS021)"),
    "share_born_abroad": (
        "cob_residents",
        "share of residents born outside the UK (Census 2021 TS004, output areas summed)",
    ),
    "share_degree": (
        "qual_residents_16plus",
        "share of residents 16+ with a degree or other level 4+ qualification (Census 2021 "
        "TS067, output areas summed)",
    ),
    "income_rate": (
        "population",
        "share of people income-deprived (IoD2019 / WIMD 2019 income domain rate)",
    ),
    "share_owner_occupied": (
        "households21",
        "share of households owner-occupied incl. shared ownership (Census 2021 TS054)",
    ),
}


def area_results(interim_dir: Path) -> pd.DataFrame:
    """The measured 2016 EU referendum result of every counting area in England and Wales."""
    frame = interim.read(interim_dir, "eu_referendum2016_results").reset_index(drop=True)
    out = pd.DataFrame(
        {
            "area16_code": frame["Area_Code"],
            "area16_name": frame["Area"],
            "region": frame["Region"],
            "electorate": frame["Electorate"].astype("int64"),
            "valid_votes": frame["Valid_Votes"].astype("int64"),
            "leave": frame["Leave"].astype("int64"),
            "leave_share": frame["Leave"] / frame["Valid_Votes"],
        }
    )
    return out.sort_values("area16_code").reset_index(drop=True)


def lsoa11_to_area16(interim_dir: Path) -> pd.DataFrame:
    """Each LSOA 2011's 2016 counting area (and 2021 LTLA).

    Every 2016 district lies inside one 2021 LTLA (`indicators.politics.ltla16_to_ltla21`);
    where 2019-2021 mergers (Dorset, BCP, Suffolk, Somerset West and Taunton,
    Buckinghamshire, Northamptonshire) put several 2016 districts in one LTLA, the LSOA's
    name (which begins with its 2011 district's) picks it.
    """
    lookup = interim.read(interim_dir, "lookup_lsoa11_ltla21")
    lookup = lookup[["lsoa11_code", "lsoa11_name", "ltla21_code"]]
    vintages = politics.ltla16_to_ltla21(interim_dir).rename(columns={"lad_code": "ltla21_code"})
    merged = lookup.merge(vintages, on="ltla21_code", how="left")
    several = merged.groupby("lsoa11_code")["ltla16_code"].transform("nunique") > 1
    district = merged["lsoa11_name"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    out = merged[~several | (merged["ltla16_name"] == district)].drop_duplicates("lsoa11_code")
    lost = lookup.loc[~lookup["lsoa11_code"].isin(out["lsoa11_code"]), "lsoa11_code"]
    if not lost.empty or out["ltla16_code"].isna().any():
        raise DataError(
            f"no 2016 district for LSOA(s) {sorted(lost)[:5]}",
            file=interim.raw_file("lookup_lsoa11_ltla21"),
        )
    out = out.rename(columns={"ltla16_code": "area16_code"})
    return (
        out[["lsoa11_code", "area16_code", "ltla21_code"]]
        .astype(str)
        .sort_values("lsoa11_code")
        .reset_index(drop=True)
    )


def to_lsoa11(counts21: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """LSOA 2021 counts (indexed by lsoa21_code) summed onto LSOA 2011 codes.

    An LSOA 2021 with k parents (a merger) gives each 1/k of its counts.
    """
    pairs = lookup[["lsoa11_code", "lsoa21_code"]].drop_duplicates()
    share = 1.0 / pairs.groupby("lsoa21_code")["lsoa11_code"].transform("size")
    missing = ~pairs["lsoa21_code"].isin(counts21.index)
    if missing.any():
        raise DataError(f"LSOA 2021 {pairs['lsoa21_code'][missing].iloc[0]!r} has no counts")
    parts = counts21.loc[pairs["lsoa21_code"]].to_numpy() * share.to_numpy()[:, None]
    out = pd.DataFrame(parts, columns=counts21.columns).groupby(pairs["lsoa11_code"].to_numpy())
    return out.sum().rename_axis("lsoa11_code")


def _wide(interim_dir: Path, dataset_id: str, dim: str) -> pd.DataFrame:
    """One Census 2021 table as LSOA 2021 x schema level counts (each level the sum of its
    Census categories)."""
    wide = interim.read(interim_dir, dataset_id).set_index("lsoa21_code")
    groups = schema()["levels"][dim]
    unknown = sorted({c for census in groups.values() for c in census} - set(wide.columns))
    if unknown:
        raise DataError(
            f"poll schema level(s) of {dim} name Census categories the file lacks: {unknown}",
            file=interim.raw_file(dataset_id),
        )
    return pd.DataFrame(
        {f"{dim}:{level}": wide[list(census)].sum(axis=1) for level, census in groups.items()}
    )


def census21_counts(interim_dir: Path) -> pd.DataFrame:
    """Census 2021 counts per LSOA 2011: adults by age band, residents by ethnicity, households
    by tenure (columns 'age_band:16-24', 'ethnicity:white', 'tenure:owner_occupied', ...)."""
    lookup = interim.read(interim_dir, "lookup_lsoa11_lsoa21_ltla22")
    counts21 = pd.concat(
        [
            _wide(interim_dir, "census21_pop", "age_band"),
            _wide(interim_dir, "ethnicity21_lsoa21", "ethnicity"),
            _wide(interim_dir, "household_tenure21_lsoa21", "tenure"),
        ],
        axis=1,
        join="outer",
    ).fillna(0.0)
    return to_lsoa11(counts21, lookup)


# Census 2021 output-area tables the features read: dataset id -> columns kept (as in
# data/census21_oa.toml, each prefixed with the table's prefix).
OA_FEATURE_TABLES = {
    "census21_oa_country_of_birth": ("residents", "uk"),
    "census21_oa_qualifications": ("residents_16plus", "level4plus"),
}


def census21_oa_counts(interim_dir: Path) -> pd.DataFrame:
    """Census 2021 output-area counts per LSOA 2011: residents and those born outside the UK
    (cob_residents, cob_outside_uk), residents 16+ and those with level 4+ qualifications
    (qual_residents_16plus, qual_degree). Output areas nest in LSOA 2021, so these are exact
    sums, and small-area differences within an authority stay visible (the authority-level
    birth table hid them)."""
    census21_oa.check_labels(interim_dir)
    lookup = interim.read(interim_dir, census21_oa.LOOKUP)
    parts = []
    for dataset_id, columns in OA_FEATURE_TABLES.items():
        oa = interim.read(interim_dir, dataset_id)[["oa21_code", *columns]]
        parts.append(census21_oa.oa_to_lsoa21(oa, lookup, dataset_id).add_prefix(
            f"{OA_TABLES[dataset_id]['prefix']}_"
        ))  # fmt: skip
    counts = pd.concat(parts, axis=1)
    counts = pd.DataFrame(
        {
            "cob_residents": counts["cob_residents"],
            "cob_outside_uk": counts["cob_residents"] - counts["cob_uk"],
            "qual_residents_16plus": counts["qual_residents_16plus"],
            "qual_degree": counts["qual_level4plus"],
        }
    )
    return to_lsoa11(counts, interim.read(interim_dir, "lookup_lsoa11_lsoa21_ltla22"))


def skills_percentile(interim_dir: Path) -> pd.Series:
    """Adult skills deprivation as a within-nation percentile, 1 = most deprived LSOA.

    IoD2019 publishes ranks only for England, and WIMD ranks are on their own scale, so each
    nation's rank r of n becomes (n - r + 0.5) / n; the models' Wales effect absorbs any
    difference in level between the two nations' measures.
    """
    parts = []
    for dataset_id, column in (
        ("imd2019_england_lsoa11_subdomains", "Adult_skills_rank"),
        ("imd2019_wales_lsoa11", "Education_rank"),
    ):
        frame = interim.read(interim_dir, dataset_id)
        n = len(frame)
        rank = frame[column]
        parts.append(pd.Series(((n - rank + 0.5) / n).to_numpy(), index=frame["lsoa11_code"]))
    return pd.concat(parts).rename("low_skills").rename_axis("lsoa11_code")


def lsoa_features(interim_dir: Path) -> pd.DataFrame:
    """Every E&W LSOA 2011 with its areas (2016 counting area, region, 2021 LTLA, town), the
    model features, their denominators and the Census 2021 counts, sorted by code."""
    population = interim.read(interim_dir, "population19_lsoa11").set_index("lsoa11_code")
    total = population["total_population"].astype(float)
    out = pd.DataFrame(index=population.index.astype(str).rename("lsoa11_code"))
    out["population"] = total.to_numpy()
    out["adults_18plus"] = population[AGES_18_PLUS].sum(axis=1).to_numpy()
    out["share_65plus"] = population[lsoa.AGES_65_PLUS].sum(axis=1).to_numpy() / total.to_numpy()
    out["share_18_24"] = population[AGES_18_24].sum(axis=1).to_numpy() / total.to_numpy()
    out["low_skills"] = skills_percentile(interim_dir).reindex(out.index)
    income = lsoa.uk_composite(interim_dir).set_index("lsoa11_code")["income_rate"]
    out["income_rate"] = income.reindex(out.index)

    census = census21_counts(interim_dir).reindex(out.index)
    ethnicity = census.filter(like="ethnicity:")
    tenure = census.filter(like="tenure:")
    out["residents21"] = ethnicity.sum(axis=1)
    out["households21"] = tenure.sum(axis=1)
    out["share_white"] = census["ethnicity:white"] / out["residents21"]
    out["share_owner_occupied"] = census["tenure:owner_occupied"] / out["households21"]

    oa = census21_oa_counts(interim_dir).reindex(out.index)
    out = out.join(oa)
    out["share_born_abroad"] = oa["cob_outside_uk"] / oa["cob_residents"]
    out["share_degree"] = oa["qual_degree"] / oa["qual_residents_16plus"]

    areas = lsoa11_to_area16(interim_dir).set_index("lsoa11_code")
    out = out.join(areas)
    out["region"] = out["area16_code"].map(
        area_results(interim_dir).set_index("area16_code")["region"]
    )
    towns = geography.lsoa11_to_town(interim_dir).set_index("lsoa11_code")["town_code"]
    out["town_code"] = towns.reindex(out.index).astype("string")
    out["nation"] = pd.Series(out.index.str[0], index=out.index).map({"E": "England", "W": "Wales"})
    out = out.join(census)
    gaps = out[list(FEATURES) + ["region"]].isna().any(axis=1)
    if gaps.any():
        raise DataError(f"LSOA {out.index[gaps][0]!r} lacks a feature or region")
    return out.sort_index().reset_index()


def aggregate_features(lsoa_table: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Each feature as the denominator-weighted mean over the group's LSOAs, plus the group's
    mid-2019 population and adults (the electorate proxy); rows sorted by the group key(s).

    The counted seat shares of `hopeful.models.seat_votes` (VOTE_FEATURES) are aggregated the
    same way when the table carries them (`seat_votes.with_seat_votes`).
    Rows with a missing key are left out, as `hopeful.prepare.iod.weighted_mean` leaves them out.
    """
    from hopeful.models.seat_votes import VOTE_FEATURES  # it imports prepare, not this module

    keys = [by] if isinstance(by, str) else list(by)
    features = FEATURES | {k: v for k, v in VOTE_FEATURES.items() if k in lsoa_table.columns}
    frame = lsoa_table.dropna(subset=keys).copy()
    frame["_group"] = frame[keys[0]].astype("string")
    for key in keys[1:]:
        frame["_group"] = frame["_group"] + "|" + frame[key].astype("string")
    out = pd.DataFrame(
        {
            name: iod.weighted_mean(frame, "_group", name, weight)
            for name, (weight, _) in features.items()
        }
    )
    sums = frame.groupby("_group", sort=True)[["population", "adults_18plus"]].sum()
    out = out.join(sums)
    first = frame.drop_duplicates("_group").set_index("_group")[keys]
    out = first.join(out).reset_index(drop=True)
    return out.sort_values(keys).reset_index(drop=True)


def town_features(lsoa_table: pd.DataFrame) -> pd.DataFrame:
    """Each town's features (index town_code, sorted) and the region holding most of its
    adults: the area-level table the MRP engine and the simulation use."""
    towns = aggregate_features(lsoa_table, "town_code").set_index("town_code")
    adults = (
        lsoa_table.dropna(subset=["town_code"])
        .groupby(["town_code", "region"], as_index=False)["adults_18plus"]
        .sum()
        .sort_values(["town_code", "adults_18plus", "region"], ascending=[True, False, True])
        .drop_duplicates("town_code")
        .set_index("town_code")
    )
    towns["region"] = adults["region"].reindex(towns.index)
    towns.index = towns.index.astype(str)
    return towns
