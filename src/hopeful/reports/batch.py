"""Render many towns: warm kernels in worker processes, an incremental cache and a manifest.

Each worker process (or thread) starts one kernel, imports the heavy modules once and resets
the kernel to a fresh kernel's state between towns (see `hopeful.reports.notebook_to_html.WarmKernel`), so a town
costs about as much as drawing its figures.

Cache key of a town (stored in `<out_dir>/.cache.json`): the sha256 hex digest of the JSON list

    ["hopeful-report/1", sha256(notebook bytes), sha256(template files: names and bytes,
     sorted by path), hopeful.__version__, extra_key, town_code, fingerprint]

where `extra_key` is the caller's hash of everything shared that shapes reports but is not
data (e.g. the framework file) and `fingerprint` is the caller's string for the data this
town's report reads (default: `processed_fingerprint(processed_dir)`, the hash of every
processed file, so any data change re-renders every town). A town is skipped ("cached") only
when every cache file in `out_dir` that knows the town holds this key and its HTML is
byte-for-byte the page recorded when it was rendered (sha256), so an emptied or edited page
is rendered again.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import csv
import functools
import hashlib
import io
import json
import multiprocessing
import multiprocessing.util
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hopeful import __version__
from hopeful.atomic import WriteError, write_text
from hopeful.errors import HopefulError
from hopeful.file_hash import sha256_file, sha256_files
from hopeful.reports import early_pool, lifeline
from hopeful.reports.downloads import spreadsheet_safe

# The driver keys, shards and submits towns with only these light names; papermill, nbconvert
# and IPython (hopeful.reports.notebook_to_html) are imported where towns render, in workers.
from hopeful.reports.report_template import KERNEL_NAME, TEMPLATE_DIR, template_files

if TYPE_CHECKING:
    from hopeful.reports.notebook_to_html import WarmKernel

CACHE_SCHEMA = "hopeful-report/1"
MANIFEST_COLUMNS = ("town_code", "slug", "status", "seconds", "error")
STATUSES = ("rendered", "cached", "failed", "timeout", "interrupted")
# Towns failed by killing their worker, one after another: then the workers are the problem.
WORKER_DEATHS_IN_A_ROW = 3
# Seconds between cache saves while towns finish: the cache holds every town, so rewriting it
# after each town made a full run's bookkeeping grow with the square of the number of towns.
CACHE_SAVE_INTERVAL = 1.0
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class TownTask:
    """Everything a worker needs to render one town (picklable, paths as strings)."""

    notebook: str
    town_code: str
    slug: str
    parameters: dict[str, str]
    html_out: str
    timeout: float | None
    retries: int
    kernel_name: str = KERNEL_NAME
    links: tuple[tuple[str, str], ...] = ()
    max_bytes: int | None = None


@dataclass(frozen=True)
class TownOutcome:
    """How one town of a batch ended (rendered, cached, failed, timeout...) and in how long."""

    town_code: str
    slug: str
    status: str
    seconds: float
    error: str = ""


@dataclass
class BatchSummary:
    """One row per town of this run (sorted by code), where the manifest went, the wall time."""

    outcomes: list[TownOutcome]
    manifest: Path
    seconds: float
    interrupted: bool = False
    problems: list[str] = field(default_factory=list)
    manifest_written: bool = True
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = {s: sum(o.status == s for o in self.outcomes) for s in STATUSES}

    @property
    def failures(self) -> list[TownOutcome]:
        return [o for o in self.outcomes if o.status in ("failed", "timeout")]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.interrupted and self.manifest_written

    def text(self) -> str:
        parts = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n)
        where = self.manifest if self.manifest_written else f"NOT written ({self.manifest})"
        lines = [f"reports: {parts or 'no towns'} in {self.seconds:.1f} s; manifest {where}"]
        lines += [f"  {o.town_code} {o.status}: {o.error}" for o in self.failures]
        lines += [f"  warning: {p}" for p in self.problems]
        return "\n".join(lines)


class BatchInterrupted(KeyboardInterrupt):
    """SIGINT/SIGTERM stopped the batch after finished towns were recorded."""

    def __init__(self, summary: BatchSummary) -> None:
        super().__init__(summary.text())
        self.summary = summary


# --- worker side -------------------------------------------------------------------------

_local = threading.local()
_kernels: list[WarmKernel] = []
_kernels_lock = threading.Lock()


def warm_kernel(kernel_name: str = KERNEL_NAME) -> WarmKernel:
    """This thread's warm kernel, created on first use and shut down when the process exits."""
    from hopeful.reports.notebook_to_html import WarmKernel

    kernels = _local.__dict__.setdefault("kernels", {})
    if kernel_name not in kernels:
        kernel = WarmKernel(kernel_name)
        with _kernels_lock:
            if not _kernels:
                atexit.register(shutdown_warm_kernels)
                lifeline.at_parent_death(_kill_warm_kernels)
                multiprocessing.util.Finalize(None, shutdown_warm_kernels, exitpriority=100)
            _kernels.append(kernel)
        kernels[kernel_name] = kernel
    return kernels[kernel_name]


