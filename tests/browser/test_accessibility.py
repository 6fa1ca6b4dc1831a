"""An automated accessibility pass: axe-core (Deque's engine, the axe.min.js that the
axe-playwright-python package ships) run inside headless Chromium on a real town report, the
overview and the index page. No serious or critical violation is allowed; the moderate and
minor ones are listed in the failure message of any test that fails, to help fix it.

Also checked here, on the same pages: headings never skip a level, every image has a real
description (not nbconvert's placeholder), and the download links point at files that exist.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from hopeful.reports import build, downloads
from hopeful.reports.index_page import write_index
from hopeful.reports.notebook_to_html import DEFAULT_ALT, render_notebook
from hopeful.towns import slugify

from .conftest import NOTEBOOK, PROCESSED, ROOT, open_recorder

pytestmark = pytest.mark.real_data("scored")
TOWN = "E35001042"  # Gravesend
OVERVIEW = ROOT / "notebooks" / "overview.ipynb"
BLOCKING = ("serious", "critical")

AXE_RUN_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary),
  }));
}"""
HEADING_LEVELS_JS = (
    "() => Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))"
    ".map(h => Number(h.tagName[1]))"
)


@pytest.fixture(scope="module")
def axe_source() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The three kinds of page, laid out as `hopeful reports` lays them out."""
    out = tmp_path_factory.mktemp("reports")
    towns = pd.read_csv(PROCESSED / "towns.csv", dtype={"town_code": str})
    name = towns.set_index("town_code").loc[TOWN, "town_name"]
    slug = slugify(TOWN, name)
    report = out / "towns" / f"{slug}.html"
    parameters = {
        "town": TOWN,
        "processed_dir": str(PROCESSED.resolve()),
        "evidence_dir": str(out / "no-evidence"),
    }
    render_notebook(NOTEBOOK, parameters, report, links=downloads.town_links(slug))
    downloads.write_town_csvs(PROCESSED, out / "towns", {TOWN: slug})
    downloads.write_shared(PROCESSED, out)
    overview = out / "overview.html"
    render_notebook(
        OVERVIEW,
        {"processed_dir": str(PROCESSED.resolve())},
        overview,
        links=build.OVERVIEW_LINKS,
        home="index.html",
    )
    return {"town report": report, "overview": overview, "index page": write_index(towns, out)}


KINDS = ["town report", "overview", "index page"]


@pytest.mark.parametrize("kind", KINDS)
def test_axe_finds_no_serious_or_critical_violation(browser, pages, axe_source, kind) -> None:
    with open_recorder(browser) as recorder:
        url = recorder.open(pages[kind])
        recorder.page.add_script_tag(content=axe_source)
        violations = recorder.page.evaluate(AXE_RUN_JS)
        recorder.assert_clean(url)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    report = "\n".join(f"{v['impact']} {v['id']}: {v['help']} {v['nodes']}" for v in violations)
    assert blocking == [], report


@pytest.mark.parametrize("kind", KINDS)
def test_headings_start_at_one_and_skip_no_level(browser, pages, kind) -> None:
    with open_recorder(browser) as recorder:
        recorder.open(pages[kind])
        levels = recorder.page.evaluate(HEADING_LEVELS_JS)
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


@pytest.mark.parametrize("kind", ["town report", "overview"])
def test_every_image_has_its_own_description(browser, pages, kind) -> None:
    with open_recorder(browser) as recorder:
        recorder.open(pages[kind])
        alts = recorder.page.evaluate(
            "() => [...document.querySelectorAll('img')].map(i => i.alt).concat("
            "[...document.querySelectorAll('svg[role=img]')].map(s => "
            "document.getElementById(s.getAttribute('aria-labelledby')).textContent))"
        )
    assert alts and all(len(a) > 20 and a != DEFAULT_ALT for a in alts), alts


@pytest.mark.parametrize("kind", KINDS)
def test_download_links_point_at_files_that_exist(browser, pages, kind) -> None:
    with open_recorder(browser) as recorder:
        recorder.open(pages[kind])
        hrefs = recorder.page.locator("a[download]").evaluate_all(
            "as => as.map(a => a.getAttribute('href'))"
        )
    folder = pages[kind].parent
    wanted = {"towns.csv", "data_dictionary.csv"}
    assert wanted <= {Path(h).name for h in hrefs}
    present = [h for h in hrefs if (folder / h).is_file()]
    if kind == "index page":  # one file per town; only Gravesend's was written here
        assert len(hrefs) == 2 + pd.read_csv(PROCESSED / "towns.csv").shape[0]
        assert len(present) == 3
    else:
        assert present == hrefs


def test_town_report_is_within_the_size_limit(pages) -> None:
    """The batch fails a town whose page outgrows the limit; here on a real town."""
    assert 20_000 < pages["town report"].stat().st_size <= build.REPORT_MAX_BYTES


def test_index_columns_sort_from_the_keyboard(browser, pages) -> None:
    with open_recorder(browser) as recorder:
        url = recorder.open(pages["index page"])
        header = recorder.page.locator("#towns thead th", has_text="Population")
        header.locator("button").focus()
        recorder.page.keyboard.press("Enter")
        assert header.get_attribute("aria-sort") == "ascending"
        recorder.page.keyboard.press("Space")
        assert header.get_attribute("aria-sort") == "descending"
        recorder.assert_clean(url)
