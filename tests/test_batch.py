"""Many towns through warm kernels: no state leaks, incremental cache, failures contained."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from hopeful.reports import batch
from hopeful.reports import notebook_to_html as render

FIXTURE = Path(__file__).parent / "fixtures" / "mini_report.ipynb"
SLUGS = {
    "E35000001": "e35000001-gravesend",
    "E35000002": "e35000002-dartford",
    "E35000004": "e35000004-hangtown",
    "E35000005": "e35000005-slowby",
    "E35000999": "e35000999-missing",
    "E35999999": "e35999999-missing",
    "W37000003": "w37000003-barry",
    "W37000008": "w37000008-penarth",
}
GOOD = ["E35000001", "E35000002", "W37000003"]


def towns(*codes: str) -> list[tuple[str, str]]:
    return [(c, SLUGS[c]) for c in codes]


def manifest_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def pool():
    """One worker process, so every town of every test goes through the same warm kernel."""
    with batch.make_executor(1) as executor:
        yield executor


@pytest.fixture(scope="module")
def fresh(mini_processed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Reference pages: each good town rendered in its own fresh kernel."""
    out = tmp_path_factory.mktemp("fresh")

    def one(code: str) -> bytes:
        params = {"town": code, "processed_dir": str(mini_processed)}
        return render.render_notebook(FIXTURE, params, out / f"{code}.html").html_out.read_bytes()

    with ThreadPoolExecutor(2) as threads:
        return dict(zip(GOOD, threads.map(one, GOOD), strict=True))


def run(mini_processed: Path, out: Path, codes: list[str], **kw) -> batch.BatchSummary:
    kw.setdefault("progress", False)
    return batch.run_batch(kw.pop("notebook", FIXTURE), towns(*codes), mini_processed, out, **kw)


@pytest.mark.parametrize(
    "order",
    [
        ["E35000001", "E35000002", "W37000003"],
        ["W37000003", "E35000999", "E35000001", "E35000001", "E35000002"],
    ],
    ids=["sorted", "shuffled-after-failure"],
)
def test_warm_kernel_output_equals_fresh_kernel(
    order: list[str], mini_processed: Path, pool, fresh: dict[str, bytes], tmp_path: Path
) -> None:
    for step, code in enumerate(order):
        summary = run(mini_processed, tmp_path / f"step{step}", [code], executor=pool)
        page = tmp_path / f"step{step}" / f"{SLUGS[code]}.html"
        if code in fresh:
            assert summary.outcomes[0].status == "rendered"
            assert page.read_bytes() == fresh[code], f"{code} differs at step {step} of {order}"
        else:
            assert summary.outcomes[0].status == "failed"


def test_cache_skips_unchanged_and_rerenders_what_changed(
    mini_processed: Path, pool, tmp_path: Path
) -> None:
    notebook = tmp_path / "nb" / "report.ipynb"
    notebook.parent.mkdir()
    shutil.copy(FIXTURE, notebook)
    out = tmp_path / "reports" / "towns"
    prints = {c: f"row-{c}-v1" for c in GOOD}

    def statuses(**kw) -> dict[str, str]:
        summary = run(mini_processed, out, GOOD, notebook=notebook, executor=pool, **kw)
        return {o.town_code: o.status for o in summary.outcomes}

    assert set(statuses(fingerprints=prints).values()) == {"rendered"}
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")}
    assert set(statuses(fingerprints=prints).values()) == {"cached"}
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")} == mtimes
    cache = json.loads((out / ".cache.json").read_text())["towns"]
    assert sorted(cache) == GOOD and len({v["key"] for v in cache.values()}) == 3
    assert manifest_rows(tmp_path / "reports" / "manifest.csv")[0] == {
        "town_code": "E35000001",
        "slug": "e35000001-gravesend",
        "status": "cached",
        "seconds": "0.00",
        "error": "",
    }

    prints["E35000002"] = "row-E35000002-v2"
    assert statuses(fingerprints=prints) == {
        "E35000001": "cached",
        "E35000002": "rendered",
        "W37000003": "cached",
    }
    (out / "w37000003-barry.html").unlink()
    assert statuses(fingerprints=prints)["W37000003"] == "rendered"
    # A page emptied or edited after it was rendered is rendered again (issue 16, class 3).
    good = (out / "e35000001-gravesend.html").read_bytes()
    (out / "e35000001-gravesend.html").write_bytes(b"")
    (out / "w37000003-barry.html").write_bytes(
        (out / "w37000003-barry.html").read_bytes().replace(b"Barry", b"Borry", 1)
    )
    assert statuses(fingerprints=prints) == {
        "E35000001": "rendered",
        "E35000002": "cached",
        "W37000003": "rendered",
    }
    assert (out / "e35000001-gravesend.html").read_bytes() == good
    assert b"Borry" not in (out / "w37000003-barry.html").read_bytes()
    assert set(statuses(fingerprints=prints, extra_key="framework-v2").values()) == {"rendered"}
    assert set(statuses(fingerprints=prints, extra_key="framework-v2", force=True).values()) == {
        "rendered"
    }

    nb = json.loads(notebook.read_text())
    nb["cells"].append({"cell_type": "markdown", "id": "new", "metadata": {}, "source": "More."})
    notebook.write_text(json.dumps(nb))
    assert set(statuses(fingerprints=prints, extra_key="framework-v2").values()) == {"rendered"}
    assert "<p>More.</p>" in (out / "e35000001-gravesend.html").read_text()


