"""The town universe and best-fit small-area lookups: which LSOAs make up which town.

A town follows ONS's 2011 definition (docs/towns.md): the built-up-area sub-division (BUASD)
where a built-up area (BUA) is subdivided, the whole BUA otherwise, with 5,000-225,000
residents. England's towns are ONS's own list; Wales has no such list in the mirror, so its
towns are derived from the BUA/BUASD lookups with the same rule and an estimated population.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import pandas as pd

from hopeful import interim, load
from hopeful.errors import DataError
from hopeful.prepare import lsoa
from hopeful.processed import TOWN_ID_COLUMNS
from hopeful.towns import normalise_name

# ONS size bands: lower bounds inclusive, upper bounds exclusive.
TOWN_MIN, SMALL_MAX, MEDIUM_MAX, TOWN_MAX = 5_000, 20_000, 75_000, 225_000
SIZE_CLASSES = ["small", "medium", "large"]

# English region whose 2011->2019 population growth matches Wales (2.8 % vs 2.9 %): the ratio of
# best-fit mid-2019 LSOA sums to ONS 2011 town populations there calibrates Welsh estimates.
CALIBRATION_REGION = "North East"

WALES = "Wales"
WALES_REGION_CODE = "W92000004"
SOURCE_ONS = "ons_towns_list_census_2011"
SOURCE_ESTIMATED = "estimated_from_mid2019_lsoas"

ONS_SIZES = {
    "Small Towns": "small",
    "Medium Towns": "medium",
    "Large Towns": "large",
    "City": "city",
}
ONS_COASTAL = {"Coastal": True, "Non-coastal": False}
ONS_INCOME = {
    "Higher deprivation towns": "higher deprivation",
    "Mid deprivation towns": "mid deprivation",
    "Lower deprivation towns": "lower deprivation",
}
ONS_JOB_DENSITY = {"Residential": "residential", "Mixed": "mixed", "Working": "working"}

UNIVERSE_COLUMNS = [
    *TOWN_ID_COLUMNS,
    "population_source",
    "population_2019",
    "n_lsoa",
    "coastal_ons",
    "income_group",
    "job_density",
]


def _clean_name(names: pd.Series) -> pd.Series:
    """ONS names end in ' BUA' / ' BUASD' in most files; people say 'Gravesend'."""
    return names.astype("string").str.replace(r"\s+(BUASD|BUA)$", "", regex=True).str.strip()


def size_class(population: pd.Series) -> pd.Series:
    """small / medium / large by ONS 2011 bands; NA outside 5,000-225,000 (not a town)."""
    bands = pd.cut(
        population.astype("float64"),
        [TOWN_MIN, SMALL_MAX, MEDIUM_MAX, TOWN_MAX],
        right=False,
        labels=SIZE_CLASSES,
    )
    return bands.astype("string")


def subdivided_buas(*lookups: pd.DataFrame) -> set[str]:
    """BUAs that have a sub-division in any lookup (the March 2011 list misses three BUASDs)."""
    return {bua for f in lookups for bua in f.loc[f["BUASD11CD"].notna(), "BUA11CD"]}


def town_unit(buasd: pd.Series, bua: pd.Series, subdivided: set[str]) -> pd.Series:
    """ONS's town unit for each small area: its BUASD, else its BUA if that is not subdivided.

    ONS's English list never shows a subdivided BUA whole (not even one with a single
    BUASD), so an area in a subdivided BUA but in no BUASD belongs to no town.
    """
    whole = bua.astype("string").where(~bua.isin(subdivided))
    return buasd.astype("string").fillna(whole)


def estimate_population(population_2019: pd.Series, ratio: float) -> pd.Series:
    """2011 residents estimated from a best-fit mid-2019 LSOA sum and the calibration ratio."""
    return (population_2019.astype("float64") / ratio).round().astype("Int64")


class _Inputs:
    """Derived tables for one interim_dir, each input read at most once per call."""

    def __init__(self, interim_dir: Path) -> None:
        self.interim_dir = Path(interim_dir)

    # --- interim tables of the raw files --------------------------------------------------

    def _table(self, dataset_id: str) -> pd.DataFrame:
        return interim.read(self.interim_dir, dataset_id)

    @cached_property
    def lsoa01_fit(self) -> pd.DataFrame:
        return self._table("lookup_lsoa01_buasd11_bua11_lad11_rgn11")

    @cached_property
    def lsoa01_to_lsoa11(self) -> pd.DataFrame:
        return self._table("lookup_lsoa01_lsoa11_lad11")

    @cached_property
    def msoa11_fit(self) -> pd.DataFrame:
        return self._table("lookup_msoa11_buasd11_bua11_lad11_rgn11")

    @cached_property
    def lsoa11_to_msoa11(self) -> pd.DataFrame:
        """England and Wales rows only (the file also maps Scottish data zones)."""
        return self._table("lookup_lsoa11_msoa11")

    @cached_property
    def bua_buasd(self) -> pd.DataFrame:
        return self._table("lookup_bua11_buasd11")

    @cached_property
    def bua_lad11(self) -> pd.DataFrame:
        return self._table("lookup_bua11_lad11")

    @cached_property
    def ons_list(self) -> pd.DataFrame:
        """ONS's English towns and cities, vocabularies mapped to this project's labels."""
        frame = self._table("towns_english_education")
        out = pd.DataFrame(
            {
                "town_code": frame["town_code"].astype("string"),
                "town_name": _clean_name(frame["town_name"]),
                "region": frame["region"].astype("string"),
                "population": frame["population"].round().astype("Int64"),
                "size_class": frame["size"].map(ONS_SIZES).astype("string"),
                "coastal_ons": frame["coastal"].map(ONS_COASTAL).astype("boolean"),
                "income_group": frame["income"].map(ONS_INCOME).astype("string"),
                "job_density": frame["job_density"].map(ONS_JOB_DENSITY).astype("string"),
            }
        )
        return out.reset_index(drop=True)

    @cached_property
    def lsoa_lad(self) -> pd.DataFrame:
        frame = self._table("lookup_lsoa11_ltla21")
        out = pd.DataFrame(
            {
                "lsoa11_code": frame["lsoa11_code"],
                "lad_code": frame["ltla21_code"],
                "lad_name": frame["ltla21_name"],
            }
        )
        return out.sort_values("lsoa11_code").reset_index(drop=True)

    @cached_property
    def lad_region(self) -> pd.DataFrame:
        frame = self._table("lookup_ltla21_region21")
        england = pd.DataFrame(
            {
                "lad_code": frame["ltla21_code"],
                "lad_name": frame["ltla21_name"],
                "region_code": frame["region21_code"],
                "region_name": frame["region21_name"],
            }
        )
        welsh = self.lsoa_lad[self.lsoa_lad["lad_code"].str.startswith("W")]
        wales = welsh[["lad_code", "lad_name"]].drop_duplicates("lad_code")
        wales = wales.assign(region_code=WALES_REGION_CODE, region_name=WALES)
        out = pd.concat([england, wales], ignore_index=True)
        missing = set(self.lsoa_lad["lad_code"]) - set(out["lad_code"])
        if missing:
            raise DataError(
                f"local authorities with no region: {sorted(missing)[:5]}",
                file=interim.raw_file("lookup_ltla21_region21"),
            )
        return out.sort_values("lad_code").reset_index(drop=True)

    @cached_property
    def population(self) -> pd.DataFrame:
        """Mid-2019 population per LSOA 2011, for every LSOA the LAD lookup knows."""
        frame = lsoa.population(self.interim_dir)[["lsoa11_code", "population"]]
        missing = sorted(set(self.lsoa_lad["lsoa11_code"]) - set(frame["lsoa11_code"]))
        if missing:
            raise DataError(
                f"no population for LSOA(s) {missing[:5]}",
                file=interim.raw_file("population19_lsoa11"),
                column="lsoa11_code",
            )
        return frame

    # --- derived tables --------------------------------------------------------------------

    @cached_property
    def candidates(self) -> pd.DataFrame:
        parents = self.lsoa01_to_lsoa11.sort_values(["LSOA11CD", "LSOA01CD"])
        counts = parents.groupby("LSOA11CD").size()
        first = parents.drop_duplicates("LSOA11CD").merge(
            self.lsoa01_fit[["LSOA01CD", "BUASD11CD", "BUA11CD"]], on="LSOA01CD", how="left"
        )
        via01 = pd.DataFrame(
            {
                "lsoa11_code": first["LSOA11CD"],
                "lsoa01_code": first["LSOA01CD"].astype("string"),
                "n_lsoa01_parents": first["LSOA11CD"].map(counts).astype("int64"),
                "fit_source": "lsoa01",
                "buasd11_code": first["BUASD11CD"],
                "bua11_code": first["BUA11CD"],
            }
        )
        all_lsoa = self.lsoa_lad[["lsoa11_code"]]
        orphans = pd.DataFrame(
            {"lsoa11_code": sorted(set(all_lsoa["lsoa11_code"]) - set(via01["lsoa11_code"]))}
        )
        msoa = orphans.merge(self.lsoa11_to_msoa11, on="lsoa11_code", how="left")
        msoa = msoa.merge(self.msoa11_fit, left_on="msoa11_code", right_on="MSOA11CD", how="left")
        via11 = pd.DataFrame(
            {
                "lsoa11_code": msoa["lsoa11_code"],
                "lsoa01_code": pd.Series(pd.NA, index=msoa.index, dtype="string"),
                "n_lsoa01_parents": 0,
                "fit_source": "msoa11",
                "buasd11_code": msoa["BUASD11CD"],
                "bua11_code": msoa["BUA11CD"],
            }
        )
        fitted = pd.concat([via01, via11], ignore_index=True)
        out = all_lsoa.merge(fitted, on="lsoa11_code", how="left", validate="one_to_one")
        for col in ("lsoa11_code", "fit_source", "buasd11_code", "bua11_code"):
            out[col] = out[col].astype("string")
        subdivided = subdivided_buas(self.bua_buasd, self.lsoa01_fit, self.msoa11_fit)
        out["unit_code"] = town_unit(out["buasd11_code"], out["bua11_code"], subdivided)
        return out.sort_values("lsoa11_code").reset_index(drop=True)

    @cached_property
    def unit_names(self) -> pd.Series:
        """Clean name per BUA/BUASD code; the LSOA 2001 lookup names the three missing BUASDs."""
        pairs = [
            (self.bua_buasd, "BUA11CD", "BUA11NM"),
            (self.bua_buasd, "BUASD11CD", "BUASD11NM"),
            (self.lsoa01_fit, "BUA11CD", "BUA11NM"),
            (self.lsoa01_fit, "BUASD11CD", "BUASD11NM"),
        ]
        frames = [f[[c, n]].dropna().set_axis(["code", "name"], axis=1) for f, c, n in pairs]
        names = pd.concat(frames).drop_duplicates("code")
        return pd.Series(_clean_name(names["name"]).to_numpy(), index=names["code"].to_numpy())

    @cached_property
    def units(self) -> pd.DataFrame:
        """Every town-like unit that receives an LSOA: population, LSOA count, main LA, nation."""
        fit = self.candidates.dropna(subset=["unit_code"])
        fit = fit.merge(self.population, on="lsoa11_code", how="left")
        sums = fit.groupby("unit_code").agg(
            population_2019=("population", "sum"), n_lsoa=("lsoa11_code", "size")
        )
        units = sums.reset_index().rename(columns={"unit_code": "town_code"})
        lsoa_unit = fit[["lsoa11_code", "unit_code"]].rename(columns={"unit_code": "town_code"})
        units = assign_town_lads(units, lsoa_unit, self.lsoa_lad, self.population)
        units["nation"] = units["lad_code"].str[0].map({"E": "England", "W": WALES})
        units["population_2019"] = units["population_2019"].astype("Int64")
        return units

    @cached_property
    def english_fit(self) -> pd.DataFrame:
        towns = self.ons_list[self.ons_list["size_class"] != "city"]
        fit = towns[["town_code", "town_name", "region", "size_class", "population"]].merge(
            self.units[["town_code", "population_2019", "n_lsoa"]], on="town_code", how="inner"
        )
        fit["ratio"] = fit["population_2019"].astype("float64") / fit["population"].astype(
            "float64"
        )
        return fit.sort_values("town_code").reset_index(drop=True)

    @cached_property
    def calibration_ratio(self) -> float:
        fit = self.english_fit
        return float(fit.loc[fit["region"] == CALIBRATION_REGION, "ratio"].median())

    @cached_property
    def welsh_units(self) -> pd.DataFrame:
        """Units not on ONS's English list whose population lies mostly in Welsh LSOAs."""
        units = self.units[
            (self.units["nation"] == WALES)
            & ~self.units["town_code"].isin(self.ons_list["town_code"])
        ].copy()
        units["population"] = estimate_population(units["population_2019"], self.calibration_ratio)
        units["size_class"] = size_class(units["population"])
        units["town_name"] = units["town_code"].map(self.unit_names).astype("string")
        path = interim.raw_file("lookup_bua11_buasd11")
        load.fail_at(
            units, "town_code", units["town_name"].isna(), path, "built-up area has no name"
        )
        columns = ["town_code", "town_name", "lad_code", "lad_name", "population_2019", "n_lsoa",
                   "population", "size_class"]  # fmt: skip
        return units[columns].sort_values("town_code").reset_index(drop=True)

    @cached_property
    def universe(self) -> pd.DataFrame:
        english = self.ons_list[self.ons_list["size_class"] != "city"].assign(
            nation="England", population_source=SOURCE_ONS
        )
        english = english.merge(
            self.units[["town_code", "population_2019", "n_lsoa"]], on="town_code", how="left"
        )
        welsh = self.welsh_units[self.welsh_units["size_class"].notna()].assign(
            nation=WALES,
            region=WALES,
            population_source=SOURCE_ESTIMATED,
            coastal_ons=pd.NA,
            income_group=pd.NA,
            job_density=pd.NA,
        )
        columns = [c for c in UNIVERSE_COLUMNS if c not in ("lad_code", "lad_name")]
        towns = pd.concat([english[columns], welsh[columns]], ignore_index=True)
        for col in ("nation", "population_source", "income_group", "job_density"):
            towns[col] = towns[col].astype("string")
        towns["n_lsoa"] = towns["n_lsoa"].fillna(0).astype("int64")
        towns["population_2019"] = towns["population_2019"].astype("Int64")
        towns["coastal_ons"] = towns["coastal_ons"].astype("boolean")
        towns = towns.merge(self._lads_without_lsoas(towns), on="town_code", how="left")
        towns = assign_town_lads(towns, self.lsoa_town, self.lsoa_lad, self.population)
        towns["town_name"] = disambiguate_names(towns)
        return towns[UNIVERSE_COLUMNS].sort_values("town_code").reset_index(drop=True)

    def _lads_without_lsoas(self, towns: pd.DataFrame) -> pd.DataFrame:
        """The 2011 LA of a town no LSOA centroid falls in, when it lies in one current LA."""
        empty = towns.loc[towns["n_lsoa"] == 0, ["town_code"]]
        lads = self.bua_lad11.rename(columns={"BUA11CD": "town_code", "LAD11CD": "lad_code"})
        lads = empty.merge(lads, on="town_code")
        lads = lads[~lads["town_code"].duplicated(keep=False)]
        names = self.lsoa_lad.drop_duplicates("lad_code").set_index("lad_code")["lad_name"]
        lads = lads.assign(lad_name=lads["lad_code"].map(names)).dropna(subset=["lad_name"])
        return lads.astype("string")

    @cached_property
    def universe_codes(self) -> set[str]:
        english = self.ons_list.loc[self.ons_list["size_class"] != "city", "town_code"]
        welsh = self.welsh_units.loc[self.welsh_units["size_class"].notna(), "town_code"]
        return set(english) | set(welsh)

    @cached_property
    def lsoa_town(self) -> pd.DataFrame:
        fit = self.candidates[self.candidates["unit_code"].isin(self.universe_codes)]
        fit = fit.rename(columns={"unit_code": "town_code"})[["lsoa11_code", "town_code"]]
        return fit.sort_values("lsoa11_code").reset_index(drop=True)


