"""The evidence format: template round-trip, every validation rule, consent counting."""

from __future__ import annotations

import pytest

from hopeful.consultations.schema import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    is_real_town_code,
    personal_data,
    read_evidence,
)
from hopeful.consultations.template import FINDING_COLUMNS, cli_template, write_template
from hopeful.errors import DataError, HopefulError

from .conftest import FIXTURES, row, write_evidence

THEMES = ("housing", "health", "jobs", "places", "pride")


def read(path, town="W38000144", **kw):
    return read_evidence(path, town, THEMES, **kw)


def refused(tmp_path, *, column: str, line: int = 3, names=(), **fields) -> DataError:
    """Write a header plus [valid row, bad row] and return the error, checking where it points."""
    path = write_evidence(tmp_path / "W38000144.csv", [row(), row(**fields)])
    with pytest.raises(DataError) as info:
        read(path, stakeholders=names)
    err = info.value
    assert err.file == str(path)
    assert err.column == column
    assert err.row == line
    return err


# --------------------------------------------------------------------- format and template


def test_fixture_reads_with_comments_blank_lines_and_quoted_commas():
    ev = read(FIXTURES / "W38000144.csv")
    assert len(ev.findings) == 8
    assert list(ev.findings.columns) == [*COLUMNS, *OPTIONAL_COLUMNS, "line"]
    assert ev.findings["finding_id"].tolist() == [str(n) for n in ev.findings["line"]]
    assert ev.findings["summary"].iloc[1] == "Synthetic: damp homes, sick children."
    # lines are numbered as in the file: 2 comments, header on line 3, a blank line 6
    assert ev.findings["line"].tolist() == [4, 5, 7, 8, 9, 10, 11, 12]
    assert ev.findings["role"].iloc[6] == ""  # role is optional


def test_consent_no_rows_are_excluded_and_counted():
    ev = read(FIXTURES / "W38000144.csv")
    assert ev.excluded_no_consent == 2  # "no" and "NO"
    assert "jobs" not in set(ev.findings["theme"])
    assert set(ev.findings["consent"]) == {"yes"}


def test_template_round_trip(tmp_path, themes):
    path = write_template("W38000144", "Port Talbot", tmp_path / "W38000144.csv", themes=themes)
    text = path.read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert text.splitlines()[-1] == ",".join(FINDING_COLUMNS)
    for column in FINDING_COLUMNS:
        assert any(f"#   {column}:" in line for line in comments), column
    for theme_id in THEMES:
        assert any(f"#   {theme_id}:" in line for line in comments), theme_id
    assert any("friction, opportunity, hope, asset" in line for line in comments)
    empty = read(path)
    assert empty.findings.empty and empty.excluded_no_consent == 0
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            "F-1,W38000144,2021-05-01,health,nurse,hope,health,Synthetic: a new clinic.,A-1,yes,\n"
        )
    back = read(path)
    assert back.findings[list(COLUMNS)].values.tolist() == [
        [
            "W38000144",
            "2021-05-01",
            "health",
            "nurse",
            "hope",
            "health",
            "Synthetic: a new clinic.",
            "A-1",
            "yes",
        ]  # fmt: skip
    ]


def test_template_never_overwrites_evidence(tmp_path, themes):
    path = write_evidence(tmp_path / "W38000144.csv", [row()])
    before = path.read_bytes()
    with pytest.raises(HopefulError, match="already exists"):
        write_template("W38000144", "Port Talbot", path, themes=themes)
    assert path.read_bytes() == before


def test_cli_template_names_the_file_by_town_code(tmp_path):
    import pandas as pd

    town = pd.Series({"town_code": "E35001042", "town_name": "Gravesend\nwith newline"})
    path = cli_template(town, tmp_path / "out")
    assert path == tmp_path / "out" / "E35001042.csv"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# Consultation evidence for Gravesend with newline (E35001042)."
    assert read_evidence(path, "E35001042", ["housing_pressure"]).findings.empty


def test_byte_order_mark_is_accepted(tmp_path):
    path = write_evidence(tmp_path / "W38000144.csv", [row()])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(read(path).findings) == 1


# --------------------------------------------------------------------- validation, one rule each


def test_unknown_sector(tmp_path):
    err = refused(tmp_path, column="sector", sector="police")
    assert "unknown sector 'police'" in str(err)


def test_unknown_kind(tmp_path):
    err = refused(tmp_path, column="kind", kind="complaint")
    assert "unknown kind 'complaint'" in str(err)


def test_unknown_theme(tmp_path):
    err = refused(tmp_path, column="theme", theme="weather")
    assert "unknown theme 'weather'" in str(err)


def test_unknown_consent_value(tmp_path):
    refused(tmp_path, column="consent", consent="maybe")


