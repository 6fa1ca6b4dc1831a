"""Workbooks, participants and consent, kappa, the workshop, member checking, sampling.

Known answers are computed by hand in the comments; the fictional example (docs/examples/
pilots) is read both as CSV files and, converted here, as one workbook, and must agree.
"""

from __future__ import annotations

import shutil
import warnings

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from hopeful.consultations import coding, coproduction
from hopeful.consultations.config import load_themes
from hopeful.consultations.guide import load_guide
from hopeful.consultations.inputs import read_inputs
from hopeful.consultations.schema import SmallGroupWarning, read_evidence
from hopeful.consultations.sources import csv_rows
from hopeful.consultations.template import TABLES, write_template
from hopeful.errors import DataError

from .conftest import ROOT, row, write_evidence

PILOTS = ROOT / "docs" / "examples" / "pilots"
TABLE_NAMES = ("participants", "sampling", "second_coding", "workshop", "member_check")


def example_towns() -> pd.DataFrame:
    return pd.read_csv(PILOTS / "towns.csv", dtype={"town_code": str})


def to_workbook(folder, code, out):
    """The CSV files of one town as the sheets of one workbook, cell for cell."""
    book = Workbook()
    book.active.title = "findings"
    for _n, values in csv_rows(folder / f"{code}.csv"):
        book["findings"].append(values)
    for name in TABLE_NAMES:
        path = folder / f"{code}.{name}.csv"
        if path.is_file():
            sheet = book.create_sheet(name)
            for _n, values in csv_rows(path):
                sheet.append(values)
    book.save(out)
    return out


# ------------------------------------------------------------------ kappa, by hand


def test_cohens_kappa_known_answer():
    # 10 items, coders agree on 7: a a a a b b b c c c / a a a b b b c c c a
    first = list("aaaabbbccc")
    second = list("aaabbbccca")
    # p_o = 7/10; first shares a .4 b .3 c .3, second a .4 b .3 c .3
    # p_e = .16 + .09 + .09 = .34; kappa = (.7 - .34) / (1 - .34) = .36/.66
    assert coding.cohens_kappa(first, second) == pytest.approx(0.36 / 0.66)


def test_cohens_kappa_matches_statsmodels():
    from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

    first, second = list("aabbbccdda"), list("abbbcccdda")
    table = pd.crosstab(pd.Series(first), pd.Series(second)).reindex(
        index=list("abcd"), columns=list("abcd"), fill_value=0
    )
    assert coding.cohens_kappa(first, second) == pytest.approx(sm_kappa(table.to_numpy()).kappa)


def test_kappa_perfect_and_undefined():
    assert coding.cohens_kappa(list("abab"), list("abab")) == 1.0
    assert pd.isna(coding.cohens_kappa(list("aaaa"), list("aaaa")))  # chance agreement is 1


def test_kappa_table_per_theme_and_overall_and_disagreements():
    pairs = pd.DataFrame(
        {
            "finding_id": ["1", "2", "3", "4"],
            "theme": ["x", "x", "y", "y"],
            "theme_second": ["x", "y", "y", "y"],
            "summary": ["s1", "s2", "s3", "s4"],
        }
    )
    table = coding.kappa_table(pairs, ["x", "y", "z"]).set_index("theme")
    assert list(table.index) == ["x", "y", "overall"]  # z used by neither coder
    # theme x as yes/no: first Y Y N N, second Y N N N: p_o = 3/4,
    # p_e = .5 * .25 + .5 * .75 = .5, kappa = .25 / .5 = .5 (y is the mirror image)
    assert table.loc["x", "kappa"] == pytest.approx(0.5)
    assert table.loc["overall", "kappa"] == pytest.approx(0.5)
    assert table.loc["overall", "agreement"] == 0.75
    assert coding.disagreements(pairs)["finding_id"].tolist() == ["2"]


# ------------------------------------------------------------------ workbooks


