"""`hopeful reports` for the pilot towns: the cross-pilot guide and one framework per pilot.

Two sets are rendered into reports/pilots/: the real pilots (pilots.toml, evidence from
data/consultations, which git ignores) and the fictional example (docs/examples/pilots, its
made-up towns table), whose pages carry `example-` in their names and a fictional banner on
every page. Each page is re-rendered only when its notebook, the HTML template, the package
version, the themes and actions files, the towns table or the evidence files change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hopeful import __version__, atomic, processed
from hopeful.consultations.config import ACTIONS_PATH, PILOTS_PATH, THEMES_PATH, load_pilots
from hopeful.consultations.schema import (
    default_evidence_dir,
    read_stakeholders,
    stakeholders_path,
)
from hopeful.paths import project_root
from hopeful.reports.report_template import PACKAGE_DIR, package_files, template_files
from hopeful.towns import slugify

__all__ = [
    "EXAMPLE_DIR",
    "PilotSet",
    "check_stakeholder_lists",
    "evidence_files",
    "pilot_sets",
    "render_pilot_documents",
    "with_pilot_inputs",
]

EXAMPLE_DIR = project_root() / "docs" / "examples" / "pilots"
GUIDE_NOTEBOOK = "practitioners_guide.ipynb"
FRAMEWORK_NOTEBOOK = "resilience_framework.ipynb"


@dataclass(frozen=True)
class PilotSet:
    """One set of pilots to render: their towns table, evidence folder and pilots file."""

    prefix: str
    towns_csv: Path
    evidence_dir: Path
    pilots_file: Path


def pilot_sets(processed_dir: Path, evidence_dir: Path | None = None) -> tuple[PilotSet, ...]:
    """The real pilots (processed towns table) and the fictional example, in that order."""
    return (
        PilotSet(
            "", processed_dir / "towns.csv", evidence_dir or default_evidence_dir(), PILOTS_PATH
        ),
        PilotSet("example-", EXAMPLE_DIR / "towns.csv", EXAMPLE_DIR, EXAMPLE_DIR / "pilots.toml"),
    )


def evidence_files(evidence_dir: Path, codes: list[str]) -> list[Path]:
    """Every evidence file of these towns (findings, optional tables, stakeholder list)."""
    folder = Path(evidence_dir)
    if not folder.is_dir():
        return []
    return sorted(p for code in codes for p in folder.glob(f"{code}.*") if p.is_file())


def check_stakeholder_lists(evidence_dir: Path, codes: list[str]) -> None:
    """Read every pilot's stakeholder list before anything renders: one that is there but
    unreadable (a directory, UTF-16, no permission) stops the run with a DataError naming it,
    instead of failing inside a kernel or, worse, rendering without the name guard."""
    for code in codes:
        read_stakeholders(stakeholders_path(evidence_dir, code))


def with_pilot_inputs(
    fingerprints: dict[str, str], evidence_dir: Path | None = None
) -> dict[str, str]:
    """Town-report cache fingerprints, with the pilots' guide inputs added to theirs.

    A pilot's report shows its practitioners' guide section, so its evidence files and the
    themes, actions and pilots files are part of what it was rendered from; other towns'
    fingerprints are left as they are (their reports do not read these files).
    """
    codes = [c for c in load_pilots() if c in fingerprints]
    folder = evidence_dir or default_evidence_dir()
    check_stakeholder_lists(folder, codes)
    out = dict(fingerprints)
    for code in codes:
        files = [THEMES_PATH, ACTIONS_PATH, PILOTS_PATH, *evidence_files(folder, [code])]
        out[code] = fingerprints[code] + ";pilot=" + processed.sha256_files(files)
    return out


def _key(notebook: Path, pilots: PilotSet, codes: list[str], extra: str) -> str:
    files = [
        notebook,
        *template_files(),
        THEMES_PATH,
        ACTIONS_PATH,
        pilots.pilots_file,
        pilots.towns_csv,
        *evidence_files(pilots.evidence_dir, codes),
    ]
    package = processed.sha256_files(package_files(), PACKAGE_DIR)  # the library writes them
    parts = [
        processed.sha256_files(files).encode(),
        package.encode(),
        __version__.encode(),
        extra.encode(),
    ]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _render(
    notebook: Path,
    parameters: dict[str, str],
    target: Path,
    key: str,
    *,
    kernel_name: str,
    timeout: float,
    force: bool,
) -> bool:
    key_file = target.with_name(f".{target.stem}.key")
    fresh = target.is_file() and key_file.is_file() and key_file.read_text().strip() == key
    if fresh and not force:
        return False
    from hopeful.reports import notebook_to_html  # heavy (papermill, nbconvert): when rendering

    notebook_to_html.render_notebook(
        notebook, parameters, target, kernel_name=kernel_name, timeout=timeout
    )
    atomic.write_text(key_file, key + "\n")
    return True


def render_pilot_documents(
    notebooks_dir: Path,
    processed_dir: Path,
    out_dir: Path,
    *,
    kernel_name: str = "hopeful",
    timeout: float = 300,
    force: bool = False,
    evidence_dir: Path | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[str]:
    """Render the guide and frameworks of both pilot sets; one summary line per page."""
    lines = []
    folder = Path(out_dir) / "pilots"
    for pilots in pilot_sets(Path(processed_dir), evidence_dir):
        names = load_pilots(pilots.pilots_file)
        codes = list(names)
        check_stakeholder_lists(pilots.evidence_dir, codes)
        common = {
            "towns_csv": str(pilots.towns_csv.resolve()),
            "evidence_dir": str(Path(pilots.evidence_dir).resolve()),
            "pilots_file": str(pilots.pilots_file.resolve()),
        }
        pages = [(GUIDE_NOTEBOOK, common, f"{pilots.prefix}practitioners-guide.html", "")]
        pages += [
            (
                FRAMEWORK_NOTEBOOK,
                {**common, "town": code},
                f"{pilots.prefix}framework-{slugify(code, name)}.html",
                code,
            )
            for code, name in names.items()
        ]
        for name, parameters, page, town in pages:
            notebook = Path(notebooks_dir) / name
            target = folder / page
            key = _key(notebook, pilots, codes, town)
            done = _render(
                notebook,
                parameters,
                target,
                key,
                kernel_name=kernel_name,
                timeout=timeout,
                force=force,
            )
            lines.append(f"pilots: {'rendered' if done else 'unchanged'} {target}")
            progress(lines[-1])
    return lines
