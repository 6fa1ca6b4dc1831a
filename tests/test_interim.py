"""data/interim: one validated table per registered raw file, the only raw input of later stages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from hopeful import interim, sources
from hopeful.errors import DataError
from hopeful.prepare import raw_tables, read_sources

SRC = Path(__file__).resolve().parents[1] / "src" / "hopeful"
# Registered files no stage reads yet (kept in the registry for provenance and later work;
# they are fetched and verified but not cited by the reports). The shapefile's part files
# (pcon24_boundaries_*) have no reader of their own: they are read with the .shp beside them.
UNUSED = {
    "ashe_annual_pay_residents_la",
    "ge2017_ge2019_results_pcon10",
    "lookup_bua11_rgn11",
    "lookup_buasd11_rgn11",
    "lookup_msoa11_msoa21_ltla22",
    "msoa_centres_latlong",
    "pcon24_boundaries_cpg",
    "pcon24_boundaries_dbf",
    "pcon24_boundaries_prj",
    "pcon24_boundaries_shp_xml",
    "pcon24_boundaries_shx",
    "ruc11_lsoa11",
    "tcity15_names_codes",
    "weekly_pay_residents_la_metadata",
    "wellbeing_la_metadata",
    "wimd2019_scores_lsoa11",
}


def test_every_reader_is_a_registered_dataset() -> None:
    registered = {ds.id for ds in sources.load_registry()}
    assert set(raw_tables.READERS) <= registered
    assert registered - set(raw_tables.READERS) == UNUSED


def test_code_names_raw_files_by_registry_id_only() -> None:
    """Every table a module asks for has a reader; no module builds a raw path of its own."""
    asked: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        asked |= set(re.findall(r"interim\.(?:read|raw_file)\([^)]*?\"([a-z0-9_]+)\"", text))
        asked |= set(re.findall(r"_table\(\"([a-z0-9_]+)\"\)", text))
        assert not re.search(r"\(\"[a-z0-9-]+\", \"[^\"]+\.(?:rda|csv)\"\)", text), path
        if path.name not in {"raw_tables.py", "sources.py"}:
            assert "raw_path(" not in text, path
    assert asked, "the scan found no interim reads"
    assert asked <= set(raw_tables.READERS), sorted(asked - set(raw_tables.READERS))


def test_missing_table_names_the_dataset_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        interim.read(tmp_path, "uk_imd_e")
    assert "interim table of dataset uk_imd_e is missing: run `hopeful prepare`" in str(
        caught.value
    )
    assert caught.value.file == str(tmp_path / "uk_imd_e.parquet")
    interim.write(pd.DataFrame({"a": [1]}), tmp_path, "uk_imd_e")
    with pytest.raises(DataError, match=r"\['population19_lsoa11'\] are missing: run `hopeful pre"):
        interim.require(tmp_path, ["uk_imd_e", "population19_lsoa11"])


def test_round_trip_keeps_rows_labels_and_types(tmp_path: Path) -> None:
    """Index labels are the raw file's rows: a table filtered on reading still names them."""
    frame = pd.DataFrame(
        {"code": ["E01000001", "W01000002", "E01000003"], "n": [1, 2, 3], "x": [0.5, None, 2.0]}
    ).astype({"code": "str"})
    for kept in (frame, frame[frame["code"].str.startswith("E")]):
        interim.write(kept, tmp_path, "uk_imd_e")
        pd.testing.assert_frame_equal(interim.read(tmp_path, "uk_imd_e"), kept)


def test_raw_file_is_the_registry_location() -> None:
    assert interim.raw_file("uk_imd_e") == Path("mysociety-composite-uk-imd/UK_IMD_E.csv")


def test_reports_cite_only_the_raw_files_the_pipeline_reads(tmp_path: Path) -> None:
    used, unused = next(iter(raw_tables.READERS)), next(iter(sorted(UNUSED)))
    folder = {ds.id: ds.source for ds in sources.load_registry()}
    record = {
        "datasets": [{"id": used, "source": folder[used]}, {"id": unused, "source": "only-unused"}],
        "sources": {folder[used]: {"licence": "x"}, "only-unused": {"licence": "y"}},
    }
    (tmp_path / "provenance.json").write_text(json.dumps(record), encoding="utf-8")
    cited = read_sources(tmp_path)
    assert [d["id"] for d in cited["datasets"]] == [used]
    assert set(cited["sources"]) == {folder[used]}
    assert read_sources(tmp_path / "absent") is None
