"""Dataset registry and fetch: every raw file comes from a mirror or its public origin, by sha256.

The registry (data/datasets.toml) is the single list of raw inputs. `fetch` fills raw_dir so that
each file is byte-identical to what the registry names, never leaves a half-written or unverified
file in place, and records a deterministic provenance manifest; `verify` checks raw_dir read-only.
"""

from __future__ import annotations

import glob
import hashlib
import http.client
import json
import re
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import BinaryIO, Literal

from hopeful import __version__
from hopeful.atomic import atomic_path, write_text
from hopeful.errors import ChecksumError, DataError, HopefulError
from hopeful.processed import sha256_file

REGISTRY = Path(__file__).parent / "data" / "datasets.toml"
MANIFEST = "provenance.json"
USER_AGENT = f"hopeful/{__version__} (open-data fetch; Python urllib)"
TIMEOUT_SECONDS = 60
_CHUNK = 1 << 20
# A temp file untouched this long was left by a killed fetch, not one still copying.
_PARTIAL_AGE_SECONDS = 60

Action = Literal["present", "copied", "downloaded"]


@dataclass(frozen=True)
class Reader:
    """How a raw file is opened: `format` picks hopeful.load's read_csv, read_rda, read_parquet,
    read_excel, read_json or read_geo; "part" is a file read only with another (a shapefile's
    .dbf beside its .shp), registered so that fetch copies it."""

    format: Literal["csv", "rda", "parquet", "excel", "json", "geo", "part"]
    encoding: str | None = None
    lineterminator: str | None = None


# Tied to code paths, so kept here; the registry only names one. `csv` reads LF and CRLF files.
# The EU-referendum folder's old-Mac files use bare CR; two of them are Mac Roman, not cp1252
# (byte 0x8E is the é of "Sinn Féin", 0x99 the ô of "Ynys Môn"). The drug-poisoning file is
# Windows-1252 (0x92 is the ’ of "King’s Lynn"); ONS's weekly pay file starts with a UTF-8 BOM.
READERS: dict[str, Reader] = {
    "csv": Reader("csv", encoding="utf-8"),
    "csv_utf8_bom": Reader("csv", encoding="utf-8-sig"),
    "csv_cp1252": Reader("csv", encoding="cp1252"),
    "csv_cr_utf8": Reader("csv", encoding="utf-8", lineterminator="\r"),
    "csv_cr_mac_roman": Reader("csv", encoding="mac_roman", lineterminator="\r"),
    "rda": Reader("rda"),
    "parquet": Reader("parquet"),
    "xls": Reader("excel"),
    "json": Reader("json", encoding="utf-8"),
    "geojson": Reader("geo", encoding="utf-8"),
    "shapefile": Reader("geo"),
    "shapefile_part": Reader("part"),
}


@dataclass(frozen=True)
class Dataset:
    """One raw file: where it lives under raw_dir, where it comes from, what it must hash to."""

    id: str
    source: str
    file: str
    url: str
    sha256: str
    bytes: int
    publisher: str
    licence: str
    reader: str
    description: str
    caveat: str = ""

    @property
    def read_options(self) -> Reader:
        return READERS[self.reader]


@dataclass(frozen=True)
class Source:
    """One source folder: the public repository and commit its files were taken from."""

    name: str
    publisher: str
    licence: str
    repository: str
    commit: str
    caveat: str = ""


@dataclass(frozen=True)
class FetchItem:
    """What fetch did with one registered file (present, copied or downloaded) and where it is."""

    id: str
    action: Action
    path: Path


@dataclass(frozen=True)
class FetchReport:
    """Every file's fetch outcome and whether the provenance manifest was rewritten."""

    items: tuple[FetchItem, ...]
    manifest: Path
    manifest_written: bool


class FetchError(HopefulError):
    """Some datasets failed; every other one was still fetched and is listed in the manifest."""

    def __init__(self, failures: Sequence[DataError], report: FetchReport) -> None:
        self.failures = tuple(failures)
        self.report = report
        total = len(self.failures) + len(report.items)
        lines = "\n".join(f"  - {failure}" for failure in self.failures)
        super().__init__(f"{len(self.failures)} of {total} datasets failed to fetch:\n{lines}")