def assign_town_lads(
    universe: pd.DataFrame,
    lsoa_town: pd.DataFrame,
    lsoa_lad: pd.DataFrame,
    population: pd.DataFrame,
) -> pd.DataFrame:
    """`universe` with `lad_code`/`lad_name`: the LA holding most of the town's mid-2019 people.

    Ties go to the lowest LA code. A town with no LSOA keeps the LA it already carries, if any.
    """
    shares = lsoa_town[["lsoa11_code", "town_code"]].merge(
        lsoa_lad[["lsoa11_code", "lad_code", "lad_name"]], on="lsoa11_code", how="left"
    )
    shares = shares.merge(population[["lsoa11_code", "population"]], on="lsoa11_code", how="left")
    if shares["lad_code"].isna().any() or shares["population"].isna().any():
        bad = shares.loc[shares["lad_code"].isna() | shares["population"].isna(), "lsoa11_code"]
        raise DataError(f"LSOA(s) without a local authority or population: {sorted(bad)[:5]}")
    totals = shares.groupby(["town_code", "lad_code", "lad_name"], as_index=False)[
        "population"
    ].sum()
    totals = totals.sort_values(
        ["town_code", "population", "lad_code"], ascending=[True, False, True]
    )
    main = totals.drop_duplicates("town_code").set_index("town_code")
    out = universe.copy()
    for col in ("lad_code", "lad_name"):
        assigned = out["town_code"].map(main[col]).astype("string")
        if col in out.columns:
            assigned = assigned.fillna(out[col].astype("string"))
        out[col] = assigned
    return out


