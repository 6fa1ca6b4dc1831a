"""The `hopeful` command: one verb per pipeline step, each reading files and writing files."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hopeful import __version__, paths
from hopeful.errors import HopefulError

# Seconds to wait for a --dask-scheduler to answer before saying it cannot be reached.
DASK_CONNECT_SECONDS = 5.0
# More kernels than this per core only thrash: each holds pandas, matplotlib and the tables.
MAX_JOBS_PER_CORE = 4


# Escape sequences (CSI, OSC) and other control characters, C1 and bidi overrides included:
# text from data (a town code, a file's cell) must not clear or rewrite the user's terminal.
_TERMINAL_UNSAFE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def terminal_safe(text: str) -> str:
    """`text` with every control or escape sequence shown as `?` (newlines and tabs kept)."""
    return _TERMINAL_UNSAFE.sub("?", text)


def _say(message: str) -> None:
    print(terminal_safe(message), file=sys.stderr, flush=True)


def _sigterm_is_ctrl_c(_signum: int, _frame: object) -> None:
    """`timeout`, SLURM and Kubernetes stop a job with SIGTERM: treat it as Ctrl-C (exit 130)."""
    raise KeyboardInterrupt


def cmd_fetch(args: argparse.Namespace) -> int:
    """`hopeful fetch`: copy (or download) every registered raw file and check its sha256."""
    from hopeful import sources

    mirror = Path(args.mirror) if args.mirror else paths.default_mirror()
    _say(f"fetch: mirror {mirror if mirror else '(none; downloading from public origins)'}")
    report = sources.fetch(
        Path(args.raw_dir), mirror, allow_download=not args.no_download, progress=_say
    )
    counts: dict[str, int] = {}
    for item in report.items:
        counts[item.action] = counts.get(item.action, 0) + 1
    summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
    _say(f"fetch: {len(report.items)} files in {args.raw_dir} ({summary})")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """`hopeful prepare`: raw files to the town, LSOA and authority tables."""
    from hopeful import prepare

    report = prepare.prepare(
        Path(args.raw_dir),
        Path(args.interim_dir),
        Path(args.processed_dir),
        force=args.force,
        progress=_say,
    )
    if report.skipped:
        _say("prepare: inputs unchanged, skipped (use --force)")
        return 0
    for path in report.outputs:
        _say(f"prepare: wrote {path}")
    for line in prepare_coverage_lines(report.coverage):
        print(line)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    """`hopeful score`: indicators, the index with its uncertainty, clusters, peers, Leave model."""
    from hopeful import score

    report = score.score(
        Path(args.interim_dir),
        Path(args.processed_dir),
        framework_path=Path(args.framework) if args.framework else None,
        clusters_path=Path(args.clusters) if args.clusters else None,
        start=args.start,
        force=args.force,
        progress=_say,
    )
    for path in report.outputs:
        _say(f"score: wrote {path}")
    print(json.dumps(report.summary, indent=2, sort_keys=True))
    return 0


def prepare_coverage_lines(coverage: dict) -> list[str]:
    """One `key: value` line per coverage figure, as `hopeful prepare` prints them."""
    return [f"{key}: {value}" for key, value in coverage.items()]


def cmd_report(args: argparse.Namespace) -> int:
    """`hopeful report TOWN`: one town's report, rendered now (no cache)."""
    from hopeful import processed as processed_mod
    from hopeful import towns

    processed = Path(args.processed_dir)
    processed_mod.verify_outputs(processed)
    table = processed_mod.read_towns(processed)
    town = towns.resolve_town(table, args.town)
    slug = towns.slugify(town["town_code"], town["town_name"])
    out = Path(args.out_dir) / "towns" / f"{slug}.html"
    from hopeful.reports import notebook_to_html

    result = notebook_to_html.render_notebook(
        Path(args.notebook),
        {"town": town["town_code"], "processed_dir": str(processed.resolve())},
        out,
        kernel_name=args.kernel,
        timeout=args.timeout,
    )
    _say(f"report: {town['town_name']} ({town['town_code']}) → {out}")
    _say(f"report: timings {result.timings_text()}")
    return 0


def _shard(text: str) -> tuple[int, int]:
    try:
        i, n = (int(part) for part in text.split("/"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--shard takes I/N, e.g. 0/4, not {text!r}") from exc
    if not 0 <= i < n:
        raise argparse.ArgumentTypeError(f"--shard {text}: need 0 <= I < N")
    return i, n


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--timeout takes seconds, not {text!r}") from exc
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"--timeout {text}: need a finite number above 0")
    return value


def _jobs(text: str) -> int:
    limit = MAX_JOBS_PER_CORE * (os.cpu_count() or 1)
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number, not {text!r}") from exc
    if not 1 <= value <= limit:
        raise argparse.ArgumentTypeError(
            f"--jobs {text}: need 1 to {limit} ({MAX_JOBS_PER_CORE} per core; each job is a "
            "Jupyter kernel of a few hundred MB)"
        )
    return value


def _notebook(text: str) -> str:
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"notebook {text} does not exist")
    return text


