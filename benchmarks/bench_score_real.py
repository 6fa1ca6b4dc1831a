"""Benchmark: `hopeful score` on the real mirror (indicators and their standard errors, the
Monte Carlo over methods, structure and data noise with its Sobol indices, clusters, peers,
Leave model), timed step by step against the whole; goal under 60 s on 2 cores.

    .venv/bin/python benchmarks/bench_score_real.py
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from hopeful import paths, prepare, score
from hopeful.scoring.framework import DEFAULT_PATH, load_framework


def main() -> None:
    raw = paths.raw_dir()
    with tempfile.TemporaryDirectory() as tmp:
        out, interim = Path(tmp) / "processed", Path(tmp) / "interim"
        prepare.prepare(raw, interim, out)
        steps: list[tuple[str, float]] = []
        last = [time.perf_counter()]

        def progress(message: str) -> None:
            now = time.perf_counter()
            steps.append((message, now - last[0]))
            last[0] = now

        start = time.perf_counter()
        score.score(interim, out, progress=progress)
        total = time.perf_counter() - start
        steps.append(("writing outputs", time.perf_counter() - last[0]))
        shutil.rmtree(out / "models", ignore_errors=True)
    u = load_framework(DEFAULT_PATH).uncertainty
    print(
        f"hopeful score, real data, {u.draws:,} draws (Sobol: {u.sobol}): {total:.1f} s "
        f"(goal < 60 s: ratio {total / 60:.2f})"
    )
    for (label, _), (_, seconds) in zip(steps, steps[1:], strict=False):
        print(f"  {label:<55} {seconds:6.1f} s")


if __name__ == "__main__":
    main()
