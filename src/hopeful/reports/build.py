"""`hopeful reports`: every town report (fast batch), the national overview and the index page."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from hopeful import __version__, atomic, processed
from hopeful import towns as towns_mod
from hopeful.clusters import load_clusters
from hopeful.errors import HopefulError
from hopeful.reports import (
    batch,
    downloads,
    index_page,
    pilot_documents,
    report_template,
    run_lock,
    stale,
)
from hopeful.scoring.framework import DEFAULT_PATH as FRAMEWORK_PATH
from hopeful.scoring.framework import framework_hash

# The files under data/processed/ each notebook reads (through town_view, overview_view and
# their own cells): the data part of its cache key, so a file reports do not read can appear
# or change without re-rendering anything. tests/test_reports_cache.py checks these lists
# against the file names the views and notebooks mention.
TOWN_REPORT_READS = (
    "towns.csv",
    "cluster_criteria.parquet",
    "provenance.json",
    "map_layers.parquet",
)
OVERVIEW_READS = (
    "towns.csv",
    "map_layers.parquet",
    "provenance.json",
    "score_summary.json",
    "index_audit_domains.csv",
    "index_leave_one_out.csv",
    "cluster_membership.csv",
    "cluster_calibration.csv",
    "cluster_cooccurrence.csv",
    "index_effective_weights.csv",
    "index_deprivation_correlations.csv",
    "index_validity.csv",
    "leave_validation.csv",
    "indicators.csv",
    "index_sobol.csv",
    "models/leave_la.json",
    "models/leave_multilevel.csv",
)


# The most a town report may weigh (issue 14: a report must stay quick to open and mail).
REPORT_MAX_BYTES = 300 * 1024

# The overview's downloads, relative to reports/overview.html.
OVERVIEW_LINKS = (
    ("All towns (CSV)", downloads.TOWNS_NAME),
    ("Data dictionary (CSV)", downloads.DICTIONARY_NAME),
)


class ReportsFailed(HopefulError):
    """Some towns failed; the others were rendered and the manifest says which."""


def config_key() -> str:
    """Shared non-data inputs of every report: the declarative files the notebooks read at
    render time and the package's own files. A change to any re-renders every report."""
    package = processed.sha256_files(report_template.package_files(), report_template.PACKAGE_DIR)
    return ";".join(
        [
            f"framework={framework_hash(FRAMEWORK_PATH)}",
            f"clusters={load_clusters().sha256}",
            f"package={package}",
        ]
    )


def data_fingerprint(processed_dir: Path, names: Sequence[str]) -> str:
    """Hash of the named files under `processed_dir` (names and bytes; an absent one is left out)."""
    root = Path(processed_dir)
    return batch.sha256_files([root / n for n in names if (root / n).is_file()], root)


def select_towns(table: pd.DataFrame, queries: Sequence[str] | None) -> list[tuple[str, str]]:
    """(code, slug) of the towns asked for (all when `queries` is empty), sorted by code."""
    if queries:
        rows = [towns_mod.resolve_town(table, q) for q in queries]
        named = [(r["town_code"], r["town_name"]) for r in rows]
    else:  # the columns, not iterrows: a Series per town was a tenth of a second of start-up
        named = list(zip(table["town_code"], table["town_name"], strict=True))
    pairs = {code: towns_mod.slugify(code, name) for code, name in named}
    return sorted(pairs.items())


def render_overview(
    overview: Path,
    processed_dir: Path,
    out_dir: Path,
    *,
    kernel_name: str,
    timeout: float,
    fingerprint: str,
) -> bool:
    """Render overview.html unless the notebook, template, package, config and data are unchanged."""
    target = out_dir / "overview.html"
    key_file = out_dir / ".overview.key"
    parts = [
        overview.read_bytes(),
        processed.sha256_files(report_template.template_files()).encode(),
        __version__.encode(),
        config_key().encode(),
        fingerprint.encode(),
    ]
    key = hashlib.sha256(b"\0".join(parts)).hexdigest()
    if target.is_file() and key_file.is_file() and key_file.read_text().strip() == key:
        return False
    from hopeful.reports import notebook_to_html  # heavy (papermill, nbconvert): when rendering

    notebook_to_html.render_notebook(
        overview,
        {"processed_dir": str(processed_dir.resolve())},
        target,
        kernel_name=kernel_name,
        timeout=timeout,
        links=OVERVIEW_LINKS,
        home="index.html",
    )
    atomic.write_text(key_file, key + "\n")
    return True


