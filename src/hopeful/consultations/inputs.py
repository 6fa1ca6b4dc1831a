"""The optional co-production tables beside a town's findings, read and checked like them.

Each lives in `<code>.<table>.csv` beside `<code>.csv`, or in the sheet `<table>` of
`<code>.xlsx` (see docs/consultations.md):

- `sampling`: who the team planned to hear (sectors and groups), to set against who it heard;
- `second_coding`: a second coder's theme for a sample of findings (Cohen's kappa);
- `workshop`: participants' dot votes per theme, by stakeholder group;
- `member_check`: what participants said back about the findings (confirmed, challenged,
  added).

A missing table is simply absent (None): every step is optional. Rows about findings left out
for lack of consent are dropped, never shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hopeful.consultations.schema import (
    GROUPS,
    SECTORS,
    Evidence,
    check_choice,
    check_code,
    check_free_text,
)
from hopeful.consultations.sources import read_table, table_source
from hopeful.errors import DataError

__all__ = [
    "DIMENSIONS",
    "RESPONSES",
    "STAKEHOLDER_GROUPS",
    "CoproductionInputs",
    "read_inputs",
    "read_member_check",
    "read_sampling",
    "read_second_coding",
    "read_workshop",
]

DIMENSIONS = ("sector", "group")
STAKEHOLDER_GROUPS = (
    "local_authority", "community_groups", "business", "frontline_services", "residents",
    "young_people", "other",
)  # fmt: skip
RESPONSES = ("confirmed", "challenged", "added")


@dataclass(frozen=True)
class CoproductionInputs:
    """The optional tables of one town; None where the team has not filled one in."""

    sampling: pd.DataFrame | None
    second_coding: pd.DataFrame | None
    workshop: pd.DataFrame | None
    member_check: pd.DataFrame | None


def _count(where: str, n: int, column: str, value: str) -> int:
    if not value.isdigit():
        raise DataError(f"{value!r} is not a whole number >= 0", file=where, column=column, row=n)
    return int(value)


def _required(where: str, n: int, record: dict[str, str], columns: Iterable[str]) -> None:
    for column in columns:
        if not record[column]:
            raise DataError("value is missing", file=where, column=column, row=n)


def _finding(where: str, n: int, record: dict[str, str], evidence: Evidence) -> bool:
    """Check the finding id exists; False when that finding was left out for consent."""
    check_code(where, n, "finding_id", record["finding_id"])
    if record["finding_id"] not in evidence.all_finding_ids:
        raise DataError(
            f"finding_id {record['finding_id']!r} is not in the findings",
            file=where,
            column="finding_id",
            row=n,
        )
    return record["finding_id"] in set(evidence.findings["finding_id"])


def read_sampling(path: Path) -> pd.DataFrame:
    """Planned sectors and groups: `dimension` (sector/group), `name`, `planned` (number)."""
    source = table_source(path, "sampling")
    rows = []
    for n, r in read_table(source, ("dimension", "name", "planned")):
        _required(source.where, n, r, ("dimension", "name", "planned"))
        r["dimension"], r["name"] = r["dimension"].lower(), r["name"].lower()
        check_choice(source.where, n, "dimension", r["dimension"], DIMENSIONS)
        vocabulary = SECTORS if r["dimension"] == "sector" else GROUPS
        check_choice(source.where, n, "name", r["name"], vocabulary)
        rows.append({**r, "planned": _count(source.where, n, "planned", r["planned"])})
    table = pd.DataFrame(rows, columns=["dimension", "name", "planned"])
    if table.duplicated(["dimension", "name"]).any():
        raise DataError("each sector or group may be planned once", file=source.where)
    return table


def read_second_coding(path: Path, evidence: Evidence, themes: Iterable[str]) -> pd.DataFrame:
    """A second coder's theme per sampled finding, joined to the first coding."""
    source = table_source(path, "second_coding")
    allowed = tuple(sorted(themes))
    rows = []
    for n, r in read_table(source, ("finding_id", "theme")):
        _required(source.where, n, r, ("finding_id", "theme"))
        check_choice(source.where, n, "theme", r["theme"], allowed)
        if _finding(source.where, n, r, evidence):
            rows.append({"finding_id": r["finding_id"], "theme_second": r["theme"]})
    second = pd.DataFrame(rows, columns=["finding_id", "theme_second"])
    if second["finding_id"].duplicated().any():
        raise DataError("each finding may be second-coded once", file=source.where)
    first = evidence.findings[["finding_id", "theme", "summary"]]
    return first.merge(second, on="finding_id", how="inner")


def read_workshop(path: Path, themes: Iterable[str]) -> pd.DataFrame:
    """Dot votes: `stakeholder_group`, `theme`, `votes` (whole number), one row per pair."""
    source = table_source(path, "workshop")
    allowed = tuple(sorted(themes))
    rows = []
    for n, r in read_table(source, ("stakeholder_group", "theme", "votes")):
        _required(source.where, n, r, ("stakeholder_group", "theme", "votes"))
        r["stakeholder_group"] = r["stakeholder_group"].lower()
        check_choice(
            source.where, n, "stakeholder_group", r["stakeholder_group"], STAKEHOLDER_GROUPS
        )
        check_choice(source.where, n, "theme", r["theme"], allowed)
        rows.append({**r, "votes": _count(source.where, n, "votes", r["votes"])})
    table = pd.DataFrame(rows, columns=["stakeholder_group", "theme", "votes"])
    if table.duplicated(["stakeholder_group", "theme"]).any():
        raise DataError("one row per stakeholder group and theme", file=source.where)
    return table


def read_member_check(
    path: Path, evidence: Evidence, themes: Iterable[str], names: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Participants' response to findings: confirmed or challenged (a finding_id), or added.

    An added finding has no finding_id but needs a theme; notes are free text and are
    checked for personal data like summaries.
    """
    source = table_source(path, "member_check")
    allowed = tuple(sorted(themes))
    rows = []
    columns = ("finding_id", "response", "theme", "note")
    for n, r in read_table(source, columns):
        r["response"] = r["response"].lower()
        _required(source.where, n, r, ("response",))
        check_choice(source.where, n, "response", r["response"], RESPONSES)
        check_free_text(source.where, n, "note", r["note"], names)
        if r["response"] == "added":
            _required(source.where, n, r, ("theme",))
            if r["finding_id"]:
                raise DataError(
                    "an added finding is new: leave finding_id empty",
                    file=source.where,
                    column="finding_id",
                    row=n,
                )
        else:
            _required(source.where, n, r, ("finding_id",))
            if not _finding(source.where, n, r, evidence):
                continue
            own = evidence.findings.loc[evidence.findings["finding_id"] == r["finding_id"]]
            r["theme"] = r["theme"] or str(own["theme"].iloc[0])
        check_choice(source.where, n, "theme", r["theme"], allowed)
        rows.append({**r, "line": n})
    return pd.DataFrame(rows, columns=[*columns, "line"])


def read_inputs(
    evidence: Evidence, themes: Iterable[str], names: tuple[str, ...] = ()
) -> CoproductionInputs:
    """Every optional table of the town whose evidence this is; None for those absent."""
    themes = tuple(themes)
    path = evidence.path

    def present(table: str) -> bool:
        return table_source(path, table).exists()

    return CoproductionInputs(
        sampling=read_sampling(path) if present("sampling") else None,
        second_coding=(
            read_second_coding(path, evidence, themes) if present("second_coding") else None
        ),
        workshop=read_workshop(path, themes) if present("workshop") else None,
        member_check=(
            read_member_check(path, evidence, themes, names) if present("member_check") else None
        ),
    )
