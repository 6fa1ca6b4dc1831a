"""Resource bounds and weak edges of `hopeful fetch` (issue 16, classes 4 and 5).

A wrong file in the mirror or at an origin must cost at most a chunk more than the real one;
a killed fetch must not leave its partial copy for ever; a mirror or raw folder that is not
a folder must say so in one line before anything is attempted; fingerprinting a large file
must not load it into memory.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from test_sources import entry, write_registry

from hopeful import load, processed, sources
from hopeful.cli import main
from hopeful.errors import ChecksumError, DataError

GOOD = b"code,value\nE01000001,1.5\n"


def one_file_registry(tmp_path: Path) -> Path:
    return write_registry(
        tmp_path / "reg.toml", [entry("t", GOOD, "https://example.invalid/t.csv")]
    )


def test_mirror_file_of_the_wrong_size_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror, raw = tmp_path / "mirror", tmp_path / "raw"
    (mirror / "synth").mkdir(parents=True)
    huge = mirror / "synth" / "t.csv"
    with huge.open("wb") as out:  # sparse: a gigabyte on paper, nothing on disk
        out.truncate(1 << 30)

    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the oversized mirror file was read")

    monkeypatch.setattr(sources, "_install", never)
    with pytest.raises(sources.FetchError) as caught:
        sources.fetch(raw, mirror, allow_download=False, registry=one_file_registry(tmp_path))
    (failure,) = caught.value.failures
    assert isinstance(failure, ChecksumError)
    assert f"{1 << 30} bytes" in str(failure) and f"{len(GOOD)}" in str(failure)
    assert not (raw / "synth").exists() or not list((raw / "synth").iterdir())


class CountingStream(io.RawIOBase):
    """An origin serving far more than registered (64 MB), counting what it was asked for."""

    def __init__(self, total: int = 64 << 20) -> None:
        self.served = 0
        self.total = total

    def read(self, size: int = -1) -> bytes:
        size = min(1 << 20 if size is None or size < 0 else size, self.total - self.served)
        self.served += size
        return b"x" * size


def test_download_larger_than_registered_stops_after_one_chunk(tmp_path: Path) -> None:
    (ds,) = sources.load_registry(one_file_registry(tmp_path))
    stream = CountingStream()
    target = tmp_path / "raw" / "t.csv"
    with pytest.raises(ChecksumError, match="more than the registry's"):
        sources._install(ds, target, stream, origin="https://example.invalid/t.csv")
    assert stream.served <= ds.bytes + sources._CHUNK
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_partial_copy_left_by_a_killed_fetch_is_removed_and_a_live_one_kept(
    tmp_path: Path,
) -> None:
    mirror, raw = tmp_path / "mirror", tmp_path / "raw"
    (mirror / "synth").mkdir(parents=True)
    (mirror / "synth" / "t.csv").write_bytes(GOOD)
    (raw / "synth").mkdir(parents=True)
    stale = raw / "synth" / ".t.csv.k1ll3d.tmp"
    stale.write_bytes(b"x" * 1000)
    old = time.time() - 3600
    os.utime(stale, (old, old))
    live = raw / "synth" / ".t.csv.l1v3.tmp"
    live.write_bytes(b"y")
    said: list[str] = []
    sources.fetch(
        raw,
        mirror,
        allow_download=False,
        registry=one_file_registry(tmp_path),
        progress=said.append,
    )
    assert not stale.exists()
    assert live.exists()
    assert any(str(stale) in line and "interrupted" in line for line in said)
    assert (raw / "synth" / "t.csv").read_bytes() == GOOD


def test_mirror_variable_pointing_at_nothing_fails_before_any_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOPEFUL_MIRROR", str(tmp_path / "no-such-mirror"))

    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(sources.urllib.request, "urlopen", no_network)
    assert main(["fetch", "--raw-dir", str(tmp_path / "raw")]) == 2
    err = capsys.readouterr().err
    assert "HOPEFUL_MIRROR" in err and "no-such-mirror" in err and "not a folder" in err
    assert "Traceback" not in err
    assert not (tmp_path / "raw").exists()


def test_mirror_option_that_is_a_file_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_folder = tmp_path / "mirror.txt"
    not_a_folder.write_text("x")
    assert main(["fetch", "--raw-dir", str(tmp_path / "raw"), "--mirror", str(not_a_folder)]) == 2
    err = capsys.readouterr().err
    assert str(not_a_folder) in err and "not a folder" in err


def test_raw_dir_that_is_a_file_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw_file = tmp_path / "raw"
    raw_file.write_text("not a folder")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    assert main(["fetch", "--raw-dir", str(raw_file), "--mirror", str(mirror)]) == 2
    err = capsys.readouterr().err
    assert str(raw_file) in err and "is a file" in err
    assert raw_file.read_text() == "not a folder"


def test_fingerprint_streams_large_files_and_keeps_its_digest(tmp_path: Path) -> None:
    small = tmp_path / "a.csv"
    small.write_bytes(GOOD)
    expected = hashlib.sha256()
    expected.update(b"5:a.csv")
    expected.update(f"{len(GOOD)}:".encode() + GOOD)
    assert processed.sha256_files([small], tmp_path) == expected.hexdigest()

    big = tmp_path / "stray.bin"
    with big.open("wb") as out:
        for _ in range(64):
            out.write(os.urandom(1 << 20))
    tracemalloc.start()
    try:
        processed.sha256_files([big], tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"fingerprinting a 64 MB file peaked at {peak / 1e6:.0f} MB"


def test_header_with_repeated_names_is_refused_before_pandas_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = tmp_path / "wide.csv"
    hostile.write_text(",".join(["a"] * 20_000) + "\n", encoding="utf-8")

    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("pandas was asked to parse the hostile header")

    monkeypatch.setattr(load.pd, "read_csv", never)
    with pytest.raises(DataError, match="repeats column name") as caught:
        load.read_csv(hostile)
    assert caught.value.row == 1 and str(hostile) in str(caught.value)


def test_blank_header_names_are_still_read(tmp_path: Path) -> None:
    blanks = tmp_path / "blanks.csv"
    blanks.write_text("a,,,b\n1,2,3,4\n", encoding="utf-8")
    assert load.read_csv(blanks).shape == (1, 4)


def test_unterminated_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    rows = [f"E0{i:07d},{i}" for i in range(3000)]
    rows[4] = 'E00000004,"4'  # opened on spreadsheet row 6 (header is row 1), never closed
    broken = tmp_path / "quote.csv"
    broken.write_text("code,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load.read_csv(broken)
    assert caught.value.row == 6
    assert "row 6" in str(caught.value) and "quote" in str(caught.value)


def test_quote_closed_rows_later_is_reported_where_it_opens(tmp_path: Path) -> None:
    rows = [f"E0{i:07d},{i}" for i in range(3000)]
    rows[4] = 'E00000004,"4'
    rows[2000] = 'E00002000,2000"'
    broken = tmp_path / "quote.csv"
    broken.write_text("code,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load.read_csv(broken)
    assert caught.value.row == 6
    assert "from row 6 to row 2002" in str(caught.value)


@pytest.mark.real_data("scored")
def test_truncated_lsoa_table_under_score_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import PROCESSED

    processed_dir = tmp_path / "processed"
    shutil.copytree(PROCESSED, processed_dir)
    data = (PROCESSED / "lsoa.parquet").read_bytes()
    (processed_dir / "lsoa.parquet").write_bytes(data[: len(data) // 2])
    interim_dir = tmp_path / "interim"  # the real tables, linked; score's own steps stay here
    interim_dir.mkdir()
    for table in (PROCESSED.parent / "interim").glob("*.parquet"):
        (interim_dir / table.name).symlink_to(table)
    args = ["score", "--interim-dir", str(interim_dir), "--processed-dir", str(processed_dir)]
    assert main([*args, "--force"]) == 2
    err = capsys.readouterr().err
    assert "lsoa.parquet" in err and "not a readable Parquet file" in err
    assert "Traceback" not in err
