"""The town indicator table: every indicator of the catalogue, one row per town.

Inputs are the validated interim tables of the raw files (data/interim, written by
`hopeful prepare`); no raw file is opened here. The LSOA tables are assembled first (`l11`: the
towns' LSOA 2011 with everything published on LSOA 2011, MSOA 2011 or local authority;
`l21`: the LSOA 2021 assigned to towns with everything published on LSOA 2021 or MSOA
2021), then each indicator is aggregated by its recipe (hopeful.indicators.recipes) or
derived below. The result is checked against the catalogue: the same indicators, values
inside their unit's range, and no value for a nation an indicator does not cover.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim, load
from hopeful.errors import DataError
from hopeful.indicators import (
    area_measures,
    census21_oa,
    convert,
    local_context,
    lsoa11_measures,
    lsoa21_measures,
    politics,
    remoteness,
)
from hopeful.indicators.aggregate import inherited_mean, ratio_of_sums
from hopeful.indicators.catalogue import UNIT_RANGES, catalogue
from hopeful.indicators.recipes import RECIPES, Mean, Ratio
from hopeful.prepare import iod, lsoa
from hopeful.prepare.raw_tables import OA_TABLES

NATION_LETTER = {"England": "E", "Wales": "W"}
LA_INDICATORS = {
    "born_outside_uk": "born_outside_uk_la",
    "born_eu_accession": "born_eu_accession_la",
    "leave_share_la": "leave_share_la",
    "eu_turnout_la": "eu_turnout_la",
    "ge2019_turnout": "ge2019_turnout",
    "brexit_party_share_2019": "brexit_party_share_2019",
    "ukip_share_2015": "ukip_share_2015",
    "non_white_british_growth_la": "non_white_british_growth_la",
}
ETHNIC_COLUMNS = list(lsoa21_measures.ETHNIC_GROUPS.values())
# Groups of residents born outside the UK (data/census21_oa.toml) for the Herfindahl index.
BIRTH_GROUPS = [f"cob_{g}" for g in OA_TABLES["census21_oa_country_of_birth"]["partition"]]
OUTPUT = "build_indicators output"


def build_indicators(
    interim_dir: Path,
    lsoa_town: pd.DataFrame,
    lsoa_lad: pd.DataFrame,
    towns: pd.DataFrame,
    town_pcon: pd.DataFrame,
    small_areas: tuple[dict[str, pd.DataFrame], int] | None = None,
) -> pd.DataFrame:
    """One row per town of `towns` (sorted by town_code) with every catalogue indicator.

    `lsoa_town`: lsoa11_code, town_code (best-fit; rows with no town are ignored);
    `lsoa_lad`: lsoa11_code, lad_code (2021 LTLA) for every LSOA 2011 of a town;
    `towns`: town_code, nation (England/Wales), lad_code (used for a town with no LSOA);
    `town_pcon`: town_code, pcon24_code, population_share (processed town_constituencies);
    `small_areas`: `small_area_tables` of the same arguments when the caller already built
    them (the indicator step also reads them for the standard errors).
    """
    interim_dir = Path(interim_dir)
    towns = _towns(towns)
    lsoa_town = _lsoa_town(lsoa_town, towns)
    tables, n_iod25 = small_areas or small_area_tables(interim_dir, lsoa_town, lsoa_lad, towns)
    l11 = tables["l11"]

    values = {code: _apply(code, recipes, tables) for code, recipes in RECIPES.items()}
    values.update(_derived(tables, values, n_iod25))
    area = inherited_mean(
        l11,
        politics.la_politics(interim_dir)
        .merge(area_measures.country_of_birth(interim_dir), on="lad_code", how="outer")
        .merge(area_measures.non_white_british_change(interim_dir), on="lad_code", how="outer"),
        area="lad_code",
        weight="pop19",
        fallback=towns[["town_code", "lad_code"]],
    )
    values.update({name: area[col] for col, name in LA_INDICATORS.items()})
    published = area_measures.ons_town_education(interim_dir).set_index("town_code")
    values.update({col: published[col] for col in published.columns})
    values.update(local_context.town_values(interim_dir, l11, lsoa_town, towns, town_pcon))
    values["distance_to_major_town_km"] = remoteness.distance_to_major_town_km(
        interim_dir, lsoa_town, lsoa11_measures.population19(interim_dir)[["lsoa11_code", "pop19"]]
    )

    out = pd.DataFrame({"town_code": towns["town_code"]}).set_index("town_code")
    for code, series in values.items():
        out[code] = series.reindex(out.index).astype("float64")
    return check_against_catalogue(out.reset_index(), catalogue(), towns)


def small_area_tables(
    interim_dir: Path, lsoa_town: pd.DataFrame, lsoa_lad: pd.DataFrame, towns: pd.DataFrame
) -> tuple[dict[str, pd.DataFrame], int]:
    """The towns' small-area tables the recipes read ("l11", "l21"), and the number of LSOAs
    IoD 2025 ranks; arguments as for `build_indicators`. Also read for each indicator's
    standard error (hopeful.indicators.errors)."""
    interim_dir = Path(interim_dir)
    towns = _towns(towns)
    lsoa_town = _lsoa_town(lsoa_town, towns)
    pop19 = lsoa11_measures.population19(interim_dir)
    l11 = lsoa11_table(interim_dir, lsoa_town, lsoa_lad, towns, pop19)
    l21, n_iod25 = lsoa21_table(interim_dir, lsoa_town, towns, pop19)
    return {"l11": l11, "l21": l21}, n_iod25


def _towns(towns: pd.DataFrame) -> pd.DataFrame:
    load.require_columns(towns, ["town_code", "nation", "lad_code"], "towns")
    out = towns[["town_code", "nation", "lad_code"]].astype("object").copy()
    load.check_codes(out, "town_code", "town", "towns")
    load.check_unique(out, "town_code", "towns")
    load.fail_at(out, "nation", ~out["nation"].isin(list(NATION_LETTER)), "towns", "unknown nation")
    out["town_code"] = out["town_code"].astype(str)
    return out.sort_values("town_code").reset_index(drop=True)


def _lsoa_town(lsoa_town: pd.DataFrame, towns: pd.DataFrame) -> pd.DataFrame:
    load.require_columns(lsoa_town, ["lsoa11_code", "town_code"], "lsoa_town")
    frame = lsoa_town[["lsoa11_code", "town_code"]].dropna().astype(str)
    frame = frame[frame["town_code"].isin(towns["town_code"])].reset_index(drop=True)
    load.check_codes(frame, "lsoa11_code", "lsoa", "lsoa_town")
    load.check_unique(frame, "lsoa11_code", "lsoa_town")
    return frame.sort_values("lsoa11_code").reset_index(drop=True)


def _same_nation(frame: pd.DataFrame, code: str, towns: pd.DataFrame) -> pd.Series:
    letter = towns.set_index("town_code")["nation"].map(NATION_LETTER)
    return frame[code].str[0] == frame["town_code"].map(letter)


def lsoa11_table(
    interim_dir: Path,
    lsoa_town: pd.DataFrame,
    lsoa_lad: pd.DataFrame,
    towns: pd.DataFrame,
    pop19: pd.DataFrame,
) -> pd.DataFrame:
    """The towns' LSOA 2011 with every LSOA 2011-, MSOA 2011- and LA-keyed input."""
    load.require_columns(lsoa_lad, ["lsoa11_code", "lad_code"], "lsoa_lad")
    rates = lsoa.uk_composite(interim_dir)[["lsoa11_code", "income_rate", "employment_rate"]]
    wales_cni = area_measures.cni2022_wales_by_lsoa(interim_dir)
    frame = lsoa_town.merge(pop19, on="lsoa11_code", how="left", validate="one_to_one")
    _require_all(frame, "pop19", "population19_lsoa11")
    inputs = [
        lsoa11_measures.deprivation_percentiles(interim_dir),
        rates,
        lsoa11_measures.iod2019_indicators(interim_dir),
        lsoa11_measures.households2011(interim_dir),
        lsoa11_measures.left_behind_2019(interim_dir),
        lsoa11_measures.ethnicity11(interim_dir),
        wales_cni,
        lsoa_lad[["lsoa11_code", "lad_code"]].dropna().astype(str),
    ]
    for table in inputs:
        frame = frame.merge(table, on="lsoa11_code", how="left", validate="one_to_one")
    _require_all(frame, "hh11", "census11_deprivation_england_wales_lsoa11")
    _require_all(frame, "eth11_persons", "ethnicity11_lsoa11")
    welsh = frame[frame["lsoa11_code"].str.startswith("W")]
    _require_all(welsh, "cni_need", "cni2022_wales_msoa11")
    if frame["lad_code"].isna().any():
        missing = sorted(frame.loc[frame["lad_code"].isna(), "lsoa11_code"])[:5]
        raise DataError(f"town LSOA(s) without a local authority: {missing}", file="lsoa_lad")
    frame["same_nation"] = _same_nation(frame, "lsoa11_code", towns)
    return frame