def test_import_side_effects_reach_every_town(mini_processed: Path, pool, tmp_path: Path) -> None:
    """A module that styles plots when imported styles every town, not just a kernel's first."""
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "report_style.py").write_text(
        "import matplotlib as mpl\n\nmpl.rcParams['axes.titlesize'] = 7.0\n"
    )
    nb = json.loads(FIXTURE.read_text())
    source = "import report_style\nprint(f\"title size {plt.rcParams['axes.titlesize']}\")"
    nb["cells"].insert(
        2,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "style",
            "metadata": {},
            "outputs": [],
            "source": source,
        },
    )
    notebook = folder / "styled.ipynb"
    notebook.write_text(json.dumps(nb))
    summary = run(mini_processed, tmp_path / "towns", GOOD, notebook=notebook, executor=pool)
    assert [o.status for o in summary.outcomes] == ["rendered"] * 3
    for code in GOOD:
        page = (tmp_path / "towns" / f"{SLUGS[code]}.html").read_text()
        assert "title size 7.0\n" in page, code


def test_default_fingerprint_follows_processed_files(
    mini_processed: Path, pool, tmp_path: Path
) -> None:
    data = tmp_path / "processed"
    shutil.copytree(mini_processed, data)
    out = tmp_path / "towns"
    assert run(data, out, ["E35000001"], executor=pool).counts["rendered"] == 1
    assert run(data, out, ["E35000001"], executor=pool).counts["cached"] == 1
    (data / "extra.json").write_text("{}")
    assert run(data, out, ["E35000001"], executor=pool).counts["rendered"] == 1


def test_raising_town_fails_alone(mini_processed: Path, pool, tmp_path: Path) -> None:
    out = tmp_path / "towns"
    summary = run(mini_processed, out, ["W37000003", "E35999999", "E35000001"], executor=pool)
    assert [(o.town_code, o.status) for o in summary.outcomes] == [
        ("E35000001", "rendered"),
        ("E35999999", "failed"),
        ("W37000003", "rendered"),
    ]
    assert not summary.ok and [o.town_code for o in summary.failures] == ["E35999999"]
    rows = manifest_rows(tmp_path / "manifest.csv")
    assert [r["town_code"] for r in rows] == ["E35000001", "E35999999", "W37000003"]
    assert rows[1]["status"] == "failed"
    assert "LookupError: no town 'E35999999'" in rows[1]["error"]
    assert "E35999999 failed: report.ipynb" not in summary.text()
    assert "E35999999 failed: mini_report.ipynb: cell" in summary.text()
    assert not (out / "e35999999-missing.html").exists()
    assert "E35999999" not in json.loads((out / ".cache.json").read_text())["towns"]


def test_oversized_report_fails_its_town_and_carries_its_links(
    mini_processed: Path, pool, tmp_path: Path, fresh: dict[str, bytes]
) -> None:
    out = tmp_path / "towns"
    size = len(fresh["E35000001"])
    links = lambda slug: [("Figures", f"{slug}.csv")]  # noqa: E731
    kw = {"executor": pool, "links": links}
    summary = run(mini_processed, out, ["E35000001"], max_bytes=size - 1, **kw)
    assert [o.status for o in summary.outcomes] == ["failed"]
    assert f"over the {(size - 1) / 1024:.0f} KB limit" in summary.outcomes[0].error
    page = (out / f"{SLUGS['E35000001']}.html").read_text(encoding="utf-8")  # kept to look at
    assert f'href="{SLUGS["E35000001"]}.csv" download>Figures</a>' in page
    assert "E35000001" not in json.loads((out / ".cache.json").read_text())["towns"]
    summary = run(mini_processed, out, ["E35000001"], max_bytes=size + 200, **kw)
    assert [o.status for o in summary.outcomes] == ["rendered"]


