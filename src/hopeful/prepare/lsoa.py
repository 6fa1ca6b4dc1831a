"""The LSOA 2011 table: one row per small area with population and deprivation, validated."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import load
from hopeful.errors import DataError

POPULATION = ("humaniverse-demographr", "population19_lsoa11.rda")
IMD19_ENGLAND = ("humaniverse-imd", "imd2019_england_lsoa11.rda")
IMD19_WALES = ("humaniverse-imd", "imd2019_wales_lsoa11.rda")
UK_COMPOSITE = ("mysociety-composite-uk-imd", "UK_IMD_E.csv")

AGES_65_PLUS = [str(age) for age in range(65, 90)] + ["90+"]
# IoD's working age is 18-59 for women and 18-64 for men; without a sex split 18-64 stands in.
AGES_18_64 = [str(age) for age in range(18, 65)]


def _path(raw_dir: Path, source: tuple[str, str]) -> Path:
    return Path(raw_dir) / source[0] / source[1]


def population(raw_dir: Path) -> pd.DataFrame:
    """Mid-2019 population and people aged 65+ per LSOA 2011 (the weights for every aggregate)."""
    path = _path(raw_dir, POPULATION)
    frame = load.read_rda(
        path, required=["lsoa11_code", "total_population", *AGES_18_64, *AGES_65_PLUS]
    )
    load.check_codes(frame, "lsoa11_code", "lsoa", path)
    load.check_unique(frame, "lsoa11_code", path)
    total = load.check_numeric(frame, "total_population", path, low=0, low_inclusive=False)
    aged = sum(load.check_numeric(frame, col, path, low=0) for col in AGES_65_PLUS)
    working = sum(load.check_numeric(frame, col, path, low=0) for col in AGES_18_64)
    return pd.DataFrame(
        {
            "lsoa11_code": frame["lsoa11_code"].astype(str),
            "population": total.astype("int64"),
            "population_65plus": aged.astype("int64"),
            "population_18_64": working.astype("int64"),
        }
    )


def imd2019_england(raw_dir: Path) -> pd.DataFrame:
    """IoD2019 ranks (humaniverse) joined to the scores and rates (mySociety) for English LSOAs."""
    ranks_path = _path(raw_dir, IMD19_ENGLAND)
    ranks = load.read_rda(
        ranks_path, required=["lsoa11_code", "IMD_rank", "Income_rank", "Employment_rank"]
    )
    load.check_codes(ranks, "lsoa11_code", "lsoa", ranks_path)
    load.check_unique(ranks, "lsoa11_code", ranks_path)
    out = pd.DataFrame({"lsoa11_code": ranks["lsoa11_code"].astype(str)})
    for col, name in [
        ("IMD_rank", "imd19_rank"),
        ("Income_rank", "imd19_income_rank"),
        ("Employment_rank", "imd19_employment_rank"),
    ]:
        out[name] = _ranks(ranks, col, ranks_path)
    scores = uk_composite(raw_dir)
    scores = scores[scores["nation"] == "E"]
    out = out.merge(
        scores[["lsoa11_code", "local_score", "income_rate", "employment_rate"]].rename(
            columns={
                "local_score": "imd19_score",
                "income_rate": "imd19_income_score",
                "employment_rate": "imd19_employment_score",
            }
        ),
        on="lsoa11_code",
        how="left",
        validate="one_to_one",
    )
    return out


def wimd2019(raw_dir: Path) -> pd.DataFrame:
    """WIMD 2019 overall score and rank for Welsh LSOAs."""
    path = _path(raw_dir, IMD19_WALES)
    frame = load.read_rda(path, required=["lsoa11_code", "IMD_rank", "IMD_score"])
    load.check_codes(frame, "lsoa11_code", "lsoa", path)
    load.check_unique(frame, "lsoa11_code", path)
    return pd.DataFrame(
        {
            "lsoa11_code": frame["lsoa11_code"].astype(str),
            "wimd19_rank": _ranks(frame, "IMD_rank", path),
            "wimd19_score": load.check_numeric(frame, "IMD_score", path, low=0, high=100),
        }
    )


def uk_composite(raw_dir: Path) -> pd.DataFrame:
    """mySociety's UK-comparable composite IMD, restricted to England and Wales."""
    path = _path(raw_dir, UK_COMPOSITE)
    frame = load.read_csv(
        path,
        required=[
            "nation",
            "lsoa",
            "overall_local_score",
            "income_score",
            "employment_score",
            "UK_IMD_E_score",
            "UK_IMD_E_rank",
        ],
    )
    n_uk = len(frame)
    uk_rank = _ranks(frame, "UK_IMD_E_rank", path)
    # mySociety averages tied ranks (x.5); the IoD convention gives ties the lowest rank.
    frame["UK_IMD_E_rank"] = uk_rank.rank(method="min")
    # Not re-indexed: errors below then name the row of the file, not of the filtered frame.
    frame = frame[frame["nation"].isin(["E", "W"])]
    load.check_codes(frame, "lsoa", "lsoa", path)
    load.check_unique(frame, "lsoa", path)
    return pd.DataFrame(
        {
            "lsoa11_code": frame["lsoa"].astype(str),
            "nation": frame["nation"],
            "local_score": load.check_numeric(frame, "overall_local_score", path, low=0, high=100),
            # mySociety publishes the rates as percentages; the project stores fractions of 1.
            "income_rate": load.check_numeric(frame, "income_score", path, low=0, high=100) / 100,
            "employment_rate": load.check_numeric(frame, "employment_score", path, low=0, high=100)
            / 100,
            "uk_imd_score": load.check_numeric(frame, "UK_IMD_E_score", path),
            "uk_imd_rank": load.check_numeric(frame, "UK_IMD_E_rank", path, low=1, high=n_uk),
        }
    ).reset_index(drop=True)