def lsoa21_table(
    interim_dir: Path, lsoa_town: pd.DataFrame, towns: pd.DataFrame, pop19: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """The LSOA 2021 assigned to towns with every LSOA 2021- and MSOA 2021-keyed input, and
    the number of LSOAs IoD 2025 ranks."""
    lookup = convert.lsoa11_to_lsoa21(interim_dir)
    assigned = convert.assign_lsoa21_to_towns(
        lookup, lsoa_town, pop19.rename(columns={"pop19": "population"})
    )
    msoa = area_measures.msoa21_rates(interim_dir)
    names = lookup[lookup["lsoa21_code"].isin(assigned["lsoa21_code"])]
    to_msoa = convert.lsoa21_to_msoa21(names, msoa)
    iod25, n_iod25 = lsoa21_measures.iod2025(interim_dir)
    frame = assigned.merge(census21_oa.census21_lsoa21(interim_dir), on="lsoa21_code", how="left")
    _require_all(frame, "residents", "census21_pop")
    for table in (iod25, lsoa21_measures.cni2023(interim_dir), to_msoa):
        frame = frame.merge(table, on="lsoa21_code", how="left", validate="one_to_one")
    frame = frame.merge(msoa.drop(columns="msoa21_name"), on="msoa21_code", how="left")
    frame["same_nation"] = _same_nation(frame, "lsoa21_code", towns)
    return frame.sort_values("lsoa21_code").reset_index(drop=True), n_iod25


def _require_all(frame: pd.DataFrame, column: str, dataset_id: str) -> None:
    """Every town small area must be in a file that covers all of England and Wales."""
    if frame[column].isna().any():
        key = frame.columns[0]
        missing = sorted(frame.loc[frame[column].isna(), key])[:5]
        raise DataError(
            f"no row for {key} {missing}",
            file=interim.raw_file(dataset_id),
            column=key,
        )


def _aggregate(recipe: Ratio | Mean, tables: dict[str, pd.DataFrame]) -> pd.Series:
    frame = tables[recipe.table]
    if recipe.same_nation:
        frame = frame[frame["same_nation"]]
    if isinstance(recipe, Ratio):
        return ratio_of_sums(frame, "town_code", recipe.numerator, recipe.denominator)
    return iod.weighted_mean(frame, "town_code", recipe.value, recipe.weight)


def _apply(
    code: str, recipes: tuple[Ratio | Mean, ...], tables: dict[str, pd.DataFrame]
) -> pd.Series:
    """The first recipe's value where it has one, else the next's (England/Wales sources)."""
    result = _aggregate(recipes[0], tables)
    for recipe in recipes[1:]:
        other = _aggregate(recipe, tables)
        both = result.dropna().index.intersection(other.dropna().index)
        if len(both):
            raise DataError(f"two sources give {code!r} for town(s) {list(both[:5])}")
        result = result.combine_first(other)
    return result


def _derived(
    tables: dict[str, pd.DataFrame], values: dict[str, pd.Series], n_iod25: int
) -> dict[str, pd.Series]:
    """Indicators computed from several inputs: changes, growth, diversity, IoD 2025 extent."""
    l11, l21 = tables["l11"], tables["l21"]
    sums11 = l11.groupby("town_code")[["pop19", "hh11"]].sum()
    sums21 = l21.groupby("town_code")[["residents", "hh21"]].sum()
    shares = pd.DataFrame(
        {c: ratio_of_sums(l21, "town_code", c, "eth_total") for c in ETHNIC_COLUMNS}
    )
    births = pd.DataFrame(
        {c: ratio_of_sums(l21, "town_code", c, "cob_outside_uk") for c in BIRTH_GROUPS}
    )
    england21 = l21[l21["same_nation"] & l21["lsoa21_code"].str.startswith("E")]
    imd25 = iod.aggregate(
        england21,
        "town_code",
        score="imd25_score",
        rank="imd25_rank",
        population="residents",
        n_areas=n_iod25,
        prefix="imd25",
    )
    pctile25 = iod.weighted_mean(england21, "town_code", "dep_imd25", "residents")
    england11 = l11[l11["same_nation"] & l11["lsoa11_code"].str.startswith("E")]
    pctile19 = iod.weighted_mean(england11, "town_code", "dep_imd", "pop19")
    return {
        "imd25_score": imd25["imd25_score"],
        "imd25_extent": imd25["imd25_extent"],
        "imd_pctile_change_2019_2025": pctile25 - pctile19,
        "ageing_change": values["share_65plus_2021"]
        - ratio_of_sums(l11, "town_code", "pop19_65plus", "pop19"),
        "pop_growth_2019_2021": sums21["residents"] / sums11["pop19"] - 1,
        "household_growth_2011_2021": sums21["hh21"] / sums11["hh11"] - 1,
        "households_deprived_change_2011_2021": values["households_deprived_2021"]
        - ratio_of_sums(l11, "town_code", "hh11_deprived", "hh11"),
        "ethnic_diversity": 1 - (shares**2).sum(axis=1, min_count=1),
        "birth_country_concentration": (births**2).sum(axis=1, min_count=1),
        "nonwhite_growth_2011_2021": (1 - values["share_white"])
        - ratio_of_sums(l11, "town_code", "eth11_nonwhite", "eth11_persons"),
    }


def check_against_catalogue(
    table: pd.DataFrame, catalogue: pd.DataFrame, towns: pd.DataFrame
) -> pd.DataFrame:
    """`table` in catalogue column order, after checking it against the catalogue.

    The two must list the same indicators; values must lie in their unit's range; an
    indicator the catalogue gives for one nation must be missing for the other's towns.
    """
    codes = list(catalogue["code"])
    built = [c for c in table.columns if c != "town_code"]
    if set(codes) != set(built):
        raise DataError(
            f"indicators built but not in the catalogue: {sorted(set(built) - set(codes))}; "
            f"in the catalogue but not built: {sorted(set(codes) - set(built))}",
            file="src/hopeful/data/indicators.csv",
            column="code",
        )
    nation = table["town_code"].map(towns.set_index("town_code")["nation"])
    for row in catalogue.itertuples():
        low, high = UNIT_RANGES[row.unit]
        load.check_numeric(table, row.code, OUTPUT, low=low, high=high, allow_missing=True)
        other = {"england": "Wales", "wales": "England"}.get(row.nations)
        stray = table[row.code].notna() & (nation == other)
        if stray.any():
            pos = int(stray.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{row.nations}-only indicator has a value for {table['town_code'].iloc[pos]}",
                file=OUTPUT,
                column=row.code,
                row=pos + 2,
            )
    return table[["town_code", *codes]].sort_values("town_code").reset_index(drop=True)