@pytest.mark.slow
def test_hanging_town_times_out_and_the_worker_recovers(
    mini_processed: Path, pool, fresh: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "towns"
    started = time.perf_counter()
    summary = run(
        mini_processed,
        out,
        ["E35000004", "E35000001"],
        executor=pool,
        timeout_per_town=2,
        retries=1,
    )
    elapsed = time.perf_counter() - started
    by_code = {o.town_code: o for o in summary.outcomes}
    assert by_code["E35000001"].status == "rendered"
    assert by_code["E35000004"].status == "timeout"
    assert "still running after 2 s; kernel killed" in by_code["E35000004"].error
    assert by_code["E35000004"].seconds >= 4  # two attempts of 2 s each
    assert elapsed < 40
    assert (out / "e35000001-gravesend.html").read_bytes() == fresh["E35000001"]
    again = run(mini_processed, tmp_path / "after", ["E35000002"], executor=pool)
    assert again.outcomes[0].status == "rendered"
    assert (tmp_path / "after" / "e35000002-dartford.html").read_bytes() == fresh["E35000002"]


def test_row_fingerprints_change_only_for_the_changed_row(tmp_path: Path) -> None:
    table = tmp_path / "towns.csv"
    table.write_text("town_code,score\nE1,1.0\nE2,2.0\n")
    before = batch.row_fingerprints(table, shared="files-v1")
    table.write_text("town_code,score\nE1,1.0\nE2,2.5\n")
    after = batch.row_fingerprints(table, shared="files-v1")
    assert before["E1"] == after["E1"] and before["E2"] != after["E2"]
    assert batch.row_fingerprints(table, shared="files-v2")["E1"] != after["E1"]


def test_shard_slice_partitions_sorted_codes() -> None:
    codes = ["E7", "E1", "E5", "E3", "E2", "E6", "E4"]
    shards = [batch.shard_slice(codes, (i, 3)) for i in range(3)]
    assert shards == [["E1", "E4", "E7"], ["E2", "E5"], ["E3", "E6"]]
    assert batch.shard_slice(list(reversed(codes)), (1, 3)) == ["E2", "E5"]
    assert batch.shard_slice(codes, None) == sorted(codes)
    for bad in [(3, 3), (-1, 2), (0, 0)]:
        with pytest.raises(batch.HopefulError):
            batch.shard_slice(codes, bad)


def test_shards_write_their_own_cache_and_manifest(
    mini_processed: Path, pool, tmp_path: Path
) -> None:
    out = tmp_path / "towns"
    first = run(mini_processed, out, GOOD, executor=pool, shard=(0, 2))
    second = run(mini_processed, out, GOOD, executor=pool, shard=(1, 2))
    assert [o.town_code for o in first.outcomes] == ["E35000001", "W37000003"]
    assert [o.town_code for o in second.outcomes] == ["E35000002"]
    assert first.manifest == tmp_path / "manifest.shard-0-of-2.csv"
    assert (out / ".cache.shard-1-of-2.json").is_file()
    whole = run(mini_processed, out, GOOD, executor=pool)
    assert [o.status for o in whole.outcomes] == ["cached"] * 3


@pytest.mark.parametrize(
    ("towns_arg", "kw", "message"),
    [
        ([("E35000001", "../evil")], {}, "unsafe report slug"),
        ([("E35000001", "a"), ("E35000002", "a")], {}, "duplicate town codes or slugs"),
        ([("E35000001", "a"), ("E35000001", "b")], {}, "duplicate town codes or slugs"),
        ([("E35000001", "a")], {"fingerprints": {}}, "no data fingerprint for 1 towns"),
    ],
)
def test_bad_batch_arguments_are_refused(
    towns_arg: list[tuple[str, str]], kw: dict, message: str, mini_processed: Path, tmp_path: Path
) -> None:
    with pytest.raises(batch.HopefulError, match=message):
        batch.run_batch(FIXTURE, towns_arg, mini_processed, tmp_path / "towns", **kw)
    with pytest.raises(batch.HopefulError, match="processed data folder not found"):
        batch.run_batch(FIXTURE, [("E35000001", "a")], tmp_path / "nope", tmp_path / "towns")
    assert not (tmp_path / "towns").exists()


@pytest.mark.slow
def test_dask_local_cluster(mini_processed: Path, fresh: dict[str, bytes], tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,  # two kernels starting at once in one worker timed out under load
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        summary = run(
            mini_processed, tmp_path / "towns", GOOD, dask_address=cluster.scheduler_address
        )
        with distributed.Client(cluster.scheduler_address) as client:
            still_running = client.run(batch.shutdown_warm_kernels)
    assert [o.status for o in summary.outcomes] == ["rendered"] * 3
    assert list(still_running.values()) == [0]  # run_batch stopped the workers' kernels
    for code in GOOD:
        assert (tmp_path / "towns" / f"{SLUGS[code]}.html").read_bytes() == fresh[code]


_INTERRUPTIBLE = """
import sys
from pathlib import Path
from hopeful.reports import batch

if __name__ == "__main__":
    notebook, processed, out = map(Path, sys.argv[1:4])
    towns = [tuple(t.split(":")) for t in sys.argv[4:]]
    try:
        batch.run_batch(notebook, towns, processed, out, jobs=1, progress=False)
    except batch.BatchInterrupted as stopped:
        print(stopped.summary.counts["interrupted"], flush=True)
        sys.exit(130)
"""


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_cleanly_and_the_next_run_resumes(
    signum: int, mini_processed: Path, pool, tmp_path: Path
) -> None:
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(_INTERRUPTIBLE))
    runtime = tmp_path / "runtime"
    out = tmp_path / "towns"
    # E35000005 takes 1.5 s, so the signal lands while it runs; in flight: 2 towns with 1 job
    codes = ["E35000001", "E35000005", "W37000003", "W37000008"]
    args = [
        sys.executable,
        script,
        FIXTURE,
        mini_processed,
        out,
        *(f"{c}:{SLUGS[c]}" for c in codes),
    ]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cache = out / ".cache.json"
    deadline = time.monotonic() + 60
    while not (cache.is_file() and json.loads(cache.read_text())["towns"]):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr.decode()
    assert int(stdout.decode()) >= 1

    rows = {r["town_code"]: r["status"] for r in manifest_rows(tmp_path / "manifest.csv")}
    done = {c for c, s in rows.items() if s == "rendered"}
    assert done and set(rows.values()) <= {"rendered", "interrupted"}
    assert "interrupted" in rows.values()
    assert set(json.loads(cache.read_text())["towns"]) == done
    leftovers = [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if any(str(runtime) in part for part in (p.info["cmdline"] or []))
    ]
    assert leftovers == []

    resumed = run(mini_processed, out, codes, executor=pool)
    assert {o.town_code for o in resumed.outcomes if o.status == "cached"} == done
    assert {o.status for o in resumed.outcomes} <= {"cached", "rendered"}


def test_matplotlib_first_imported_by_a_town_gets_the_next_town_a_fresh_kernel(
    mini_processed: Path, tmp_path: Path
) -> None:
    """Kernels preload matplotlib only for notebooks that import it; one that loads it at run
    time (invisible to the static import scan) leaves state `reset` cannot undo, so the next
    town gets a new kernel, with matplotlib preloaded, and the bytes of a fresh render."""
    nb = json.loads(FIXTURE.read_text())
    imports = "".join(nb["cells"][1]["source"])
    for name, alias in (("matplotlib.pyplot", "plt"), ("seaborn", "sns")):
        imports = imports.replace(
            f"import {name} as {alias}\n",
            f"{alias} = __import__('importlib').import_module({name!r})\n",
        )
    nb["cells"][1]["source"] = imports
    notebook = tmp_path / "late_matplotlib.ipynb"
    notebook.write_text(json.dumps(nb))
    assert "matplotlib.pyplot" not in render.preload_for(notebook)

    def params(code: str) -> dict[str, str]:
        return {"town": code, "processed_dir": str(mini_processed)}

    with render.WarmKernel() as kernel:
        fresh = render.render_html(kernel.execute(notebook, params(GOOD[0])))
    with render.WarmKernel() as kernel:
        pages = [render.render_html(kernel.execute(notebook, params(c))) for c in GOOD]
        assert "matplotlib.pyplot" in kernel.preloaded
    assert pages[0] == fresh
    rc = re.findall(r"rc: \S+ \S+", fresh)
    assert rc and all(re.findall(r"rc: \S+ \S+", page) == rc for page in pages)
    assert all("towns rendered by this kernel: 1" in page for page in pages)
