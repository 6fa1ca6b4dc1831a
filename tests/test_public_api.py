"""What an analyst finds with `help()` and tab completion: every public function and class
has a docstring, and the modules analysts import say what they export in `__all__`."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "hopeful"
MODULES = sorted(
    p for p in PACKAGE.rglob("*.py") if not p.name.startswith("_") or p.name == "__init__.py"
)
ANALYST_MODULES = [
    "hopeful.towns",
    "hopeful.clusters",
    "hopeful.peers",
    "hopeful.consultations",
    "hopeful.reports.town_view",
    "hopeful.reports.overview_view",
    "hopeful.reports.figures",
    "hopeful.reports.stale",
    *(f"hopeful.scoring.{p.stem}" for p in sorted((PACKAGE / "scoring").glob("[!_]*.py"))),
    *(f"hopeful.models.{p.stem}" for p in sorted((PACKAGE / "models").glob("[!_]*.py"))),
]


def public_definitions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [n for n in tree.body if isinstance(n, kinds) and not n.name.startswith("_")]


def test_every_public_function_and_class_has_a_docstring() -> None:
    missing = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}"
        for path in MODULES
        for node in public_definitions(path)
        if not ast.get_docstring(node)
    ]
    assert missing == []


@pytest.mark.parametrize("name", ANALYST_MODULES)
def test_analyst_modules_export_every_public_definition(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert [n for n in exported if not hasattr(module, n)] == []
    path = Path(module.__file__)
    defined = {node.name for node in public_definitions(path)}
    if path.name != "__init__.py":
        assert defined <= set(exported), f"{name}: public but not in __all__"
