"""The names a report batch's driver needs from the HTML side: the kernel, the template and
its files (for cache keys).

Apart from `notebook_to_html` so that `hopeful reports` can key, shard and submit towns
without importing papermill, nbconvert and IPython (about a second before the first town
started); the worker processes that render import those.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["KERNEL_NAME", "TEMPLATE_DIR", "TEMPLATE_NAME", "template_files"]

KERNEL_NAME = "hopeful"
TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "hopeful"


def template_files() -> list[Path]:
    """The files that shape the HTML, for cache keys."""
    return sorted(p for p in (TEMPLATE_DIR / TEMPLATE_NAME).rglob("*") if p.is_file())
