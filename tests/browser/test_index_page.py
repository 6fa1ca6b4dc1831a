"""reports/index.html in a real browser: offline, one row per town, search, filters, sorting."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hopeful.reports.index_page import write_index
from hopeful.towns import slugify

from .conftest import PROCESSED, open_recorder

# Used only where data/processed/towns.csv is absent: small, with a Gravesend to search for.
SYNTHETIC = pd.DataFrame(
    {
        "town_code": ["E35001042", "E34000020", "E35000688", "W38000144", "W38000094", "E34000007"],
        "town_name": ["Gravesend", "Ely", "Northfleet", "Port Talbot", "Neath", "Alnwick"],
        "nation": ["England", "England", "England", "Wales", "Wales", "England"],
        "region": ["South East", "East", "South East", "Wales", "Wales", "North East"],
        "size_class": ["medium", "small", "medium", "medium", "medium", "small"],
        "lad_code": ["E07000109", "E07000011", "E07000109", "W06000012", "W06000012", "E06000057"],
        "lad_name": [
            "Gravesham",
            "East Cambridgeshire",
            "Gravesham",
            "Neath Port Talbot",
            "Neath Port Talbot",
            "Northumberland",
        ],
        "population": [55467.0, 20256.0, 29310.0, 37276.0, 50658.0, 8116.0],
        "index_rank": [4.0, 1.0, 6.0, None, 3.0, 2.0],
        "index_rank_p05": [3.0, 1.0, 5.0, None, 2.0, 1.0],
        "index_rank_p95": [5.0, 2.0, 6.0, None, 4.0, 3.0],
        "clusters_full": [2.0, 0.0, 3.0, 4.0, 1.0, 0.0],
        "clusters_partial": [1.0, 1.0, 2.0, 0.0, 2.0, 1.0],
    }
)

VISIBLE_ROWS_JS = """() => Array.from(document.querySelectorAll('#towns tbody tr'))
  .filter(r => r.getClientRects().length > 0).map(r => r.cells[1].textContent)"""
COLUMN_VALUES_JS = """(label) => {
  const heads = Array.from(document.querySelectorAll('#towns thead th'));
  const i = heads.findIndex(h => h.textContent === label);
  return Array.from(document.querySelectorAll('#towns tbody tr'))
    .filter(r => r.getClientRects().length > 0).map(r => r.cells[i].getAttribute('data-value'));
}"""


@pytest.fixture(scope="module")
def towns() -> pd.DataFrame:
    path = PROCESSED / "towns.csv"
    if not path.is_file():
        return SYNTHETIC
    return pd.read_csv(path, dtype={"town_code": str, "lad_code": str})


@pytest.fixture(scope="module")
def index_file(towns: pd.DataFrame, tmp_path_factory) -> Path:
    layers = PROCESSED if (PROCESSED / "map_layers.parquet").is_file() else None
    return write_index(towns, tmp_path_factory.mktemp("reports"), layers)


# Back to the page as loaded (apart from row order): no search, no filter, no sorted column.
RESET_JS = """() => {
  document.querySelectorAll('select[data-col]').forEach(s => { s.value = ''; });
  const search = document.getElementById('search');
  search.value = '';
  search.dispatchEvent(new Event('input'));
  document.querySelectorAll('#towns thead th').forEach(h => h.removeAttribute('aria-sort'));
}"""


@pytest.fixture(scope="module")
def loaded(browser, index_file):
    """One page for the module: loading 1,178 rows costs about a second."""
    with open_recorder(browser) as recorder:
        yield recorder, recorder.open(index_file)


@pytest.fixture()
def recorder(loaded):
    recorder, url = loaded
    recorder.page.evaluate(RESET_JS)
    yield recorder
    recorder.assert_clean(url)  # after every interaction: still offline, no errors, no dialogs


@pytest.fixture()
def page(recorder):
    return recorder.page


def _searchable(towns: pd.DataFrame) -> pd.Series:
    cols = ["town_name", "town_code", "lad_name", "region"]
    return towns[cols].fillna("").astype(str).agg(" ".join, axis=1).str.lower()


def test_one_row_per_town_and_a_count(page, towns):
    codes = page.evaluate(VISIBLE_ROWS_JS)
    assert sorted(codes) == sorted(towns["town_code"])
    assert page.locator("#count").inner_text() == f"{len(towns)} of {len(towns)} towns"


def test_page_is_offline_and_runs_only_its_own_script(page, recorder):
    assert page.locator("script").count() == 1
    assert page.locator("img, link, iframe, object, embed").count() == 0
    assert recorder.active_attributes() == []


def test_typing_in_the_search_box_filters_rows(page, towns):
    page.locator("#search").press_sequentially("Gravesend")
    expected = towns.loc[_searchable(towns).str.contains("gravesend", regex=False), "town_code"]
    assert 1 <= len(expected) <= 5
    assert sorted(page.evaluate(VISIBLE_ROWS_JS)) == sorted(expected)
    assert page.locator("#count").inner_text() == f"{len(expected)} of {len(towns)} towns"
    page.locator("#search").fill("")
    assert len(page.evaluate(VISIBLE_ROWS_JS)) == len(towns)


def test_search_matches_codes_and_authorities_case_insensitively(page, towns):
    code = towns.sort_values("town_code")["town_code"].iloc[0]
    page.locator("#search").fill(code.lower())
    expected = towns.loc[_searchable(towns).str.contains(code.lower(), regex=False), "town_code"]
    assert sorted(page.evaluate(VISIBLE_ROWS_JS)) == sorted(expected)
    lad = "GRAVESHAM"
    page.locator("#search").fill(lad)
    expected = towns.loc[towns["lad_name"].str.lower().str.contains(lad.lower()), "town_code"]
    assert len(expected) >= 2
    assert sorted(page.evaluate(VISIBLE_ROWS_JS)) == sorted(expected)


def test_nation_and_size_selects_filter_together(page, towns):
    nation = page.locator('select[data-col="nation"]')
    size = page.locator('select[data-col="size_class"]')
    nation.select_option("Wales")
    assert sorted(page.evaluate(VISIBLE_ROWS_JS)) == sorted(
        towns.loc[towns["nation"] == "Wales", "town_code"]
    )
    size.select_option("medium")
    both = towns[(towns["nation"] == "Wales") & (towns["size_class"] == "medium")]
    assert len(both) > 0
    assert sorted(page.evaluate(VISIBLE_ROWS_JS)) == sorted(both["town_code"])
    page.locator("#search").fill("port")  # search combines with the selects
    hits = both[_searchable(both).str.contains("port", regex=False)]
    assert sorted(page.evaluate(VISIBLE_ROWS_JS)) == sorted(hits["town_code"])
    page.locator("#search").fill("")
    nation.select_option("")
    assert sorted(page.evaluate(VISIBLE_ROWS_JS)) == sorted(
        towns.loc[towns["size_class"] == "medium", "town_code"]
    )


def test_select_options_are_the_values_in_the_data(page, towns):
    for col in ("nation", "region", "size_class"):
        values = page.locator(f'select[data-col="{col}"] option').evaluate_all(
            "os => os.map(o => o.value)"
        )
        assert values == ["", *sorted(towns[col].dropna().astype(str).unique())]


def _numbers(values: list[str]) -> list[float]:
    return [float(v) if v else float("inf") for v in values]


def test_clicking_a_numeric_header_sorts_both_ways(page, towns):
    header = page.locator("#towns thead th", has_text="Population")
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    ascending = _numbers(page.evaluate(COLUMN_VALUES_JS, "Population"))
    assert ascending == sorted(_numbers([str(int(p)) for p in towns["population"]]))
    first = page.evaluate(VISIBLE_ROWS_JS)[0]
    assert towns.set_index("town_code").loc[first, "population"] == towns["population"].min()
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert _numbers(page.evaluate(COLUMN_VALUES_JS, "Population")) == ascending[::-1]


def test_rank_sort_puts_unranked_towns_last_and_keeps_filters(page, towns):
    page.locator('select[data-col="nation"]').select_option("England")
    page.locator("#towns thead th", has_text="Index rank").click()
    england = towns[towns["nation"] == "England"]
    ranks = page.evaluate(COLUMN_VALUES_JS, "Index rank")
    assert len(ranks) == len(england)
    expected = sorted(england["index_rank"].dropna().astype(int))
    assert ranks == [str(r) for r in expected] + [""] * int(england["index_rank"].isna().sum())
    others = page.locator("#towns thead th[aria-sort]")
    assert others.count() == 1  # only the clicked column is marked


def test_text_sort_is_alphabetical(page):
    page.locator("#towns thead th", has_text="Town").first.click()
    names = page.evaluate(COLUMN_VALUES_JS, "Town")
    assert names == page.evaluate("ns => ns.slice().sort((a, b) => a.localeCompare(b))", names)
    assert names != page.evaluate("ns => ns.slice().sort((a, b) => b.localeCompare(a))", names)


def test_links_point_to_each_towns_report(page, towns, index_file):
    links = page.locator("#towns tbody tr").evaluate_all(
        "rs => rs.map(r => [r.cells[1].textContent, r.cells[0].querySelector('a').getAttribute('href'),"
        " r.cells[0].querySelector('a').href])"
    )
    expected = {
        code: f"towns/{slugify(code, name)}.html"
        for code, name in zip(towns["town_code"], towns["town_name"], strict=True)
    }
    assert {code: href for code, href, _ in links} == expected
    folder = (index_file.parent / "towns").as_uri()
    assert all(resolved == f"{folder}/{href[len('towns/') :]}" for _, href, resolved in links)


def test_rank_interval_sorts_by_its_lower_bound_as_a_number(page, towns):
    page.locator("#towns thead th", has_text="Rank range (90% of models)").click()
    shown = page.evaluate(
        """() => Array.from(document.querySelectorAll('#towns tbody tr'))
        .map(r => r.cells[8].textContent)"""
    )
    lows = [int(s.split("–")[0]) for s in shown if s]
    assert lows == sorted(lows)
    assert shown[len(lows) :] == [""] * int(towns["index_rank_p05"].isna().sum())


def test_the_map_links_each_placed_town_to_its_report(page, towns):
    if not (PROCESSED / "map_layers.parquet").is_file():
        pytest.skip("map layers not prepared: run `make data`")
    assert page.locator("svg#index-map, svg[aria-labelledby='index-map']").count() == 1
    links = page.locator("svg[aria-labelledby='index-map'] a").evaluate_all(
        "as => as.map(a => [a.getAttribute('href'), a.querySelector('title').textContent])"
    )
    expected = {
        f"towns/{slugify(code, name)}.html": name
        for code, name in zip(towns["town_code"], towns["town_name"], strict=True)
    }
    assert len(links) >= len(towns) - 2
    assert all(expected[href] == name for href, name in links)
