"""Time town reports: the naive loop (papermill CLI + `jupyter nbconvert` per town) against the
fast path on the same towns, start-up included.

The headline is `hopeful reports --shard 0/N --force --jobs J` run as a command (driver start,
worker and kernel start-up, every town; no overview or index with --shard) on the shard of
about `--sample` towns, against the naive loop's seconds per town times that many towns. The
in-process runs after it (`run_batch` cold, and warm with kernels started beforehand) split
start-up from rendering.

    python benchmarks/bench_reports.py                      # real notebook, 30 towns
    python benchmarks/bench_reports.py --fixture --sample 24
    python benchmarks/bench_reports.py --towns E34000007 E35001042 --jobs 2
    python benchmarks/bench_reports.py --full               # every town, then a no-op rerun

Prints seconds per town for each path and their ratio, the parts of one fresh render, and
the peak memory of the whole process tree.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import csv
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from hopeful import towns
from hopeful.reports import batch, notebook_to_html

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
FIXTURE = ROOT / "tests" / "fixtures" / "mini_report.ipynb"


class TreeMemory:
    """Peak summed RSS of this process and all its descendants, sampled every 0.1 s, and the
    largest single process (`largest`, reset by `phase()` to compare runs of different length).
    """

    def __init__(self) -> None:
        self.peak = 0
        self.largest = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.wait(0.1):
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    rss = proc.memory_info().rss
                    total += rss
                    self.largest = max(self.largest, rss)
            self.peak = max(self.peak, total)

    def phase(self) -> int:
        """The largest single process since the last call; starts a new phase."""
        largest, self.largest = self.largest, 0
        return largest

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def synthetic_processed(folder: Path, count: int) -> Path:
    """A towns.csv the fixture notebook can read, with `count` made-up towns."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "towns.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["town_code", "town_name", "population", "score"])
        for i in range(count):
            writer.writerow(
                [f"E35{i:06d}", f"Town {i}", 5000 + 997 * i, round(10 + (i * 7) % 23, 2)]
            )
    return folder