def _ranks(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """National ranks run 1..rows: a rank past the row count means a row is missing."""
    n = len(frame)
    values = load.check_numeric(frame, column, path, low=1)
    above = values > n
    if above.any():
        pos = int(above.to_numpy().nonzero()[0][0])
        raise DataError(
            f"rank {values.iloc[pos]:g} is higher than the file's {n} rows: "
            "a row is missing or the rank is wrong",
            file=path,
            column=column,
            row=load.row_number(frame, pos),
        )
    return values


def _require_same_areas(table: pd.DataFrame, other: pd.DataFrame, path: Path, what: str) -> None:
    """Every LSOA of `table` (the population file) has a row in `other` and vice versa."""
    missing = sorted(set(table["lsoa11_code"]) - set(other["lsoa11_code"]))
    extra = sorted(set(other["lsoa11_code"]) - set(table["lsoa11_code"]))
    if missing:
        raise DataError(
            f"{len(missing)} {what} LSOA(s) of the population file have no row here, "
            f"e.g. {missing[:3]}",
            file=path,
            column="lsoa11_code",
        )
    if extra:
        raise DataError(
            f"{len(extra)} LSOA(s) are not in the population file "
            f"({POPULATION[1]}), e.g. {extra[:3]}",
            file=path,
            column="lsoa11_code",
        )


def uk_area_count(raw_dir: Path) -> int:
    """Small areas in the whole UK composite, the denominator of its ranks."""
    path = _path(raw_dir, UK_COMPOSITE)
    return len(load.read_csv(path, required=["nation", "lsoa"]))


def lsoa_table(raw_dir: Path) -> pd.DataFrame:
    """Every England and Wales LSOA 2011 with population, age and deprivation, sorted by code."""
    table = population(raw_dir)
    table["nation"] = table["lsoa11_code"].str[0].map({"E": "England", "W": "Wales"})
    england, wales = (table[table["nation"] == n] for n in ("England", "Wales"))
    imd = imd2019_england(raw_dir)
    wimd = wimd2019(raw_dir)
    uk = uk_composite(raw_dir)[["lsoa11_code", "uk_imd_score", "uk_imd_rank"]]
    # A left join would silently leave an LSOA without deprivation (or drop one): refuse it.
    _require_same_areas(england, imd, _path(raw_dir, IMD19_ENGLAND), "English")
    _require_same_areas(wales, wimd, _path(raw_dir, IMD19_WALES), "Welsh")
    _require_same_areas(table, uk, _path(raw_dir, UK_COMPOSITE), "English or Welsh")
    table = table.merge(imd, on="lsoa11_code", how="left", validate="one_to_one")
    table = table.merge(wimd, on="lsoa11_code", how="left", validate="one_to_one")
    table = table.merge(uk, on="lsoa11_code", how="left", validate="one_to_one")
    return table.sort_values("lsoa11_code").reset_index(drop=True)
