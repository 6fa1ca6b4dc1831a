"""`hopeful reports` writes the cross-pilot guide and one framework per pilot, for the real
pilots and for the fictional example, and re-renders only what changed."""

from __future__ import annotations

import shutil

import pytest

from hopeful.reports import pilot_documents

from .conftest import FIXTURES, ROOT, row, write_evidence


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from jupyter_client.kernelspec import KernelSpecManager

    if "hopeful" not in KernelSpecManager().find_kernel_specs():
        pytest.skip("the 'hopeful' Jupyter kernel is not installed (make setup installs it)")
    base = tmp_path_factory.mktemp("pilots")
    processed = base / "processed"
    processed.mkdir()
    shutil.copy(FIXTURES / "towns_small.csv", processed / "towns.csv")
    evidence = base / "consultations"
    evidence.mkdir()
    write_evidence(
        evidence / "W38000144.csv",
        [row(), row(source_id="T-02", sector="health", kind="asset", summary="A busy library.")],
    )
    out = base / "reports"
    kwargs = {"evidence_dir": evidence, "timeout": 300}
    first = pilot_documents.render_pilot_documents(ROOT / "notebooks", processed, out, **kwargs)
    again = pilot_documents.render_pilot_documents(ROOT / "notebooks", processed, out, **kwargs)
    return out / "pilots", first, again, evidence, processed


@pytest.mark.slow  # renders eleven pages
def test_every_page_is_written_for_real_pilots_and_the_example(rendered):
    folder, first, _, _, _ = rendered
    names = sorted(p.name for p in folder.glob("*.html"))
    assert names == [
        "example-framework-x99999998-sampleford-fictional.html",
        "example-framework-x99999999-exampleton-fictional.html",
        "example-practitioners-guide.html",
        "framework-e35000225-northfleet.html",
        "framework-e35001042-gravesend.html",
        "framework-w38000144-port-talbot.html",
        "practitioners-guide.html",
    ]
    assert all(line.startswith("pilots: rendered") for line in first)


@pytest.mark.slow  # renders eleven pages
def test_example_pages_are_labelled_fictional_and_real_ones_are_not(rendered):
    folder = rendered[0]
    for page in folder.glob("example-*.html"):
        assert "Fictional example" in page.read_text(encoding="utf-8"), page.name
    for page in folder.glob("[!e]*.html"):
        text = page.read_text(encoding="utf-8")
        assert "Fictional example" not in text and "FICTIONAL-" not in text, page.name
    port_talbot = (folder / "framework-w38000144-port-talbot.html").read_text(encoding="utf-8")
    assert "<title>Resilience framework: Port Talbot</title>" in port_talbot
    assert "Barriers to tackle" in port_talbot
    gravesend = (folder / "framework-e35001042-gravesend.html").read_text(encoding="utf-8")
    assert "no consultation evidence has been added yet" in gravesend
    guide = (folder / "example-practitioners-guide.html").read_text(encoding="utf-8")
    for heading in ("What needs to change, and how", "Who we heard and who we did not",
                    "Co-produced priorities", "Coding quality", "Member checking"):  # fmt: skip
        assert heading in guide, heading
    assert "NaN" not in guide


@pytest.mark.slow  # renders eleven pages
def test_unchanged_inputs_are_not_rendered_again_but_new_evidence_is(rendered):
    folder, _, again, evidence, processed = rendered
    assert all(line.startswith("pilots: unchanged") for line in again)
    with (evidence / "W38000144.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            "W38000144,2021-02-09,health,nurse,hope,health_and_wellbeing,A new clinic.,T-99,yes\n"
        )
    lines = pilot_documents.render_pilot_documents(
        ROOT / "notebooks", processed, folder.parent, evidence_dir=evidence
    )
    rendered_now = sorted(line.split("/")[-1] for line in lines if "pilots: rendered" in line)
    assert rendered_now == ["framework-e35000225-northfleet.html",
                            "framework-e35001042-gravesend.html",
                            "framework-w38000144-port-talbot.html",
                            "practitioners-guide.html"]  # fmt: skip


def test_pilot_report_fingerprints_follow_their_evidence(tmp_path):
    prints = {"W38000144": "data", "E34000007": "data"}
    before = pilot_documents.with_pilot_inputs(prints, tmp_path)
    assert before["E34000007"] == "data" and before["W38000144"] != "data"
    (tmp_path / "W38000144.csv").write_text("town_code\n")
    after = pilot_documents.with_pilot_inputs(prints, tmp_path)
    assert after["W38000144"] != before["W38000144"] and after["E34000007"] == "data"
