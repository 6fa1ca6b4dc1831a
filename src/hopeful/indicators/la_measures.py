"""Local-authority inputs of the economy, health, migration and well-being clusters, on 2021
authorities (2021 LTLA, `lad_code`), ready to be inherited by towns ("inherited_la").

Each file uses the codes of its own year; all are carried to the April 2021 authorities with
the ONS code history (humaniverse-geographr lookup_ltla_ltla, one row per district with its
2016 ... 2024 codes). Where districts merged, counts are summed before dividing (pubs,
deaths, furloughed and eligible employments), which gives the merged area's exact figure.
Where a 2023 unitary replaced several 2021 districts (Cumberland, North Yorkshire, Somerset,
Westmorland and Furness), each district takes the unitary's rate. Rates divide by the mid-2019
population of the authority (sum of its LSOA 2011 mid-2019 estimates), the one population
the project holds for every authority of both nations.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim, load
from hopeful.errors import DataError
from hopeful.indicators import lsoa11_measures, politics

__all__ = [
    "ASYLUM_DATE",
    "DRUG_YEARS",
    "PAY_BASE_YEARS",
    "PAY_END_YEARS",
    "WELLBEING_YEARS",
    "asylum_dispersal",
    "drug_deaths",
    "furlough",
    "la_measures",
    "la_population",
    "ltla21_to_ltla23",
    "pay_growth",
    "pubs_change",
    "wellbeing",
]

DRUG_YEARS = range(2016, 2021)  # five registration years pooled: single-year counts are small
# Three-year means at each end cut ASHE's sampling noise; 2025 (provisional) is left out.
PAY_BASE_YEARS = range(2008, 2011)
PAY_END_YEARS = range(2022, 2025)
WELLBEING_YEARS = range(2020, 2023)  # financial years 2020/21, 2021/22 and 2022/23
ASYLUM_DATE = "2024-09-30"  # the latest quarter of the Home Office table in the mirror
WELLBEING_MEASURES = ["life_satisfaction", "happiness", "worthwhile", "anxiety"]
EW_LA = r"^(E0[6789]|W06)\d{6}$"


def _vintages(interim_dir: Path) -> pd.DataFrame:
    """E&W rows of the code history: 2019, 2021 and 2023 codes of every district."""
    frame = interim.read(interim_dir, "lookup_ltla_ltla")
    frame = frame[frame["ltla21_code"].astype(str).str.match(EW_LA)]
    return frame[["ltla19_code", "ltla21_code", "ltla23_code"]].drop_duplicates().astype(str)


def _one_to_one(pairs: pd.DataFrame, key: str, value: str) -> pd.Series:
    """`key` -> `value` where each key has one value (a split district would be an error)."""
    pairs = pairs[[key, value]].drop_duplicates()
    load.check_unique(pairs, key, interim.raw_file("lookup_ltla_ltla"))
    return pairs.set_index(key)[value]


def _require_mapped(frame: pd.DataFrame, column: str, mapped: pd.Series, dataset_id: str) -> None:
    load.fail_at(frame, column, mapped.isna(), interim.raw_file(dataset_id),
                 "authority code not in the LA code history")  # fmt: skip


def la_population(interim_dir: Path) -> pd.Series:
    """Mid-2019 residents per 2021 authority: the sum of its LSOA 2011 estimates."""
    pop = lsoa11_measures.population19(interim_dir)[["lsoa11_code", "pop19"]]
    lookup = interim.read(interim_dir, "lookup_lsoa11_ltla21")[["lsoa11_code", "ltla21_code"]]
    rows = pop.merge(lookup, on="lsoa11_code", how="left", validate="one_to_one")
    if rows["ltla21_code"].isna().any():
        raise DataError(
            "an LSOA 2011 has no 2021 authority", file=interim.raw_file("lookup_lsoa11_ltla21")
        )
    return rows.groupby("ltla21_code")["pop19"].sum().rename_axis("lad_code")


def pubs_change(interim_dir: Path) -> pd.Series:
    """Relative change in pub and bar workplaces 2001 -> 2018 per 2021 authority."""
    frame = interim.read(interim_dir, "pubs_bars_la")
    to21 = politics.ltla16_to_ltla21(interim_dir).set_index("ltla16_code")["lad_code"]
    lad = frame["lad_code"].map(to21)
    _require_mapped(frame, "lad_code", lad, "pubs_bars_la")
    sums = frame[["pubs_2001", "pubs_2018"]].groupby(lad).sum()
    return (sums["pubs_2018"] / sums["pubs_2001"].where(sums["pubs_2001"] > 0) - 1).rename(
        "pubs_change_2001_2018"
    )


def drug_deaths(interim_dir: Path) -> pd.Series:
    """Drug-poisoning deaths registered 2016-2020 per 100,000 residents a year (mid-2019)."""
    frame = interim.read(interim_dir, "drug_poisoning_deaths_la21").set_index("lad_code")
    deaths = frame[[f"deaths_{y}" for y in DRUG_YEARS]].sum(axis=1)
    pop = la_population(interim_dir)
    unknown = sorted(set(deaths.index) - set(pop.index))
    if unknown:
        raise DataError(
            f"authorities not of April 2021: {unknown[:5]}",
            file=interim.raw_file("drug_poisoning_deaths_la21"),
            column="code",
        )
    rate = deaths / (len(DRUG_YEARS) * pop.reindex(deaths.index)) * 100_000
    return rate.rename("drug_death_rate").sort_index()


def furlough(interim_dir: Path) -> pd.Series:
    """CJRS take-up to 31 July 2020 per 2021 authority: furloughed over eligible employments
    (eligible = furloughed / rate), summed over merged 2019 districts. The four former
    Buckinghamshire districts have no values (HMRC published only the new unitary, which the
    December 2019 file does not hold), so Buckinghamshire stays missing."""
    frame = interim.read(interim_dir, "lockdown_furlough_asylum_la19")
    to21 = _one_to_one(_vintages(interim_dir), "ltla19_code", "ltla21_code")
    lad = frame["lad19_code"].map(to21)
    _require_mapped(frame, "lad19_code", lad, "lockdown_furlough_asylum_la19")
    known = frame["furlough_rate"].notna()
    eligible = frame["furlough_count"] / frame["furlough_rate"]
    counts = pd.DataFrame({"n": frame["furlough_count"], "eligible": eligible, "known": known})
    sums = counts.groupby(lad).agg(n=("n", "sum"), eligible=("eligible", "sum"),
                                   complete=("known", "all"))  # fmt: skip
    rate = (sums["n"] / sums["eligible"]).where(sums["complete"])
    return rate.rename("furlough_rate_2020")


def ltla21_to_ltla23(interim_dir: Path) -> pd.Series:
    """2021 authority -> its April 2023 authority (itself, or the unitary that absorbed it)."""
    return _one_to_one(_vintages(interim_dir), "ltla21_code", "ltla23_code")


def pay_growth(interim_dir: Path) -> tuple[pd.Series, pd.Series]:
    """Relative change in median gross weekly pay of residents (nominal) from its 2008-2010
    mean to its 2022-2024 mean, per 2021 authority, and where it came from.

    The file is on April 2023 codes: a 2021 district absorbed in 2023 takes its unitary's
    growth. Unitaries created 2019-2023 (Bournemouth, Christchurch and Poole; the two
    Northamptonshires; Cumberland; Westmorland and Furness; East and West Suffolk) have no
    values before they existed and their predecessors are not in the file: they take the
    growth of their region (Wales: of Wales). Returns (growth, source: 'la' or 'region').
    """
    frame = interim.read(interim_dir, "weekly_pay_residents_la")
    wide = frame.pivot(index="area_code", columns="year", values="pay")
    base = wide.reindex(columns=list(PAY_BASE_YEARS)).mean(axis=1)
    end = wide.reindex(columns=list(PAY_END_YEARS)).mean(axis=1)
    growth = end / base - 1
    to23 = ltla21_to_ltla23(interim_dir)
    region = _lad_region(interim_dir)
    own = to23.map(growth)
    fallback = region.reindex(to23.index).map(growth)
    out = own.fillna(fallback)
    source = pd.Series("la", index=to23.index).where(own.notna(), "region")
    if out.isna().any():
        missing = sorted(out.index[out.isna()])
        raise DataError(
            f"no pay growth for authorities {missing[:5]} or their region",
            file=interim.raw_file("weekly_pay_residents_la"),
            column="areacd",
        )
    out.index.name = source.index.name = "lad_code"
    return out.rename("pay_growth").sort_index(), source.sort_index()


def _lad_region(interim_dir: Path) -> pd.Series:
    """2021 authority -> its English region code, or Wales (W92000004) for a Welsh one."""
    regions = interim.read(interim_dir, "lookup_ltla21_region21")
    english = regions.set_index("ltla21_code")["region21_code"]
    welsh = [c for c in ltla21_to_ltla23(interim_dir).index if c.startswith("W")]
    return pd.concat([english, pd.Series("W92000004", index=welsh)])


def asylum_dispersal(interim_dir: Path) -> pd.Series:
    """People in Section 95 dispersal accommodation at 30 September 2024 per 10,000
    residents (mid-2019), per 2021 authority; authorities the Home Office does not list have
    none (0). A 2023 unitary's rate is given to each of its 2021 districts."""
    frame = interim.read(interim_dir, "asylum_support_la")
    latest = frame["date"].max()
    if latest != ASYLUM_DATE:
        raise DataError(
            f"latest quarter is {latest}, expected {ASYLUM_DATE}: update ASYLUM_DATE and docs",
            file=interim.raw_file("asylum_support_la"),
            column="Date",
        )
    wanted = (
        (frame["date"] == ASYLUM_DATE)
        & (frame["support_type"] == "Section 95")
        & (frame["accommodation"] == "dispersal")
    )
    people = frame[wanted].groupby("lad_code")["people"].sum()
    to23 = ltla21_to_ltla23(interim_dir)
    unknown = sorted(set(people.index) - set(to23))
    if unknown:
        raise DataError(
            f"authority codes of {ASYLUM_DATE} not in the code history: {unknown[:5]}",
            file=interim.raw_file("asylum_support_la"),
            column="LAD Code",
        )
    pop23 = la_population(interim_dir).groupby(to23).sum()
    rate23 = people.reindex(pop23.index, fill_value=0) / pop23 * 10_000
    return to23.map(rate23).rename("asylum_dispersal_rate").rename_axis("lad_code").sort_index()


def wellbeing(interim_dir: Path) -> pd.DataFrame:
    """ONS personal well-being per 2021 authority: the mean of the published annual means
    over 2020/21-2022/23 (years without a reliable estimate left out)."""
    frame = interim.read(interim_dir, "wellbeing_la")
    frame = frame[frame["area_code"].str.match(EW_LA) & frame["year"].isin(WELLBEING_YEARS)]
    return frame.groupby("area_code")[WELLBEING_MEASURES].mean().rename_axis("lad_code")


def la_measures(interim_dir: Path) -> pd.DataFrame:
    """Every LA-level input above, one row per 2021 authority (lad_code column first)."""
    growth, _source = pay_growth(interim_dir)
    series = [
        pubs_change(interim_dir),
        drug_deaths(interim_dir),
        furlough(interim_dir),
        growth,
        asylum_dispersal(interim_dir),
    ]
    out = pd.concat([*series, wellbeing(interim_dir)], axis=1).rename_axis("lad_code")
    return out.sort_index().reset_index()
