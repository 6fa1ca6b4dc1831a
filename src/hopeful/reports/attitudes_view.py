"""The attitudes section of a town report and its national summaries: how the town voted
(Leave 2016, Reform UK 2024: what was counted, and the modelled town estimate) and how people
feel (ONS personal well-being of its local authority), each with its interval, against all
towns, and one plain line on what it is.

Counted results are labelled measured and name the area they were counted for; estimates are
labelled modelled. A column another step has not written yet (the modelled Reform UK share)
drops its row and says so; a missing value says why, never "NaN". Everything here is a few
vectorised passes over the 1,178-row towns table, cheap enough for every report of a batch.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from hopeful import processed
from hopeful.indicators.catalogue import catalogue_path, read_catalogue
from hopeful.prepare.wellbeing import MEASURES
from hopeful.reports.file_cache import cached_read

__all__ = [
    "VOTE_ROWS",
    "attitudes_html",
    "label",
    "overview_panels",
    "overview_table",
    "votes_table",
    "wellbeing_change_table",
    "wellbeing_rows",
    "wellbeing_table",
]

# (column, interval columns or None, kind): the vote rows, measured before modelled.
VOTE_ROWS = [
    ("leave_share_la", None, "measured"),
    ("leave_share_modelled", ("leave_share_modelled_p05", "leave_share_modelled_p95"), "modelled"),
    ("reform_share_2024", None, "measured"),
    (
        "reform24_share_modelled",
        ("reform24_share_modelled_p05", "reform24_share_modelled_p95"),
        "modelled",
    ),
]
MODELLED_LABELS = {
    "leave_share_modelled": "EU referendum Leave share, the town (modelled)",
    "reform24_share_modelled": "Reform UK vote share 2024, the town (modelled)",
}
# Where each measured vote was counted, shown in its label.
COUNTED_FOR = {"leave_share_la": "local authority", "reform_share_2024": "constituency"}
FINANCIAL_YEAR = "{}/{:02d}"


def _catalogue(path: Path) -> pd.DataFrame:
    return read_catalogue(path).set_index("code")


def label(code: str) -> str:
    """The human label of a column: the catalogue's name, or the modelled estimate's label."""
    if code in MODELLED_LABELS:
        return MODELLED_LABELS[code]
    names = cached_read(catalogue_path(), _catalogue)["name"]
    return str(names.get(code, code))


def _measured_label(code: str) -> str:
    """'EU referendum Leave share (local authority, measured)': the catalogue name with where
    the vote was counted and that it was measured."""
    base = re.sub(r" \([^)]*\)$", "", label(code))
    return f"{base} ({COUNTED_FOR[code]}, measured)"


def _share(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}%}"


def _compare(values: pd.Series, value: float, fmt) -> str:
    """'median of all towns X; higher than N% of towns' (shares of towns with a value)."""
    values = values.dropna()
    if values.empty or pd.isna(value):
        return "not available"
    below = float((values < value).mean())
    return f"median {fmt(values.median())}; higher than {below:.0%} of {len(values):,} towns"


def _read_seats(path: Path) -> pd.DataFrame:
    return processed.read_town_constituencies(path.parent)


def _seats(view, town_code: str) -> str:
    path = Path(view.processed_dir) / "town_constituencies.csv"
    if not path.is_file():
        return "its 2024 constituency"
    table = cached_read(path, _read_seats)
    rows = table[table["town_code"] == town_code].sort_values(
        ["population_share", "pcon24_name"], ascending=[False, True]
    )
    if rows.empty:
        return "its 2024 constituency"
    if len(rows) == 1:
        return f"{rows['pcon24_name'].iloc[0]} constituency"
    parts = [
        f"{n} ({s:.0%})" for n, s in zip(rows["pcon24_name"], rows["population_share"], strict=True)
    ]
    return "the constituencies " + ", ".join(parts) + " (shares of the town's residents)"


def _what(column: str, t: pd.Series, view) -> str:
    """One plain line: measured where, or modelled how."""
    town = str(t["town_name"])
    if column == "leave_share_la":
        area = t.get("leave_area16_name")
        where = (
            f"the {area} counting area (a 2016 local authority)"
            if isinstance(area, str) and area
            else f"{t['lad_name']} local authority"
        )
        return f"Counted: the 2016 result of {where} as a whole (votes were not counted by town)."
    if column == "leave_share_modelled":
        return (
            f"Estimated for {town}: a model of how areas' age, skills, ethnicity, birthplace, "
            "deprivation, housing and 2024 Reform UK vote relate to the 2016 vote, applied to "
            "the town and adjusted so the "
            "town and the rest of its counting area add up to the count."
        )
    if column == "reform_share_2024":
        stood = t.get("reform_stood_share")
        absent = (
            " Reform UK did not stand in every seat the town lies in."
            if pd.notna(stood) and float(stood) < 0.995
            else ""
        )
        return (
            f"Counted: Reform UK's share of the valid votes in {_seats(view, t['town_code'])} at "
            f"the July 2024 general election (constituency, not town).{absent}"
        )
    return (
        f"Estimated for {town}: a model of how constituencies' Census 2021 profiles relate to "
        "the Reform UK vote, applied to the town and adjusted so the town and the rest of its "
        "constituency add up to the count."
    )


def votes_table(view) -> pd.DataFrame:
    """Leave 2016 and Reform UK 2024: measured area results and modelled town estimates
    (rows whose column is not in towns.csv yet are left out)."""
    t, towns = view.town, view.towns
    records = []
    for column, interval, kind in VOTE_ROWS:
        if column not in towns.columns:
            continue
        value = t.get(column)
        digits = 1 if kind == "measured" else 0
        shown = "not available for this town" if pd.isna(value) else _share(float(value), digits)
        if interval is None:
            band = "none: a count"
        elif pd.isna(t.get(interval[0])) or pd.isna(t.get(interval[1])):
            band = "not available"
        else:
            band = f"{_share(float(t[interval[0]]), 0)} to {_share(float(t[interval[1]]), 0)} (90%)"
        records.append(
            {
                "Measure": label(column) if kind == "modelled" else _measured_label(column),
                str(t["town_name"]): shown,
                "Interval": band,
                "All towns": _compare(towns[column], value, lambda v, d=digits: _share(v, d)),
                "What it is": _what(column, t, view),
            }
        )
    return pd.DataFrame(records)


def _year(value: object) -> str:
    year = int(value)
    return FINANCIAL_YEAR.format(year, (year + 1) % 100)


def _change_text(t: pd.Series, measure: str) -> tuple[str, str]:
    """The change since 2011/12 with its 95% interval, and what the interval says."""
    change = t.get(f"{measure}_change_since_2011")
    if pd.isna(change):
        return (
            "not available",
            "ONS published no 2011/12 estimate for this authority (created in 2021; its "
            "former districts were not re-estimated)",
        )
    lo, hi = t[f"{measure}_change_since_2011_lo95"], t[f"{measure}_change_since_2011_hi95"]
    shown = f"{change:+.2f} ({lo:+.2f} to {hi:+.2f})"
    if lo > 0:
        return shown, "a real rise (the 95% interval is above zero)"
    if hi < 0:
        return shown, "a real fall (the 95% interval is below zero)"
    return shown, "no clear change: within the survey's margin of error"


def wellbeing_rows(view) -> list[dict[str, str]]:
    """One record per measure present in towns.csv (latest, interval, change, comparison)."""
    t, towns = view.town, view.towns
    records = []
    for measure in MEASURES:
        latest = f"{measure}_latest"
        if latest not in towns.columns:
            continue
        value = t.get(latest)
        name = label(measure) + (" (higher = more anxious)" if measure == "anxiety" else "")
        if pd.isna(value):
            records.append({"Measure": name, "Latest": "not available (ONS did not publish it)"})
            continue
        change, verdict = _change_text(t, measure)
        records.append(
            {
                "Measure": name,
                "Latest": f"{value:.2f} in {_year(t[f'{measure}_latest_year'])}",
                "95% interval": f"{t[f'{measure}_latest_lo95']:.2f} to "
                f"{t[f'{measure}_latest_hi95']:.2f}",
                "Change since 2011/12 (95% interval)": change,
                "Is the change real?": verdict,
                "All towns": _compare(towns[latest], value, lambda v: f"{v:.2f}"),
            }
        )
    return records


def wellbeing_table(view) -> pd.DataFrame:
    """The town's local-authority well-being, each measure on a row."""
    return pd.DataFrame(wellbeing_rows(view))


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, border=0, classes="hopeful-table")


