"""Registry, fetch and verify: real mirror where it exists, a local HTTP server for downloads."""

from __future__ import annotations

import codecs
import functools
import hashlib
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MIRROR

from hopeful import load, processed, sources
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
    assert len(by_id) == 76
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


def test_packaged_registry_pins_new_sources_and_flags_their_licences() -> None:
    by_id = {ds.id: ds for ds in sources.load_registry()}
    furlough = by_id["lockdown_furlough_asylum_la19"]
    assert furlough.file == "local authority stats.csv"
    assert furlough.url == (
        "https://raw.githubusercontent.com/britishredcrosssociety/local-lockdown/"
        "e153a2fcf2a6f03cdeae8ff1038267d1d8c78c6b/data/local%20authority%20stats.csv"
    )
    # Files taken from another commit or repository than their folder's pin their own.
    assert "/udsleeds/openinfra/0ab34708f22e9874684ad6a983a59b750cc322a7/" in (
        by_id["countries_outline"].url
    )
    assert by_id["lookup_oa21_lsoa21"].url.startswith(
        "https://raw.githubusercontent.com/alexsingleton/UK_Census_Geography/"
        "8dba0362bb4a5d0e0a37b658dcebd97b6ceae335/"
    )
    readers = {ds.id: ds.reader for ds in by_id.values()}
    assert readers["drug_poisoning_deaths_la21"] == "csv_cp1252"
    assert readers["weekly_pay_residents_la"] == "csv_utf8_bom"
    assert readers["pubs_bars_la"] == "xls"
    assert readers["census21_oa_nssec"] == "parquet"
    assert readers["ashe_annual_pay_residents_la"] == "json"
    assert readers["lad21_boundaries"] == "geojson"
    shapefile = sorted(
        (ds.file, ds.reader) for ds in by_id.values() if ds.file.startswith("PCON_JULY_2024")
    )
    assert [reader for _, reader in shapefile].count("shapefile") == 1
    assert {file.split(".", 1)[1] for file, _ in shapefile} == {
        "shp",
        "shx",
        "dbf",
        "prj",
        "cpg",
        "shp.xml",
    }
    assert by_id["pcon24_boundaries"].read_options.format == "geo"
    assert by_id["pcon24_boundaries_dbf"].read_options.format == "part"
    # Licence flags: BES citation request, CC BY-SA compiled file, notionals without a licence.
    bes = by_id["bes2015_results_pcon10"]
    assert "not stated" in bes.licence.lower() and "doi:10.13140" in bes.caveat
    summaries = by_id["ge2024_census21_constituency_summaries"]
    assert "ShareAlike" in summaries.licence and "CC BY-SA" in summaries.caveat
    assert "notional" in summaries.licence and "state no licence" in summaries.caveat
    assert "population-weighted" in by_id["lsoa_centres_latlong"].caveat


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


# How each binary format starts (and a Parquet file also ends with PAR1).
MAGIC = {
    "rda": (b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"RDX"),  # gzip, bzip2 or xz, or uncompressed
    "parquet": (b"PAR1",),
    "excel": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PK\x03\x04"),  # .xls (OLE2), .xlsx (zip)
}


@needs_mirror
def test_mirror_encodings_match_their_readers() -> None:
    """Text files decode with their reader's encoding (a BOM only where the reader expects one);
    CR files are CR-only; binary files start with their format's magic bytes."""
    for ds in sources.load_registry():
        data = sources.raw_path(ds, MIRROR).read_bytes()
        options = ds.read_options
        if options.format in MAGIC:
            assert data.startswith(MAGIC[options.format]), ds.id
            assert options.format != "parquet" or data.endswith(b"PAR1"), ds.id
        elif options.format == "geo" and options.encoding is None:  # a shapefile's .shp
            assert int.from_bytes(data[:4], "big") == 9994, ds.id
        elif options.format != "part":
            text = data.decode(options.encoding)
            assert data.startswith(codecs.BOM_UTF8) == (options.encoding == "utf-8-sig"), ds.id
            if options.lineterminator == "\r":
                assert "\n" not in text and text.count("\r") > 100, ds.id
    lookup = sources.raw_path(sources.dataset("lookup_lad12_pcon12"), MIRROR).read_bytes()
    assert "Ynys Môn" in lookup.decode("mac_roman")
    deaths = sources.raw_path(sources.dataset("drug_poisoning_deaths_la21"), MIRROR).read_bytes()
    assert "King’s Lynn" in deaths.decode("cp1252") and "Ynys Môn" in deaths.decode("cp1252")


