"""docs/layout.md lists every module of the package, so the map cannot drift from the tree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "hopeful"


def test_layout_doc_lists_every_module_and_nothing_else() -> None:
    listed = set(
        re.findall(r"^\| `([\w/]+\.py)` \|", (ROOT / "docs" / "layout.md").read_text(), re.M)
    )
    modules = {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert listed == modules
