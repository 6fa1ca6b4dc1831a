"""Hostile text from data stays text in a real browser: town reports, the index, the guide.

A copy of the processed data gives four real towns hostile names, authorities, regions and
referendum-area names; each hostile string lands once in each column. The practitioners' guide
gets hostile summaries, roles, a town name and an actions library. In every page: no dialog
opens, nothing is requested, no element carries an on* attribute or a javascript: URL, and
every hostile string is shown as visible text.

Placements tried: 16 in reports (4 strings x 4 columns), 12 on the index page (4 towns x
town, authority, region), 18 in the guide (6 strings x summary and role, the town name, an
action's title, rationale, source and javascript: address, an https address with quotes).
"""

from __future__ import annotations

import csv
import html
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hopeful.atomic import write_text
from hopeful.consultations import practitioners_guide_html
from hopeful.consultations.config import Action, load_themes
from hopeful.processed import update_provenance
from hopeful.reports.index_page import write_index
from hopeful.reports.notebook_to_html import WarmKernel, render_html

from .conftest import NOTEBOOK, PROCESSED, ROOT

HOSTILE = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '" onmouseover="alert(3)',
    "javascript:alert(4)",
)
# Only for the guide, whose text may also pass through Markdown-minded readers.
GUIDE_EXTRA = ("[x](javascript:alert(5))", "' onfocus='alert(6)' autofocus='")
COLUMNS = ("town_name", "lad_name", "region", "leave_area16_name")
# Gravesend and its first (better) peer, Port Talbot and its first (better) peer: each pilot's
# peer tables then show a hostile neighbour too.
TOWNS = ("E35001042", "E35000688", "W38000144", "W38000094")
EXAMPLE = ROOT / "docs" / "examples" / "consultation_example_fictional.csv"

# Fire, on every element, the handlers a hostile attribute could have added without a click
# (clicks would sort the index or follow links; an onclick is caught by the attribute scan).
PROVOKE_JS = """() => {
  for (const el of document.querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'mousemove', 'focus']) {
      el.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true}));
    }
  }
}"""


def hostile_values(code: str) -> dict[str, str]:
    """Town i gets HOSTILE[(i + j) % 4] in COLUMNS[j]: every string in every column once."""
    i = TOWNS.index(code)
    return {col: HOSTILE[(i + j) % len(HOSTILE)] for j, col in enumerate(COLUMNS)}


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    """A copy of data/processed whose towns.csv differs only in the hostile cells."""
    folder = tmp_path_factory.mktemp("hostile") / "processed"
    shutil.copytree(PROCESSED, folder)
    path = folder / "towns.csv"
    towns = pd.read_csv(path, dtype=str, keep_default_na=False)  # every other cell byte-exact
    for code in TOWNS:
        for col, value in hostile_values(code).items():
            towns.loc[towns["town_code"] == code, col] = value
    towns.to_csv(path, index=False)
    # The hostile cells are the test's own: vouch for them, as `hopeful score` would have.
    update_provenance(folder, ["towns.csv"], {})
    return folder


@pytest.fixture(scope="module")
def reports(processed: Path) -> dict[str, Path]:
    """The four towns rendered in one warm kernel, as `hopeful reports` renders them."""
    out = processed.parent / "reports"
    pages = {}
    with WarmKernel() as kernel:
        for code in TOWNS:
            parameters = {
                "town": code,
                "processed_dir": str(processed),
                "evidence_dir": str(processed.parent / "no-evidence"),
            }
            nb = kernel.execute(NOTEBOOK, parameters, timeout=300)
            pages[code] = out / "towns" / f"{code}.html"
            write_text(pages[code], render_html(nb))
    return pages


def assert_inert(recorder, url: str) -> None:
    recorder.page.evaluate(PROVOKE_JS)
    recorder.page.wait_for_timeout(50)  # let any error event or timer fire
    assert recorder.active_attributes() == []
    recorder.assert_clean(url)


def visible_text(recorder) -> str:
    return recorder.page.locator("body").inner_text()


# ------------------------------------------------------------------------ the harness itself


def test_the_recorder_catches_what_these_tests_guard_against(recorder, tmp_path):
    """The same strings pasted unescaped: every guard must fire, or the tests prove nothing."""
    page = tmp_path / "unescaped.html"
    page.write_text(
        f"<!DOCTYPE html><html><body><h1>{HOSTILE[0]}</h1><p>{HOSTILE[1]}</p>"
        f'<p title="{HOSTILE[2]}">x</p><a href="{HOSTILE[3]}">y</a></body></html>',
        encoding="utf-8",
    )
    url = recorder.open(page)
    recorder.page.evaluate(PROVOKE_JS)
    recorder.page.wait_for_timeout(50)
    assert recorder.dialogs == ["alert: 1", "alert: 2", "alert: 3"]
    assert recorder.foreign_requests(url) == [(tmp_path / "x").as_uri()]
    found = recorder.active_attributes()
    assert any("onerror" in a for a in found)
    assert any("onmouseover" in a for a in found)
    assert any("javascript:alert(4)" in a for a in found)
    assert "<script>" not in visible_text(recorder)


# -------------------------------------------------------------------------- town reports


@pytest.mark.parametrize("code", TOWNS)
@pytest.mark.real_data("scored")
def test_town_report_shows_hostile_text_as_text(recorder, reports, code):
    url = recorder.open(reports[code])
    values = hostile_values(code)
    page = recorder.page
    assert page.locator("h1").inner_text() == values["town_name"]
    assert page.title() == values["town_name"]
    text = visible_text(recorder)
    for value in values.values():
        assert value in text
    assert page.locator("script").count() == 0
    # the charts are inline SVG: the hostile name is drawn as escaped text, never markup
    assert page.locator("img").count() == 0 and page.locator("svg[role='img']").count() >= 5
    drawn = page.locator("svg text").evaluate_all("ts => ts.map(t => t.textContent)")
    assert any(values["town_name"] in t for t in drawn)
    assert_inert(recorder, url)


