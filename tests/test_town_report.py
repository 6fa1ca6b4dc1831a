"""The real town notebook end to end: warm kernels leak nothing between real towns, and the
practitioners' guide appears only for pilots.

Evidence here is synthetic test data written by the test, with TEST- source ids; it is never
committed as any town's findings.
"""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hopeful import paths
from hopeful.reports import notebook_to_html as render

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "town_report.ipynb"

pytestmark = pytest.mark.real_data("scored")

EVIDENCE = """town_code,date,sector,role,kind,theme,summary,source_id,consent
W38000144,2024-05-01,housing,housing officer,friction,housing,Private rents rise faster than wages.,TEST-01,yes
W38000144,2024-05-01,health,practice manager,friction,health_and_wellbeing,Waits for mental health support are long.,TEST-02,yes
W38000144,2024-05-02,employment,adviser,friction,jobs_and_economy,Most vacancies are short contracts.,TEST-03,yes
W38000144,2024-05-02,community,volunteer,asset,places_to_meet,The community hall is busy every evening.,TEST-04,yes
W38000144,2024-05-03,education,teacher,hope,skills_and_education,A new college course links to local employers.,TEST-05,yes
W38000144,2024-05-03,community,organiser,friction,housing,<script>alert(1)</script> damp flats,TEST-06,yes
W38000144,2024-05-04,business,owner,friction,town_centre_and_safety,Shops on the high street are closing.,TEST-07,no
"""


def _render(tmp_path: Path, town: str, evidence_dir: Path) -> str:
    out = tmp_path / f"{town}.html"
    render.render_notebook(
        NOTEBOOK,
        {
            "town": town,
            "processed_dir": str(paths.processed_dir()),
            "evidence_dir": str(evidence_dir),
        },
        out,
    )
    return out.read_text(encoding="utf-8")


def test_pilot_with_evidence_gets_the_guide(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "W38000144.csv").write_text(EVIDENCE)
    page = _render(tmp_path, "W38000144", evidence)
    assert "Practitioners' guide" in html.unescape(page)
    assert "TEST-01" in page and "TEST-07" not in page  # no consent, not shown
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    for section in ("The Towns Index", "Clusters of risk to resilience", "Attitudes (measured and"):
        assert section in page


def test_pilot_without_evidence_says_how_to_add_it(tmp_path: Path) -> None:
    page = _render(tmp_path, "Gravesend", tmp_path / "empty")
    assert "Practitioners' guide" in html.unescape(page)
    assert "hopeful consultation template" in page


def test_other_towns_show_nothing_of_it(tmp_path: Path) -> None:
    page = _render(tmp_path, "Ely", tmp_path / "empty")
    assert "Practitioners" not in page


def test_figures_carry_their_own_alt_text(tmp_path: Path) -> None:
    """Every chart is an inline SVG image named by its title (its alt text); no PNG remains."""
    page = _render(tmp_path, "Gravesend", tmp_path / "empty")
    assert "<img " not in page
    titles = dict(re.findall(r'<svg [^>]*?aria-labelledby="([^"]+)"[^>]*><title id="\1">([^<]+)',
                             page))  # fmt: skip
    for name in ("deprivation-chart", "rank-chart", "domain-chart", "trend-chart"):
        assert name in titles, name
    assert titles["rank-chart"].startswith("Every town&#x27;s Towns Index rank")
    assert html.unescape(titles["trend-chart"]).startswith("5 small charts over time")
    assert render.DEFAULT_ALT not in titles.values()


def test_warm_kernel_renders_real_towns_exactly_as_fresh_kernels(tmp_path: Path) -> None:
    """The real notebook keeps tables in the kernel between towns (`hopeful.reports.file_cache`): in
    either order, after other towns, one warm kernel gives the bytes of a fresh kernel."""
    towns = ["Gravesend", "W38000144", "Ely"]  # England, a Welsh pilot, a small town
    evidence = tmp_path / "empty"
    with ThreadPoolExecutor(2) as threads:
        fresh = dict(
            zip(towns, threads.map(lambda t: _render(tmp_path, t, evidence), towns), strict=True)
        )
    parameters = {"processed_dir": str(paths.processed_dir()), "evidence_dir": str(evidence)}
    with render.WarmKernel() as kernel:
        for order in (towns, towns[::-1]):
            for town in order:
                nb = kernel.execute(NOTEBOOK, {"town": town, **parameters})
                assert render.render_html(nb) == fresh[town], f"{town} differs in {order}"