def test_missing_required_value(tmp_path):
    refused(tmp_path, column="summary", summary="  ")


def test_dates_must_be_iso(tmp_path):
    refused(tmp_path, column="date", date="01/03/2021")


def test_dates_must_exist(tmp_path):
    refused(tmp_path, column="date", date="2021-02-30")


def test_wrong_town_code_for_the_file(tmp_path):
    err = refused(tmp_path, column="town_code", town_code="E35001042")
    assert "E35001042" in str(err) and "W38000144" in str(err)


def test_source_id_must_be_a_code(tmp_path):
    refused(tmp_path, column="source_id", source_id="interview with the vicar")


def test_extra_columns_are_refused(tmp_path):
    path = tmp_path / "W38000144.csv"
    path.write_text(",".join(COLUMNS) + ",interviewee\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read(path)
    assert info.value.column == "interviewee" and info.value.row == 1


def test_missing_header_is_refused(tmp_path):
    path = tmp_path / "W38000144.csv"
    path.write_text("# only comments\n", encoding="utf-8")
    with pytest.raises(DataError, match="no header"):
        read(path)


def test_row_with_wrong_number_of_fields(tmp_path):
    path = tmp_path / "W38000144.csv"
    path.write_text(",".join(COLUMNS) + "\nW38000144,2021-01-01,housing\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read(path)
    assert info.value.row == 2


def test_finding_split_over_lines_is_refused(tmp_path):
    path = tmp_path / "W38000144.csv"
    path.write_text(
        ",".join(COLUMNS) + '\nW38000144,2021-01-01,housing,,friction,housing,"two\nlines",T,yes\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="one line") as info:
        read(path)
    assert info.value.row == 2


@pytest.mark.parametrize(
    "summary",
    ["Call me on j.smith@example.org", "ask jo+work@council.gov.uk"],
)
def test_email_is_refused(tmp_path, summary):
    err = refused(tmp_path, column="summary", summary=summary)
    assert "an email address" in str(err)
    assert summary not in str(err)  # the error never repeats personal data


@pytest.mark.parametrize(
    "number",
    [
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)1639 123456",
        "0044 20 7946 0000",
        "07700 900123",
        "07700-900-123",
        "01639 123456",
        "(01639) 123456",
        "020 7946 0000",
        "0161 496 0000",
        "0300 123 4567",
    ],
)
def test_uk_phone_numbers_are_refused(tmp_path, number):
    err = refused(tmp_path, column="summary", summary=f"Ring the centre on {number} today")
    assert "a phone number" in str(err)
    assert number not in str(err)


@pytest.mark.parametrize("postcode", ["SA13 1AB", "da11 0aa", "DA121AA", "SW1A 1AA"])
def test_uk_postcodes_are_refused(tmp_path, postcode):
    err = refused(tmp_path, column="summary", summary=f"She lives at {postcode} near the park")
    assert "a postcode" in str(err)


def test_personal_data_in_role_is_refused(tmp_path):
    refused(tmp_path, column="role", role="warden, 07700 900123")


def test_social_media_handle_is_refused(tmp_path):
    refused(tmp_path, column="summary", summary="Follow @porttalbotmum for updates")


def test_stakeholder_names_are_refused(tmp_path):
    err = refused(
        tmp_path,
        column="summary",
        names=("Jane Example", "O'Neill"),
        summary="As JANE   example said, the hall matters",
    )
    assert "stakeholder list" in str(err) and "Jane" not in str(err)


def test_stakeholder_names_match_whole_words_only(tmp_path):
    path = write_evidence(
        tmp_path / "W38000144.csv", [row(summary="Janeway and O'Neills pub are landmarks")]
    )
    assert len(read(path, stakeholders=("Jane", "O'Neill")).findings) == 1


def test_ordinary_numbers_and_dates_are_not_personal_data():
    for text in [
        "In 2021, 30 of 120 homes were damp",
        "Between 2011 and 2021 the population grew 4.5%",
        "The A48 and M4 junction 41 are busy",
        "Ward SA13 had the most referrals",  # a postcode district is not an address
        "Opening 0900-1700, Mon 1 Feb",
    ]:
        assert personal_data(text) is None, text


def test_fictional_rows_are_refused_for_a_real_town(tmp_path):
    err = refused(tmp_path, column="source_id", source_id="FICTIONAL-INT-01")
    assert "fictional" in str(err)


def test_fictional_rows_are_fine_for_a_made_up_town(tmp_path):
    path = write_evidence(
        tmp_path / "X99999999.csv", [row(town_code="X99999999", source_id="FICTIONAL-1")]
    )
    assert len(read(path, town="X99999999").findings) == 1


def test_real_town_codes():
    assert is_real_town_code("W38000144") and is_real_town_code("E35001042")
    assert not is_real_town_code("X99999999")
