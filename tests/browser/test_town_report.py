"""One real town report (Gravesend) in a real browser: offline, inert, figures decoded.

Only stable things are asserted (the notebook grows): the heading, two section headings,
decoded figures, no scripts, no code cells, no requests, no console errors.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hopeful.reports.notebook_to_html import render_notebook

from .conftest import NOTEBOOK, PROCESSED

pytestmark = pytest.mark.real_data("scored")
TOWN = "E35001042"

# Text that only a visible code cell or prompt would put on the page.
CODE_FRAGMENTS = ("town_view.", "plt.show()", "display(HTML(", "import matplotlib", "In [")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "towns" / "x.html"
    parameters = {
        "town": TOWN,
        "processed_dir": str(PROCESSED.resolve()),
        "evidence_dir": str(tmp / "no-evidence"),  # never a developer's real evidence
    }
    render_notebook(NOTEBOOK, parameters, out)
    return out


@pytest.fixture(scope="module")
def town_name() -> str:
    towns = pd.read_csv(PROCESSED / "towns.csv", dtype={"town_code": str})
    return str(towns.set_index("town_code").loc[TOWN, "town_name"])


@pytest.fixture()
def page(recorder, report):
    url = recorder.open(report)
    yield recorder.page
    recorder.assert_clean(url)


def test_heading_is_the_town_name(page, town_name):
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == town_name == "Gravesend"
    assert page.title() == town_name


def test_sections_are_present(page):
    headings = page.locator("h2").evaluate_all("hs => hs.map(h => h.innerText.trim())")
    for section in ("Profile", "Deprivation"):
        assert section in headings


def test_the_report_opens_with_the_town_at_a_glance(page, town_name):
    glance = page.locator("#at-a-glance")
    assert glance.count() == 1
    levels = page.locator("h1, h2, h3").evaluate_all("hs => hs.map(h => h.tagName)")
    assert levels[:2] == ["H1", "H2"]  # the glance heading comes straight after the name
    assert glance.locator("h2").inner_text() == f"{town_name} at a glance"
    assert glance.locator("svg[role='img'] title").count() == 1
    assert town_name in glance.locator("svg title").text_content()
    assert glance.locator(".tiles li").count() == 14
    assert 3 <= glance.locator(".findings li").count() <= 5
    box = glance.locator("svg").bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100


def test_charts_are_inline_svg_images_that_say_what_they_show(page):
    """The charts are drawn as inline SVG (no PNG): each an image named by its own title."""
    assert page.locator("img").count() == 0
    charts = page.locator("svg[role='img']")
    assert charts.count() >= 5  # the locator map, deprivation, rank, domains, trends
    titles = charts.evaluate_all(
        "ss => ss.map(s => document.getElementById(s.getAttribute('aria-labelledby')).textContent)"
    )
    assert all(len(t) > 20 for t in titles) and len(set(titles)) == len(titles)
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100


def test_page_runs_nothing_and_shows_no_code(page, recorder):
    assert page.locator("script").count() == 0
    assert page.locator("link, iframe, object, embed").count() == 0
    assert recorder.active_attributes() == []
    inputs = ".input, .input_area, .jp-InputArea, .jp-InputPrompt, .prompt, .jp-OutputPrompt"
    assert page.locator(inputs).count() == 0
    text = page.locator("body").inner_text()
    for fragment in CODE_FRAGMENTS:
        assert fragment not in text