def test_workbook_and_csv_give_the_same_guide(tmp_path):
    towns = example_towns()
    town = towns.iloc[0]
    folder = tmp_path / "xlsx"
    folder.mkdir()
    to_workbook(PILOTS, "X99999999", folder / "X99999999.xlsx")
    from_csv = load_guide(town, towns, PILOTS)
    from_xlsx = load_guide(town, towns, folder)
    keep = [c for c in from_csv.evidence.findings.columns if c != "line"]
    pd.testing.assert_frame_equal(
        from_csv.evidence.findings[keep], from_xlsx.evidence.findings[keep]
    )
    for name in ("priorities", "framework", "sampling", "kappa", "coproduced", "member_check"):
        pd.testing.assert_frame_equal(getattr(from_csv, name), getattr(from_xlsx, name))


def test_workbook_errors_name_file_sheet_column_and_row(tmp_path):
    path = to_workbook(PILOTS, "X99999999", tmp_path / "X99999999.xlsx")
    book = load_workbook(path)
    book["findings"]["H5"] = "(fictional) call 07700 900123"  # summary of a data row
    book.save(path)
    with pytest.raises(DataError, match=r"sheet findings\], column 'summary', row 5: .*personal"):
        read_evidence(path, "X99999999", load_themes().ids)


def test_workbook_dates_and_numbers_read_as_text(tmp_path):
    import datetime

    path = to_workbook(PILOTS, "X99999999", tmp_path / "X99999999.xlsx")
    book = load_workbook(path)
    book["findings"]["C2"] = datetime.datetime(2021, 3, 2)  # a date cell, as Excel stores it
    book["workshop"]["C2"] = 5.0  # a number cell
    book.save(path)
    guide = load_guide(example_towns().iloc[0], example_towns(), tmp_path)
    assert guide.evidence.findings["date"].iloc[0] == "2021-03-02"
    assert guide.inputs.workshop["votes"].iloc[0] == 5


def test_workbook_template_has_every_table_and_reads_empty(tmp_path, themes):
    path = write_template("W38000144", "Port Talbot", tmp_path / "W38000144.xlsx", themes=themes)
    book = load_workbook(path)
    assert book.sheetnames == ["read_me", "findings", *TABLES]
    ev = read_evidence(path, "W38000144", themes.ids)
    assert ev.findings.empty and ev.participants.empty
    # the drop-down lists offer the vocabularies
    lists = [v.formula1 for v in book["findings"].data_validations.dataValidation]
    assert any("friction,opportunity,hope,asset" in f for f in lists)


# ------------------------------------------------------------------ participants and consent


def participants(path, lines):
    path.write_text("participant_id,sector,role_type,groups,consent\n" + "\n".join(lines) + "\n")


def test_findings_of_participants_without_consent_are_left_out(tmp_path, themes):
    evidence = write_evidence(
        tmp_path / "W38000144.csv",
        [row(source_id="T-1"), row(source_id="T-2"), row(source_id="T-3")],
    )
    text = evidence.read_text().splitlines()
    text[0] += ",participant_id"
    text[1:] = [t + f",P-{i}" for i, t in enumerate(text[1:], start=1)]
    evidence.write_text("\n".join(text) + "\n")
    participants(
        tmp_path / "W38000144.participants.csv",
        [
            "P-1,housing,frontline_worker,,yes",
            "P-2,housing,frontline_worker,residents,no",
            "P-3,housing,frontline_worker,,yes",
        ],
    )
    with pytest.warns(SmallGroupWarning, match="only 2 participant"):
        ev = read_evidence(evidence, "W38000144", themes.ids)
    assert ev.findings["participant_id"].tolist() == ["P-1", "P-3"]
    assert ev.excluded_no_consent == 1
    assert ev.small_groups == (("housing", "frontline_worker", 2),)