def disambiguate_names(towns: pd.DataFrame) -> pd.Series:
    """Town names, with ' (LA name)' appended where two towns would otherwise read the same."""
    names = towns["town_name"].astype("string")
    key = names.map(normalise_name)
    shared = key.duplicated(keep=False)
    names = names.where(~shared, names + " (" + towns["lad_name"].astype("string") + ")")
    clash = names.map(normalise_name).duplicated(keep=False)
    if clash.any():
        raise DataError(f"town names still ambiguous after adding the LA: {sorted(names[clash])}")
    return names


def lsoa11_to_town_candidates(interim_dir: Path) -> pd.DataFrame:
    """Every E&W LSOA 2011 with its best-fit 2011 BUASD and BUA (via LSOA 2001) and town unit.

    Columns: lsoa11_code, lsoa01_code (the parent used), n_lsoa01_parents, fit_source
    ('lsoa01', or 'msoa11' for the four 2011 LSOAs with no 2001 parent), buasd11_code,
    bua11_code, unit_code (the BUASD, or the BUA when it is not subdivided; NA outside).
    An LSOA 2011 with several 2001 parents takes the parent with the lowest code.
    """
    return _Inputs(interim_dir).candidates


def english_cities(interim_dir: Path) -> pd.DataFrame:
    """ONS's 18 English cities (over 225,000 residents): context, not towns."""
    ons = _Inputs(interim_dir).ons_list
    cities = ons[ons["size_class"] == "city"]
    return (
        cities[["town_code", "town_name", "region", "population"]]
        .sort_values("town_code")
        .reset_index(drop=True)
    )