def attitudes_html(view) -> str:
    """The whole attitudes section: votes (measured and modelled) and well-being (measured,
    authority-level), every text from data escaped."""
    t = view.town
    town = html.escape(str(t["town_name"]))
    la = html.escape(str(t["lad_name"]))
    parts = ["<div class='attitudes'>", "<h3>How the town voted</h3>"]
    votes = votes_table(view)
    if votes.empty:
        parts.append("<p>No vote results could be matched to this town.</p>")
    else:
        parts.append(
            "<p>Votes are counted for local authorities and constituencies, not towns. "
            f"Rows marked <strong>measured</strong> are those counts; rows marked "
            f"<strong>modelled</strong> are estimates for {town} with a 90% interval, not "
            "counts.</p>"
        )
        parts.append(_table(votes))
    if "reform_share_2024" in view.towns and "reform24_share_modelled" not in view.towns:
        parts.append(
            "<p>No modelled Reform UK estimate for the town in this build of the data: "
            "only the constituency count is shown.</p>"
        )
    rows = wellbeing_rows(view)
    if rows:
        parts.append("<h3>How people feel</h3>")
        parts.append(
            f"<p><strong>Measured, for {la} local authority as a whole, not the town.</strong> "
            "ONS's Annual Population Survey asks adults (16+) to rate their life satisfaction, "
            "happiness, how worthwhile the things they do feel, and yesterday's anxiety from 0 "
            "to 10. These are survey means of a few hundred people per authority, so each has "
            "a 95% interval; a change since 2011/12 is real only where its interval "
            "excludes zero.</p>"
        )
        parts.append(_table(pd.DataFrame(rows)))
    parts.append("</div>")
    return "".join(parts)