@pytest.mark.parametrize(
    ("people", "participant", "message"),
    [
        (["P-1,housing,frontline_worker,,yes"], "P-9", "not in the participants table"),
        (None, "P-1", "there is no participants table"),
        (["P-1,housing,chief,,yes"], "P-1", "unknown role_type"),
        (["P-1,housing,frontline_worker,pensioners,yes"], "P-1", "unknown groups"),
        (["Ann Smith,housing,frontline_worker,,yes"], "P-1", "must be a code"),
        (["P-1,housing,manager,,yes", "P-1,health,manager,,yes"], "P-1", "repeated"),
    ],
)
def test_participant_errors(tmp_path, themes, people, participant, message):
    evidence = tmp_path / "W38000144.csv"
    write_evidence(evidence, [row()])
    text = evidence.read_text().splitlines()
    evidence.write_text(f"{text[0]},participant_id\n{text[1]},{participant}\n")
    if people is not None:
        participants(tmp_path / "W38000144.participants.csv", people)
    with pytest.raises(DataError, match=message):
        read_evidence(evidence, "W38000144", themes.ids)


def test_fictional_participants_are_refused_for_a_real_town(tmp_path, themes):
    participants(tmp_path / "W38000144.participants.csv", ["FICTIONAL-P-1,housing,manager,,yes"])
    write_evidence(tmp_path / "W38000144.csv", [row()])
    with pytest.raises(DataError, match="fictional example participant"):
        read_evidence(tmp_path / "W38000144.csv", "W38000144", themes.ids)


# ------------------------------------------------------------------ the optional tables


def test_example_tables_are_read_and_linked():
    towns = example_towns()
    guide = load_guide(towns.iloc[0], towns, PILOTS)
    # F-16 has consent "no" and F-23 comes from a participant without consent
    assert {"F-16", "F-23"}.isdisjoint(set(guide.evidence.findings["finding_id"]))
    assert guide.evidence.excluded_no_consent == 2
    assert guide.disagreements["finding_id"].tolist() == ["F-02", "F-04"]
    assert guide.member_check.set_index("theme").loc["population_change", "challenged"] == 1


@pytest.mark.parametrize(
    ("table", "text", "message"),
    [
        ("workshop", "stakeholder_group,theme,votes\nresidents,housing,lots\n", "whole number"),
        ("workshop", "stakeholder_group,theme,votes\nmayor,housing,3\n", "unknown stakeholder"),
        ("second_coding", "finding_id,theme\nF-99,housing\n", "not in the findings"),
        ("member_check", "finding_id,response,theme,note\n,added,,\n", "value is missing"),
        ("member_check", "finding_id,response,theme,note\nF-01,confirmed,,ring 07700 900123\n",
         "personal data"),
        ("sampling", "dimension,name,planned\ngroup,pensioners,3\n", "unknown name"),
    ],
)  # fmt: skip
def test_table_errors(tmp_path, table, text, message):
    for path in PILOTS.glob("X99999999*"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / f"X99999999.{table}.csv").write_text(text)
    with pytest.raises(DataError, match=message):
        load_guide(example_towns().iloc[0], example_towns(), tmp_path)


def test_second_coding_of_a_finding_without_consent_is_dropped(tmp_path):
    for path in PILOTS.glob("X99999999*"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "X99999999.second_coding.csv").write_text("finding_id,theme\nF-16,housing\n")
    config = load_themes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        ev = read_evidence(tmp_path / "X99999999.csv", "X99999999", config.ids)
    assert read_inputs(ev, config.ids).second_coding.empty


# ------------------------------------------------------------------ workshop and rankings


def test_participants_ranking_counts_each_group_equally():
    workshop = pd.DataFrame(
        {
            "stakeholder_group": ["residents"] * 2 + ["business"],
            "theme": ["a", "b", "b"],
            "votes": [9, 1, 1],
        }
    )
    table = coproduction.participants_ranking(workshop).set_index("theme")
    # a: (9/10 + 0/1) / 2 = .45; b: (1/10 + 1/1) / 2 = .55: b first despite fewer votes
    assert table["participants_score"].to_dict() == pytest.approx({"a": 0.45, "b": 0.55})
    assert table.loc["b", "participants_rank"] == 1


