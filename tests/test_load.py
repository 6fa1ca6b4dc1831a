"""Validation on load names the file, column and row of the first problem."""

from pathlib import Path

import pandas as pd
import pytest

from hopeful import load
from hopeful.errors import DataError

PUBS = (
    Path(__file__).resolve().parents[2]
    / "shared/data/sources/ons-pubs-bars/publichousesandbarsbylocalauthority20012018.xls"
)


def _csv(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="missing"):
        load.read_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="empty"):
        load.read_csv(_csv(tmp_path, ""))


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = _csv(tmp_path, "code,value\nE01000001,1\n")
    with pytest.raises(DataError) as err:
        load.read_csv(path, required=["code", "population"])
    assert err.value.column == "population" and err.value.file == str(path)


def test_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name\nYnys M\xf4n\n".encode("latin-1"))
    with pytest.raises(DataError, match="cannot be decoded as utf-8"):
        load.read_csv(path)


def test_duplicate_code_names_the_row() -> None:
    frame = pd.DataFrame({"code": ["E01000001", "E01000002", "E01000001"]})
    with pytest.raises(DataError) as err:
        load.check_unique(frame, "code", "f.csv")
    assert (err.value.column, err.value.row) == ("code", 4)


def test_code_of_the_wrong_kind() -> None:
    frame = pd.DataFrame({"lsoa11_code": ["E01000001", "E02000001"]})
    with pytest.raises(DataError, match="not a LSOA code") as err:
        load.check_codes(frame, "lsoa11_code", "lsoa", "f.csv")
    assert err.value.row == 3


@pytest.mark.parametrize(
    "values, kwargs, message, row",
    [
        (["1", "x"], {}, "not a number", 3),
        (["1", None], {}, "missing", 3),
        (["5", "-1"], {"low": 0}, "out of range", 3),
        (["0", "2"], {"low": 0, "low_inclusive": False}, "out of range", 2),
        (["0.5", "1.5"], {"low": 0, "high": 1}, "out of range", 3),
    ],
)
def test_numeric_checks(values: list, kwargs: dict, message: str, row: int) -> None:
    frame = pd.DataFrame({"v": values})
    with pytest.raises(DataError, match=message) as err:
        load.check_numeric(frame, "v", "f.csv", **kwargs)
    assert err.value.row == row and err.value.column == "v"


def test_numeric_allows_missing_when_asked() -> None:
    frame = pd.DataFrame({"v": ["1", None]})
    values = load.check_numeric(frame, "v", "f.csv", allow_missing=True)
    assert values.iloc[0] == 1 and pd.isna(values.iloc[1])


def test_not_an_rda_file(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b\n1,2\n", "x.rda")
    with pytest.raises(DataError, match="not a readable R data file"):
        load.read_rda(path)


def test_truncated_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pd.DataFrame({"OA": ["E00000001", "E00000002"], "n": [1.0, 2.0]}).to_parquet(path)
    assert load.read_parquet(path, required=["OA"]).shape == (2, 2)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(DataError, match="not a readable Parquet file"):
        load.read_parquet(path)


def test_workbook_that_is_not_one(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b\n1,2\n", "x.xls")
    with pytest.raises(DataError, match="not a readable Excel workbook"):
        load.read_excel(path, sheet="Data")


@pytest.mark.skipif(not PUBS.is_file(), reason=f"data mirror file {PUBS} is absent")
def test_missing_sheet_lists_the_sheets() -> None:
    with pytest.raises(DataError, match=r"no sheet 'Pubs'; sheets: \['Notes', 'Pubs size LA'"):
        load.read_excel(PUBS, sheet="Pubs")


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, '{"2019": {\n  "E06000009": 19460,\n}}\n', "x.json")
    with pytest.raises(DataError, match="invalid JSON") as err:
        load.read_json(path)
    assert err.value.row == 3


def test_shapefile_without_its_projection_or_index(tmp_path: Path) -> None:
    import geopandas
    from shapely.geometry import Point

    path = tmp_path / "p.shp"
    points = geopandas.GeoDataFrame({"code": ["A"]}, geometry=[Point(0, 0)], crs="EPSG:27700")
    points.to_file(path)
    assert load.read_geo(path, required=["code"]).crs.to_epsg() == 27700
    path.with_suffix(".prj").unlink()
    with pytest.raises(DataError, match="no coordinate reference system"):
        load.read_geo(path)
    path.with_suffix(".shx").unlink()
    with pytest.raises(DataError, match=r"not a readable geographic file.*\.shx"):
        load.read_geo(path)
