"""The consultation evidence format, and a reader that refuses anything that could harm people.

One table per town, one row per coded finding: a CSV (`<code>.csv`) or the `findings` sheet
of a workbook (`<code>.xlsx`), validated alike. Rows starting with `#` are comments (the
template explains the columns there). An optional participants table (pseudonymous ids,
sector, role type, groups, consent) is linked from the findings' `participant_id`: findings
from a participant without consent are left out like findings without consent. The reader
stops at the first problem with a DataError naming the file, column and row (as a
spreadsheet shows it). Errors about personal data never repeat the offending text.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from hopeful.consultations.personal import find, id_problem
from hopeful.consultations.sources import Source, read_table, table_source
from hopeful.errors import DataError
from hopeful.load import CODE_PATTERNS
from hopeful.paths import project_root

COLUMNS = (
    "town_code", "date", "sector", "role", "kind", "theme", "summary", "source_id", "consent",
)  # fmt: skip
SECTORS = (
    "housing", "health", "employment", "education",
    "community", "business", "local_authority", "other",
)  # fmt: skip
CORE_SECTORS = ("housing", "health", "employment", "education")
KINDS = ("friction", "opportunity", "hope", "asset")
CONSENT = ("yes", "no")
OPTIONAL = frozenset({"role", "finding_id", "participant_id"})
OPTIONAL_COLUMNS = ("finding_id", "participant_id")  # may be absent from the header
PARTICIPANT_COLUMNS = ("participant_id", "sector", "role_type", "groups", "consent")
ROLE_TYPES = (
    "frontline_worker", "manager", "decision_maker", "community_activist", "volunteer",
    "business_owner", "resident",
)  # fmt: skip
GROUPS = (
    "residents", "young_people", "minority_communities", "older_people", "disabled_people",
    "faith_communities", "newcomers",
)  # fmt: skip
SMALL_GROUP = 3  # a sector x role type group smaller than this may point to one person
FREE_TEXT = ("role", "summary")
FICTIONAL_PREFIX = "FICTIONAL-"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SmallGroupWarning(UserWarning):
    """A sector x role type group of participants small enough to point to one person."""


@dataclass(frozen=True)
class Evidence:
    """A town's consented findings; `excluded_no_consent` counts rows left out for consent.

    `participants` holds the participants table (empty without one), `small_groups` the
    sector x role type groups of consenting participants smaller than SMALL_GROUP, and
    `all_finding_ids` every finding id, consented or not (other tables may name any).
    """

    path: Path
    town_code: str
    findings: pd.DataFrame
    excluded_no_consent: int
    participants: pd.DataFrame = field(default_factory=lambda: no_participants())
    small_groups: tuple[tuple[str, str, int], ...] = ()
    all_finding_ids: frozenset[str] = frozenset()


def default_evidence_dir() -> Path:
    """data/consultations in the checkout: where evidence files live, out of git."""
    return project_root() / "data" / "consultations"


def evidence_path(evidence_dir: str | Path, town_code: str) -> Path:
    """The evidence of one town: `<town_code>.xlsx` when there is one, else `<town_code>.csv`."""
    workbook = Path(evidence_dir) / f"{town_code}.xlsx"
    return workbook if workbook.is_file() else Path(evidence_dir) / f"{town_code}.csv"


def findings_source(path: Path) -> Source:
    """The findings table: the `findings` sheet of a workbook, or the CSV itself."""
    return Source(path, "findings") if path.suffix.lower() == ".xlsx" else Source(path)


def stakeholders_path(evidence_dir: str | Path, town_code: str) -> Path:
    """Optional list of names that must never appear in that town's evidence."""
    return Path(evidence_dir) / f"{town_code}.stakeholders.txt"


def is_real_town_code(code: str) -> bool:
    """An ONS town code (BUA/BUASD), as opposed to the example's made-up code."""
    return re.match(CODE_PATTERNS["town"], code) is not None


def is_fictional(source_id: str) -> bool:
    """True for the example evidence's source ids, which must never be mistaken for real findings."""
    return source_id.upper().startswith(FICTIONAL_PREFIX)


