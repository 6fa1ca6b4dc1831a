"""Registry, fetch and verify: real mirror where it exists, a local HTTP server for downloads."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MIRROR

from hopeful import processed, sources
from hopeful.errors import ChecksumError, DataError

needs_mirror = pytest.mark.real_data("mirror")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def registry_toml(datasets: list[dict]) -> str:
    """A registry with one source 'synth' (JSON string quoting is valid TOML string quoting)."""
    lines = [
        "[source.synth]",
        'publisher = "Test publisher"',
        'licence = "Test licence"',
        'repository = "https://example.org/repo"',
        'commit = "0000000000000000000000000000000000000000"',
    ]
    for ds in datasets:
        lines.append("[[dataset]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in ds.items()]
    return "\n".join(lines) + "\n"


def entry(id: str, content: bytes, url: str, file: str | None = None) -> dict:
    return {
        "id": id,
        "source": "synth",
        "file": file or f"{id}.csv",
        "url": url,
        "sha256": sha(content),
        "bytes": len(content),
        "publisher": "Test publisher",
        "licence": "Test licence",
        "reader": "csv",
        "description": f"synthetic {id}",
    }


def write_registry(path: Path, datasets: list[dict]) -> Path:
    path.write_text(registry_toml(datasets), encoding="utf-8")
    return path


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root (temp files included) with its mtime and size."""
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --- the packaged registry ---------------------------------------------------------------


def test_packaged_registry_names_origins_and_readers() -> None:
    by_id = {ds.id: ds for ds in sources.load_registry()}
    assert len(by_id) == 43
    ge2015 = by_id["ge2015_results_candidates"]
    assert ge2015.file == "GE2015-RESULTS.csv"
    assert ge2015.url == (
        "https://raw.githubusercontent.com/davidhuels/uk_referendum/"
        "c68bf1363ed8d4ee7d597e014a6e9faea0da48e9/data/RESULTS.csv"
    )
    assert by_id["lookup_bua11_rgn11"].url.endswith(
        "/jtrim-ons/ons-lookups/85d0ba6e476badf3861d8dc7485aecf40598d031/csv/039.csv"
    )
    assert (
        "/99043a0ce186eefd273c0cafb3e26a50af0361d1/data/" in by_id["country_of_birth21_ltla21"].url
    )
    readers = {ds.id: ds.reader for ds in by_id.values() if ds.source == "eu-referendum-2016"}
    assert readers == {
        "eu_referendum2016_results": "csv_cr_utf8",
        "ge2015_results_candidates": "csv_cr_mac_roman",
        "lookup_lad12_pcon12": "csv_cr_mac_roman",
    }
    assert ge2015.read_options == sources.Reader("csv", "mac_roman", "\r")
    cni = [ds for ds in by_id.values() if ds.id.startswith("cni")]
    assert len(cni) == 3 and all("not stated" in ds.licence.lower() and ds.caveat for ds in cni)
    assert sources.dataset("imd2019_england_lsoa11").file == "imd2019_england_lsoa11.rda"
    with pytest.raises(DataError, match="no_such_dataset"):
        sources.dataset("no_such_dataset")


@needs_mirror
def test_every_registered_file_is_in_the_mirror_with_matching_checksums() -> None:
    """The mirror may hold files the project does not use yet; every registered one must be there."""
    on_disk = {
        (p.parent.name, p.name)
        for p in MIRROR.glob("*/*")
        if p.is_file() and p.name != "PROVENANCE.md"
    }
    registry = sources.load_registry()
    missing = {(ds.source, ds.file) for ds in registry} - on_disk
    assert not missing, f"registered but absent from the mirror: {sorted(missing)}"
    for ds in registry:
        path = sources.raw_path(ds, MIRROR)
        assert path.stat().st_size == ds.bytes, ds.id
        assert processed.sha256_file(path) == ds.sha256, ds.id
    assert sources.verify(MIRROR) == []


@needs_mirror
def test_mirror_encodings_match_their_readers() -> None:
    """The CR files really are CR-only, and the Mac Roman ones decode to the right accents."""
    for ds in sources.load_registry():
        if ds.reader == "rda":
            continue
        data = sources.raw_path(ds, MIRROR).read_bytes()
        options = ds.read_options
        text = data.decode(options.encoding)
        if options.lineterminator == "\r":
            assert "\n" not in text and text.count("\r") > 100, ds.id
    lookup = sources.raw_path(sources.dataset("lookup_lad12_pcon12"), MIRROR).read_bytes()
    assert "Ynys Môn" in lookup.decode("mac_roman")


# --- fetching from the real mirror ---------------------------------------------------------


