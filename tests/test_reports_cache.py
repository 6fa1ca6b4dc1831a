"""The reports' cache key covers exactly the processed files the notebooks read."""

from __future__ import annotations

import ast
import csv
import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from hopeful.reports import (
    build,
    cluster_overview,
    glance,
    maps,
    overview_view,
    report_template,
    town_view,
    validity_view,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "mini_report.ipynb"
DATA_FILE = re.compile(r"^[\w./-]+\.(?:csv|parquet|json)$")
# Readers of the processed-data contract (hopeful.processed) and the file each one reads.
CONTRACT_READERS = {"read_towns": "towns.csv", "read_local_authorities": "local_authorities.csv"}


def named_files(*sources: Path) -> set[str]:
    """Base names of the data files that string constants in modules or code cells name, or
    that the processed-contract readers they call read."""
    found = set()
    for source in sources:
        if source.suffix == ".ipynb":
            cells = nbformat.read(source, as_version=4).cells
            text = "\n".join(c.source for c in cells if c.cell_type == "code")
        else:
            text = source.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found |= {Path(node.value).name} if DATA_FILE.match(node.value) else set()
            elif isinstance(node, ast.Attribute) and node.attr in CONTRACT_READERS:
                found.add(CONTRACT_READERS[node.attr])
    return found


def names(reads: tuple[str, ...]) -> set[str]:
    return {Path(r).name for r in reads}


def test_town_report_reads_are_the_files_its_view_and_notebook_name() -> None:
    town = named_files(
        Path(town_view.__file__),
        Path(glance.__file__),
        Path(maps.__file__),
        ROOT / "notebooks" / "town_report.ipynb",
    )
    assert town == names(build.TOWN_REPORT_READS)


def test_overview_reads_are_the_files_its_view_and_notebook_name() -> None:
    overview = named_files(
        Path(overview_view.__file__),
        Path(cluster_overview.__file__),
        Path(validity_view.__file__),
        Path(maps.__file__),
        ROOT / "notebooks" / "overview.ipynb",
    )
    # The overview also shows town_view.sources_html (provenance.json) and reads towns.csv
    # through processed.read_towns (overview_view.load_towns), which name neither literally.
    implicit = {"provenance.json", "towns.csv"}
    assert overview <= names(build.OVERVIEW_READS) <= overview | implicit


def statuses(out: Path) -> dict[str, str]:
    with open(out / "manifest.csv", newline="") as handle:
        return {row["town_code"]: row["status"] for row in csv.DictReader(handle)}


@pytest.mark.slow  # three batches and two overview renders, each in new kernels
def test_unread_files_leave_reports_cached_and_read_ones_re_render(
    mini_processed: Path, tmp_path: Path
) -> None:
    processed, out = tmp_path / "processed", tmp_path / "reports"
    shutil.copytree(mini_processed, processed)
    towns = processed / "towns.csv"
    table = pd.read_csv(towns, dtype={"town_code": str})  # with what the index page filters by
    table.assign(nation="England", region="South East", size_class="small").to_csv(
        towns, index=False
    )

    def run() -> tuple[dict[str, str], str]:
        text = build.build_all(
            processed_dir=processed, out_dir=out, notebook=FIXTURE, overview=FIXTURE,
            towns=["E35000001", "W37000003"], jobs=1, show_progress=False,
        )  # fmt: skip
        return statuses(out), text.splitlines()[-2]

    rendered = {"E35000001": "rendered", "W37000003": "rendered"}
    assert run() == (rendered, f"overview: rendered {out / 'overview.html'}")

    (processed / "unrelated.csv").write_text("a,b\n1,2\n")
    (processed / "models").mkdir()
    (processed / "models" / "scratch.json").write_text(json.dumps({"x": 1}))
    cached = {"E35000001": "cached", "W37000003": "cached"}
    assert run() == (cached, f"overview: unchanged {out / 'overview.html'}")

    towns.write_text(towns.read_text().replace("Barry,54673", "Barry,54674"))
    assert run() == (rendered, f"overview: rendered {out / 'overview.html'}")


@pytest.mark.parametrize("reads", [build.TOWN_REPORT_READS, build.OVERVIEW_READS])
def test_fingerprint_follows_each_read_file(reads: tuple[str, ...], tmp_path: Path) -> None:
    for name in reads:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    before = build.data_fingerprint(tmp_path, reads)
    (tmp_path / "other.parquet").write_text("not read")
    assert build.data_fingerprint(tmp_path, reads) == before
    for name in reads:
        (tmp_path / name).write_text(name + " changed")
        after = build.data_fingerprint(tmp_path, reads)
        assert after != before, name
        before = after


def test_an_edit_to_the_library_changes_every_reports_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library writes the findings, tables and charts: a changed sentence in a module must
    re-render the reports even though the version number stays the same in a checkout."""
    package = tmp_path / "hopeful"
    (package / "reports").mkdir(parents=True)
    (package / "reports" / "glance.py").write_text("WORDS = 'lower than in 7 of 10 towns'\n")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    monkeypatch.setattr(report_template, "PACKAGE_DIR", package)
    before = build.config_key()
    (package / "__pycache__" / "x.pyc").write_bytes(b"recompiled")
    assert build.config_key() == before  # byte code is not source
    (package / "reports" / "glance.py").write_text(
        "WORDS = 'lower than in 7 of 10 towns in Wales'\n"
    )
    assert build.config_key() != before
    assert set(report_template.package_files()) == {package / "reports" / "glance.py"}
