"""The reports' downloads on synthetic tables: long-form town files with labels and sources,
spreadsheet-safe cells, exact values (never NaN), stable bytes, and the links pages carry."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from hopeful.reports import downloads, index_page
from hopeful.reports.notebook_to_html import render_html

HOSTILE = '=HYPERLINK("http://evil.example","x")'
TOWNS = (
    "town_code,town_name,nation,region,lad_code,lad_name,size_class,population,score,delta\n"
    f'E35000001,"{HOSTILE.replace(chr(34), chr(34) * 2)}",England,South East,E07000001,'
    "@Dover,Small,5000,-0.53,\n"
    "E35000002,Ely,England,East,E07000002,-1+2,Medium,21000,12.5,+3\n"
)
DICTIONARY = (
    "table,column,meaning,unit,source,year,geography,direction,proxy,nations,comparability\n"
    "towns,town_code,ONS code of the town (BUA 2011),code,ONS,2011,,,,,\n"
    "towns,town_name,Town name (ONS name),text,ONS,2011,,,,,\n"
    "towns,population,Usual residents; Census 2021,people,ONS Census 2021,2021,,,,,\n"
    "towns,score,Index score,points,hopeful,2026,,,,,\n"
    "towns,delta,Change since 2019,points,hopeful,2026,,,,,\n"
    "lsoa,score,Not this table,x,y,z,,,,,\n"
)
INDICATORS = "code,name,domain\nscore,Towns Index score (0-100),index\n"


@pytest.fixture()
def processed(tmp_path: Path) -> Path:
    folder = tmp_path / "processed"
    folder.mkdir()
    (folder / "towns.csv").write_text(TOWNS, encoding="utf-8")
    (folder / "data_dictionary.csv").write_text(DICTIONARY, encoding="utf-8")
    (folder / "indicators.csv").write_text(INDICATORS, encoding="utf-8")
    return folder


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-0.53", "-0.53"),
        ("+3", "+3"),
        ("-1e-05", "-1e-05"),
        ("Gravesend", "Gravesend"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_spreadsheet_safe_neutralises_formulas_but_keeps_numbers(value: str, safe: str) -> None:
    assert downloads.spreadsheet_safe(value) == safe


def test_town_files_are_long_form_with_labels_units_and_sources(
    processed: Path, tmp_path: Path
) -> None:
    out = tmp_path / "towns"
    changed = downloads.write_town_csvs(processed, out, {"E35000002": "e35000002-ely"})
    assert changed == 1
    assert sorted(p.name for p in out.iterdir()) == ["e35000002-ely.csv"]  # only those asked
    rows = _rows((out / "e35000002-ely.csv").read_text(encoding="utf-8"))
    assert list(rows[0]) == list(downloads.TOWN_COLUMNS)
    by_field = {r["field"]: r for r in rows}
    assert list(by_field) == pd.read_csv(processed / "towns.csv").columns.tolist()
    assert by_field["score"]["label"] == "Towns Index score (0-100)"  # catalogue name
    assert by_field["town_name"]["label"] == "Town name"  # the meaning up to its aside
    assert by_field["population"]["label"] == "Usual residents"
    assert by_field["population"] == {
        "field": "population",
        "label": "Usual residents",
        "value": "21000",
        "unit": "people",
        "meaning": "Usual residents; Census 2021",
        "source": "ONS Census 2021",
        "year": "2021",
    }
    assert by_field["score"]["unit"] == "points"  # the towns table's entry, not the lsoa one
    assert by_field["region"]["label"] == "region"  # undocumented: the code, not nothing
    assert by_field["lad_code"]["label"] == "Local authority code"  # download_labels.csv
    assert by_field["delta"]["value"] == "+3"  # a signed number stays a number
    assert by_field["lad_name"]["value"] == "'-1+2"  # text that is a formula does not


def test_hostile_cells_are_neutralised_and_missing_values_stay_empty(
    processed: Path, tmp_path: Path
) -> None:
    out = tmp_path / "towns"
    downloads.write_town_csvs(processed, out, {"E35000001": "e35000001-x"})
    text = (out / "e35000001-x.csv").read_text(encoding="utf-8")
    by_field = {r["field"]: r for r in _rows(text)}
    assert by_field["town_name"]["value"] == "'" + HOSTILE
    assert by_field["lad_name"]["value"] == "'@Dover"
    assert by_field["score"]["value"] == "-0.53"
    assert by_field["delta"]["value"] == ""
    assert "nan" not in text.lower()
    for row in csv.reader(io.StringIO(text)):
        assert not any(cell.startswith(("=", "@")) for cell in row)


def test_files_are_byte_stable_and_rewritten_only_when_changed(
    processed: Path, tmp_path: Path
) -> None:
    out = tmp_path / "towns"
    slugs = {"E35000001": "a", "E35000002": "b"}
    assert downloads.write_town_csvs(processed, out, slugs) == 2
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert downloads.write_town_csvs(processed, out, slugs) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps
    assert not list(out.glob("*.tmp*")) and not list(out.glob(".*"))


def test_shared_files_are_safe_copies(processed: Path, tmp_path: Path) -> None:
    written = downloads.write_shared(processed, tmp_path)
    assert [p.name for p in written] == ["towns.csv", "data_dictionary.csv"]
    towns = list(csv.reader(io.StringIO(written[0].read_text(encoding="utf-8"))))
    original = list(csv.reader(io.StringIO(TOWNS)))
    assert len(towns) == len(original) and towns[0] == original[0]
    assert towns[1][1] == "'" + HOSTILE and towns[1][5] == "'@Dover" and towns[1][8] == "-0.53"
    assert written[1].read_text(encoding="utf-8") == DICTIONARY  # nothing to neutralise


def _page(**kwargs) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Ely\n\nText.")]
    return render_html(nb, **kwargs)


def test_report_header_links_downloads_escaped_and_print_css_is_there() -> None:
    page = _page(links=downloads.town_links('e35000002-ely"><b'))
    assert '<nav class="downloads" aria-label="Downloads">' in page
    assert 'href="e35000002-ely&quot;&gt;&lt;b.csv"' in page
    assert 'href="../towns.csv"' in page and 'href="../data_dictionary.csv"' in page
    assert 'href="../index.html"' in page
    css = page.split("@media print", 1)[1]
    assert "break-inside: avoid" in css and "display: none" in css
    plain = _page(home="index.html")
    assert 'class="downloads"' not in plain and 'href="index.html"' in plain


def test_index_page_links_every_towns_file_and_the_shared_ones(processed: Path) -> None:
    towns = pd.read_csv(processed / "towns.csv", dtype=str)
    page = index_page.build_index_html(towns)
    assert 'href="towns.csv"' in page and 'href="data_dictionary.csv"' in page
    assert 'href="towns/e35000002-ely.csv"' in page
    assert page.count('.csv" download>CSV<span class="vh"> figures for ') == len(towns)
    assert "@media print" in page