def read_towns(processed: Path) -> list[tuple[str, str]]:
    with open(processed / "towns.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return sorted((r["town_code"], towns.slugify(r["town_code"], r["town_name"])) for r in rows)


def sample(all_towns: list[tuple[str, str]], n: int) -> list[tuple[str, str]]:
    """`n` towns spread evenly over the sorted codes (deterministic)."""
    if n >= len(all_towns):
        return all_towns
    step = len(all_towns) / n
    return [all_towns[int(i * step)] for i in range(n)]


def command_run(
    processed: Path, notebook: Path, shard: tuple[int, int], jobs: int, out: Path
) -> tuple[float, list[Path]]:
    """`hopeful reports --shard i/n --force` as a fresh process: what an analyst waits for."""
    started = time.perf_counter()
    subprocess.run(
        [
            VENV_BIN / "hopeful",
            "reports",
            "--processed-dir",
            processed,
            "--notebook",
            notebook,
            "--out-dir",
            out,
            "--shard",
            f"{shard[0]}/{shard[1]}",
            "--jobs",
            str(jobs),
            "--force",
            "--no-progress",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started, sorted((out / "towns").glob("*.html"))


def naive(notebook: Path, processed: Path, chosen: list[tuple[str, str]], out: Path) -> float:
    """papermill CLI then `jupyter nbconvert --to html`, one town after another."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for code, slug in chosen:
        executed = out / f"{slug}.ipynb"
        subprocess.run(
            [
                VENV_BIN / "papermill",
                notebook,
                executed,
                "-k",
                "hopeful",
                "--cwd",
                notebook.parent,
                "-p",
                "town",
                code,
                "-p",
                "processed_dir",
                processed,
                "--no-progress-bar",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [VENV_BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def fast(
    notebook: Path,
    processed: Path,
    chosen: list[tuple[str, str]],
    out: Path,
    jobs: int,
    force: bool = True,
    executor: cf.Executor | None = None,
) -> tuple[float, batch.BatchSummary]:
    started = time.perf_counter()
    summary = batch.run_batch(
        notebook,
        chosen,
        processed,
        out,
        jobs=jobs,
        force=force,
        progress=False,
        executor=executor,
        manifest=out.parent / f"manifest-{out.name}.csv",
    )
    return time.perf_counter() - started, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", type=Path, default=ROOT / "notebooks" / "town_report.ipynb")
    parser.add_argument("--processed-dir", type=Path, default=ROOT / "data" / "processed")
    parser.add_argument("--towns", nargs="*", metavar="CODE", help="these town codes")
    parser.add_argument(
        "--sample",
        type=int,
        default=30,
        help="about this many towns (a shard of the sorted towns) on the fast path "
        "(default 30: what re-rendering a handful of towns costs, start-up included)",
    )
    parser.add_argument(
        "--naive-max",
        type=int,
        default=6,
        help="run the slow naive loop on at most this many of them (default 6)",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument(
        "--fixture",
        action="store_true",
        help="use tests/fixtures/mini_report.ipynb on synthetic towns",
    )
    parser.add_argument(
        "--full", action="store_true", help="also time a full run over every town and a no-op rerun"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hopeful-bench-") as tmp_name:
        tmp = Path(tmp_name)
        notebook = (FIXTURE if args.fixture else args.notebook).resolve()
        processed = (
            synthetic_processed(tmp / "processed", max(args.sample, 24))
            if args.fixture
            else args.processed_dir.resolve()
        )
        all_towns = read_towns(processed)
        by_code = dict(all_towns)
        shard = (0, max(1, math.ceil(len(all_towns) / args.sample)))
        chosen = (
            [(c, by_code[c]) for c in args.towns]
            if args.towns
            else [(c, by_code[c]) for c in batch.shard_slice(list(by_code), shard)]
        )
        print(f"notebook {notebook}\nprocessed {processed}\n{len(chosen)} towns, jobs {args.jobs}")
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

        with TreeMemory() as memory:
            one = notebook_to_html.render_notebook(
                notebook,
                {"town": chosen[0][0], "processed_dir": str(processed)},
                tmp / "one" / "one.html",
            )
            print(f"one fresh render: {one.timings_text()}")

            naive_towns = chosen[: args.naive_max]
            naive_s = naive(notebook, processed, naive_towns, tmp / "naive") / len(naive_towns)
            print(f"naive loop: {naive_s:.2f} s/town over {len(naive_towns)} towns")

            if not args.towns:
                wall, pages = command_run(processed, notebook, shard, args.jobs, tmp / "command")
                sizes = [p.stat().st_size for p in pages]
                print(
                    f"start-up included: `hopeful reports --shard {shard[0]}/{shard[1]} --force "
                    f"--jobs {args.jobs}`: {len(pages)} towns in {wall:.1f} s, "
                    f"{naive_s * len(pages) / wall:.1f}x the naive loop on as many towns; "
                    f"reports {min(sizes) / 1024:.0f}-{max(sizes) / 1024:.0f} KB"
                )

            cold, summary = fast(notebook, processed, chosen, tmp / "cold", args.jobs)
            cold_s = cold / len(chosen)
            print(
                f"fast path, cold: {cold_s:.2f} s/town over {len(chosen)} towns (wall {cold:.1f} s "
                f"incl. worker and kernel start-up); {summary.counts}"
            )
            memory.phase()
            with batch.make_executor(args.jobs) as pool:
                started = time.perf_counter()
                list(pool.map(batch.warm_up, [str(notebook)] * args.jobs))
                startup = time.perf_counter() - started
                warm, summary = fast(
                    notebook, processed, chosen, tmp / "warm", args.jobs, executor=pool
                )
            warm_s = warm / len(chosen)
            print(
                f"fast path, warm: {warm_s:.2f} s/town (pool and kernels started beforehand in "
                f"{startup:.1f} s); {summary.counts}"
            )
            print(f"speed-up: {naive_s / cold_s:.1f}x cold, {naive_s / warm_s:.1f}x warm")
            sample_largest = memory.phase()

            if args.full:
                full_s, full = fast(notebook, processed, all_towns, tmp / "full", args.jobs)
                print(
                    f"full run: {len(all_towns)} towns in {full_s:.1f} s "
                    f"({full_s / len(all_towns):.2f} s/town incl. start-up, "
                    f"{naive_s * len(all_towns) / full_s:.1f}x the naive loop); {full.counts}"
                )
                sizes = sorted(p.stat().st_size for p in (tmp / "full").glob("*.html"))
                print(f"report sizes: {sizes[0] / 1024:.0f}–{sizes[-1] / 1024:.0f} KB")
                noop_s, noop = fast(
                    notebook, processed, all_towns, tmp / "full", args.jobs, force=False
                )
                print(f"no-op rerun: {noop_s:.2f} s; {noop.counts}")
                print(
                    f"largest process: {sample_largest / 2**20:.0f} MiB over the "
                    f"{len(chosen)}-town warm run, {memory.phase() / 2**20:.0f} MiB over the "
                    f"full run (a kernel that grew with every town would show here)"
                )
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        child_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"peak memory: process tree {memory.peak / 2**20:.0f} MiB (sampled); "
            f"maxrss self {self_kib / 1024:.0f} MiB, largest child {child_kib / 1024:.0f} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
