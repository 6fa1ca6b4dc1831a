"""The names a report batch's driver needs from the HTML side: the kernel, the template and
its files (for cache keys).

Apart from `notebook_to_html` so that `hopeful reports` can key, shard and submit towns
without importing papermill, nbconvert and IPython (about a second before the first town
started); the worker processes that render import those.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "KERNEL_NAME",
    "PACKAGE_DIR",
    "TEMPLATE_DIR",
    "TEMPLATE_NAME",
    "package_files",
    "template_files",
]

KERNEL_NAME = "hopeful"
TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "hopeful"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def template_files() -> list[Path]:
    """The files that shape the HTML, for cache keys."""
    return sorted(p for p in (TEMPLATE_DIR / TEMPLATE_NAME).rglob("*") if p.is_file())


def package_files() -> list[Path]:
    """Every file of the hopeful package (code, data, templates), for cache keys: the library
    writes most of a report (sentences, tables, charts), so editing it must re-render the
    reports in a checkout, where the version number does not change."""
    return sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
