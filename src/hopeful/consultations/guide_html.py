"""The practitioners' guide section of a pilot town's report, as an HTML fragment.

Every piece of text that came from a file goes through `esc`: html.escape with quotes, plus
square brackets as character references so a summary can't form a Markdown link either.
Links are only ever the actions library's own https addresses.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from hopeful.consultations.compare import what_needs_to_change
from hopeful.consultations.config import Action, ThemesConfig, load_pilots
from hopeful.consultations.guide import Guide, load_guide
from hopeful.consultations.schema import KINDS, SMALL_GROUP, is_real_town_code

DOCS = "docs/consultations.md"
PARTS = (
    ("barrier", "Barriers to tackle"),
    ("asset", "Assets to build on"),
    ("explore", "To explore with the town"),
)
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


def table_html(headers: Sequence[str], rows: Iterable[Sequence[object]], caption: str = "") -> str:
    """A plain table of escaped cells: every piece of text goes through `esc`."""
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


def fictional_banner(guide: Guide) -> str:
    """A banner on anything rendered from the made-up example, so it never passes as real."""
    if is_real_town_code(guide.town_code):
        return ""
    return (
        '<p class="hopeful-guide-fictional"><strong>Fictional example.</strong> '
        f"{esc(guide.town_name)} is a made-up town and every finding, participant and vote "
        "here is invented, to show what the guide looks like (docs/examples/pilots).</p>"
    )


def _summary(guide: Guide) -> str:
    f = guide.evidence.findings
    if f.empty:
        said = "no findings with consent yet"
    else:
        said = (
            f"{len(f)} findings from {f['source_id'].nunique()} conversations across "
            f"{f['sector'].nunique()} sectors, {f['date'].min()} to {f['date'].max()}"
        )
    people = guide.evidence.participants
    if len(people):
        said += (
            f"; {int((people['consent'] == 'yes').sum())} of {len(people)} participants "
            "gave consent"
        )
    left_out = guide.evidence.excluded_no_consent
    return (
        f"{fictional_banner(guide)}<p>Consultations in {esc(guide.town_name)}: {esc(said)}. "
        f"{left_out} finding(s) were left out because consent to use them was not given "
        "(by the finding or by the participant). Findings are coded by sector and by kind: "
        "points of friction, opportunity, hope and assets.</p>" + _small_groups(guide)
    )


def _small_groups(guide: Guide) -> str:
    small = guide.evidence.small_groups
    if not small:
        return ""
    groups = "; ".join(f"{_label(r)} in {_label(s).lower()} ({k})" for s, r, k in small)
    return (
        '<p class="hopeful-guide-warning"><strong>Re-identification risk.</strong> In a '
        f"small town a group of fewer than {SMALL_GROUP} people with the same sector and role "
        f"can point to one person: {esc(groups)}. Their roles are withheld below; merge or "
        "suppress these groups before sharing anything more detailed.</p>"
    )


def who_html(guide: Guide) -> str:
    """Who we heard and who we did not: the sampling record as a table."""
    table = guide.sampling
    if table.empty:
        return "<p>No sampling plan or participants recorded yet.</p>"

    def n(x: object) -> object:
        return "–" if pd.isna(x) else int(x)

    rows = [
        [_label(r["dimension"]), _label(r["name"]), n(r["planned"]), n(r["reached"]), r["status"]]
        for _, r in table.iterrows()
    ]
    missing = table[table["status"].isin(["not heard", "heard, fewer than planned"])]
    gap = (
        "Not heard, or heard less than planned: "
        + ", ".join(_label(x).lower() for x in missing["name"])
        + ". What the guide says is weakest for them."
        if len(missing)
        else "Everyone planned was heard."
    )
    intro = (
        "<p>Who the team planned to hear, and who it reached (participants who gave consent; "
        f"a person can belong to several groups). {esc(gap)}</p>"
    )
    return intro + table_html(
        ["Sector or group", "Name", "Planned", "Reached", "Status"], rows, "Who we heard"
    )


def _counts(guide: Guide) -> str:
    c = guide.counts
    rows = [[_label(sector), *(int(v) for v in c.loc[sector])] for sector in c.index]
    return table_html(["Sector", *map(_label, KINDS), "Total"], rows, "Findings by sector and kind")


def _themes(guide: Guide) -> str:
    rows = [
        [
            r["label"],
            r["n_conversations"],
            _pct(r["share"]),
            r["n_findings"],
            ", ".join(_label(x).lower() for x in r["sectors"].split(", ")),
            *(r[k] for k in KINDS),
        ]
        for _, r in guide.themes.iterrows()
    ]
    headers = [
        "Theme", "Conversations", "Share of conversations", "Findings", "Sectors raising it",
        *map(_label, KINDS),
    ]  # fmt: skip
    return table_html(
        headers, rows, "Themes by conversations raising them, then sectors, then findings"
    )


def _triangulation(guide: Guide) -> str:
    rates = guide.concern_rates.set_index("theme")["rate"]
    rows = []
    for _, r in guide.triangulation.iterrows():
        status = _status(r)
        rows.append(
            [
                r["label"],
                "yes" if r["raised_friction"] else "no",
                "yes" if r["data_concern"] else "no",
                _pct(rates[r["theme"]]),
                status,
                r["data_evidence"] or "–",
                r["not_available"] or "–",
            ]
        )
    rule = guide.config.data
    intro = (
        "<p>What people said against what the data say. A domain or indicator is a concern "
        f"when the town is among the worst {rule.concern_percentile:.0f}% of towns on it, a "
        "cluster when the town is fully in it; a theme is a data concern when at least "
        f"{rule.min_concerns:.0f} of its signals are. The column “towns flagged” is the share "
        f"of all {int(guide.concern_rates['n_towns'].iloc[0])} towns in which the theme is a "
        "data concern: the rule is tuned to flag a minority, so a concern says something "
        "about this town. Data columns not in the towns table are listed as not available.</p>"
    )
    headers = [
        "Theme",
        "Raised as friction",
        "Data concern",
        "Towns flagged",
        "Status",
        "Data evidence",
        "Not available",
    ]
    return intro + table_html(headers, rows, "Triangulation by theme")


def _priorities(guide: Guide) -> str:
    rule = guide.config.priority
    intro = (
        "<p>Priorities combine how severe the data signal is (1 − percentile rank for a "
        "domain; full cluster 1, partial 0.5; the "
        f"{esc(guide.config.data.aggregate)} over a theme's signals) with how salient the "
        f"theme was in the consultations (share of conversations raising it × "
        f"{rule.share_weight:g} plus share of sectors raising it × {rule.breadth_weight:g}, "
        f"normalised: people, not rows, count), weighted {rule.data_weight:g} (data) to "
        f"{rule.voice_weight:g} (voice). Ties go to the theme raised in more conversations, "
        f"then with more findings, then to theme id. See {esc(DOCS)}.</p>"
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
    return intro + table_html(headers, rows, "Priorities from the evidence (formula)")


def _rank(x: object) -> object:
    return "–" if pd.isna(x) else int(x)


def coproduced_html(guide: Guide) -> str:
    """The evidence's and the participants' rankings side by side, with the final order."""
    table = guide.coproduced
    if table is None:
        return (
            "<p>No workshop votes recorded yet: these priorities are the formula's alone. "
            "Record participants' dot votes per theme and stakeholder group in the workshop "
            "table to co-produce them.</p>"
        )
    w = guide.config.coproduction.workshop_weight
    groups = guide.inputs.workshop["stakeholder_group"].nunique()
    intro = (
        f"<p>At the workshop {int(table['votes'].sum())} dot votes were cast by {groups} "
        "stakeholder groups. The participants' ranking counts each group equally (a theme's "
        "mean share of each group's votes); the final priorities weigh it "
        f"{w:g} against the evidence's ranking {1 - w:g} (each scaled to its top theme). "
        "Where the two rankings differ, the last column says why.</p>"
    )
    rows = [
        [
            r["final_rank"],
            r["label"],
            _rank(r["evidence_rank"]),
            _rank(r["participants_rank"]),
            r["votes"],
            r["explanation"],
        ]
        for _, r in table.iterrows()
    ]
    headers = ["Final", "Theme", "Evidence rank", "Participants' rank", "Votes", "Why they differ"]
    return intro + table_html(headers, rows, "Co-produced priorities")


def _member_check(guide: Guide) -> str:
    table = guide.member_check
    if table is None:
        return (
            "<p>No member checking recorded yet: take the findings back to participants and "
            "record which they confirm, challenge or add to.</p>"
        )
    rows = [[r["label"], r["confirmed"], r["challenged"], r["added"]] for _, r in table.iterrows()]
    notes = guide.inputs.member_check
    noted = notes[notes["note"] != ""]
    items = "".join(
        f"<li>{esc(_label(r['response']))} ({esc(guide.config.theme(r['theme']).label)}): "
        f"{esc(r['note'])}</li>"
        for _, r in noted.iterrows()
    )
    return (
        "<p>Findings taken back to participants: what they confirmed, challenged, and what "
        "they added that the team had missed.</p>"
        + table_html(["Theme", "Confirmed", "Challenged", "Added"], rows, "Member checking")
        + (f"<ul>{items}</ul>" if items else "")
    )


def _coding(guide: Guide) -> str:
    if guide.kappa is None:
        return (
            "<p>No second coding recorded yet: ask a second person to code a sample of "
            "findings to themes without seeing the first coding.</p>"
        )
    k = guide.kappa
    overall = k[k["theme"] == "overall"].iloc[0]
    labels = {t.id: t.label for t in guide.config.themes} | {"overall": "All themes (overall)"}

    def kappa(x: float) -> str:
        return "not defined" if pd.isna(x) else f"{x:.2f}"

    rows = [
        [labels[r["theme"]], r["n_first"], r["n_second"], _pct(r["agreement"]), kappa(r["kappa"])]
        for _, r in k.iterrows()
    ]
    intro = (
        f"<p>A second coder coded {int(overall['n_first'])} findings. Cohen's kappa corrects "
        "raw agreement for the agreement chance alone would give (1 = perfect, 0 = no better "
        f"than chance; above about 0.6 is usually read as substantial). Overall kappa: "
        f"{kappa(overall['kappa'])}.</p>"
    )
    table = table_html(
        ["Theme", "First coder", "Second coder", "Agreement", "Kappa"],
        rows,
        "Agreement between coders",
    )
    d = guide.disagreements
    if d is None or d.empty:
        return intro + table + "<p>No disagreements.</p>"
    drows = [
        [r["finding_id"], labels[r["theme"]], labels[r["theme_second"]], r["summary"]]
        for _, r in d.iterrows()
    ]
    return (
        intro
        + table
        + table_html(
            ["Finding", "First coder", "Second coder", "Summary"],
            drows,
            "Disagreements to resolve",
        )
    )


def _framework(guide: Guide) -> str:
    titles = {a.id: a.title for a in guide.actions}
    parts = []
    for part, heading in PARTS:
        frame = guide.framework[guide.framework["part"] == part]
        rows = [
            [
                r["label"],
                r["basis"],
                r["findings"],
                r["data_evidence"] or "–",
                r["finding_sources"] or "–",
                "; ".join(titles[a] for a in r["actions"]) or "–",
            ]
            for _, r in frame.iterrows()
        ]
        headers = [
            "Theme", "Basis", "Findings", "Evidence from data", "Source ids", "Suggested actions"
        ]  # fmt: skip
        body = table_html(headers, rows) if rows else "<p>None in the evidence so far.</p>"
        parts.append(f"<h4>{esc(heading)}</h4>{body}")
    intro = (
        "<p>Barriers are themes raised as friction: those the data confirm, and those "
        "“raised in consultation, not visible in the data” (consultation finds what the "
        "data cannot see). Assets are themes people raised as assets, hope or opportunity "
        "(with the data's strengths, the best "
        f"{guide.config.data.concern_percentile:.0f}% of towns, where there are any). "
        "Concerns the data show but nobody raised are to explore with the town: questions, "
        "not conclusions.</p>"
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
        f"<li><strong>{esc(a.title)}</strong> (usually led by: {esc(', '.join(a.owners))}): "
        f"{esc(a.rationale)} <em>Source: {esc(a.source)}</em>.{_link(a.url)}</li>"
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
    withheld = withheld_participants(guide)
    rows = [
        [
            guide.config.theme(r["theme"]).label,
            _label(r["sector"]),
            _label(r["kind"]),
            "withheld (small group)" if r["participant_id"] in withheld else r["role"] or "–",
            r["summary"],
            r["source_id"],
            r["date"],
        ]
        for _, r in f.iterrows()
    ]
    headers = ["Theme", "Sector", "Kind", "Role", "Summary", "Source id", "Date"]
    return table_html(headers, rows, "Consented findings")


def withheld_participants(guide: Guide) -> set[str]:
    """Participants in a sector x role type group too small to show their roles safely."""
    people = guide.evidence.participants
    small = {(s, r) for s, r, _ in guide.evidence.small_groups}
    pairs = zip(people["sector"], people["role_type"], strict=True)
    return {p for p, pair in zip(people["participant_id"], pairs, strict=True) if pair in small}


def guide_html(guide: Guide) -> str:
    """The practitioners' guide as one escaped HTML section."""
    sections = [
        ("Who we heard and who we did not", who_html(guide)),
        ("Findings by sector and kind", _counts(guide)),
        ("Themes raised", _themes(guide)),
        ("What people said and what the data say", _triangulation(guide)),
        ("Priorities", _priorities(guide)),
        ("Co-produced priorities", coproduced_html(guide)),
        ("Member checking", _member_check(guide)),
        ("Coding quality", _coding(guide)),
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


def pilot_section_html(name: str, guide: Guide | None, code: str = "") -> str:
    """One pilot's section of the cross-pilot guide: its full guide, or how to add evidence."""
    if guide is None:
        return missing_evidence_html(code, name).replace(
            "<h2>Practitioners&#x27; guide</h2>", f"<h2>{esc(name)}</h2>"
        )
    return guide_html(guide).replace(
        "<h2>Practitioners&#x27; guide</h2>", f"<h2>{esc(guide.town_name)}</h2>", 1
    )


def cross_pilot_html(guides: Mapping[str, Guide | None], config: ThemesConfig) -> str:
    """What needs to change across the pilots, and how: one row per shared barrier."""
    table = what_needs_to_change(guides, config)
    banner = next(
        (fictional_banner(g).replace(esc(g.town_name), "Each town") for g in guides.values()
         if g is not None and fictional_banner(g)),
        "",
    )  # fmt: skip
    missing = [name for name, g in guides.items() if g is None]
    note = f"<p>No evidence yet for: {esc(', '.join(missing))}.</p>" if missing else ""
    if table.empty:
        return banner + note + "<p>No barriers in the evidence so far.</p>"
    rows = [
        [r["label"], f"{r['n_pilots']} of {len(guides)}: {r['pilots']}", r["evidence"],
         r["actions"] or "–"]
        for _, r in table.iterrows()
    ]  # fmt: skip
    headers = ["What needs to change", "Where", "Evidence", "How: suggested actions"]
    return banner + note + table_html(headers, rows, "Barriers across the pilot towns")