_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DATASET_FIELDS = {f.name for f in fields(Dataset)}
_SOURCE_FIELDS = {f.name for f in fields(Source)} - {"name"}
_OPTIONAL = {"caveat"}


def _plain_name(value: str) -> bool:
    """A single path component that cannot escape raw_dir or look like a temp file."""
    return bool(value) and "/" not in value and "\\" not in value and not value.startswith(".")


def _check_sources(table: object, problems: list[str]) -> dict[str, Source]:
    if not isinstance(table, dict):
        problems.append("[source] must be a table of [source.<folder>] tables")
        return {}
    sources: dict[str, Source] = {}
    for name, entry in table.items():
        label = f"source {name!r}"
        if not isinstance(entry, dict):
            problems.append(f"{label}: must be a table")
            continue
        if not _plain_name(name):
            problems.append(f"{label}: name must be a single folder name")
        unknown = sorted(set(entry) - _SOURCE_FIELDS)
        missing = sorted(_SOURCE_FIELDS - _OPTIONAL - set(entry))
        bad = sorted(k for k, v in entry.items() if k in _SOURCE_FIELDS and not isinstance(v, str))
        for what, keys in (("unknown", unknown), ("missing", missing), ("non-string", bad)):
            if keys:
                problems.append(f"{label}: {what} field(s) {keys}")
        if not (unknown or missing or bad):
            sources[name] = Source(name=name, **entry)
    return sources


def _check_dataset(entry: object, label: str, sources: dict[str, Source]) -> list[str]:
    if not isinstance(entry, dict):
        return [f"{label}: must be a table"]
    problems = []
    missing = sorted(_DATASET_FIELDS - _OPTIONAL - set(entry))
    if missing:
        problems.append(f"{label}: missing field(s) {missing}")
    unknown = sorted(set(entry) - _DATASET_FIELDS)
    if unknown:
        problems.append(f"{label}: unknown field(s) {unknown}")
    for key, value in entry.items():
        if key == "bytes":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append(f"{label}: bytes must be a non-negative integer, not {value!r}")
        elif key in _DATASET_FIELDS and (not isinstance(value, str) or not value.strip()):
            problems.append(f"{label}: {key} must be a non-empty string, not {value!r}")
    if problems:
        return problems
    if not _ID.match(entry["id"]):
        problems.append(f"{label}: id must be snake_case")
    if not _SHA256.match(entry["sha256"]):
        problems.append(f"{label}: sha256 must be 64 lowercase hex digits, not {entry['sha256']!r}")
    if entry["reader"] not in READERS:
        problems.append(f"{label}: unknown reader {entry['reader']!r}; known: {sorted(READERS)}")
    if entry["source"] not in sources:
        problems.append(f"{label}: source {entry['source']!r} has no [source.*] table")
    if not _plain_name(entry["file"]):
        problems.append(f"{label}: file must be a plain file name, not {entry['file']!r}")
    url = urllib.parse.urlsplit(entry["url"])
    if url.scheme not in ("http", "https") or not url.netloc:
        problems.append(f"{label}: url must be http(s), not {entry['url']!r}")
    return problems


def _load(path: str | Path | None) -> tuple[list[Dataset], dict[str, Source], Path]:
    path = Path(path) if path is not None else REGISTRY
    if not path.is_file():
        raise DataError("dataset registry is missing", file=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"dataset registry is not valid TOML: {exc}", file=path) from exc
    problems = [
        f"unknown top-level key {key!r}" for key in sorted(set(data) - {"source", "dataset"})
    ]
    sources = _check_sources(data.get("source", {}), problems)
    entries = data.get("dataset", [])
    if not isinstance(entries, list) or not entries:
        problems.append("no [[dataset]] tables")
        entries = []
    datasets: list[Dataset] = []
    seen_ids: set[str] = set()
    seen_files: set[tuple[str, str]] = set()
    for number, entry in enumerate(entries, start=1):
        ident = entry.get("id") if isinstance(entry, dict) else None
        label = f"dataset {ident!r}" if isinstance(ident, str) else f"dataset #{number}"
        entry_problems = _check_dataset(entry, label, sources)
        if not entry_problems:
            ds = Dataset(**entry)
            if ds.id in seen_ids:
                entry_problems.append(f"{label}: duplicate id")
            if (ds.source, ds.file) in seen_files:
                entry_problems.append(f"{label}: {ds.source}/{ds.file} is listed twice")
            seen_ids.add(ds.id)
            seen_files.add((ds.source, ds.file))
            datasets.append(ds)
        problems += entry_problems
    if problems:
        raise DataError("invalid dataset registry:\n  " + "\n  ".join(problems), file=path)
    return datasets, sources, path


