"""Issue 16, class 1: personal data must never reach a published report.

Every case of the issue, and variants of each kind, written into a town's evidence file the way
a coder could (curly quotes, non-breaking and zero-width spaces, look-alike letters, spelled
out digits) must be refused by the reader that gates the practitioners' guide, with an error
naming file, column and row and quoting the datum only masked. Realistic texts that hold no
personal data must pass: the false alarms of the guard are measured here, not guessed. The
stakeholder list must fail closed: a list that is there but unreadable stops the run.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from hopeful.consultations.config import load_pilots
from hopeful.consultations.schema import (
    COLUMNS,
    personal_data,
    read_evidence,
    read_stakeholders,
)
from hopeful.errors import DataError
from hopeful.reports.pilot_documents import check_stakeholder_lists, with_pilot_inputs

TOWN = "W38000144"
THEMES = ("housing", "health", "jobs", "places", "pride")
ZW = "\u200b"  # zero-width space
NBSP = "\u00a0"


def finding(**overrides: str) -> dict[str, str]:
    """A valid finding for TOWN, with some fields replaced."""
    base = dict(
        town_code=TOWN, date="2021-02-01", sector="housing", role="housing officer",
        kind="friction", theme="housing", summary="Rents outpace wages.", source_id="T-01",
        consent="yes",
    )  # fmt: skip
    return {**base, **overrides}


def write(folder: Path, rows: list[dict[str, str]], extra: tuple[str, ...] = ()) -> Path:
    path = folder / f"{TOWN}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*COLUMNS, *extra])
        writer.writeheader()
        writer.writerows(rows)
    return path


def refused(tmp_path: Path, column: str, names: tuple[str, ...] = (), **fields: str) -> str:
    """Write [valid row, bad row]; the DataError must name file, column and row 3."""
    path = write(tmp_path, [finding(), finding(**fields)])
    with pytest.raises(DataError) as info:
        read_evidence(path, TOWN, THEMES, stakeholders=names)
    err = info.value
    assert (err.file, err.column, err.row) == (str(path), column, 3), str(err)
    assert "\n" not in str(err)
    return str(err)


def never_echoed(message: str, datum: str) -> None:
    """Neither the datum nor its letters and digits run together appear in the message."""
    assert datum not in message
    core = re.sub(r"[\W_]+", "", datum)
    assert core.lower() not in re.sub(r"[\W_]+", "", message).lower() or len(core) < 4


# ------------------------------------------------------------------- free text: every kind

PERSONAL = [
    # NHS numbers (valid modulus-11 check digit), 3-3-4 or run together
    ("an NHS number", "NHS no. 943 476 5919 on the letter"),
    ("an NHS number", "her number 9434765919 was on the form"),
    ("an NHS number", f"ref 943{NBSP}476{NBSP}5919"),
    ("an NHS number", "id 401-023-2137 quoted"),
    ("an NHS number", f"9{ZW}43 476 5919"),
    # National Insurance numbers
    ("a National Insurance number", "NI QQ 12 34 56 C given"),
    ("a National Insurance number", "NI QQ123456C given"),
    ("a National Insurance number", "ni ab 12 34 56 d given"),
    ("a National Insurance number", "NI ＱＱ１２３４５６Ｃ in full-width letters"),
    # street addresses
    ("a street address", "She lives at 14 Station Road"),
    ("a street address", "met at 3a Heol Las"),
    ("a street address", "the family at 27, Mill Lane"),
    ("a street address", "the flat over 14-16 High Street"),
    ("a street address", "moved to 9 Church View Terrace"),
    ("a street address", "moved to 2 St\u00a0David\u2019s Close"),
    # title + initial/name + surname
    ("a title and name", "As Mrs J. Smith said, nothing changes"),
    ("a title and name", "Dr Ahmed runs the clinic"),
    ("a title and name", "MR J JONES complained"),
    ("a title and name", "Cllr Davies promised a new roof"),
    ("a title and name", "Councillor Price opened it"),
    ("a title and name", "Miss Evans, the head teacher"),
    ("a title and name", "\u041crs Smith said"),  # Cyrillic capital em
    # emails, plain and obfuscated
    ("an email address", "write to jane at example dot org"),
    ("an email address", "write to jane[at]example[dot]org"),
    ("an email address", "write to jane (at) example (dot) co (dot) uk"),
    ("an email address", "write to jane.smith AT council DOT gov DOT uk"),
    ("an email address", "write to jane@example.org"),
    ("an email address", "write to jane\uff20example\uff0eorg"),  # full-width @ and .
    ("an email address", f"write to jane@exa{ZW}mple.org"),
    # phone numbers in every spelling
    ("a phone number", "ring 07700.900.123"),
    ("a phone number", "ring 44 7700 900123"),
    ("a phone number", "ring +44 (0)7700 900123"),
    ("a phone number", "ring 0044 7700 900123"),
    ("a phone number", "ring 0800 123 4567"),
    ("a phone number", "ring 0800 123456"),
    ("a phone number", "ring 01639 123 456"),
    ("a phone number", "ring 07700 900123 two times"),
    ("a phone number", f"ring 07700{NBSP}900{ZW}123"),
    ("a phone number", "ring ٠٧٧٠٠٩٠٠١٢٣"),  # Arabic-Indic digits
    ("a phone number", "ring 0 7 7 0 0 9 0 0 1 2 3"),
    ("a phone number", "ring 7700 900123"),
    ("a phone number written in words", "ring oh seven seven double oh nine oh oh one two three"),
    (
        "a phone number written in words",
        "ring zero eight hundred? no: zero eight oh oh one two three four five six seven",
    ),  # fmt: skip
    ("a phone number written in words", "ring 07700 nine oh oh one two three"),
    # postcodes with odd spaces
    ("a postcode", "lives at SA13  1AB"),
    ("a postcode", f"lives at SA13{NBSP}1AB"),
    ("a postcode", f"lives at SA13{ZW}1AB"),
    ("a postcode", "lives at SA13\u20091AB"),  # thin space
    ("a postcode", "lives at sa13-1ab"),
    ("a postcode", "lives at ＳＡ１３ １ＡＢ"),
    # handles stay refused
    ("a social media handle", "follow @porttalbotmum"),
]


@pytest.mark.parametrize(("kind", "text"), PERSONAL, ids=[t for _, t in PERSONAL])
def test_personal_data_in_a_summary_is_refused_and_masked(tmp_path, kind, text):
    message = refused(tmp_path, "summary", summary=text)
    assert f"({kind}:" in message
    assert "*" in message  # quoted masked
    words = text.split(" ", 2)
    never_echoed(message, words[-1] if len(words) > 2 else text)


@pytest.mark.parametrize(
    "role",
    ["warden, 07700.900.123", "warden at 14 Station Road", "Mrs J. Smith's assistant",
     "warden (jane at example dot org)", "nurse, QQ 12 34 56 C"],
)  # fmt: skip
def test_personal_data_in_a_role_is_refused(tmp_path, role):
    assert "personal data" in refused(tmp_path, "role", role=role)


def test_consent_no_rows_are_checked_too(tmp_path):
    refused(tmp_path, "summary", summary="NHS 943 476 5919", consent="no")


def test_a_member_check_note_is_checked(tmp_path):
    path = write(tmp_path, [finding(finding_id="F-1")], ("finding_id",))
    notes = tmp_path / f"{TOWN}.member_check.csv"
    notes.write_text(
        "finding_id,response,theme,note\nF-1,confirmed,,call jane at example dot org\n",
        encoding="utf-8",
    )
    from hopeful.consultations.inputs import read_inputs

    evidence = read_evidence(path, TOWN, THEMES)
    with pytest.raises(DataError) as info:
        read_inputs(evidence, THEMES)
    assert (info.value.file, info.value.column, info.value.row) == (str(notes), "note", 2)
    assert "an email address" in str(info.value)


# ------------------------------------------------------------------------------ the ids


@pytest.mark.parametrize(
    "source_id",
    ["Jane.Smith", "jsmith", "07700900123", "07700-900-123", "QQ123456C", "9434765919",
     "JaneSmith-01", "Smith07", "INT-JSmith-1", "interview", "jane@example.org"],
)  # fmt: skip
def test_a_person_like_source_id_is_refused(tmp_path, source_id):
    message = refused(tmp_path, "source_id", source_id=source_id)
    assert "must be a code" in message or "personal data" in message


def test_a_stakeholder_name_hidden_in_a_source_id_is_refused(tmp_path):
    refused(tmp_path, "source_id", names=("Jane Smith",), source_id="JSMITH-01")


def test_a_person_like_participant_id_is_refused(tmp_path):
    path = write(tmp_path, [finding(participant_id="Jane.Smith")], ("participant_id",))
    people = tmp_path / f"{TOWN}.participants.csv"
    people.write_text(
        "participant_id,sector,role_type,groups,consent\nJane.Smith,housing,resident,,yes\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        read_evidence(path, TOWN, THEMES)
    assert (info.value.column, info.value.row) == ("participant_id", 2)


@pytest.mark.parametrize(
    "source_id", ["INT-07", "T-1", "FG3.2", "P-014", "W2_INT_12", "FICTIONAL-INT-01", "2021-03-A"]
)
def test_opaque_codes_are_valid_source_ids(tmp_path, source_id):
    town = "X99999999" if source_id.startswith("FICTIONAL") else TOWN
    path = tmp_path / f"{town}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow(finding(town_code=town, source_id=source_id))
    assert len(read_evidence(path, town, THEMES).findings) == 1


# -------------------------------------------------------------------- the stakeholder guard

NAMED = [
    ("Zoë Brontë", "As Zoe Bronte said"),  # accent left off
    ("Zoe Bronte", "As Zoë Brontë said"),  # accent added
    ("Siobhán O'Neill", "As Siobhan O\u2019Neill said"),  # curly apostrophe
    ("Siobhán O'Neill", "As Siobhan ONeill said"),  # apostrophe left out
    ("Siobhán O'Neill", "As Siobhan O Neill said"),
    ("Mary-Jane Price", "As Mary Jane Price said"),  # hyphen vs space
    ("Mary Jane Price", "As Mary-Jane Price said"),
    ("Mary Jane Price", "As Mary\u2013Jane Price said"),  # en dash
    ("Jane Smith", f"As Ja{ZW}ne Smith said"),  # zero-width space
    ("Jane Smith", f"As Jane{ZW}Smith said"),
    ("Jane Smith", "As J\u0430ne Smith said"),  # Cyrillic a
    ("Jane Smith", "As Jane \u0405mith said"),  # Cyrillic capital dze
    ("Jane Smith", "As J. Smith said"),  # initial + surname
    ("Jane Smith", "As J Smith said"),
    ("Jane Smith", "As J.Smith said"),
    ("Jane Smith", "As SMITH, Jane said"),
    ("Jane Smith", f"As Jane{NBSP}Smith said"),
    ("Jane Ann Smith", "As Jane Smith said"),  # middle name left out
    ("Alan Hill", "As A. Hill said"),
    ("Alan Hill", "As A Hill said"),
    ("Rhys ap Gwilym", "As rhys  AP  gwilym said"),
]


@pytest.mark.parametrize(("name", "text"), NAMED, ids=[t for _, t in NAMED])
def test_stakeholder_names_spelled_differently_are_refused(tmp_path, name, text):
    message = refused(tmp_path, "summary", names=(name,), summary=text)
    assert "stakeholder list" in message
    for part in re.findall(r"\w{3,}", name):
        assert part not in message


@pytest.mark.parametrize(
    ("name", "text"),
    [("Jane Smith", "Janeway and Smithfield market"), ("Alan Hill", "walk up a hill"),
     ("O'Neill", "O'Neills pub is a landmark"), ("Jane Smith", "the smith's forge, Jane St")],
)  # fmt: skip
def test_stakeholder_guard_matches_whole_names_only(tmp_path, name, text):
    path = write(tmp_path, [finding(summary=text)])
    assert len(read_evidence(path, TOWN, THEMES, stakeholders=(name,)).findings) == 1


# ------------------------------------------------------------- the stakeholder list itself


def unreadable_lists(folder: Path) -> dict[str, Path]:
    """Stakeholder lists that are there but cannot be read, one per way of going wrong."""
    lists = {}
    utf16 = folder / "utf16.stakeholders.txt"
    utf16.write_text("Jane Smith\n", encoding="utf-16")  # with a BOM
    lists["utf-16"] = utf16
    utf16le = folder / "utf16le.stakeholders.txt"
    utf16le.write_bytes("Jane Smith\n".encode("utf-16-le"))  # no BOM: NULs between letters
    lists["utf-16-le"] = utf16le
    cp1252 = folder / "cp1252.stakeholders.txt"
    cp1252.write_bytes("Zoë Brontë\n".encode("cp1252"))
    lists["cp1252"] = cp1252
    directory = folder / "dir.stakeholders.txt"
    directory.mkdir()
    lists["directory"] = directory
    broken = folder / "link.stakeholders.txt"
    broken.symlink_to(folder / "nowhere.txt")
    lists["broken link"] = broken
    return lists


@pytest.mark.parametrize("how", ["utf-16", "utf-16-le", "cp1252", "directory", "broken link"])
def test_an_unreadable_stakeholder_list_fails_closed(tmp_path, how):
    path = unreadable_lists(tmp_path)[how]
    with pytest.raises(DataError) as info:
        read_stakeholders(path)
    assert info.value.file == str(path)
    assert "name guard" in str(info.value) and "\n" not in str(info.value)


def test_a_stakeholder_list_without_permission_fails_closed(tmp_path, monkeypatch):
    path = tmp_path / f"{TOWN}.stakeholders.txt"
    path.write_text("Jane Smith\n", encoding="utf-8")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)  # root reads anything: simulate
    with pytest.raises(DataError, match="cannot be read"):
        read_stakeholders(path)


def test_a_missing_stakeholder_list_is_no_names_and_a_good_one_is_read(tmp_path):
    assert read_stakeholders(tmp_path / "absent.stakeholders.txt") == ()
    path = tmp_path / "good.stakeholders.txt"
    path.write_text("\ufeff# people\nJane Smith\n\n Zoë Brontë \n", encoding="utf-8")
    assert read_stakeholders(path) == ("Jane Smith", "Zoë Brontë")


def test_an_unreadable_list_stops_the_reports_before_any_kernel(tmp_path):
    """`hopeful reports` computes the pilot fingerprints before starting kernels: a broken
    list there is a DataError (exit code 2, one line), not a guide rendered without guard."""
    code = next(iter(load_pilots()))
    (tmp_path / f"{code}.stakeholders.txt").mkdir()
    with pytest.raises(DataError, match="stakeholder list"):
        with_pilot_inputs({code: "x"}, tmp_path)
    with pytest.raises(DataError, match="stakeholder list"):
        check_stakeholder_lists(tmp_path, [code])


# ------------------------------------------------------------------ false alarms, measured

NOT_PERSONAL = [
    "The 2019 survey had 1,234 respondents",
    "Station Road car park closed in 2020",
    "Between 2011 and 2021 the population grew 4.5%",
    "In 2021, 30 of 120 homes were damp",
    "72% said the high street felt unsafe after dark",
    "The A48 and M4 junction 41 are busy at 8am",
    "Ward SA13 had the most referrals",
    "Aberavon and Sandfields East wards lost their bank",
    "Opening 0900-1700, Mon 1 Feb",
    "On 01/02/2021 10 people came to the drop-in",
    "The session ran 10:30-12:00 on 2021-02-01",
    "A 10 minute walk from the station",
    "30 homes on the road flood every winter",
    "10 high street units are empty",
    "3 Station Road car parks charge",
    "We miss the library",
    "The dr said waiting lists are long",
    "MS patients wait months for physio",
    "Mr and Mrs are both words on the form",
    "The councillor said the budget is cut",
    "Councillor surgeries are rare",
    "Walk up a hill to reach the estate",
    "Dot votes at the workshop put housing first",
    "One or two people mentioned the bus",
    "Families wait 3 to 5 years for a social home",
    "Rents rose by £120 a month, 15% in two years",
    "Budget of £1.2m for 2024-25",
    "A 1 in 4 chance of flooding per 100 years",
    "Bus 44 to Swansea runs every 30 minutes",
    "Crime fell from 1,450 to 1,210 offences",
    "Junction 38 to 41 roadworks until 2025",
    "Referrals: 2019 120, 2020 135, 2021 160",
    "The 0-4 and 5-15 age groups grew",
    "A Doctor Who exhibition drew families",
    "the church hall on Heol Las hosts the food bank",
    "Station Road, High Street and Water Street shops are empty",
    "9am to 5pm, Monday to Friday",
    "Port Talbot's steelworks employed 4,000 people",
    "Of 1,178 towns it ranks 87th",
    "A St David's Day event drew 300 people",
]


def test_realistic_texts_without_personal_data_pass(tmp_path):
    """Every text passes alone and in one evidence file; any false alarm is listed."""
    alarms = [(t, personal_data(t, ("Jane Smith", "Alan Hill"))) for t in NOT_PERSONAL]
    assert [a for a in alarms if a[1]] == []
    path = write(tmp_path, [finding(summary=t, role=t[:40]) for t in NOT_PERSONAL])
    assert len(read_evidence(path, TOWN, THEMES).findings) == len(NOT_PERSONAL)


def test_nhs_check_digit_limits_false_alarms(tmp_path):
    """A 10-digit number whose NHS check digit fails is not an NHS number (nor a phone)."""
    path = write(tmp_path, [finding(summary="Case 943 476 5910 closed")])
    assert len(read_evidence(path, TOWN, THEMES).findings) == 1


@pytest.mark.real_data("processed")
def test_no_place_name_or_indicator_text_is_taken_for_personal_data():
    """Summaries name towns, councils and indicators: none of the 1,178 towns' names, their
    local authorities and areas, nor any text of the indicator catalogue is refused."""
    import pandas as pd
    from conftest import ROOT

    towns = pd.read_csv(ROOT / "data" / "processed" / "towns.csv", dtype=str)
    catalogue = pd.read_csv(ROOT / "src" / "hopeful" / "data" / "indicators.csv", dtype=str)
    texts = {t for c in ("town_name", "lad_name") for t in towns[c].dropna()}
    texts |= {t for c in catalogue.columns for t in catalogue[c].dropna()}
    assert len(texts) > 1500
    assert sorted(t for t in texts if personal_data(t)) == []
