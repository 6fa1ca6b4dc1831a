"""Inputs published on LSOA 2021: Census 2021 tables, English IoD 2025 and CNI 2023.

Each function reads the validated interim tables of its files and returns one row per LSOA
2021 with this package's column names; hopeful.indicators.convert gives each LSOA 2021 its town.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim
from hopeful.errors import DataError
from hopeful.indicators.aggregate import deprivation_percentile
from hopeful.indicators.tidy import deprived_households

AGE_GROUPS = {
    "Aged 15 years and under": "age_0_15",
    "Aged 16 to 24 years": "age_16_24",
    "Aged 25 to 34 years": "age_25_34",
    "Aged 35 to 49 years": "age_35_49",
    "Aged 50 to 64 years": "age_50_64",
    "Aged 65 years and over": "age_65plus",
}
ETHNIC_GROUPS = {
    "Asian, Asian British or Asian Welsh": "eth_asian",
    "Black, Black British, Black Welsh, Caribbean or African": "eth_black",
    "Mixed or Multiple ethnic groups": "eth_mixed",
    "White": "eth_white",
    "Other ethnic group": "eth_other",
}
TENURES = {
    "Owned: Owns outright": "owned_outright",
    "Owned: Owns with a mortgage or loan": "owned_mortgage",
    "Shared ownership: Shared ownership": "shared_ownership",
    "Social rented: Rents from council or Local Authority": "social_council",
    "Social rented: Other social rented": "social_other",
    "Private rented: Private landlord or letting agency": "private_landlord",
    "Private rented: Other private rented": "private_other",
    "Lives rent free": "rent_free",
}
HOUSEHOLDS21 = "census21_deprivation_england_wales_lsoa21"
CNI23_RANKS = ["cni_need", "cni_civic_assets", "cni_connectedness", "cni_engagement"]
DISABILITY = {
    "Disabled under the Equality Act": "disabled",
    "Not disabled under the Equality Act": "not_disabled",
}


def _wide(interim_dir: Path, dataset_id: str, labels: dict[str, str]) -> pd.DataFrame:
    """A Census table as one row per LSOA 2021 (indexed by code), columns renamed by labels."""
    wide = interim.read(interim_dir, dataset_id).set_index("lsoa21_code")
    return wide[list(labels)].rename(columns=labels)


def census2021(interim_dir: Path) -> pd.DataFrame:
    """Census 2021 counts per LSOA 2021: residents by age and ethnic group, disability,
    households by tenure and by number of deprivation dimensions."""
    ages = _wide(interim_dir, "census21_pop", AGE_GROUPS)
    ethnic = _wide(interim_dir, "ethnicity21_lsoa21", ETHNIC_GROUPS)
    tenure = _wide(interim_dir, "household_tenure21_lsoa21", TENURES)
    disability = _wide(interim_dir, "disability21_lsoa21_ew", DISABILITY)
    deprivation = interim.read(interim_dir, HOUSEHOLDS21).set_index("lsoa21_code")
    out = pd.DataFrame(index=ages.index)
    out["residents"] = ages.sum(axis=1)
    out["age_0_15"] = ages["age_0_15"]
    out["age_16_64"] = ages[["age_16_24", "age_25_34", "age_35_49", "age_50_64"]].sum(axis=1)
    out["age_25_64"] = ages[["age_25_34", "age_35_49", "age_50_64"]].sum(axis=1)
    out["age_65plus"] = ages["age_65plus"]
    parts = [
        (ethnic, "ethnicity21_lsoa21"),
        (disability.assign(disability_total=disability.sum(axis=1)), "disability21_lsoa21_ew"),
        (_tenure_groups(tenure), "household_tenure21_lsoa21"),
        (deprived_households(deprivation, "hh21"), HOUSEHOLDS21),
    ]
    for frame, dataset_id in parts:
        _same_areas(out.index, frame.index, dataset_id, "census21_pop")
        out = out.join(frame)
    out["eth_total"] = out[list(ETHNIC_GROUPS.values())].sum(axis=1)
    return out.rename_axis("lsoa21_code").sort_index().reset_index()


def _tenure_groups(tenure: pd.DataFrame) -> pd.DataFrame:
    """Owner-occupied (outright or mortgage), social and private rented, and all households."""
    return pd.DataFrame(
        {
            "households": tenure.sum(axis=1),
            "owner_occupied": tenure["owned_outright"] + tenure["owned_mortgage"],
            "social_rented": tenure["social_council"] + tenure["social_other"],
            "private_rented": tenure["private_landlord"] + tenure["private_other"],
        }
    )


def _same_areas(expected: pd.Index, found: pd.Index, dataset_id: str, reference: str) -> None:
    """Census tables must cover the same LSOAs: a gap would silently shrink a town's totals."""
    missing = expected.difference(found)
    extra = found.difference(expected)
    if len(missing) or len(extra):
        raise DataError(
            f"LSOA 2021 codes differ from {interim.raw_file(reference).name}: "
            f"missing {list(missing[:5])}, extra {list(extra[:5])}",
            file=interim.raw_file(dataset_id),
            column="lsoa21_code",
        )


def iod2025(interim_dir: Path) -> tuple[pd.DataFrame, int]:
    """English IoD 2025 per LSOA 2021: IMD score and rank, within-England IMD percentile,
    income rate and the underlying indicators used as town indicators; plus the number of
    ranked LSOAs (the denominator of the national percentiles)."""
    out = interim.read(interim_dir, "imd2025_england_lsoa21")
    n = len(out)
    out.insert(3, "dep_imd25", deprivation_percentile(out["imd25_rank"], n))
    values = interim.read(interim_dir, "imd2025_england_lsoa21_indicators")
    values["violence"] = values["violence_injury"] + values["violence_no_injury"]
    _same_areas(
        pd.Index(out["lsoa21_code"]),
        pd.Index(values["lsoa21_code"]),
        "imd2025_england_lsoa21_indicators",
        "imd2025_england_lsoa21",
    )
    out = out.merge(values, on="lsoa21_code", how="left", validate="one_to_one")
    return out.sort_values("lsoa21_code").reset_index(drop=True), n


def cni2023(interim_dir: Path) -> pd.DataFrame:
    """Community Needs Index 2023 (England, LSOA 2021): need percentiles (100 = most need) of
    the overall index and its three domains, and the left-behind flag as 1/0."""
    frame = interim.read(interim_dir, "cni2023_england_lsoa21")
    n = len(frame)
    out = pd.DataFrame(
        {name: deprivation_percentile(frame[name], n) for name in CNI23_RANKS},
        index=frame.index,
    )
    out["left_behind"] = frame["left_behind"]
    out.insert(0, "lsoa21_code", frame["lsoa21_code"])
    return out.sort_values("lsoa21_code").reset_index(drop=True)