def english_population_fit(interim_dir: Path) -> pd.DataFrame:
    """English towns: ONS 2011 population vs their best-fit mid-2019 LSOA sum (and the ratio)."""
    return _Inputs(interim_dir).english_fit


def population_calibration(interim_dir: Path) -> float:
    """Median best-fit-mid-2019 / ONS-2011 ratio in CALIBRATION_REGION (divides Welsh sums)."""
    return _Inputs(interim_dir).calibration_ratio


def welsh_units(interim_dir: Path) -> pd.DataFrame:
    """Every Welsh unit with LSOAs: estimated 2011 population, size class (NA = not a town)."""
    return _Inputs(interim_dir).welsh_units


def town_universe(interim_dir: Path) -> pd.DataFrame:
    """One row per town of 5,000-225,000 residents in England and Wales, sorted by code."""
    return _Inputs(interim_dir).universe


def lsoa11_to_town(interim_dir: Path) -> pd.DataFrame:
    """Best-fit LSOA 2011 -> town for the universe; LSOAs in no town are absent."""
    return _Inputs(interim_dir).lsoa_town


def lsoa11_to_lad(interim_dir: Path) -> pd.DataFrame:
    """Every E&W LSOA 2011 -> local authority district (April 2021 LTLA)."""
    return _Inputs(interim_dir).lsoa_lad


