"""The report fragment: pilots only, escaping of hostile text, never fictional evidence."""

from __future__ import annotations

import csv
import io
import shutil
from html import escape as html_escape
from html.parser import HTMLParser

import mistune
import pandas as pd
import pytest

from hopeful.consultations.config import Action, load_actions, load_themes
from hopeful.consultations.guide_html import esc, practitioners_guide_html
from hopeful.consultations.schema import is_real_town_code
from hopeful.errors import DataError

from .conftest import EXAMPLE, row, write_evidence

SAFE_TAGS = {
    "section", "h2", "h3", "h4", "p", "table", "caption", "thead", "tbody", "tr", "th", "td",
    "ul", "ol", "li", "strong", "em", "a", "code",
}  # fmt: skip
HOSTILE = [
    "<script>alert(1)</script>",
    '" onmouseover="x',
    '<a href="javascript:alert(1)">click</a>',
    "[x](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
]


class Audit(HTMLParser):
    """Every element and attribute a browser would build from the fragment."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, name, value) for name, value in attrs]


def assert_inert(text: str) -> None:
    audit = Audit(text)
    assert set(audit.tags) <= SAFE_TAGS, set(audit.tags) - SAFE_TAGS
    for tag, name, value in audit.attrs:
        assert not name.startswith("on"), (tag, name)
        assert name in {"class", "id", "scope", "href", "rel"}, (tag, name)
        if name == "href":
            assert value.startswith(("https://", "../docs/")), value


@pytest.fixture()
def pilots():
    return {"W38000144", "E35001042", "E35000225"}


def render(towns, evidence_dir, themes, actions, code="W38000144", **kw):
    town = towns.set_index("town_code", drop=False).loc[code]
    return practitioners_guide_html(town, towns, evidence_dir, themes=themes, actions=actions, **kw)


# --------------------------------------------------------------------- which towns get what


def test_non_pilot_towns_get_nothing(towns, evidence_dir, themes, actions):
    assert render(towns, evidence_dir, themes, actions, code="E34000007") == ""
    # even a town with an evidence file gets nothing unless it is a pilot
    assert render(towns, evidence_dir, themes, actions, pilots={"E35001042"}) == ""


def test_pilot_without_evidence_explains_how_to_add_it(towns, evidence_dir, themes, actions):
    html = render(towns, evidence_dir, themes, actions, code="E35001042")  # pilots.toml
    assert "Gravesend is a Hopeful Towns pilot town" in html
    assert "<code>hopeful consultation template E35001042</code>" in html
    assert "data/consultations/E35001042.csv" in html
    assert '<a href="../docs/consultations.md">' in html
    assert_inert(html)


def test_pilot_with_evidence_gets_the_full_section(towns, evidence_dir, themes, actions, pilots):
    html = render(towns, evidence_dir, themes, actions, pilots=pilots)
    for heading in [
        "Findings by sector and kind", "Themes raised", "What people said and what the data say",
        "Priorities", "Resilience framework", "Barriers to tackle", "Assets to build on",
        "Suggested actions", "Findings",
    ]:  # fmt: skip
        assert f">{heading}</h" in html, heading
    assert "8 findings from 8 conversations across 5 sectors" in html
    assert "2 finding(s) were left out because consent" in html
    assert "<td>1</td><td>Housing</td><td>0.694</td><td>0.900</td>" in html  # rank 1, hand value
    assert "only agency work" not in html  # a finding without consent never shows
    assert '<a href="https://example.org/housing" rel="noopener noreferrer">' in html
    assert_inert(html)


def test_rendering_is_deterministic(towns, evidence_dir, themes, actions, pilots):
    first = render(towns, evidence_dir, themes, actions, pilots=pilots)
    assert render(towns, evidence_dir, themes, actions, pilots=pilots) == first


def test_invalid_evidence_fails_the_report(towns, evidence_dir, themes, actions, pilots):
    write_evidence(evidence_dir / "W38000144.csv", [row(summary="ring 07700 900123")])
    with pytest.raises(DataError, match="personal data"):
        render(towns, evidence_dir, themes, actions, pilots=pilots)


def test_stakeholder_file_beside_the_evidence_is_used(towns, evidence_dir, themes, actions, pilots):
    (evidence_dir / "W38000144.stakeholders.txt").write_text("# names\nMorgan Evans\n")
    write_evidence(evidence_dir / "W38000144.csv", [row(summary="Morgan Evans runs the club")])
    with pytest.raises(DataError, match="stakeholder list"):
        render(towns, evidence_dir, themes, actions, pilots=pilots)


# --------------------------------------------------------------------- escaping


@pytest.fixture()
def hostile_dir(evidence_dir):
    rows = [row(summary=text, source_id=f"H-{i}") for i, text in enumerate(HOSTILE)]
    rows.append(row(role='" onmouseover="x', kind="asset", theme="pride", source_id="H-9"))
    write_evidence(evidence_dir / "W38000144.csv", rows)
    return evidence_dir


def test_hostile_text_is_escaped(towns, hostile_dir, themes, actions, pilots):
    towns.loc[0, "town_name"] = "<img src=x onerror=alert(1)>"
    html = render(towns, hostile_dir, themes, actions, pilots=pilots)
    assert_inert(html)
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot; onmouseover=&quot;x" in html
    assert 'href="javascript' not in html
    assert "&#91;x&#93;(javascript:alert(1))" in html


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_forms_no_markdown_link(text):
    """nbconvert renders Markdown with mistune: escaped text must not become a link there.

    html.escape alone is not enough: mistune turns "[x](javascript:...)" into an <a>.
    """
    assert Audit(mistune.html(html_escape(text))).tags.count("a") == ("[x]" in text)
    rendered = mistune.html(esc(text))
    assert "a" not in Audit(rendered).tags and "script" not in Audit(rendered).tags
    assert_inert(rendered)


def test_hostile_action_text_is_escaped(towns, evidence_dir, themes, actions, pilots):
    evil = Action(
        id="evil",
        title="<script>alert(1)</script>",
        themes=("housing",),
        clusters=(),
        use="tackle",
        rationale='" onmouseover="x',
        source="[x](javascript:alert(1))",
        url='https://example.org/" onmouseover="x',
    )
    html = render(towns, evidence_dir, themes, (*actions, evil), pilots=pilots)
    assert_inert(html)
    assert "&lt;script&gt;" in html


# --------------------------------------------------------------------- the fictional example


def example_rows() -> list[dict[str, str]]:
    text = EXAMPLE.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def test_example_is_fictional_in_every_row():
    rows = example_rows()
    assert len(rows) >= 10
    assert {r["town_code"] for r in rows} == {"X99999999"}
    assert not is_real_town_code("X99999999")
    for r in rows:
        assert r["source_id"].startswith("FICTIONAL-"), r
        assert r["summary"].startswith("(fictional)"), r
    assert "Exampleton is not a real town" in EXAMPLE.read_text(encoding="utf-8")


def test_example_cannot_render_as_a_real_pilot(towns, tmp_path):
    themes = load_themes()
    folder = tmp_path / "consultations"
    folder.mkdir()
    port_talbot = towns.iloc[0]
    shutil.copy(EXAMPLE, folder / "W38000144.csv")
    with pytest.raises(DataError) as info:
        practitioners_guide_html(port_talbot, towns, folder, themes=themes)
    assert info.value.column == "town_code"
    # relabelled with the real code, the FICTIONAL- flags still stop it
    relabelled = EXAMPLE.read_text(encoding="utf-8").replace("X99999999", "W38000144")
    (folder / "W38000144.csv").write_text(relabelled, encoding="utf-8")
    with pytest.raises(DataError, match="fictional") as info:
        practitioners_guide_html(port_talbot, towns, folder, themes=themes)
    assert info.value.column == "source_id"


def test_example_renders_for_its_fictional_town(tmp_path):
    towns = pd.DataFrame(
        {
            "town_code": ["X99999999", "X99999998", "X99999997", "X99999996", "X99999995"],
            "town_name": ["Exampleton (fictional)", "B", "C", "D", "E"],
            "domain_housing": [12.0, 50, 60, 70, 80],
            "domain_health": [30.0, 20, 60, 70, 80],
            "cluster_L": ["full", "none", "none", "none", "none"],
        }
    )
    folder = tmp_path / "consultations"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "X99999999.csv")
    html = practitioners_guide_html(towns.iloc[0], towns, folder, pilots={"X99999999"})
    assert "Consultations in Exampleton (fictional): 15 findings" in html
    assert "1 finding(s) were left out" in html
    assert "<td>1</td><td>Housing: cost, quality and security</td>" in html
    assert_inert(html)
    load_actions(load_themes())  # the real library loads alongside the real themes


def test_a_fresh_template_renders_without_findings(towns, tmp_path, themes, actions, pilots):
    from hopeful.consultations.template import cli_template

    folder = tmp_path / "consultations"
    cli_template(towns.iloc[0], folder)
    html = render(towns, folder, themes, actions, pilots=pilots)
    assert "no findings with consent yet" in html and "No findings with consent yet" in html
    assert "<td>1</td><td>Housing</td>" in html  # the data concern alone still ranks
    assert_inert(html)