def shutdown_warm_kernels() -> int:
    """Stop every warm kernel of this process; returns how many were running."""
    with _kernels_lock:
        running = [k for k in _kernels if k.alive]
    for kernel in running:
        kernel.close()
    return len(running)


def _kill_warm_kernels() -> None:
    """SIGKILL every kernel of this process at once (from the lifeline thread: no time to
    talk to them)."""
    for kernel in list(_kernels):
        kernel._kill()


def make_executor(jobs: int | None = None) -> cf.ProcessPoolExecutor:
    """The default pool: `jobs` spawned worker processes (default: one per CPU) that ignore
    SIGINT/SIGTERM and die with this process (`lifeline.init_worker`)."""
    return cf.ProcessPoolExecutor(
        max_workers=jobs or os.cpu_count() or 1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=lifeline.init_worker,
    )


def warm_up(notebook: str, kernel_name: str = KERNEL_NAME) -> float:
    """Start this worker's kernel for `notebook` before its first town; returns seconds taken.

    Optional (the first town does it anyway); submit it once per worker to time start-up
    apart from rendering, as the benchmark does.
    """
    from hopeful.reports.notebook_to_html import preload_for

    started = time.perf_counter()
    kernel = warm_kernel(kernel_name)
    if not kernel.alive:
        path = Path(notebook).resolve()
        kernel.start(path.parent, preload_for(path))
    return time.perf_counter() - started


def render_town(task: TownTask) -> TownOutcome:
    """Render one town in this worker's warm kernel; never raises for a town's own failure.

    A timeout or a dead kernel is retried `task.retries` times on a new kernel; an exception
    raised by the notebook is not (it would raise again).
    """
    from hopeful.reports.notebook_to_html import RenderError, RenderTimeout, render_html

    started = time.perf_counter()
    status, error = "failed", ""
    for _attempt in range(task.retries + 1):
        kernel = warm_kernel(task.kernel_name)
        try:
            nb = kernel.execute(Path(task.notebook), task.parameters, timeout=task.timeout)
            page = render_html(nb, links=task.links)
            write_text(task.html_out, page)
            size = len(page.encode("utf-8"))
            if task.max_bytes is not None and size > task.max_bytes:
                status = "failed"
                error = (
                    f"report is {size / 1024:.0f} KB, over the {task.max_bytes / 1024:.0f} KB "
                    f"limit (written, so it can be inspected)"
                )
                break
        except RenderTimeout as err:
            status, error = "timeout", str(err)
        except RenderError as err:
            status, error = "failed", str(err)
            if kernel.alive:
                break
        except Exception as err:  # noqa: BLE001 — one town's failure must not stop the others
            status, error = "failed", f"{type(err).__name__}: {err}"
            break
        else:
            status, error = "rendered", ""
            break
    return TownOutcome(task.town_code, task.slug, status, time.perf_counter() - started, error)


# --- keys, cache, manifest ---------------------------------------------------------------


def processed_fingerprint(processed_dir: Path) -> str:
    """Hash of every file under `processed_dir`: the safe default data fingerprint."""
    root = Path(processed_dir)
    return sha256_files(sorted(p for p in root.rglob("*") if p.is_file()), root)


