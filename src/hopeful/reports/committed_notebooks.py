"""The committed notebooks: re-run for their default town and saved without run metadata.

`make notebooks` runs `python -m hopeful.reports.committed_notebooks notebooks/*.ipynb`. A
committed notebook keeps its outputs (nbval checks them) but none of what changes from run
to run (papermill's timestamps and durations, per-cell execution times), so a refresh only
shows in `git diff` where an output really changed. tests/test_committed_notebooks.py checks
that what is committed is such a run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import papermill
from nbformat import NotebookNode

from hopeful import atomic

__all__ = ["VOLATILE_CELL_KEYS", "VOLATILE_NOTEBOOK_KEYS", "refresh", "strip_volatile", "volatile"]

VOLATILE_NOTEBOOK_KEYS = ("papermill", "widgets")
VOLATILE_CELL_KEYS = ("papermill", "execution")


def volatile(nb: NotebookNode) -> list[str]:
    """Where `nb` holds run metadata, e.g. "metadata.papermill" or "cell 3 metadata.execution"."""
    found = [f"metadata.{k}" for k in VOLATILE_NOTEBOOK_KEYS if k in nb.metadata]
    for i, cell in enumerate(nb.cells):
        found += [f"cell {i} metadata.{k}" for k in VOLATILE_CELL_KEYS if k in cell.metadata]
        if cell.metadata.get("tags") == []:
            found.append(f"cell {i} metadata.tags (empty)")
    return found


def strip_volatile(nb: NotebookNode) -> NotebookNode:
    """`nb` without run metadata (and without the empty tag lists papermill adds)."""
    for key in VOLATILE_NOTEBOOK_KEYS:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    return nb


def refresh(path: Path, kernel_name: str = "hopeful") -> None:
    """Execute `path` top to bottom with its default parameters and save it stripped."""
    path = Path(path).resolve()
    nb = papermill.execute_notebook(
        str(path), None, kernel_name=kernel_name, cwd=str(path.parent), progress_bar=False
    )
    atomic.write_text(path, nbformat.writes(strip_volatile(nb)) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Refresh every notebook named on the command line."""
    for name in sys.argv[1:] if argv is None else argv:
        refresh(Path(name))
        print(f"refreshed {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