def load_registry(path: str | Path | None = None) -> list[Dataset]:
    """Every dataset in the registry (default: the packaged one), validated, in file order."""
    return _load(path)[0]


def _select(datasets: list[Dataset], ids: Iterable[str] | None, path: Path) -> list[Dataset]:
    if ids is None:
        return datasets
    wanted = set(ids)
    unknown = sorted(wanted - {ds.id for ds in datasets})
    if unknown:
        raise DataError(f"unknown dataset id(s) {unknown}", file=path)
    return [ds for ds in datasets if ds.id in wanted]


def dataset(id: str, registry: str | Path | None = None) -> Dataset:
    """The registry entry with this id (an unknown id is a DataError naming it)."""
    datasets, _, path = _load(registry)
    return _select(datasets, [id], path)[0]


def raw_path(ds: Dataset, raw_dir: str | Path) -> Path:
    """Where a registered file sits under a raw folder: `<raw_dir>/<source>/<file>`."""
    return Path(raw_dir) / ds.source / ds.file


def _is_good(path: Path, ds: Dataset) -> bool:
    """Size first, so a truncated or replaced file is rejected without hashing it."""
    return path.is_file() and path.stat().st_size == ds.bytes and sha256_file(path) == ds.sha256


def verify(
    raw_dir: str | Path,
    *,
    ids: Iterable[str] | None = None,
    registry: str | Path | None = None,
) -> list[str]:
    """Problems with raw_dir (missing or changed files), one line each; writes nothing."""
    datasets, _, path = _load(registry)
    problems = []
    for ds in _select(datasets, ids, path):
        target = raw_path(ds, raw_dir)
        if not target.is_file():
            problems.append(f"{target}: missing (dataset {ds.id})")
            continue
        actual = sha256_file(target)
        if actual != ds.sha256:
            problems.append(
                f"{target}: sha256 {actual} does not match the registry's {ds.sha256} "
                f"(dataset {ds.id})"
            )
    return problems


