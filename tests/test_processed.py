"""The data/processed contract: what is written is read back with the same types and values."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hopeful import processed
from hopeful.errors import DataError


def _towns() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "town_code": ["E35001042", "W38000144"],
            "town_name": ["Gravesend", "1066"],  # a name that looks like a number stays text
            "lad_code": ["E07000109", "W06000012"],
            "lad_name": ["Gravesham", "Neath Port Talbot"],
            "population": [53_045, 37_276],
            "share_65plus": [0.1712345678, float("nan")],
        }
    )


def test_towns_round_trip_with_the_dtype_map(tmp_path: Path) -> None:
    processed.write_csv(_towns(), tmp_path / "towns.csv")
    back = processed.read_towns(tmp_path)
    for column in processed.TOWNS_DTYPES:
        assert pd.api.types.is_string_dtype(back[column]), column
    assert back["town_name"].tolist() == ["Gravesend", "1066"]
    assert back["population"].tolist() == [53_045, 37_276]
    assert back["share_65plus"].iloc[0] == 0.171235  # written to 6 decimals
    assert pd.isna(back["share_65plus"].iloc[1])


def test_writes_are_byte_stable(tmp_path: Path) -> None:
    processed.write_csv(_towns(), tmp_path / "a.csv")
    (tmp_path / "towns.csv").write_bytes((tmp_path / "a.csv").read_bytes())
    processed.write_csv(processed.read_towns(tmp_path), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    processed.write_parquet(_towns(), tmp_path / "a.parquet")
    assert pd.read_parquet(tmp_path / "a.parquet")["share_65plus"].iloc[0] == 0.171235


def test_missing_towns_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="run `hopeful prepare` first"):
        processed.read_towns(tmp_path)


def test_dictionary_names_an_undocumented_column() -> None:
    frame = _towns().assign(mystery=1)
    with pytest.raises(DataError, match="column 'mystery' of towns has no entry"):
        processed.data_dictionary({"towns": frame})


def test_provenance_keeps_earlier_outputs_and_hashes_new_ones(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    processed.update_provenance(tmp_path, ["a.csv"], {"version": "1"}, fresh=True)
    (tmp_path / "b.csv").write_text("y\n2\n")
    processed.update_provenance(tmp_path, ["b.csv"], {"framework_sha256": "f"})
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["version"] == "1" and prov["framework_sha256"] == "f"
    assert prov["outputs"] == {
        "a.csv": processed.sha256_file(tmp_path / "a.csv"),
        "b.csv": processed.sha256_file(tmp_path / "b.csv"),
    }