def check_dask_scheduler(address: str, timeout: float = DASK_CONNECT_SECONDS) -> None:
    """Connect once to the scheduler before any work, so an unreachable address is one line
    within `timeout` seconds rather than a traceback after Dask's own 30 s."""
    from distributed import Client

    try:
        with Client(address, timeout=timeout, set_as_default=False):
            pass
    except Exception as exc:  # Dask raises OSError, TimeoutError or ValueError by address kind
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise HopefulError(
            f"--dask-scheduler {address!r}: cannot reach a Dask scheduler within {timeout:g} s "
            f"({reason[:200]}); start one (`dask scheduler`) or leave the option out"
        ) from exc


def cmd_reports(args: argparse.Namespace) -> int:
    """`hopeful reports`: every town (cached), the overview and the index page."""
    from hopeful.reports import early_pool

    # Workers and kernels start while the driver imports and reads (when towns will render
    # and there are enough of them to keep every worker busy).
    few = args.towns is not None and len(args.towns) < (args.jobs or os.cpu_count() or 1)
    early = not (args.no_towns or args.dask_scheduler or few)
    with early_pool.started(
        Path(args.notebook),
        args.jobs,
        args.kernel,
        enabled=early and early_pool.worth_starting(Path(args.out_dir) / "towns", args.force),
    ):
        summary = _build_reports(args)
    _say(summary)
    return 0


def _build_reports(args: argparse.Namespace) -> str:
    from hopeful.reports import build

    if args.dask_scheduler:
        check_dask_scheduler(args.dask_scheduler)
    return build.build_all(
        processed_dir=Path(args.processed_dir),
        out_dir=Path(args.out_dir),
        notebook=Path(args.notebook),
        overview=Path(args.overview),
        kernel_name=args.kernel,
        timeout=args.timeout,
        towns=args.towns,
        jobs=args.jobs,
        shard=args.shard,
        dask_address=args.dask_scheduler,
        force=args.force,
        render_towns=not args.no_towns,
        pilot_notebooks=paths.project_root() / "notebooks",
        show_progress=not args.no_progress,
        progress=_say,
    )


