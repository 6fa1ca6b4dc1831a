"""The practitioners' guide section of a pilot town's report, as an HTML fragment.

Every piece of text that came from a file goes through `esc`: html.escape with quotes, plus
square brackets as character references so a summary can't form a Markdown link either.
Links are only ever the actions library's own https addresses.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

import pandas as pd

from hopeful.consultations.config import Action, ThemesConfig, load_pilots
from hopeful.consultations.guide import Guide, load_guide
from hopeful.consultations.schema import KINDS

DOCS = "docs/consultations.md"
STATUS_TEXT = {
    "agree": "Agree: raised as friction and a concern in the data",
    "data_only": "Data only: a concern in the data, not raised as friction",
    "voice_only": "Voice only: raised as friction, no concern in the data",
    "neither": "Neither",
}


def esc(value: object) -> str:
    """HTML-escape text from evidence files, brackets too (no markdown links survive)."""
    return html.escape(str(value), quote=True).replace("[", "&#91;").replace("]", "&#93;")


def _label(code: str) -> str:
    """local_authority -> Local authority: vocabulary codes as a reader expects them."""
    return code.replace("_", " ").capitalize()


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], caption: str = "") -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<table class="hopeful-guide-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _status(row: pd.Series) -> str:
    text = STATUS_TEXT[row["status"]]
    if not row["data_available"]:
        return text.split(":")[0] + ": no data for this theme yet"
    return text


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _num(x: float) -> str:
    return f"{x:.3f}"


def _summary(guide: Guide) -> str:
    f = guide.evidence.findings
    if f.empty:
        said = "no findings with consent yet"
    else:
        said = (
            f"{len(f)} findings from {f['source_id'].nunique()} conversations across "
            f"{f['sector'].nunique()} sectors, {f['date'].min()} to {f['date'].max()}"
        )
    left_out = guide.evidence.excluded_no_consent
    return (
        f"<p>Consultations in {esc(guide.town_name)}: {esc(said)}. {left_out} finding(s) "
        "were left out because consent to use them was not given. Findings are coded by "
        "sector and by kind: points of friction, opportunity, hope and assets.</p>"
    )


def _counts(guide: Guide) -> str:
    c = guide.counts
    rows = [[_label(sector), *(int(v) for v in c.loc[sector])] for sector in c.index]
    return _table(["Sector", *map(_label, KINDS), "Total"], rows, "Findings by sector and kind")


def _themes(guide: Guide) -> str:
    rows = [
        [r["label"], r["n_findings"], _pct(r["share"]), r["sectors"], *(r[k] for k in KINDS)]
        for _, r in guide.themes.iterrows()
    ]
    headers = ["Theme", "Findings", "Share", "Sectors raising it", *map(_label, KINDS)]
    return _table(headers, rows, "Themes by number of findings, then breadth across sectors")


def _triangulation(guide: Guide) -> str:
    rows = []
    for _, r in guide.triangulation.iterrows():
        status = _status(r)
        rows.append(
            [
                r["label"],
                "yes" if r["raised_friction"] else "no",
                "yes" if r["data_concern"] else "no",
                status,
                r["data_evidence"] or "–",
                r["not_available"] or "–",
            ]
        )
    cut = guide.config.data.concern_percentile
    intro = (
        "<p>What people said against what the data say. A domain is a concern when the "
        f"town is in the bottom {cut:.0f}% of towns on it; a cluster when the town is fully "
        "or partly in it. Data columns not yet in the towns table are listed as not "
        "available.</p>"
    )
    headers = [
        "Theme",
        "Raised as friction",
        "Data concern",
        "Status",
        "Data evidence",
        "Not available",
    ]
    return intro + _table(headers, rows, "Triangulation by theme")


def _priorities(guide: Guide) -> str:
    rule = guide.config.priority
    intro = (
        "<p>Priorities combine how severe the data signal is (1 − percentile rank for a "
        "domain; full cluster 1, partial 0.5; the "
        f"{esc(guide.config.data.aggregate)} over a theme's signals) with how salient the "
        f"theme was in the consultations (share of findings × {rule.share_weight:g} plus "
        f"share of sectors raising it × {rule.breadth_weight:g}, normalised), weighted "
        f"{rule.data_weight:g} (data) to {rule.voice_weight:g} (voice). Ties go to the theme "
        f"with more findings, then to theme id. See {esc(DOCS)}.</p>"
    )
    rows = [
        [
            r["rank"],
            r["label"],
            _num(r["score"]),
            _num(r["data_severity"]),
            _num(r["voice_salience"]),
            _status(r),
        ]
        for _, r in guide.priorities.iterrows()
    ]
    headers = ["Rank", "Theme", "Score", "Data severity", "Voice salience", "Status"]
    return intro + _table(headers, rows, "Local priorities")


def _framework(guide: Guide) -> str:
    titles = {a.id: a.title for a in guide.actions}
    parts = []
    for part, heading in (("barrier", "Barriers to tackle"), ("asset", "Assets to build on")):
        frame = guide.framework[guide.framework["part"] == part]
        rows = [
            [
                r["label"],
                r["findings"],
                r["data_evidence"] or "–",
                r["finding_sources"],
                "; ".join(titles[a] for a in r["actions"]) or "–",
            ]
            for _, r in frame.iterrows()
        ]
        headers = ["Theme", "Findings", "Evidence from data", "Source ids", "Suggested actions"]
        body = _table(headers, rows) if rows else "<p>None in the evidence so far.</p>"
        parts.append(f"<h4>{esc(heading)}</h4>{body}")
    intro = (
        "<p>Barriers are friction themes the data confirm; assets are themes people raised "
        "as assets, hope or opportunity (with the data's strengths, the top "
        f"{guide.config.data.concern_percentile:.0f}% of towns, where there are any).</p>"
    )
    return intro + "".join(parts)


def _link(url: str) -> str:
    if not url.startswith("https://"):
        return ""
    return f' <a href="{esc(url)}" rel="noopener noreferrer">{esc(url)}</a>'


def _actions(guide: Guide) -> str:
    used = {a for ids in guide.framework["actions"] for a in ids}
    chosen: list[Action] = [a for a in guide.actions if a.id in used]
    if not chosen:
        return "<p>No actions suggested yet.</p>"
    items = "".join(
        f"<li><strong>{esc(a.title)}</strong>: {esc(a.rationale)} "
        f"<em>Source: {esc(a.source)}</em>.{_link(a.url)}</li>"
        for a in chosen
    )
    note = (
        "<p>Suggestions from the project's actions library, a starting point for local "
        "discussion rather than a prescription.</p>"
    )
    return f"{note}<ul>{items}</ul>"


def _findings(guide: Guide) -> str:
    f = guide.evidence.findings.copy()
    if f.empty:
        return "<p>No findings with consent yet.</p>"
    order = {t: i for i, t in enumerate(guide.config.ids)}
    f["_t"], f["_k"] = f["theme"].map(order), f["kind"].map(KINDS.index)
    f = f.sort_values(["_t", "_k", "line"])
    rows = [
        [
            guide.config.theme(r["theme"]).label,
            _label(r["sector"]),
            _label(r["kind"]),
            r["role"] or "–",
            r["summary"],
            r["source_id"],
            r["date"],
        ]
        for _, r in f.iterrows()
    ]
    headers = ["Theme", "Sector", "Kind", "Role", "Summary", "Source id", "Date"]
    return _table(headers, rows, "Consented findings")


def guide_html(guide: Guide) -> str:
    """The practitioners' guide as one escaped HTML section."""
    sections = [
        ("Findings by sector and kind", _counts(guide)),
        ("Themes raised", _themes(guide)),
        ("What people said and what the data say", _triangulation(guide)),
        ("Priorities", _priorities(guide)),
        ("Resilience framework", _framework(guide)),
        ("Suggested actions", _actions(guide)),
        ("Findings", _findings(guide)),
    ]
    body = "".join(f"<h3>{esc(title)}</h3>{content}" for title, content in sections)
    return (
        '<section class="hopeful-guide" id="practitioners-guide">'
        f"<h2>Practitioners&#x27; guide</h2>{_summary(guide)}{body}</section>"
    )