def read_stakeholders(path: str | Path | None, *, required: bool = False) -> tuple[str, ...]:
    """Names, one a line (`#` comments and blank lines skipped); no file means no names.

    Fails closed: a list that is there but cannot be read (a directory or broken link at its
    path, no permission, not UTF-8, control characters such as the NULs of UTF-16) is a
    DataError naming the file, never an empty list that would silently turn the guard off.
    """
    if path is None or not (Path(path).exists() or Path(path).is_symlink()):
        if required:
            raise DataError("stakeholder list is missing", file=path)
        return ()
    path = Path(path)
    if not path.is_file():
        raise DataError(
            "stakeholder list is not a readable file (a directory or a broken link?); "
            "the name guard cannot run without it",
            file=path,
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DataError(
            f"stakeholder list cannot be read ({exc.strerror or exc}); the name guard cannot "
            "run without it",
            file=path,
        ) from exc
    except UnicodeDecodeError as exc:
        raise DataError(
            "stakeholder list is not UTF-8 text (UTF-16 or another encoding?); save it as "
            "UTF-8: the name guard cannot run without it",
            file=path,
        ) from exc
    names = []
    for n, line in enumerate(text.splitlines(), start=1):
        if any(ord(ch) < 32 and ch != "\t" for ch in line):
            raise DataError(
                "stakeholder list holds control characters (UTF-16 or a binary file?); save "
                "it as UTF-8 text: the name guard cannot run without it",
                file=path,
                row=n,
            )
        name = line.strip()
        if name and not name.startswith("#"):
            names.append(name)
    return tuple(names)


def personal_data(text: str, names: Iterable[str] = ()) -> str | None:
    """What kind of personal data `text` seems to hold (e.g. 'a phone number'), or None."""
    found = find(text, names)
    return found.kind if found else None


def _check_row(
    path: str,
    n: int,
    record: dict[str, str],
    town_code: str,
    themes: frozenset[str],
    names: tuple[str, ...],
) -> None:
    def fail(column: str, message: str) -> DataError:
        return DataError(message, file=path, column=column, row=n)

    if record["town_code"] != town_code:
        raise fail(
            "town_code",
            f"finding is for town {record['town_code']!r} but this file is read for "
            f"{town_code!r}; each town's evidence lives in its own file",
        )
    for column in COLUMNS:
        if column not in OPTIONAL and not record[column]:
            raise fail(column, "value is missing")
    if not ISO_DATE.match(record["date"]):
        raise fail("date", f"{record['date']!r} is not an ISO date (YYYY-MM-DD)")
    try:
        date.fromisoformat(record["date"])
    except ValueError as exc:
        raise fail("date", f"{record['date']!r} is not a valid date") from exc
    for column, allowed in (
        ("sector", SECTORS),
        ("kind", KINDS),
        ("theme", tuple(sorted(themes))),
        ("consent", CONSENT),
    ):
        if record[column] not in allowed:
            raise fail(
                column, f"unknown {column} {record[column]!r}; allowed: {', '.join(allowed)}"
            )
    check_code(path, n, "source_id", record["source_id"], names)
    for column in FREE_TEXT:
        check_free_text(path, n, column, record[column], names)
    if is_real_town_code(town_code) and is_fictional(record["source_id"]):
        raise fail(
            "source_id",
            f"fictional example finding ({FICTIONAL_PREFIX}…) in evidence for a real town",
        )


def check_free_text(where: str, n: int, column: str, text: str, names: tuple[str, ...]) -> None:
    """Refuse personal data in a free-text cell, quoting it only masked."""
    found = find(text, names)
    if found:
        raise DataError(
            f"looks like it contains personal data ({found.kind}: {found.masked}); remove "
            "it (shown masked, never in full)",
            file=where,
            column=column,
            row=n,
        )


def check_choice(where: str, n: int, column: str, value: str, allowed: Iterable[str]) -> None:
    """Refuse a value outside its vocabulary, listing what is allowed."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise DataError(
            f"unknown {column} {value!r}; allowed: {', '.join(allowed)}",
            file=where,
            column=column,
            row=n,
        )


def check_code(where: str, n: int, column: str, value: str, names: Iterable[str] = ()) -> None:
    """Refuse an id that is not an opaque code (personal.id_problem says what one is)."""
    problem = id_problem(value, names)
    if problem:
        raise DataError(problem, file=where, column=column, row=n)


def no_participants() -> pd.DataFrame:
    """An empty participants table: evidence coded without one."""
    return pd.DataFrame(columns=[*PARTICIPANT_COLUMNS, "line"])


def read_participants(source: Source, town_code: str, names: tuple[str, ...] = ()) -> pd.DataFrame:
    """The participants table: pseudonymous id, sector, role type, groups (`;`), consent."""
    where = source.where
    records = []
    seen: set[str] = set()
    for n, r in read_table(source, PARTICIPANT_COLUMNS):
        for column in ("sector", "role_type", "consent"):
            r[column] = r[column].lower()
        for column in ("participant_id", "sector", "role_type", "consent"):
            if not r[column]:
                raise DataError("value is missing", file=where, column=column, row=n)
        check_code(where, n, "participant_id", r["participant_id"], names)
        if is_real_town_code(town_code) and is_fictional(r["participant_id"]):
            raise DataError(
                f"fictional example participant ({FICTIONAL_PREFIX}…) for a real town",
                file=where,
                column="participant_id",
                row=n,
            )
        if r["participant_id"] in seen:
            raise DataError(
                "participant_id is repeated", file=where, column="participant_id", row=n
            )
        seen.add(r["participant_id"])
        check_choice(where, n, "sector", r["sector"], SECTORS)
        check_choice(where, n, "role_type", r["role_type"], ROLE_TYPES)
        check_choice(where, n, "consent", r["consent"], CONSENT)
        groups = [g.strip().lower() for g in r["groups"].split(";") if g.strip()]
        for group in groups:
            check_choice(where, n, "groups", group, GROUPS)
        records.append({**r, "groups": ";".join(groups), "line": n})
    return pd.DataFrame(records, columns=[*PARTICIPANT_COLUMNS, "line"]).astype({"line": int})


def small_groups(participants: pd.DataFrame) -> tuple[tuple[str, str, int], ...]:
    """(sector, role type, n) of consenting participants' groups below SMALL_GROUP.

    In a small town a "housing decision maker" may be one known person: such groups are
    flagged so the guide withholds their roles and the team can merge or suppress them.
    """
    consenting = participants[participants["consent"] == "yes"]
    sizes = consenting.groupby(["sector", "role_type"]).size()
    return tuple((s, r, int(k)) for (s, r), k in sizes.items() if k < SMALL_GROUP)


def read_evidence(
    path: str | Path,
    town_code: str,
    themes: Iterable[str],
    *,
    stakeholders: Iterable[str] = (),
) -> Evidence:
    """Read and validate one town's evidence (CSV or workbook) and its participants.

    Findings without consent, or from a participant without consent, are dropped and
    counted. When a participants table exists every finding must name one of its ids.
    """
    path = Path(path)
    source = findings_source(path)
    where = source.where
    allowed = frozenset(themes)
    names = tuple(stakeholders)
    people = table_source(path, "participants")
    participants = read_participants(people, town_code, names) if people.exists() else None
    records: list[dict[str, str | int]] = []
    ids: set[str] = set()
    for n, record in read_table(source, COLUMNS, OPTIONAL_COLUMNS):
        for column in ("sector", "kind", "consent"):
            record[column] = record[column].lower()
        _check_row(where, n, record, town_code, allowed, names)
        record["finding_id"] = record["finding_id"] or str(n)
        check_code(where, n, "finding_id", record["finding_id"], names)
        if record["finding_id"] in ids:
            raise DataError("finding_id is repeated", file=where, column="finding_id", row=n)
        ids.add(record["finding_id"])
        pid = record["participant_id"]
        if participants is not None and pid not in set(participants["participant_id"]):
            raise DataError(
                f"participant_id {pid!r} is not in the participants table ({people.where})",
                file=where,
                column="participant_id",
                row=n,
            )
        if participants is None and pid:
            raise DataError(
                f"names a participant but there is no participants table ({people.where})",
                file=where,
                column="participant_id",
                row=n,
            )
        records.append({**record, "line": n})
    columns = [*COLUMNS, *OPTIONAL_COLUMNS, "line"]
    frame = pd.DataFrame(records, columns=columns).astype({"line": int})
    keep = frame["consent"] == "yes"
    if participants is not None:
        refused = set(participants.loc[participants["consent"] == "no", "participant_id"])
        keep &= ~frame["participant_id"].isin(refused)
    small: tuple[tuple[str, str, int], ...] = ()
    if participants is not None:
        small = small_groups(participants)
        for sector, role, k in small:
            warnings.warn(
                f"{people.where}: only {k} participant(s) are {role} in {sector}: in a small "
                "town they may be identifiable; their roles are withheld from the guide",
                SmallGroupWarning,
                stacklevel=2,
            )
    return Evidence(
        path,
        town_code,
        frame[keep].reset_index(drop=True),
        int((~keep).sum()),
        participants if participants is not None else no_participants(),
        small,
        frozenset(ids),
    )
