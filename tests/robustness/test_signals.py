"""Signals and orphans (issue 16, class 2): what schedulers and impatient users do to a batch.

`timeout`, SLURM and Kubernetes send SIGTERM to the whole process group, so the workers get it
at the same moment as the driver; and a driver can be killed with SIGKILL, which it cannot
catch. Each case runs in a loop, because the failures were races (3 of about 16 trials wrote no
manifest; once the driver hung). Every run is cheap: a notebook that imports only `time`, four
towns, two workers. The processes of a run are found by a marker in their environment, which
workers and kernels inherit; whatever a failed run leaves behind is killed before the test
ends.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

MARKER = "HOPEFUL_SIGNALS_TRIAL"
TRIALS = 20
TOWNS = """town_code,town_name,population,score,sleep_seconds
E35000001,Gravesend,53045,12.5,0
E35000002,Dartford,46844,18.25,0
W37000003,Barry,54673,9.75,0
W37000008,Penarth,27226,11.0,0
"""
# A town takes 0.6 s: long enough for a signal to land while towns run, short enough for a loop.
NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "parameters",
            "metadata": {"tags": ["parameters"]},
            "outputs": [],
            "source": 'town = "E35000001"\nprocessed_dir = "."',
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "town",
            "metadata": {},
            "outputs": [],
            "source": "import time\n\ntime.sleep(0.6)\nprint(town)",
        },
    ],
    "metadata": {
        "kernelspec": {"display_name": "hopeful", "language": "python", "name": "hopeful"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """A processed folder with four towns and the tiny notebook."""
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "towns.csv").write_text(TOWNS)
    notebook = tmp_path / "tiny.ipynb"
    notebook.write_text(json.dumps(NOTEBOOK))
    return processed, notebook


def processes_of(token: str) -> list[psutil.Process]:
    """Every live process carrying this run's marker (driver, workers, kernels, helpers).

    Only this interpreter's processes are asked for their environment (the expensive part).
    """
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if (proc.info["cmdline"] or [""])[0] != sys.executable:
                continue
            if proc.environ().get(MARKER) == token and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def kernels_of(token: str) -> int:
    """How many kernels of the run are running."""
    found = 0
    for proc in processes_of(token):
        with contextlib.suppress(psutil.NoSuchProcess):
            found += "ipykernel_launcher" in proc.cmdline()
    return found


def kill_all(token: str) -> None:
    """Clean up after a failed run: nothing of it may outlive the test."""
    for proc in processes_of(token):
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()


@pytest.fixture
def tokens() -> Iterator[list[str]]:
    """The marker of each run started by the test; all their processes are killed at the end."""
    started: list[str] = []
    yield started
    for token in started:
        kill_all(token)


def start_reports(
    processed: Path, notebook: Path, out: Path, token: str, jobs: int = 2
) -> subprocess.Popen:
    """`hopeful reports` in a session of its own, as `timeout` or a batch system runs it."""
    command = [
        sys.executable, "-m", "hopeful.cli", "reports", "--processed-dir", str(processed),
        "--out-dir", str(out), "--notebook", str(notebook), "--overview", str(notebook),
        "--jobs", str(jobs), "--no-progress", "--timeout", "60",
    ]  # fmt: skip
    env = {**os.environ, MARKER: token}
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )


def launch(setup: tuple[Path, Path], out: Path, tokens: list[str]) -> tuple[str, subprocess.Popen]:
    """A run marked by a token of its own, so the `tokens` fixture kills whatever it leaves."""
    token = uuid.uuid4().hex
    tokens.append(token)
    out.parent.mkdir(parents=True, exist_ok=True)
    return token, start_reports(*setup, out, token)


def left_after(token: str, seconds: float = 5) -> list[psutil.Process]:
    """The run's processes still alive after waiting up to `seconds` for them to go."""
    deadline = time.monotonic() + seconds
    while (left := processes_of(token)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def wait_for(condition, seconds: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run did not get going"
        time.sleep(0.1)


def manifest_rows(path: Path) -> dict[str, str]:
    with open(path, newline="") as handle:
        return {row["town_code"]: row["status"] for row in csv.DictReader(handle)}


@pytest.mark.slow
def test_sigterm_to_the_process_group_always_writes_the_manifest(
    setup: tuple[Path, Path], tmp_path: Path, tokens: list[str]
) -> None:
    """SIGTERM to the whole group at a different moment each time (while the second worker
    starts, while kernels start, while towns run): running towns finish, the manifest lists
    every town, exit 130 with one line, and nothing of the run is left."""
    problems = []
    for trial in range(TRIALS):
        out = tmp_path / f"trial-{trial}" / "reports"
        token, proc = launch(setup, out, tokens)
        try:
            wait_for(lambda token=token: kernels_of(token), 60, proc)
            time.sleep(0.1 * (trial % 10))
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                _, stderr = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                problems.append(f"trial {trial}: hung after SIGTERM")
                continue
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        text = stderr.decode()
        manifest = out / "manifest.csv"
        if not manifest.is_file():
            problems.append(f"trial {trial}: no manifest (exit {proc.returncode}) {text[-300:]}")
            continue
        rows = manifest_rows(manifest)
        if sorted(rows) != ["E35000001", "E35000002", "W37000003", "W37000008"]:
            problems.append(f"trial {trial}: manifest rows {rows}")
        if not set(rows.values()) <= {"rendered", "interrupted"}:
            problems.append(f"trial {trial}: statuses {rows}")
        if proc.returncode != 130 or "hopeful reports: interrupted" not in text:
            problems.append(f"trial {trial}: exit {proc.returncode}: {text[-300:]}")
        if "Traceback" in text or "InvalidStateError" in text:
            problems.append(f"trial {trial}: {text[-600:]}")
        if left := left_after(token):
            problems.append(f"trial {trial}: {len(left)} processes left after exit")
    written = sum(
        (tmp_path / f"trial-{t}" / "reports" / "manifest.csv").is_file() for t in range(TRIALS)
    )
    assert problems == [], f"manifest written {written}/{TRIALS}:\n" + "\n".join(problems)


@pytest.mark.slow
def test_kill_9_of_the_driver_takes_its_workers_and_kernels_with_it(
    setup: tuple[Path, Path], tmp_path: Path, tokens: list[str]
) -> None:
    """SIGKILL of `hopeful reports` while both kernels render: within a few seconds no worker
    and no kernel of the run is left (they used to live on for 21+ minutes, still writing)."""
    survived = []
    for trial in range(TRIALS):
        token, proc = launch(setup, tmp_path / f"trial-{trial}" / "reports", tokens)
        try:
            wait_for(lambda token=token: kernels_of(token) == 2, 60, proc)
            time.sleep(0.1 * (trial % 8))
            proc.kill()
            proc.wait()
            if left := left_after(token):
                survived.append(f"trial {trial}: {len(left)} processes left after 5 s")
        finally:
            kill_all(token)
            proc.communicate()
    assert survived == [], f"{len(survived)}/{TRIALS} runs left processes:\n" + "\n".join(survived)


@pytest.mark.slow
def test_a_second_sigterm_stops_waiting_but_still_writes_the_manifest(
    setup: tuple[Path, Path], tmp_path: Path, tokens: list[str]
) -> None:
    """Two SIGTERMs to the group in quick succession (a scheduler, then an impatient user):
    the driver kills its workers instead of waiting, records their towns as `interrupted`,
    writes the manifest and exits 130; their kernels follow."""
    out = tmp_path / "reports"
    token, proc = launch(setup, out, tokens)
    try:
        wait_for(lambda: kernels_of(token) == 2, 60, proc)
        os.killpg(proc.pid, signal.SIGTERM)
        time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = stderr.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text
    rows = manifest_rows(out / "manifest.csv")
    assert sorted(rows) == ["E35000001", "E35000002", "W37000003", "W37000008"]
    assert "interrupted" in rows.values() and set(rows.values()) <= {"rendered", "interrupted"}
    assert left_after(token) == []
