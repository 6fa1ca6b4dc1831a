"""What a town report shows, computed from processed tables: the notebook only displays it."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hopeful import towns as towns_mod

SIZE_LABELS = {
    "small": "Small town (5k–20k)",
    "medium": "Medium town (20k–75k)",
    "large": "Large town (75k–225k)",
}

PROFILE_ROWS = [
    ("population", "Population (2011)", "{:,.0f}"),
    ("population_2019", "Population of its LSOAs (mid-2019)", "{:,.0f}"),
    ("share_65plus", "Aged 65+ (2019)", "{:.1%}"),
    ("n_lsoa", "Small areas (LSOAs)", "{:,.0f}"),
]

DEPRIVATION_ROWS = {
    "England": [
        ("imd19_score", "IMD 2019 average score", "{:.1f}"),
        ("imd19_proportion", "LSOAs in England's most deprived 10%", "{:.1%}"),
        ("imd19_extent", "Extent (weighted share in most deprived 30%)", "{:.1%}"),
        ("imd19_income_score", "Income-deprived", "{:.1%}"),
        ("imd19_employment_score", "Employment-deprived", "{:.1%}"),
        ("uk_imd_score", "UK-comparable deprivation score (mySociety)", "{:.1f}"),
    ],
    "Wales": [
        ("wimd19_score", "WIMD 2019 average score", "{:.1f}"),
        ("wimd19_proportion", "LSOAs in Wales's most deprived 10%", "{:.1%}"),
        ("wimd19_extent", "Extent (weighted share in most deprived 30%)", "{:.1%}"),
        ("uk_imd_score", "UK-comparable deprivation score (mySociety)", "{:.1f}"),
    ],
}


@dataclass(frozen=True)
class TownView:
    town: pd.Series
    towns: pd.DataFrame
    processed_dir: Path

    @property
    def nation_towns(self) -> pd.DataFrame:
        return self.towns[self.towns["nation"] == self.town["nation"]]

    @property
    def size_towns(self) -> pd.DataFrame:
        return self.towns[self.towns["size_class"] == self.town["size_class"]]


def load_town(processed_dir: str | Path, town: str) -> TownView:
    """Load towns.csv and resolve `town` (code or unambiguous name)."""
    processed = Path(processed_dir)
    table = pd.read_csv(processed / "towns.csv", dtype={"town_code": str, "lad_code": str})
    row = towns_mod.resolve_town(table, town)
    return TownView(town=row, towns=table, processed_dir=processed)


def _fmt(value: object, pattern: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "–"
    return pattern.format(value)


def percentile_among(values: pd.Series, value: float) -> float:
    """Share of towns with a value at or below this town's (0–100)."""
    values = values.dropna()
    if values.empty or pd.isna(value):
        return float("nan")
    return float((values <= value).mean() * 100)


def comparison_table(view: TownView, rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """The town against all towns, towns in its nation and towns of its size (means)."""
    records = []
    for col, label, pattern in rows:
        if col not in view.towns.columns:
            continue
        records.append(
            {
                "Measure": label,
                str(view.town["town_name"]): _fmt(view.town[col], pattern),
                "All towns": _fmt(view.towns[col].mean(), pattern),
                f"{view.town['nation']} towns": _fmt(view.nation_towns[col].mean(), pattern),
                f"{str(view.town['size_class']).title()} towns": _fmt(
                    view.size_towns[col].mean(), pattern
                ),
                f"Percentile in {view.town['nation']}": _fmt(
                    percentile_among(view.nation_towns[col], view.town[col]), "{:.0f}"
                ),
            }
        )
    return pd.DataFrame(records)


def profile_table(view: TownView) -> pd.DataFrame:
    return comparison_table(view, PROFILE_ROWS)


def deprivation_table(view: TownView) -> pd.DataFrame:
    return comparison_table(view, DEPRIVATION_ROWS[str(view.town["nation"])])


def html_table(frame: pd.DataFrame) -> str:
    """A table as HTML with every cell escaped: text from data never becomes markup."""
    return frame.to_html(index=False, escape=True, border=0, classes="hopeful-table")


def heading_html(view: TownView) -> str:
    t = view.town
    e = html.escape
    facts = [
        SIZE_LABELS.get(str(t["size_class"]), str(t["size_class"])),
        f"{t['region']}, {t['nation']}",
        f"Local authority: {t['lad_name']} ({t['lad_code']})",
        f"ONS code {t['town_code']}",
    ]
    items = "".join(f"<li>{e(str(f))}</li>" for f in facts)
    return f"<h1>{e(str(t['town_name']))}</h1><ul class='facts'>{items}</ul>"


def sources_html(processed_dir: str | Path) -> str:
    """Data vintages and checksums from provenance.json, as an escaped list."""
    path = Path(processed_dir) / "provenance.json"
    if not path.is_file():
        return "<p>No provenance file found.</p>"
    prov = json.loads(path.read_text(encoding="utf-8"))
    items = [f"<li>hopeful {html.escape(str(prov.get('version')))}</li>"]
    for entry in (prov.get("sources") or {}).get("datasets", []):
        items.append(
            "<li>{id}: {publisher}, {licence} <code>sha256 {sha}</code></li>".format(
                id=html.escape(str(entry.get("id"))),
                publisher=html.escape(str(entry.get("publisher", ""))),
                licence=html.escape(str(entry.get("licence", ""))),
                sha=html.escape(str(entry.get("sha256", ""))[:12]),
            )
        )
    return "<ul class='sources'>" + "".join(items) + "</ul>"