def cmd_consultation_template(args: argparse.Namespace) -> int:
    """`hopeful consultation-template`: a blank evidence file for one pilot town."""
    from hopeful import processed, towns
    from hopeful.consultations.template import cli_template

    table = processed.read_towns(Path(args.processed_dir))
    town = towns.resolve_town(table, args.town)
    path = cli_template(town, Path(args.evidence_dir), args.format)
    _say(f"consultation: wrote an empty, annotated evidence file for {town['town_name']}: {path}")
    _say("consultation: see docs/consultations.md for the format and the validation rules")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `hopeful` argument parser, one sub-command per verb (defaults from the checkout)."""
    root = paths.project_root()
    parser = argparse.ArgumentParser(
        prog="hopeful",
        description="Hopeful Towns: fetch open data, prepare town tables, score, render reports.",
    )
    parser.add_argument("--version", action="version", version=f"hopeful {__version__}")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    def add_dirs(p: argparse.ArgumentParser, *which: str) -> None:
        if "raw" in which:
            p.add_argument(
                "--raw-dir",
                default=str(root / "data" / "raw"),
                help="raw data folder (default: %(default)s)",
            )
        if "interim" in which:
            p.add_argument(
                "--interim-dir",
                default=str(root / "data" / "interim"),
                help="interim data folder, the validated raw tables (default: %(default)s)",
            )
        if "processed" in which:
            p.add_argument(
                "--processed-dir",
                default=str(root / "data" / "processed"),
                help="processed data folder (default: %(default)s)",
            )
        if "reports" in which:
            p.add_argument(
                "--out-dir",
                default=str(root / "reports"),
                help="reports folder (default: %(default)s)",
            )
            p.add_argument(
                "--kernel",
                default="hopeful",
                help="Jupyter kernel to run notebooks with (default: %(default)s)",
            )
            p.add_argument(
                "--timeout",
                type=_seconds,
                default=600,
                help="wall-clock seconds one report may take (default: %(default)s)",
            )
            p.add_argument(
                "--notebook",
                type=_notebook,
                default=str(root / "notebooks" / "town_report.ipynb"),
                help="town notebook (default: %(default)s)",
            )

    fetch = verbs.add_parser(
        "fetch",
        help="copy or download every registered dataset into data/raw, sha256-verified",
        description="Copy each registered file from a mirror folder (or download it from its "
        "public "
        "origin), verify its sha256 before use, and write a provenance manifest. A no-op when all "
        "files are present and valid.",
    )
    add_dirs(fetch, "raw")
    fetch.add_argument(
        "--mirror",
        help="mirror folder laid out <source>/<file> (default: "
        "$HOPEFUL_MIRROR, else ../shared/data/sources when it exists)",
    )
    fetch.add_argument(
        "--no-download", action="store_true", help="never download; fail for files the mirror lacks"
    )
    fetch.set_defaults(func=cmd_fetch)

    prepare = verbs.add_parser(
        "prepare",
        help="validate raw data and build towns.csv and the other processed tables",
        description="Read and validate every raw file once into data/interim (one parquet per "
        "dataset id), build the town universe and LSOA lookups, aggregate LSOAs to towns and "
        "local authorities, and write data/processed.",
    )
    add_dirs(prepare, "raw", "interim", "processed")
    prepare.add_argument(
        "--force", action="store_true", help="rebuild even when the inputs are unchanged"
    )
    prepare.set_defaults(func=cmd_prepare)

    score = verbs.add_parser(
        "score",
        help="build indicators and score the Towns Index, clusters, peers and rank intervals",
        description="Build the town indicators, run the framework file (screening, imputation, "
        "outliers, normalisation, weighting, aggregation, Monte Carlo uncertainty), assign the "
        "14 clusters and each town's peers, model the Leave vote, and write the results into "
        "towns.csv. Steps: indicators -> index -> attitudes; each skips itself when its inputs "
        "(files, config, code) are unchanged; their own tables live in data/interim/score/.",
    )
    add_dirs(score, "interim", "processed")
    score.add_argument("--framework", help="framework TOML (default: the package's framework.toml)")
    score.add_argument("--clusters", help="clusters TOML (default: the package's clusters.toml)")
    score.add_argument(
        "--from",
        dest="start",
        choices=["indicators", "index", "attitudes"],
        help="rerun this step and the later steps that read its output (index: not attitudes), "
        "reusing the other steps' saved outputs",
    )
    score.add_argument(
        "--force", action="store_true", help="rerun every step even when its inputs are unchanged"
    )
    score.set_defaults(func=cmd_score)

    report = verbs.add_parser(
        "report",
        help="render one town's HTML report",
        description="Run the town notebook through papermill for one town and write "
        "reports/towns/<slug>.html with nbconvert. TOWN is an ONS code or an unambiguous name.",
    )
    report.add_argument(
        "town", metavar="TOWN", help="town code (e.g. E35001042) or name (e.g. Gravesend)"
    )
    add_dirs(report, "processed", "reports")
    report.set_defaults(func=cmd_report)

    reports = verbs.add_parser(
        "reports",
        help="render the town reports, the overview and the index page",
        description="Render town reports (by default every town), the national overview and "
        "reports/index.html.",
    )
    add_dirs(reports, "processed", "reports")
    reports.add_argument(
        "--overview",
        type=_notebook,
        default=str(root / "notebooks" / "overview.ipynb"),
        help="overview notebook (default: %(default)s)",
    )
    reports.add_argument(
        "--towns",
        nargs="+",
        metavar="TOWN",
        help="only these towns (codes or names); default: all towns",
    )
    reports.add_argument(
        "--jobs", type=_jobs, default=None, help="worker processes (default: the machine's cores)"
    )
    reports.add_argument(
        "--shard",
        type=_shard,
        metavar="I/N",
        help="render only slice I of N (0-based) of the sorted towns, e.g. for SLURM arrays; "
        "skips the overview and index (run with --no-towns afterwards)",
    )
    reports.add_argument(
        "--dask-scheduler", metavar="ADDRESS", help="run the per-town tasks on a Dask cluster"
    )
    reports.add_argument("--force", action="store_true", help="re-render unchanged reports too")
    reports.add_argument(
        "--no-towns", action="store_true", help="only the overview and the index page"
    )
    reports.add_argument("--no-progress", action="store_true", help="no progress bar")
    reports.set_defaults(func=cmd_reports)

    consultation = verbs.add_parser(
        "consultation",
        help="pilot-town consultation evidence (see docs/consultations.md)",
        description="Work with coded consultation findings for pilot towns.",
    )
    actions = consultation.add_subparsers(dest="action", required=True, metavar="ACTION")
    template = actions.add_parser(
        "template",
        help="write an empty, annotated evidence file for a town",
        description="Write <evidence-dir>/<town_code>.csv (comment lines explaining every column "
        "and its allowed values, then the header) or, with --format xlsx, a workbook with a "
        "read_me sheet and one sheet per table. Never overwrites an existing file.",
    )
    template.add_argument("town", metavar="TOWN", help="town code or unambiguous name")
    add_dirs(template, "processed")
    template.add_argument(
        "--evidence-dir",
        default=str(root / "data" / "consultations"),
        help="folder of evidence files (default: %(default)s)",
    )
    template.add_argument(
        "--format",
        choices=("csv", "xlsx"),
        default="csv",
        help="a commented CSV or a workbook with one sheet per table (default: %(default)s)",
    )
    template.set_defaults(func=cmd_consultation_template)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one verb; a HopefulError becomes a one-line message and exit code 2, not a traceback."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, _sigterm_is_ctrl_c)
    try:
        code = args.func(args)
    except HopefulError as exc:
        _say(f"hopeful {args.verb}: error: {exc}")
        return 2
    except KeyboardInterrupt:
        _say(f"hopeful {args.verb}: interrupted")
        return 130
    _say(f"hopeful {args.verb}: done in {time.perf_counter() - started:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