def missing_evidence_html(town_code: str, town_name: str) -> str:
    """The guide's place-holder for a pilot town whose evidence file is not there yet."""
    code, name = esc(town_code), esc(town_name)
    return (
        '<section class="hopeful-guide" id="practitioners-guide">'
        "<h2>Practitioners&#x27; guide</h2>"
        f"<p>{name} is a Hopeful Towns pilot town, but no consultation evidence has been "
        "added yet. To add it:</p><ol>"
        f"<li>Write an empty, annotated evidence file: <code>hopeful consultation template "
        f"{code}</code> (it creates <code>data/consultations/{code}.csv</code>, which git "
        "ignores: real evidence is sensitive).</li>"
        "<li>Code each finding as one row: sector, kind (friction, opportunity, hope, asset), "
        "theme, a short summary with no names or contact details, a source id and whether "
        "consent was given.</li>"
        f"<li>Optionally list names that must never appear in <code>{code}.stakeholders.txt"
        "</code> beside it.</li>"
        "<li>Render this report again.</li></ol>"
        f'<p>Format, validation and the priority rule: <a href="../{DOCS}">{DOCS}</a>.</p>'
        "</section>"
    )


def practitioners_guide_html(
    town_row: pd.Series,
    towns: pd.DataFrame,
    evidence_dir: str | Path,
    *,
    pilots: Collection[str] | None = None,
    themes: ThemesConfig | None = None,
    actions: tuple[Action, ...] | None = None,
    stakeholders: str | Path | None = None,
) -> str:
    """The section for a pilot town ("" for any other town); `pilots` are town codes.

    Raises DataError when the evidence file fails validation: a report must not publish
    evidence that is malformed, lacks consent rules or holds personal data.
    """
    pilots = load_pilots() if pilots is None else pilots
    code = str(town_row["town_code"])
    if code not in pilots:
        return ""
    guide = load_guide(
        town_row, towns, evidence_dir, config=themes, actions=actions, stakeholders=stakeholders
    )
    if guide is None:
        return missing_evidence_html(code, str(town_row["town_name"]))
    return guide_html(guide)