@pytest.mark.parametrize("code", ["E35001042", "W38000144"])
@pytest.mark.real_data("scored")
def test_hostile_peers_are_text_in_the_peer_table(recorder, reports, code):
    peer = TOWNS[TOWNS.index(code) + 1]
    url = recorder.open(reports[code])
    cells = recorder.page.locator("table td").evaluate_all("ts => ts.map(t => t.innerText)")
    assert hostile_values(peer)["town_name"] in cells
    assert hostile_values(peer)["lad_name"] in cells
    assert_inert(recorder, url)


# ------------------------------------------------------------------------------ the index


@pytest.mark.real_data("scored")
def test_index_page_shows_hostile_text_as_text(recorder, processed):
    towns = pd.read_csv(processed / "towns.csv", dtype={"town_code": str, "lad_code": str})
    url = recorder.open(write_index(towns, processed.parent / "reports"))
    page = recorder.page
    assert page.locator("script").count() == 1  # the page's own
    assert page.locator("img").count() == 0
    for code in TOWNS:
        row = page.locator(f'#towns tbody tr:has(td[data-value="{code}"])')
        cells = row.locator("td").evaluate_all("ts => ts.map(t => t.innerText)")
        values = hostile_values(code)
        for col in ("town_name", "lad_name", "region"):
            assert values[col] in cells
    # The hostile region round-trips through an attribute: choosing it finds its one town.
    region = hostile_values(TOWNS[0])["region"]
    page.locator('select[data-col="region"]').select_option(region)
    shown = page.locator("#towns tbody tr:not([hidden]) td:nth-child(2)").all_inner_texts()
    assert shown == [c for c in TOWNS if hostile_values(c)["region"] == region]
    page.locator('select[data-col="region"]').select_option("")
    # Searching for a hostile string finds exactly the towns that carry it.
    page.locator("#search").fill(HOSTILE[0])
    shown = page.locator("#towns tbody tr:not([hidden]) td:nth-child(2)").all_inner_texts()
    carry = [
        c
        for c in TOWNS
        if HOSTILE[0] in [hostile_values(c)[k] for k in ("town_name", "lad_name", "region")]
    ]
    assert sorted(shown) == sorted(carry)
    assert_inert(recorder, url)


# -------------------------------------------------------------------- the practitioners' guide


def _guide_evidence(folder: Path) -> Path:
    """The fictional example plus findings whose summaries and roles are hostile."""
    path = folder / "X99999999.csv"
    shutil.copy(EXAMPLE, path)
    strings = HOSTILE + GUIDE_EXTRA
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for n, text in enumerate(strings, start=1):
            writer.writerow(
                [
                    "X99999999",
                    "2021-03-20",
                    "housing",
                    text,
                    "friction",
                    "housing",
                    f"(fictional) {text}",
                    f"FICTIONAL-HOSTILE-{n:02d}",
                    "yes",
                ]
            )
    return folder


def _guide_page(folder: Path) -> Path:
    towns = pd.DataFrame(
        {
            "town_code": ["X99999999", "X99999998", "X99999997", "X99999996", "X99999995"],
            "town_name": [HOSTILE[2], "B", "C", "D", "E"],
            "domain_housing": [12.0, 50, 60, 70, 80],
            "domain_health": [30.0, 20, 60, 70, 80],
            "cluster_L": ["full", "none", "none", "none", "none"],
        }
    )
    action = Action(
        id="hostile",
        title=HOSTILE[0],
        themes=("housing",),
        clusters=(),
        use="both",
        rationale=HOSTILE[1],
        source=HOSTILE[2],
        url=HOSTILE[3],
        owners=(HOSTILE[2],),
    )
    quoted = Action(
        id="quoted",
        title="Quoted address",
        themes=("housing",),
        clusters=(),
        use="tackle",
        rationale="An https address with quotes in it.",
        source="Nobody",
        url='https://example.invalid/"onmouseover="alert(7)',
        owners=("Nobody",),
    )
    fragment = practitioners_guide_html(
        towns.iloc[0],
        towns,
        _guide_evidence(folder),
        pilots={"X99999999"},
        themes=load_themes(),
        actions=(action, quoted),
    )
    page = folder / "guide.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(HOSTILE[2])}</title></head><body>{fragment}</body></html>",
        encoding="utf-8",
    )
    return page


def test_practitioners_guide_shows_hostile_text_as_text(recorder, tmp_path):
    url = recorder.open(_guide_page(tmp_path))
    page = recorder.page
    text = visible_text(recorder)
    assert "Practitioners' guide" in text
    for value in HOSTILE + GUIDE_EXTRA:
        assert f"(fictional) {value}" in text  # summary
    roles = page.locator("table td").evaluate_all("ts => ts.map(t => t.innerText)")
    assert set(HOSTILE + GUIDE_EXTRA) <= set(roles)
    assert f"Consultations in {HOSTILE[2]}:" in text
    actions = page.locator("#practitioners-guide ul li").all_inner_texts()
    expected = f"{HOSTILE[0]} (usually led by: {HOSTILE[2]}): {HOSTILE[1]} Source: {HOSTILE[2]}."
    assert expected in actions
    assert HOSTILE[3] not in " ".join(actions)  # a javascript: address is dropped, not shown
    hrefs = page.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert hrefs == ['https://example.invalid/"onmouseover="alert(7)']  # escaped, inert
    assert page.locator("script, img").count() == 0
    assert page.locator("[autofocus]").count() == 0
    assert_inert(recorder, url)
