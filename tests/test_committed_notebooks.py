"""The committed notebooks are a clean, default run (`make notebooks`), not an analyst's
exploratory session saved over them: no run metadata, every code cell run once in order,
the default parameters, no errors. Explore in a scratch copy instead (`make scratch`)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from hopeful.reports import committed_notebooks

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
DEFAULTS = {
    "town_report.ipynb": {
        "town": "Gravesend",
        "processed_dir": "../data/processed",
        "evidence_dir": "../data/consultations",
    },
    "overview.ipynb": {"processed_dir": "../data/processed"},
    "practitioners_guide.ipynb": {
        "towns_csv": "../docs/examples/pilots/towns.csv",
        "evidence_dir": "../docs/examples/pilots",
        "pilots_file": "../docs/examples/pilots/pilots.toml",
    },
    "resilience_framework.ipynb": {
        "towns_csv": "../docs/examples/pilots/towns.csv",
        "evidence_dir": "../docs/examples/pilots",
        "pilots_file": "../docs/examples/pilots/pilots.toml",
        "town": "X99999999",
    },
}
REFRESH = "run `make notebooks`, or keep exploring in a scratch copy (`make scratch`)"


def committed() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.endswith(".scratch.ipynb"))


def test_every_committed_notebook_has_its_defaults_listed() -> None:
    assert [p.name for p in committed()] == sorted(DEFAULTS)


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_committed_notebook_is_a_clean_default_run(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert committed_notebooks.volatile(nb) == [], REFRESH
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), REFRESH
    assert not [c for c in code for o in c.outputs if o.output_type == "error"], REFRESH
    tags = [c.metadata.get("tags", []) for c in code]
    assert not [t for t in tags if "injected-parameters" in t], REFRESH
    (parameters,) = [c for c, t in zip(code, tags, strict=True) if "parameters" in t]
    values = {s.targets[0].id: ast.literal_eval(s.value) for s in ast.parse(parameters.source).body}
    assert values == DEFAULTS[name], REFRESH


def test_strip_volatile_leaves_a_notebook_volatile_finds_nothing_in() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"duration": 1.5}
    nb.cells = [nbformat.v4.new_code_cell("1", metadata={"execution": {}, "tags": []})]
    nb.cells[0].metadata["papermill"] = {"status": "completed"}
    assert len(committed_notebooks.volatile(nb)) == 4
    stripped = committed_notebooks.strip_volatile(nb)
    assert committed_notebooks.volatile(stripped) == []
    assert stripped.cells[0].metadata == {}