def row_fingerprints(csv_path: Path, key: str = "town_code", shared: str = "") -> dict[str, str]:
    """Per-town fingerprints from one row of a CSV plus a `shared` string (e.g. other files' hash).

    Only right when a town's report reads nothing of other towns' rows.
    """
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        out = {}
        for row in reader:
            text = json.dumps([shared, sorted(row.items())], ensure_ascii=False)
            out[row[key]] = hashlib.sha256(text.encode()).hexdigest()
    return out


def _base_key(notebook: Path, extra_key: str) -> list[str]:
    return [
        CACHE_SCHEMA,
        hashlib.sha256(Path(notebook).read_bytes()).hexdigest(),
        sha256_files(template_files(), TEMPLATE_DIR),
        __version__,
        extra_key,
    ]


def town_key(base: list[str], town_code: str, fingerprint: str) -> str:
    """The cache key defined in this module's docstring."""
    return hashlib.sha256(json.dumps([*base, town_code, fingerprint]).encode()).hexdigest()


def _cache_name(shard: tuple[int, int] | None) -> str:
    return ".cache.json" if shard is None else f".cache.shard-{shard[0]}-of-{shard[1]}.json"


def _read_cache(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    towns = data.get("towns", {}) if isinstance(data, dict) else {}
    return {c: v for c, v in towns.items() if isinstance(v, dict) and "key" in v}


def _known_keys(out_dir: Path) -> dict[str, str | None]:
    """Keys from every cache file in `out_dir`; None where files disagree about a town."""
    known: dict[str, str | None] = {}
    for path in sorted(out_dir.glob(".cache*.json")):
        for code, entry in _read_cache(path).items():
            known[code] = entry["key"] if known.get(code, entry["key"]) == entry["key"] else None
    return known


def _known_pages(out_dir: Path) -> dict[str, str]:
    """The sha256 each cache file recorded for a town's page when it was rendered."""
    pages: dict[str, str] = {}
    for path in sorted(out_dir.glob(".cache*.json")):
        for code, entry in _read_cache(path).items():
            if "html" in entry:
                pages[code] = entry["html"]
    return pages


def _page_hash(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""


def _write_cache(path: Path, entries: Mapping[str, Mapping[str, str]]) -> None:
    data = {"schema": CACHE_SCHEMA, "towns": {c: dict(entries[c]) for c in sorted(entries)}}
    write_text(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def write_manifest(path: Path, outcomes: Iterable[TownOutcome]) -> None:
    """CSV sorted by town code, one line per town, errors flattened to one line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for o in sorted(outcomes, key=lambda o: o.town_code):
        error = " ".join(o.error.split())
        cells = [o.town_code, o.slug, o.status, f"{o.seconds:.2f}", error]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    write_text(path, buffer.getvalue())


def shard_slice(codes: Sequence[str], shard: tuple[int, int] | None) -> list[str]:
    """Shard i of n: the sorted codes at positions i, i+n, i+2n, … (all codes when None)."""
    ordered = sorted(codes)
    if shard is None:
        return ordered
    index, count = shard
    if not (count >= 1 and 0 <= index < count):
        raise HopefulError(f"shard must be (i, n) with 0 <= i < n, got {shard!r}")
    return ordered[index::count]


# --- the driver --------------------------------------------------------------------------


@contextlib.contextmanager
def _stop_signals(stop: lifeline.Stop) -> Iterator[None]:
    """First SIGINT/SIGTERM: stop submitting and let running towns finish. Second: stop
    waiting for them. Neither raises, so nothing can cut the manifest short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: object) -> None:
        stop.request()

    previous = {s: signal.signal(s, handler) for s in lifeline.STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _stoppable(run: Callable[..., BatchSummary]) -> Callable[..., BatchSummary]:
    """Catch SIGINT/SIGTERM from the batch's first line until its manifest is written."""

    @functools.wraps(run)
    def wrapper(*args: object, stop: lifeline.Stop | None = None, **kwargs: object) -> BatchSummary:
        stop = stop or lifeline.Stop()
        with _stop_signals(stop):
            return run(*args, stop=stop, **kwargs)

    return wrapper


class _Workers:
    """Where towns go. A process pool of our own is replaced when one of its workers dies."""

    def __init__(
        self, executor: cf.Executor, renew: Callable[[], cf.Executor] | None = None
    ) -> None:
        self.executor = executor
        self._renew = renew

    def submit(self, task: TownTask) -> cf.Future:
        return self.executor.submit(render_town, task)

    def abandon(self, futures: Iterable[cf.Future]) -> None:
        """Kill a pool of our own (its workers ignore SIGTERM; their kernels follow by their
        lifeline) and wait until the pool has failed the towns it held, so shutting it down
        does not wait for them."""
        if self._renew is None:
            return
        for process in list(getattr(self.executor, "_processes", {}).values()):
            process.kill()
        cf.wait(futures, timeout=10)

    def renew(self) -> bool:
        """Swap a broken pool for a new one; False when the executor is the caller's."""
        if self._renew is None:
            return False
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor = self._renew()
        return True


@contextlib.contextmanager
def _executor_for(
    executor: cf.Executor | None, jobs: int | None, dask_address: str | None
) -> Iterator[tuple[_Workers, int]]:
    """The executor to use and how many towns it runs at once."""
    workers = jobs or os.cpu_count() or 1
    if executor is not None:
        yield _Workers(executor), workers
    elif dask_address:
        from distributed import Client

        with Client(dask_address) as client:
            try:
                yield (
                    _Workers(client.get_executor(pure=False)),
                    sum(client.nthreads().values()) or 1,
                )
            finally:
                with contextlib.suppress(Exception):  # best effort: the cluster may be gone
                    client.run(shutdown_warm_kernels)
    else:
        first = early_pool.take(workers) or make_executor(workers)  # started early, if any
        pool = _Workers(first, lambda: make_executor(workers))
        try:
            yield pool, workers
        finally:
            pool.executor.shutdown(wait=True, cancel_futures=True)


@_stoppable
def run_batch(
    notebook: Path,
    towns: Sequence[tuple[str, str]],
    processed_dir: Path,
    out_dir: Path,
    *,
    jobs: int | None = None,
    timeout_per_town: float | None = 300,
    retries: int = 1,
    executor: cf.Executor | None = None,
    shard: tuple[int, int] | None = None,
    force: bool = False,
    progress: bool = True,
    fingerprints: Mapping[str, str] | None = None,
    extra_key: str = "",
    manifest: Path | None = None,
    kernel_name: str = KERNEL_NAME,
    dask_address: str | None = None,
    links: Callable[[str], Sequence[tuple[str, str]]] | None = None,
    max_bytes: int | None = None,
    stop: lifeline.Stop | None = None,
) -> BatchSummary:
    """Render `<out_dir>/<slug>.html` for each (town_code, slug), skipping unchanged towns.

    Each town runs the notebook with parameters town=<code>, processed_dir=<absolute path>.
    Work goes to `executor` if given, else to a Dask cluster at `dask_address`, else to a pool
    of `jobs` processes. The manifest (default `<out_dir>/../manifest.csv`, or
    `manifest.shard-i-of-n.csv` for a shard) lists this run's towns with their status.
    `links(slug)` gives a report's download links (see `notebook_to_html.render_html`). A
    page larger than `max_bytes` is written but its town fails, so size creep is seen.
    Raises BatchInterrupted after recording finished towns if SIGINT/SIGTERM (caught from
    the first line until the manifest is written) or `stop.request()` stops the run.
    """
    stop = stop or lifeline.Stop()  # `_stoppable` passes the one its signal handler sets
    started = time.perf_counter()
    notebook, processed_dir, out_dir = (
        Path(p).resolve() for p in (notebook, processed_dir, out_dir)
    )
    slugs = dict(towns)
    if len(slugs) != len(towns) or len(set(slugs.values())) != len(slugs):
        raise HopefulError("duplicate town codes or slugs in the batch")
    for code, slug in slugs.items():
        if not _SLUG.match(slug):
            raise HopefulError(f"unsafe report slug {slug!r} for town {code}")
    if not processed_dir.is_dir():
        raise HopefulError(f"{processed_dir}: processed data folder not found")
    codes = shard_slice(list(slugs), shard)
    missing = [c for c in codes if fingerprints is not None and c not in fingerprints]
    if missing:
        raise HopefulError(f"no data fingerprint for {len(missing)} towns, e.g. {missing[0]}")
    if manifest is None:
        suffix = "" if shard is None else f".shard-{shard[0]}-of-{shard[1]}"
        manifest = out_dir.parent / f"manifest{suffix}.csv"
    shared_fingerprint = processed_fingerprint(processed_dir) if fingerprints is None else ""
    base = _base_key(notebook, extra_key)
    keys = {
        c: town_key(base, c, shared_fingerprint if fingerprints is None else fingerprints[c])
        for c in codes
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    cache_path = out_dir / _cache_name(shard)
    own_cache = _read_cache(cache_path)
    known = _known_keys(out_dir)
    pages = _known_pages(out_dir)

    outcomes: dict[str, TownOutcome] = {}
    todo = []
    for code in codes:
        html_out = out_dir / f"{slugs[code]}.html"
        # Cached only while the page is the one rendered: an emptied or edited page re-renders.
        if (
            not force
            and known.get(code) == keys[code]
            and pages.get(code)
            and _page_hash(html_out) == pages[code]
        ):
            outcomes[code] = TownOutcome(code, slugs[code], "cached", 0.0)
            own_cache[code] = {"key": keys[code], "slug": slugs[code], "html": pages[code]}
        else:
            todo.append(
                TownTask(
                    notebook=str(notebook),
                    town_code=code,
                    slug=slugs[code],
                    parameters={"town": code, "processed_dir": str(processed_dir)},
                    html_out=str(html_out),
                    timeout=timeout_per_town,
                    retries=retries,
                    kernel_name=kernel_name,
                    links=tuple(links(slugs[code])) if links else (),
                    max_bytes=max_bytes,
                )
            )

    problems: list[str] = []
    if todo:
        with _executor_for(executor, jobs, dask_address) as (pool, workers):
            run = _Run(keys, outcomes, own_cache, cache_path, problems)
            run.tasks(pool, 2 * workers, todo, stop, progress)
    else:
        _save_cache(cache_path, own_cache, problems)
    for task in todo:
        outcomes.setdefault(
            task.town_code, TownOutcome(task.town_code, task.slug, "interrupted", 0.0)
        )
    ordered = [outcomes[c] for c in codes]
    written = True
    try:
        write_manifest(manifest, ordered)
    except WriteError as err:  # a full disk: the counts must still reach the summary
        problems.append(f"manifest not written: {err}")
        written = False
    seconds = time.perf_counter() - started
    summary = BatchSummary(ordered, manifest, seconds, stop.requested.is_set(), problems, written)
    if stop.requested.is_set():
        raise BatchInterrupted(summary)
    return summary


def _save_cache(path: Path, entries: Mapping[str, Mapping[str, str]], problems: list[str]) -> None:
    """A cache that cannot be written (disk full) costs only re-rendering next time: go on."""
    try:
        _write_cache(path, entries)
    except WriteError as err:
        message = f"cache not saved (the next run re-renders these towns): {err}"
        if message not in problems:
            problems.append(message)


@dataclass
class _Run:
    """One batch's bookkeeping: outcomes and cache entries as towns finish."""

    keys: Mapping[str, str]
    outcomes: dict[str, TownOutcome]
    cache: dict[str, dict[str, str]]
    cache_path: Path
    problems: list[str]

    def finish(self, task: TownTask, outcome: TownOutcome) -> None:
        self.outcomes[task.town_code] = outcome
        if outcome.status == "rendered":
            self.cache[task.town_code] = {
                "key": self.keys[task.town_code],
                "slug": task.slug,
                "html": _page_hash(Path(task.html_out)),
            }
        else:
            self.cache.pop(task.town_code, None)

    def tasks(
        self,
        workers: _Workers,
        window: int,
        todo: list[TownTask],
        stop: lifeline.Stop,
        progress: bool,
    ) -> None:
        """Keep `window` towns in flight and record each as it finishes.

        The cache is saved at most every `CACHE_SAVE_INTERVAL` seconds and always on the way
        out, also after Ctrl-C or an error; so only a hard kill of this process can lose the
        record of the last second's towns (they are rendered again next time).

        Submitting lazily means a stop request leaves little queued work to wait for: at most
        `window` towns, which finish (none is cancelled: Python 3.11's pool crashes its manager
        thread, hanging the driver, if a worker dies while a cancelled town is queued). A
        second request kills a pool of our own and leaves those towns `interrupted`.
        If a worker process dies (killed, out of memory) the pool breaks and every town in
        flight is lost: a pool of our own is replaced and the lost towns run again one at a
        time, so a town that kills its worker alone is caught; it fails after `task.retries`
        such deaths. After `WORKER_DEATHS_IN_A_ROW` such towns with no town finished between
        them (workers that cannot start, say), or if the executor is the caller's, the lost and
        queued towns fail instead.
        """
        from tqdm import tqdm

        queue = deque(todo)
        in_flight: dict[cf.Future, TownTask] = {}
        lost: list[TownTask] = []
        suspects: set[str] = set()  # lost with the pool: run alone until they finish
        deaths: dict[str, int] = {}
        broken: BaseException | None = None
        culprits = 0  # towns in a row that failed by killing their worker
        saved = time.monotonic()
        with (
            tqdm(total=len(todo), unit="town", desc="reports", disable=not progress) as bar,
            contextlib.ExitStack() as finally_save,
        ):
            finally_save.callback(_save_cache, self.cache_path, self.cache, self.problems)

            def record(task: TownTask, outcome: TownOutcome) -> None:
                suspects.discard(task.town_code)
                self.finish(task, outcome)
                bar.update(1)

            while True:
                while (
                    broken is None
                    and not stop.requested.is_set()
                    and queue
                    and len(in_flight) < window
                ):
                    involved = {queue[0].town_code} | {t.town_code for t in in_flight.values()}
                    if in_flight and involved & suspects:
                        break
                    try:
                        future = workers.submit(queue[0])
                    except cf.BrokenExecutor as err:
                        broken = err
                        break
                    in_flight[future] = queue.popleft()
                if broken is not None and not in_flight:
                    if stop.requested.is_set():
                        return
                    renewed = culprits < WORKER_DEATHS_IN_A_ROW and workers.renew()
                    failed = self._recover(renewed, broken, lost, queue, suspects, deaths)
                    culprits += len(failed) if renewed else 0
                    for task, outcome in failed:
                        record(task, outcome)
                    if failed:
                        _save_cache(self.cache_path, self.cache, self.problems)
                    lost, broken = [], None
                    continue
                if not in_flight:
                    return
                if stop.hurry.is_set():
                    workers.abandon(in_flight)
                    return
                done, _ = cf.wait(in_flight, timeout=0.2, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    task = in_flight.pop(future)
                    if future.cancelled():
                        continue
                    try:
                        outcome = future.result()
                    except cf.BrokenExecutor as err:  # a worker process died
                        broken = broken or err
                        lost.append(task)
                        continue
                    except Exception as err:  # noqa: BLE001 — e.g. a Dask worker lost
                        outcome = TownOutcome(
                            task.town_code, task.slug, "failed", 0.0, f"{type(err).__name__}: {err}"
                        )
                    record(task, outcome)
                    culprits = 0
                if done and time.monotonic() - saved >= CACHE_SAVE_INTERVAL:
                    _save_cache(self.cache_path, self.cache, self.problems)
                    saved = time.monotonic()

    def _recover(
        self,
        renewed: bool,
        broken: BaseException,
        lost: list[TownTask],
        queue: deque[TownTask],
        suspects: set[str],
        deaths: dict[str, int],
    ) -> list[tuple[TownTask, TownOutcome]]:
        """After a pool broke: the lost towns queued first on the new pool (if `renewed`); the
        outcomes of those that fail."""
        reason = f"{type(broken).__name__}: {broken}"
        if not renewed:
            given_up = [*lost, *queue]
            queue.clear()
            error = f"not rendered: the worker pool broke and was not replaced ({reason})"
            return [(t, TownOutcome(t.town_code, t.slug, "failed", 0.0, error)) for t in given_up]
        if len(lost) == 1:  # it ran alone, so its own worker died under it
            deaths[lost[0].town_code] = deaths.get(lost[0].town_code, 0) + 1
        failed = []
        for task in sorted(lost, key=lambda t: t.town_code, reverse=True):
            count = deaths.get(task.town_code, 0)
            if count > task.retries:
                error = f"its worker process died {count} time(s) while rendering it ({reason})"
                failed.append((task, TownOutcome(task.town_code, task.slug, "failed", 0.0, error)))
            else:
                suspects.add(task.town_code)
                queue.appendleft(task)
        return failed