def _install(ds: Dataset, target: Path, stream: BinaryIO, origin: str) -> None:
    """Stream into a temp file beside target; rename only once the sha256 matches.

    Stops as soon as the stream outgrows the registered size, so a wrong or hostile source
    costs at most one chunk more than the real file, never its own size in disk and time.
    """
    with atomic_path(target) as tmp:
        digest = hashlib.sha256()
        size = 0
        with tmp.open("wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > ds.bytes:
                    raise ChecksumError(
                        f"dataset {ds.id} from {origin}: more than the registry's {ds.bytes} "
                        "bytes; stopped reading, the file was not installed",
                        file=target,
                    )
                digest.update(chunk)
                out.write(chunk)
        actual = digest.hexdigest()
        if actual != ds.sha256:
            raise ChecksumError(
                f"dataset {ds.id} from {origin}: expected sha256 {ds.sha256} ({ds.bytes} bytes), "
                f"got {actual} ({size} bytes); the file was not installed",
                file=target,
            )


def _download(ds: Dataset, target: Path) -> None:
    request = urllib.request.Request(ds.url, headers={"User-Agent": USER_AGENT})
    failed = f"dataset {ds.id}: download of {ds.url} failed"
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            _install(ds, target, response, origin=ds.url)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DataError(f"{failed}: HTTP {exc.code} {exc.reason}", file=target) from exc
    except urllib.error.URLError as exc:
        raise DataError(f"{failed}: {exc.reason}", file=target) from exc
    except (OSError, http.client.HTTPException) as exc:  # timeouts and resets mid-transfer
        raise DataError(f"{failed}: {exc!r}", file=target) from exc


def _partial_files(target: Path) -> list[Path]:
    """Temp files `atomic_path` leaves beside target when a fetch is killed mid-copy."""
    if not target.parent.is_dir():
        return []
    stale_before = time.time() - _PARTIAL_AGE_SECONDS
    return sorted(
        path
        for path in target.parent.glob(f".{glob.escape(target.name)}.*.tmp")
        if path.stat().st_mtime < stale_before
    )


def _obtain(
    ds: Dataset,
    target: Path,
    mirror: Path | None,
    allow_download: bool,
    say: Callable[[str], None],
) -> Action:
    for leftover in _partial_files(target):
        say(f"{ds.id}: removing {leftover}, left by an interrupted fetch")
        leftover.unlink(missing_ok=True)
    if _is_good(target, ds):
        say(f"{ds.id}: present")
        return "present"
    mirrored = raw_path(ds, mirror) if mirror is not None else None
    if mirrored is not None and mirrored.is_file():
        size = mirrored.stat().st_size
        if size != ds.bytes:
            raise ChecksumError(
                f"dataset {ds.id}: mirror file {mirrored} is {size} bytes, the registry's is "
                f"{ds.bytes}; not copied",
                file=target,
            )
        say(f"{ds.id}: copying {mirrored}")
        try:
            with mirrored.open("rb") as stream:
                _install(ds, target, stream, origin=str(mirrored))
        except OSError as exc:
            raise DataError(f"dataset {ds.id}: cannot copy {mirrored}: {exc}", file=target) from exc
        return "copied"
    if not allow_download:
        where = f"not in the mirror ({mirrored})" if mirrored is not None else "no mirror given"
        raise DataError(
            f"dataset {ds.id}: {where} and downloads are disabled; origin {ds.url}", file=target
        )
    say(f"{ds.id}: downloading {ds.url}")
    _download(ds, target)
    return "downloaded"


def _manifest_text(datasets: list[Dataset], sources: dict[str, Source]) -> str:
    """Only what the registry fixes, never how or when a file was obtained: reruns are identical."""
    entries = []
    for ds in sorted(datasets, key=lambda d: d.id):
        entry = asdict(ds)
        entry["origin_url"] = entry.pop("url")
        entries.append(entry)
    used = {ds.source: asdict(sources[ds.source]) for ds in datasets}
    for entry in used.values():
        entry.pop("name")
    manifest = {"datasets": entries, "sources": used}
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def fetch(
    raw_dir: Path,
    mirror: Path | None,
    *,
    allow_download: bool = True,
    ids: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    registry: str | Path | None = None,
) -> FetchReport:
    """Make raw_dir hold every (or each `ids`) dataset, verified; then rewrite the manifest.

    Every dataset is tried even when some fail, so one bad file does not block the rest; the
    failures are raised together as FetchError afterwards.
    """
    say = progress or (lambda _message: None)
    raw_dir = Path(raw_dir)
    if raw_dir.exists() and not raw_dir.is_dir():
        raise HopefulError(f"raw folder {raw_dir} is a file, not a folder")
    if mirror is not None and not Path(mirror).is_dir():
        raise HopefulError(f"mirror {mirror} is not a folder (nothing to copy from)")
    datasets, sources, path = _load(registry)
    selected = _select(datasets, ids, path)
    items: list[FetchItem] = []
    failures: list[DataError] = []
    for ds in selected:
        target = raw_path(ds, raw_dir)
        try:
            items.append(FetchItem(ds.id, _obtain(ds, target, mirror, allow_download, say), target))
        except DataError as exc:
            say(f"{ds.id}: FAILED")
            failures.append(exc)

    fetched = {item.id for item in items}
    tried = {ds.id for ds in selected}
    good = [
        ds
        for ds in datasets
        if ds.id in fetched or (ds.id not in tried and _is_good(raw_path(ds, raw_dir), ds))
    ]
    manifest = raw_dir / MANIFEST
    text = _manifest_text(good, sources)
    written = not manifest.is_file() or manifest.read_bytes() != text.encode("utf-8")
    if written:
        write_text(manifest, text)
        say(f"wrote {manifest}")
    report = FetchReport(tuple(items), manifest, written)
    if failures:
        raise FetchError(failures, report)
    return report
