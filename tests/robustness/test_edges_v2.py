"""More edges (issue 16, class 5): each is one clear line naming what is wrong and a non-zero
exit, never a traceback: an unreachable `--dask-scheduler`, pilot evidence saved as cp1252 or
UTF-16, and a full disk that must not hide how many towns failed."""

from __future__ import annotations

import concurrent.futures as cf
import errno
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from hopeful import atomic
from hopeful.cli import main
from hopeful.consultations.schema import read_evidence
from hopeful.errors import DataError
from hopeful.reports import batch, index_page

from .conftest import FIXTURE, ROOT

EVIDENCE = ROOT / "tests" / "consultations" / "fixtures" / "W38000144.csv"
THEMES = ("housing", "health", "jobs", "places", "pride")  # tests/consultations/fixtures


# --- an unreachable Dask scheduler -----------------------------------------------------------


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9", "tcp://no-such-host.invalid:8786"])
def test_an_unreachable_dask_scheduler_is_one_line_within_seconds(
    address: str, mini_processed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    code = main(["reports", "--processed-dir", str(mini_processed), "--out-dir",
                 str(tmp_path / "out"), "--notebook", str(FIXTURE), "--overview", str(FIXTURE),
                 "--dask-scheduler", address, "--no-progress"])  # fmt: skip
    seconds = time.monotonic() - started
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert seconds < 20  # Dask's own default is 30 s, then a traceback
    assert len(err) == 1 and "Traceback" not in err[0]
    assert f"--dask-scheduler '{address}': cannot reach a Dask scheduler within 5 s" in err[0]
    assert not (tmp_path / "out").exists()


# --- evidence in another encoding ------------------------------------------------------------


def _evidence(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "W38000144.csv"
    path.write_bytes(data)
    return path


def test_cp1252_evidence_names_the_file_row_and_byte(tmp_path: Path) -> None:
    text = EVIDENCE.read_text(encoding="utf-8").replace("rents outpace", "rents – outpace")
    path = _evidence(tmp_path, text.encode("cp1252"))
    lines = text.splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines, 1) if "–" in line)
    byte = text.encode("cp1252").index(b"\x96")
    with pytest.raises(DataError) as caught:
        read_evidence(path, "W38000144", THEMES)
    err = caught.value
    assert err.file == str(path) and err.row == row
    assert f"at byte {byte} (b'\\x96')" in str(err)
    assert "Windows-1252" in str(err) and "expected UTF-8" in str(err)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"], ids=["with-bom", "no-bom"])
def test_utf16_evidence_is_named_as_such(tmp_path: Path, encoding: str) -> None:
    path = _evidence(tmp_path, EVIDENCE.read_text(encoding="utf-8").encode(encoding))
    with pytest.raises(DataError, match="UTF-16") as caught:
        read_evidence(path, "W38000144", THEMES)
    assert caught.value.file == str(path) and caught.value.row == 1
    assert "expected UTF-8" in str(caught.value)


def test_utf8_evidence_with_a_byte_order_mark_still_reads(tmp_path: Path) -> None:
    path = _evidence(tmp_path, EVIDENCE.read_text(encoding="utf-8").encode("utf-8-sig"))
    assert len(read_evidence(path, "W38000144", THEMES).findings) > 0


# --- a full disk must not hide "N failed" -------------------------------------------------


@pytest.fixture
def threads() -> Iterator[cf.Executor]:
    with cf.ThreadPoolExecutor(2) as pool:
        yield pool


def disk_full_under(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every atomic write under `folder` fails with ENOSPC, the manifest's included."""
    real = atomic.atomic_path

    def atomic_path(path):
        if folder in Path(path).parents:
            raise atomic.WriteError(errno.ENOSPC, f"cannot write {path}: {os.strerror(28)}")
        return real(path)

    monkeypatch.setattr(atomic, "atomic_path", atomic_path)


TOWNS = [("E35000001", "e35000001-gravesend"), ("W37000003", "w37000003-barry")]


def test_a_batch_whose_manifest_cannot_be_written_still_counts_its_failures(
    mini_processed: Path, threads: cf.Executor, tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "reports" / "towns"
    disk_full_under(tmp_path / "reports", monkeypatch)
    summary = batch.run_batch(FIXTURE, TOWNS, mini_processed, out, executor=threads,
                              progress=False)  # fmt: skip
    assert summary.counts["failed"] == 2 and not summary.ok
    first = summary.text().splitlines()[0]
    assert first.startswith("reports: 2 failed in ")
    assert "manifest NOT written" in first
    assert any(p.startswith("manifest not written: ") for p in summary.problems)
    assert not (tmp_path / "reports" / "manifest.csv").exists()


def test_hopeful_reports_on_a_full_disk_says_how_many_failed(
    mini_processed: Path, tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    processed = tmp_path / "processed"
    shutil.copytree(mini_processed, processed)
    towns = processed / "towns.csv"
    towns.write_text("".join(x for x in towns.read_text().splitlines(True) if "Hangtown" not in x))
    out = tmp_path / "reports"
    disk_full_under(out, monkeypatch)
    # Threads instead of spawned workers, so the patched writes reach the rendering too.
    monkeypatch.setattr(batch, "make_executor", lambda jobs=None: cf.ThreadPoolExecutor(jobs))
    code = main(["reports", "--processed-dir", str(processed), "--out-dir", str(out),
                 "--notebook", str(FIXTURE), "--overview", str(FIXTURE), "--jobs", "1",
                 "--towns", "E35000001", "W37000003", "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "reports: 2 failed in " in err and "manifest NOT written" in err
    assert "No space left on device" in err


def test_an_index_page_from_a_towns_table_without_nation_region_or_size(tmp_path: Path) -> None:
    """A hand-built towns.csv with only codes, names and populations (as the batch fixtures
    use) ended `hopeful reports` with a KeyError traceback after every town had rendered; the
    page now shows blank cells and no filter for what the table lacks."""
    towns = pd.DataFrame(
        {"town_code": ["E35000001", "W37000003"], "town_name": ["Gravesend", "Barry <b>"],
         "population": [53045, 54673]}
    )  # fmt: skip
    page = index_page.write_index(towns, tmp_path).read_text(encoding="utf-8")
    assert page.count('<tr data-search="') == 2
    assert "Barry &lt;b&gt;" in page and "Barry <b>" not in page
    assert 'data-col="nation"' not in page and "54,673" in page