def _read(ds: sources.Dataset, **options: object) -> object:
    path = sources.raw_path(ds, MIRROR)
    reader = ds.read_options
    match reader.format:
        case "csv":
            return load.read_csv(path, encoding=reader.encoding or "utf-8")
        case "rda":
            return load.read_rda(path)
        case "parquet":
            return load.read_parquet(path)
        case "excel":
            return load.read_excel(path, **options)  # type: ignore[arg-type]
        case "json":
            return load.read_json(path, encoding=reader.encoding or "utf-8")
        case "geo":
            return load.read_geo(path)
    raise AssertionError(f"{ds.id}: reader {ds.reader} is not read alone")


@needs_mirror
def test_new_readers_read_their_mirror_files_with_the_documented_rows() -> None:
    """Row counts and values from each folder's PROVENANCE.md."""
    ds = sources.dataset
    deaths = _read(ds("drug_poisoning_deaths_la21"))
    assert deaths.shape == (375, 30) and "King’s Lynn and West Norfolk" in set(deaths["name"])
    pay = _read(ds("weekly_pay_residents_la"))
    assert pay.shape == (7109, 12) and pay.columns[0] == "areacd"
    pubs = _read(ds("pubs_bars_la"), sheet="Pubs size LA", header=2)
    any_size = pubs["Number of employees in public house or bar"] == "Any number of employees"
    las = pubs[any_size & pubs["Area code"].str.match(r"^[EW]0[6789]", na=False)]
    assert len(las) == 348 and las["Area code"].is_unique
    assert int(pubs.loc[any_size & (pubs["Area code"] == "K02000001"), 2001].item()) == 52500
    nssec = _read(ds("census21_oa_nssec"))
    assert nssec.shape == (188880, 11) and nssec["OA"].is_unique
    earnings = _read(ds("ashe_annual_pay_residents_la"))
    assert list(earnings) == [str(year) for year in range(2014, 2022)]
    assert earnings["2019"]["K02000001"] == 24897
    assert "ess-beta-metadata" in _read(ds("weekly_pay_residents_la_metadata"))
    districts = _read(ds("lad21_boundaries"))
    assert len(districts) == 374 and districts.crs.to_epsg() == 4326
    assert len(_read(ds("countries_outline"))) == 4
    seats = _read(ds("pcon24_boundaries"))
    assert len(seats) == 650 and seats["PCON24CD"].is_unique and seats.crs.to_epsg() == 27700
    assert _read(ds("ethnicity11_lsoa11")).shape == (34753, 19)
    with pytest.raises(AssertionError, match="not read alone"):
        _read(ds("pcon24_boundaries_dbf"))


# --- fetching from the real mirror ---------------------------------------------------------


@needs_mirror
def test_fetch_from_mirror_then_second_fetch_is_a_no_op(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    messages: list[str] = []
    first = sources.fetch(raw, MIRROR, allow_download=False, progress=messages.append)
    assert {item.action for item in first.items} == {"copied"}
    assert len(first.items) == 76 and first.manifest_written
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


def test_sources_doc_names_every_folder_and_dataset() -> None:
    """docs/sources.md summarises the registry by folder; a new entry must be added there too."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "sources.md").read_text("utf-8")
    named = set(re.findall(r"`([a-z0-9_-]+)`", doc))
    registry = sources.load_registry()
    assert {ds.id for ds in registry} - named == set()
    assert {ds.source for ds in registry} - named == set()
    assert f"{len(registry)} files in {len({ds.source for ds in registry})} folders" in doc