def test_combined_ranking_side_by_side_with_explanations(themes):
    priorities = pd.DataFrame(
        {
            "rank": [1, 2],
            "theme": ["housing", "health"],
            "score": [0.8, 0.4],
            "n_conversations": [3, 1],
            "data_concern": [True, False],
        }
    )
    workshop = pd.DataFrame(
        {"stakeholder_group": ["residents"] * 2, "theme": ["health", "pride"], "votes": [6, 4]}
    )
    table = coproduction.combine_rankings(priorities, workshop, themes).set_index("theme")
    # housing: .5 * .8/.8 + .5 * 0 = .5; health: .5 * .4/.8 + .5 * .6/.6 = .75;
    # pride: .5 * 0 + .5 * .4/.6 = .3333
    assert table["final_score"].to_dict() == pytest.approx(
        {"health": 0.75, "housing": 0.5, "pride": 1 / 3}
    )
    assert table["final_rank"].to_dict() == {"health": 1, "housing": 2, "pride": 3}
    assert table.loc["health", "explanation"].startswith("Participants put it higher")
    assert table.loc["housing", "explanation"].startswith("No votes at the workshop")
    assert table.loc["pride", "explanation"].startswith("Added by participants")


def test_sampling_record_who_we_heard_and_who_we_did_not():
    sampling = pd.DataFrame(
        {
            "dimension": ["sector", "sector", "group", "group"],
            "name": ["housing", "business", "young_people", "older_people"],
            "planned": [2, 1, 2, 1],
        }
    )
    people = pd.DataFrame(
        {
            "participant_id": ["P-1", "P-2", "P-3"],
            "sector": ["housing", "housing", "health"],
            "role_type": ["manager"] * 3,
            "groups": ["young_people", "", "faith_communities;young_people"],
            "consent": ["yes", "yes", "yes"],
        }
    )
    table = coproduction.sampling_record(sampling, people, pd.DataFrame())
    status = table.set_index("name")["status"].to_dict()
    assert status == {
        "housing": "heard as planned",
        "health": "heard, not planned",
        "business": "not heard",
        "young_people": "heard as planned",
        "older_people": "not heard",
        "faith_communities": "heard, not planned",
    }


def test_pilots_example_is_fictional_everywhere():
    from hopeful.consultations.config import load_pilots
    from hopeful.consultations.schema import is_real_town_code

    pilots = load_pilots(PILOTS / "pilots.toml")
    assert all(not is_real_town_code(code) and "(fictional)" in n for code, n in pilots.items())
    towns = example_towns()
    assert not any(is_real_town_code(c) for c in towns["town_code"])
    assert towns["town_name"].str.contains("ictional").all()
    for path in sorted(PILOTS.glob("X*.csv")):
        assert path.read_text(encoding="utf-8").startswith("# FICTIONAL EXAMPLE"), path.name
        rows = csv_rows(path)
        header = rows[0][1]
        for _n, values in rows[1:]:
            record = dict(zip(header, values, strict=True))
            for column in ("summary", "note"):
                if record.get(column):
                    assert record[column].startswith("(fictional)"), (path.name, record)
            for column in ("source_id", "participant_id"):
                if column in record:
                    assert record[column].startswith("FICTIONAL-"), (path.name, record)


def test_example_relabelled_as_a_real_pilot_is_refused(tmp_path):
    for path in PILOTS.glob("X99999999*"):
        text = path.read_text(encoding="utf-8").replace("X99999999", "W38000144")
        (tmp_path / path.name.replace("X99999999", "W38000144")).write_text(text)
    with pytest.raises(DataError, match="fictional"):
        read_evidence(tmp_path / "W38000144.csv", "W38000144", load_themes().ids)


def test_example_kappa_by_hand():
    towns = example_towns()
    guide = load_guide(towns.iloc[0], towns, PILOTS)
    overall = guide.kappa.set_index("theme").loc["overall"]
    # 14 findings second-coded, 12 agree: p_o = 12/14. First coder: housing 3, community
    # relations 2, nine other themes 1 each (population change among them); second coder:
    # housing 2, community relations 3, young people 1, population change 0, eight others 1.
    # p_e = (3*2 + 2*3 + 8*1) / 14**2 = 20/196
    p_o, p_e = 12 / 14, 20 / 196
    assert overall["kappa"] == pytest.approx((p_o - p_e) / (1 - p_e))  # 0.841
    assert overall["agreement"] == pytest.approx(p_o)