def lad_to_region(interim_dir: Path) -> pd.DataFrame:
    """Every 2021 LTLA -> English region; Welsh authorities -> 'Wales' (W92000004)."""
    return _Inputs(interim_dir).lad_region


def _listing(units: pd.DataFrame, *, with_population: bool = True) -> str:
    """'Name CODE [population]' items, so a printed figure can be checked by hand."""
    items = [f"{r.town_name} {r.town_code}" for r in units.itertuples()]
    if with_population:
        items = [
            f"{item} {r.population:,}" for item, r in zip(items, units.itertuples(), strict=True)
        ]
    return ", ".join(items) or "none"


def coverage(interim_dir: Path) -> dict[str, int | float | str]:
    """Figures to print after building the universe: how much of E&W the towns cover."""
    inputs = _Inputs(interim_dir)
    towns = inputs.universe
    lsoa_town = inputs.lsoa_town
    pop = inputs.population.merge(lsoa_town, on="lsoa11_code", how="left")
    out: dict[str, int | float | str] = {"towns": len(towns)}
    for nation in ("England", WALES):
        of_nation = towns[towns["nation"] == nation]
        out[f"towns_{nation.lower()}"] = len(of_nation)
        for size in SIZE_CLASSES:
            out[f"towns_{nation.lower()}_{size}"] = int((of_nation["size_class"] == size).sum())
    out["towns_with_lsoa"] = int((towns["n_lsoa"] > 0).sum())
    empty = towns[towns["n_lsoa"] == 0]
    out["towns_without_lsoa"] = _listing(empty, with_population=False)
    in_town = pop["town_code"].notna()
    for nation, letter in (("england", "E"), ("wales", "W")):
        of_nation = pop["lsoa11_code"].str.startswith(letter)
        out[f"lsoas_in_towns_{nation}"] = int((in_town & of_nation).sum())
        out[f"lsoas_{nation}"] = int(of_nation.sum())
        share = (
            pop.loc[in_town & of_nation, "population"].sum()
            / pop.loc[of_nation, "population"].sum()
        )
        out[f"population_share_in_towns_{nation}"] = round(float(share), 4)
    share = pop.loc[in_town, "population"].sum() / pop["population"].sum()
    out["population_share_in_towns"] = round(float(share), 4)
    fit = inputs.english_fit["ratio"]
    out["english_fit_ratio_median"] = round(float(fit.median()), 4)
    out["english_fit_ratio_p05_p95"] = f"{fit.quantile(0.05):.3f}-{fit.quantile(0.95):.3f}"
    out["welsh_calibration_ratio"] = round(inputs.calibration_ratio, 4)
    welsh = inputs.welsh_units.sort_values(["population", "town_code"], ascending=[False, True])
    cities = welsh[welsh["population"] >= TOWN_MAX]
    out["welsh_units_over_225000"] = _listing(cities)
    near = welsh[(welsh["population"] >= 0.8 * TOWN_MIN) & (welsh["population"] < 1.25 * TOWN_MIN)]
    out["welsh_units_4000_to_6250"] = _listing(near)
    return out