def build_all(*, out_dir: Path, shard: tuple[int, int] | None = None, **options: Any) -> str:
    """Every report (`_build_all`) while holding the reports folder's lock (`run_lock`): a
    second run on the same folder (or shard) is refused at once instead of forgetting the
    towns of the first in the cache and manifest it saves."""
    with run_lock.hold(Path(out_dir), shard):
        return _build_all(out_dir=out_dir, shard=shard, **options)


def _build_all(
    *,
    processed_dir: Path,
    out_dir: Path,
    notebook: Path,
    overview: Path,
    kernel_name: str = "hopeful",
    timeout: float = 300,
    towns: Sequence[str] | None = None,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    dask_address: str | None = None,
    force: bool = False,
    render_towns: bool = True,
    pilot_notebooks: Path | None = None,
    show_progress: bool = True,
    progress: Callable[[str], None] = lambda _msg: None,
) -> str:
    """Town reports, then (unless sharded) the overview, the index page and, given the folder
    of their notebooks, the pilot documents; failures raise at the end."""
    processed_dir, out_dir = Path(processed_dir), Path(out_dir)
    # Once, here in the driver (32 files, 19 MB: about 0.1 s under load 6).
    processed.verify_outputs(processed_dir)
    table = processed.read_towns(processed_dir)
    if message := stale.stale_scores(processed_dir):
        progress(f"warning: {message}")
    lines = []
    summary = None
    if render_towns:
        selected = select_towns(table, towns)
        progress(f"reports: {len(selected)} town(s), {jobs or 'all'} job(s)")
        slugs = dict(selected)
        in_shard = {c: slugs[c] for c in batch.shard_slice(list(slugs), shard)}
        town_data = data_fingerprint(processed_dir, TOWN_REPORT_READS)
        # The town CSVs (about 1.5 ms each) are written while the kernels render, by a thread
        # of this otherwise idle driver, rather than delaying the first town.
        csv_writer = ThreadPoolExecutor(1, thread_name_prefix="hopeful-downloads")
        csv_files = csv_writer.submit(
            downloads.write_town_csvs, processed_dir, out_dir / "towns", in_shard
        )
        csv_writer.shutdown(wait=False)
        summary = batch.run_batch(
            notebook,
            selected,
            processed_dir,
            out_dir / "towns",
            jobs=jobs,
            timeout_per_town=timeout,
            shard=shard,
            force=force,
            progress=show_progress,
            fingerprints=pilot_documents.with_pilot_inputs(
                dict.fromkeys((code for code, _ in selected), town_data)
            ),
            extra_key=config_key(),
            kernel_name=kernel_name,
            dask_address=dask_address,
            links=downloads.town_links,
            max_bytes=REPORT_MAX_BYTES,
        )
        lines.append(summary.text())
        try:
            changed = csv_files.result()
        except HopefulError as exc:
            raise ReportsFailed("\n".join([*lines, f"error: {exc}"])) from exc
        lines.append(f"town downloads: {len(in_shard)} CSV files ({changed} changed)")
    try:
        if shard is None:
            shared = downloads.write_shared(processed_dir, out_dir)
            lines.append(f"downloads: {', '.join(str(p) for p in shared)}")
            fingerprint = data_fingerprint(processed_dir, OVERVIEW_READS)
            if force:
                (out_dir / ".overview.key").unlink(missing_ok=True)
            rendered = render_overview(
                overview,
                processed_dir,
                out_dir,
                kernel_name=kernel_name,
                timeout=timeout,
                fingerprint=fingerprint,
            )
            lines.append(
                f"overview: {'rendered' if rendered else 'unchanged'} {out_dir / 'overview.html'}"
            )
            lines.append(f"index: {index_page.write_index(table, out_dir, processed_dir)}")
        if shard is None and pilot_notebooks is not None:
            lines += pilot_documents.render_pilot_documents(
                Path(pilot_notebooks),
                processed_dir,
                out_dir,
                kernel_name=kernel_name,
                timeout=timeout,
                force=force,
            )
    except HopefulError as exc:
        if summary is None:
            raise
        # A full disk must not hide how many towns failed: the summary goes with the error.
        raise ReportsFailed("\n".join([*lines, f"error: {exc}"])) from exc
    text = "\n".join(lines)
    if summary is not None and not summary.ok:
        raise ReportsFailed(text)
    return text
