"""Census 2021 output-area tables summed to LSOA 2021 (country of birth, general health,
NS-SeC, occupation, qualifications).

The five tables (data/census21_oa.toml) are read per output area 2021 and summed to LSOA 2021
through the ONS OA -> LSOA lookup: output areas nest exactly in LSOAs, so the sums are
exact (up to the small-cell perturbation ONS applies independently at each geography: OA
sums differ from the published LSOA tables by a few persons). Every OA of a table must be in
the lookup and every OA of the lookup in each table, or an LSOA would silently lose people.
The column labels are checked against Table_Metadata.csv first.

Each LSOA 2021 row carries, per table, its total and the groups the indicators use, named
`<prefix>_<name>` (e.g. `nssec_working_class`, `occ_automation_risk`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim, load
from hopeful.errors import DataError
from hopeful.indicators import agestd, lsoa21_measures
from hopeful.prepare.raw_tables import OA_TABLES

__all__ = [
    "LOOKUP",
    "METADATA",
    "census21_lsoa21",
    "check_labels",
    "lsoa21_counts",
    "oa_to_lsoa21",
]

LOOKUP = "lookup_oa21_lsoa21"
METADATA = "census21_oa_table_metadata"


def check_labels(interim_dir: Path) -> None:
    """Each column read must carry the label the catalogue was written for (a DataError
    naming Table_Metadata.csv otherwise): the copying repository numbers columns, so a new
    copy with one category more would shift every meaning silently."""
    labels = interim.read(interim_dir, METADATA).set_index("column")["label"]
    for spec in OA_TABLES.values():
        for column in spec["columns"]:
            found = labels.get(column["code"])
            if found != column["label"]:
                raise DataError(
                    f"{column['code']} is labelled {found!r}, expected {column['label']!r} "
                    "(src/hopeful/data/census21_oa.toml)",
                    file=interim.raw_file(METADATA),
                    column="Variable_Name",
                )


def oa_to_lsoa21(oa: pd.DataFrame, lookup: pd.DataFrame, dataset_id: str) -> pd.DataFrame:
    """Counts per output area (oa21_code + count columns) summed to LSOA 2021.

    `lookup`: oa21_code, lsoa21_code. An OA of the table missing from the lookup, or of the
    lookup missing from the table, is a DataError naming the file and the first such OA.
    """
    to_lsoa = lookup.set_index("oa21_code")["lsoa21_code"]
    unmapped = ~oa["oa21_code"].isin(to_lsoa.index)
    load.fail_at(oa, "oa21_code", unmapped, interim.raw_file(dataset_id), "OA not in the lookup")
    absent = ~lookup["oa21_code"].isin(oa["oa21_code"])
    message = f"OA has no row in {interim.raw_file(dataset_id).name}"
    load.fail_at(lookup, "oa21_code", absent, interim.raw_file(LOOKUP), message)
    counts = oa.drop(columns="oa21_code").groupby(
        oa["oa21_code"].map(to_lsoa).rename("lsoa21_code")
    )
    return counts.sum().sort_index()


def lsoa21_counts(interim_dir: Path) -> pd.DataFrame:
    """One row per LSOA 2021: each table's total and indicator groups, summed from OAs."""
    check_labels(interim_dir)
    lookup = interim.read(interim_dir, LOOKUP)
    parts = []
    for dataset_id, spec in OA_TABLES.items():
        lsoa = oa_to_lsoa21(interim.read(interim_dir, dataset_id), lookup, dataset_id)
        out = pd.DataFrame(index=lsoa.index)
        total = spec["columns"][0]["name"]
        out[f"{spec['prefix']}_{total}"] = lsoa[total]
        for group, members in spec["groups"].items():
            out[f"{spec['prefix']}_{group}"] = lsoa[members].sum(axis=1)
        for name in spec.get("partition", []):
            out[f"{spec['prefix']}_{name}"] = lsoa[name]
        parts.append(out)
    return pd.concat(parts, axis=1).rename_axis("lsoa21_code").reset_index()


def census21_lsoa21(interim_dir: Path) -> pd.DataFrame:
    """Every Census 2021 input per LSOA 2021 (all of England and Wales): the published LSOA
    tables (hopeful.indicators.lsoa21_measures.census2021), the OA tables summed here, and
    the age-standardised counts of bad health and disability (hopeful.indicators.agestd)."""
    census = lsoa21_measures.census2021(interim_dir).set_index("lsoa21_code")
    counts = lsoa21_counts(interim_dir).set_index("lsoa21_code")
    missing = census.index.difference(counts.index)
    if len(missing) or len(counts.index.difference(census.index)):
        raise DataError(
            f"LSOA 2021 codes differ from census21_pop.rda: missing {list(missing[:5])}",
            file=interim.raw_file(LOOKUP),
            column="geography_code",
        )
    census = census.join(counts)
    shares = agestd.age_shares(interim_dir).reindex(census.index)
    control = agestd.income_rate21(interim_dir).reindex(census.index)
    for count, total, name in [
        ("health_bad", "health_residents", "health_bad_agestd"),
        ("disabled", "disability_total", "disabled_agestd"),
    ]:
        census[name] = agestd.standardise(census[count], census[total], shares, control)[0]
    return census.reset_index()