@needs_mirror
def test_fetch_from_mirror_then_second_fetch_is_a_no_op(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    messages: list[str] = []
    first = sources.fetch(raw, MIRROR, allow_download=False, progress=messages.append)
    assert {item.action for item in first.items} == {"copied"}
    assert len(first.items) == 43 and first.manifest_written
    assert sources.verify(raw) == []
    manifest = json.loads((raw / "provenance.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in manifest["datasets"]] == sorted(
        ds.id for ds in sources.load_registry()
    )
    assert str(MIRROR) not in (raw / "provenance.json").read_text(encoding="utf-8")
    assert manifest["sources"]["humaniverse-imd"]["commit"] == (
        "2f6c9050afee99a40041eb63b02b6b0c58850704"
    )
    assert any(m.startswith("imd2019_england_lsoa11: copying") for m in messages)

    before = tree(raw)
    second = sources.fetch(raw, MIRROR, allow_download=False)
    assert {item.action for item in second.items} == {"present"}
    assert not second.manifest_written
    assert tree(raw) == before


@needs_mirror
def test_corrupted_raw_file_is_replaced_from_mirror(tmp_path: Path) -> None:
    ids = ["tcity15_names_codes"]
    sources.fetch(tmp_path, MIRROR, allow_download=False, ids=ids)
    ds = sources.dataset(ids[0])
    target = sources.raw_path(ds, tmp_path)
    target.write_bytes(target.read_bytes().replace(b"Birmingham", b"Brimingham"))
    assert len(sources.verify(tmp_path, ids=ids)) == 1

    report = sources.fetch(tmp_path, MIRROR, allow_download=False, ids=ids)
    assert [item.action for item in report.items] == ["copied"]
    assert target.read_bytes() == sources.raw_path(ds, MIRROR).read_bytes()
    assert sources.verify(tmp_path, ids=ids) == []


# --- synthetic registries: mirror checksum failures and verify --------------------------------


def test_bad_mirror_file_raises_checksum_error_and_keeps_previous_file(tmp_path: Path) -> None:
    mirror, raw = tmp_path / "mirror", tmp_path / "raw"
    (mirror / "synth").mkdir(parents=True)
    old, new, wrong = b"a,b\n1,2\n", b"a,b\n1,3\n", b"a,b\n9,9\n"
    (mirror / "synth" / "t.csv").write_bytes(old)
    v1 = write_registry(tmp_path / "v1.toml", [entry("t", old, "https://example.org/t.csv")])
    sources.fetch(raw, mirror, allow_download=False, registry=v1)
    target = raw / "synth" / "t.csv"
    assert target.read_bytes() == old

    # The registry moves to a new version but the mirror holds something else again.
    (mirror / "synth" / "t.csv").write_bytes(wrong)
    v2 = write_registry(tmp_path / "v2.toml", [entry("t", new, "https://example.org/t.csv")])
    with pytest.raises(sources.FetchError) as caught:
        sources.fetch(raw, mirror, allow_download=False, registry=v2)
    (failure,) = caught.value.failures
    assert isinstance(failure, ChecksumError)
    assert failure.file == str(target)
    assert sha(new) in str(failure) and sha(wrong) in str(failure)
    assert target.read_bytes() == old
    assert sorted(p.name for p in (raw / "synth").iterdir()) == ["t.csv"]
    # The manifest no longer vouches for the stale file.
    assert json.loads((raw / "provenance.json").read_text())["datasets"] == []


def test_missing_from_mirror_without_downloads_names_id_and_url(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    reg = write_registry(
        tmp_path / "r.toml", [entry("gone", b"x\n", "https://example.org/gone.csv")]
    )
    with pytest.raises(sources.FetchError) as caught:
        sources.fetch(tmp_path / "raw", tmp_path / "mirror", allow_download=False, registry=reg)
    message = str(caught.value.failures[0])
    assert "gone" in message and "https://example.org/gone.csv" in message
    assert "downloads are disabled" in message
    assert not (tmp_path / "raw" / "synth").exists()


def test_verify_reports_missing_and_changed_files_without_writing(tmp_path: Path) -> None:
    good, bad = b"a\n1\n", b"a\n2\n"
    reg = write_registry(
        tmp_path / "r.toml",
        [
            entry("good", good, "https://example.org/good.csv"),
            entry("bad", good, "https://example.org/bad.csv"),
            entry("gone", good, "https://example.org/gone.csv"),
        ],
    )
    raw = tmp_path / "raw"
    (raw / "synth").mkdir(parents=True)
    (raw / "synth" / "good.csv").write_bytes(good)
    (raw / "synth" / "bad.csv").write_bytes(bad)
    before = tree(raw)
    problems = sources.verify(raw, registry=reg)
    assert problems == [
        f"{raw / 'synth' / 'bad.csv'}: sha256 {sha(bad)} does not match the registry's "
        f"{sha(good)} (dataset bad)",
        f"{raw / 'synth' / 'gone.csv'}: missing (dataset gone)",
    ]
    assert tree(raw) == before


# --- downloads from a local HTTP server -----------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve tmp_path/www on an ephemeral 127.0.0.1 port; yields (base URL, served folder)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(QuietHandler, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


GOOD = b"code,value\r\nE01000001,1.5\r\n"


@pytest.fixture
def http_registry(tmp_path: Path, server: tuple[str, Path]) -> Path:
    """Failing datasets first, so the good one proves that failures do not stop the rest."""
    base, www = server
    (www / "good.csv").write_bytes(GOOD)
    (www / "corrupt.csv").write_bytes(GOOD.replace(b"1.5", b"9.9"))
    return write_registry(
        tmp_path / "http.toml",
        [
            entry("corrupt", GOOD, f"{base}/corrupt.csv"),
            entry("missing", GOOD, f"{base}/missing.csv"),
            entry("good", GOOD, f"{base}/good.csv"),
        ],
    )


def test_download_verifies_and_installs(tmp_path: Path, http_registry: Path) -> None:
    raw = tmp_path / "raw"
    report = sources.fetch(raw, None, ids=["good"], registry=http_registry)
    assert [(i.id, i.action) for i in report.items] == [("good", "downloaded")]
    assert (raw / "synth" / "good.csv").read_bytes() == GOOD
    manifest = json.loads((raw / "provenance.json").read_text())
    assert [d["id"] for d in manifest["datasets"]] == ["good"]
    assert manifest["datasets"][0]["origin_url"].endswith("/good.csv")
    assert manifest["datasets"][0]["sha256"] == sha(GOOD)
    again = sources.fetch(raw, None, ids=["good"], registry=http_registry)
    assert [i.action for i in again.items] == ["present"]


def test_corrupt_download_leaves_nothing(tmp_path: Path, http_registry: Path) -> None:
    raw = tmp_path / "raw"
    with pytest.raises(sources.FetchError) as caught:
        sources.fetch(raw, None, ids=["corrupt"], registry=http_registry)
    (failure,) = caught.value.failures
    assert isinstance(failure, ChecksumError)
    assert sha(GOOD) in str(failure) and sha(GOOD.replace(b"1.5", b"9.9")) in str(failure)
    assert list((raw / "synth").iterdir()) == []


def test_http_404_names_url_and_status(tmp_path: Path, http_registry: Path) -> None:
    with pytest.raises(sources.FetchError) as caught:
        sources.fetch(tmp_path / "raw", None, ids=["missing"], registry=http_registry)
    (failure,) = caught.value.failures
    assert not isinstance(failure, ChecksumError)
    assert "dataset missing" in str(failure)
    assert "/missing.csv" in str(failure) and "HTTP 404" in str(failure)


def test_every_dataset_is_tried_before_failures_are_raised(
    tmp_path: Path, http_registry: Path
) -> None:
    raw = tmp_path / "raw"
    with pytest.raises(sources.FetchError) as caught:
        sources.fetch(raw, None, registry=http_registry)
    error = caught.value
    assert [type(f) for f in error.failures] == [ChecksumError, DataError]
    assert str(error).startswith("2 of 3 datasets failed to fetch:")
    assert [(i.id, i.action) for i in error.report.items] == [("good", "downloaded")]
    assert sorted(p.name for p in (raw / "synth").iterdir()) == ["good.csv"]
    assert [d["id"] for d in json.loads((raw / "provenance.json").read_text())["datasets"]] == [
        "good"
    ]


# --- registry validation -------------------------------------------------------------------

VALID = entry("one", b"1\n", "https://example.org/one.csv")


@pytest.mark.parametrize(
    ("datasets", "expected"),
    [
        ([VALID, {**VALID, "file": "other.csv"}], "dataset 'one': duplicate id"),
        ([{**VALID, "sha256": "abc123"}], "dataset 'one': sha256 must be 64 lowercase hex"),
        ([{**VALID, "sha256": VALID["sha256"].upper()}], "dataset 'one': sha256 must be"),
        ([{**VALID, "reader": "xlsx"}], "dataset 'one': unknown reader 'xlsx'"),
        ([{k: v for k, v in VALID.items() if k != "licence"}], "dataset 'one': missing field"),
        ([{**VALID, "licence": ""}], "dataset 'one': licence must be a non-empty string"),
        ([{**VALID, "source": "elsewhere"}], "source 'elsewhere' has no [source.*] table"),
        ([{**VALID, "file": "../escape.csv"}], "file must be a plain file name"),
        ([{**VALID, "url": "ftp://example.org/x"}], "url must be http(s)"),
        ([{**VALID, "id": "One-ID"}], "dataset 'One-ID': id must be snake_case"),
        ([{**VALID, "colour": "red"}], "dataset 'one': unknown field(s) ['colour']"),
    ],
)
def test_registry_validation_names_file_and_dataset(
    tmp_path: Path, datasets: list[dict], expected: str
) -> None:
    path = write_registry(tmp_path / "bad.toml", datasets)
    with pytest.raises(DataError) as caught:
        sources.load_registry(path)
    assert caught.value.file == str(path)
    assert str(path) in str(caught.value) and expected in str(caught.value)


def test_registry_that_is_not_toml_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[dataset]\nid = ", encoding="utf-8")
    with pytest.raises(DataError, match="not valid TOML"):
        sources.load_registry(path)