def overview_table(towns: pd.DataFrame) -> pd.DataFrame:
    """Each attitude measure across towns per nation: median and the middle 80% (10th-90th
    percentile), and how many towns have a value."""
    columns = [c for c, _, _ in VOTE_ROWS] + [f"{m}_latest" for m in MEASURES]
    records = []
    for column in columns:
        if column not in towns.columns:
            continue
        is_share = not column.endswith("_latest")
        name = label(column.removesuffix("_latest"))
        kind = "modelled" if column in MODELLED_LABELS else "measured"
        if not is_share:
            name += " (local authority, latest year)"
        elif kind == "measured":
            name = _measured_label(column)
        for nation, group in towns.groupby("nation"):
            values = group[column].dropna()
            if values.empty:
                continue
            q = values.quantile([0.1, 0.5, 0.9])
            fmt = (lambda v: f"{v:.1%}") if is_share else (lambda v: f"{v:.2f}")
            records.append(
                {
                    "Measure": name,
                    "Nation": nation,
                    "Towns": f"{len(values):,}",
                    "Median": fmt(q[0.5]),
                    "Middle 80% of towns": f"{fmt(q[0.1])} to {fmt(q[0.9])}",
                }
            )
    return pd.DataFrame(records)


def wellbeing_change_table(towns: pd.DataFrame) -> pd.DataFrame:
    """How many towns' authorities saw a real rise, a real fall or no clear change in each
    measure since 2011/12 (95% intervals), and how many have no 2011/12 estimate."""
    records = []
    for measure in MEASURES:
        change = f"{measure}_change_since_2011"
        if change not in towns.columns:
            continue
        lo, hi = towns[f"{change}_lo95"], towns[f"{change}_hi95"]
        known = towns[change].notna()
        records.append(
            {
                "Measure": label(measure),
                "Median change": f"{towns[change].median():+.2f}",
                "Real rise": f"{int((lo > 0).sum()):,}",
                "Real fall": f"{int((hi < 0).sum()):,}",
                "No clear change": f"{int((known & (lo <= 0) & (hi >= 0)).sum()):,}",
                "No 2011/12 estimate": f"{int((~known).sum()):,}",
            }
        )
    return pd.DataFrame(records)


def overview_panels(towns: pd.DataFrame) -> list[tuple[str, str, bool]]:
    """The overview figure's panels (column, title, is_share): Leave (modelled), Reform UK
    2024 (modelled when towns.csv has it, else the measured constituency share), and the
    latest well-being of each town's local authority."""
    panels = []
    if "leave_share_modelled" in towns:
        panels.append(("leave_share_modelled", "Leave 2016 (modelled)", True))
    if "reform24_share_modelled" in towns:
        panels.append(("reform24_share_modelled", "Reform UK 2024 (modelled)", True))
    elif "reform_share_2024" in towns:
        panels.append(("reform_share_2024", "Reform UK 2024 (measured, constituency)", True))
    for m in MEASURES:
        if f"{m}_latest" in towns:
            panels.append((f"{m}_latest", f"{label(m)} (local authority, 0-10)", False))
    return panels
