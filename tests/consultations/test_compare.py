"""The pilots side by side, and the thin notebook that shows them."""

from __future__ import annotations

import json

import nbformat
import pytest

from hopeful.consultations import compare
from hopeful.errors import TownNotFoundError

from .conftest import FIXTURES, ROOT

NOTEBOOKS = ("practitioners_guide.ipynb", "resilience_framework.ipynb")
PILOTS = {"W38000144": "Port Talbot", "E35001042": "Gravesend"}


def test_side_by_side(towns, evidence_dir, themes, actions):
    guides = compare.pilot_guides(towns, evidence_dir, PILOTS, config=themes, actions=actions)
    assert guides["Gravesend"] is None
    tables = compare.side_by_side(guides, themes)
    assert tables["status"]["Port Talbot"].tolist() == [
        compare.STATUS_SHORT[s] for s in ("agree", "voice_only", "data_only", "voice_only", "neither")
    ]  # fmt: skip
    assert set(tables["status"]["Gravesend"]) == {"no evidence"}
    assert tables["priorities"].loc[1, "Port Talbot"] == "Housing (0.694)"
    assert tables["priorities"].loc[1, "Gravesend"] == compare.NONE  # never NaN in a report
    assert not tables["priorities"].isna().any().any()
    kinds = tables["kinds"]["Port Talbot"]
    assert kinds.to_dict() == {
        "friction": 4, "opportunity": 1, "hope": 1, "asset": 2, "left out (no consent)": 2
    }  # fmt: skip


def test_a_pilot_missing_from_the_towns_table_fails(towns, evidence_dir, themes, actions):
    with pytest.raises(TownNotFoundError, match="Port Talbot"):
        compare.pilot_guides(towns.iloc[1:], evidence_dir, PILOTS, config=themes, actions=actions)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_thin_parameterised_and_default_to_the_fictional_example(name):
    path = ROOT / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for key in ("towns_csv =", "evidence_dir =", "pilots_file ="):
        assert key in params[0].source
    assert "docs/examples/pilots" in params[0].source
    # Committed with outputs for nbval: no error, no missing value printed, and since the
    # defaults read the fictional example, the outputs say so.
    outputs = json.dumps([o for c in nb.cells if c.cell_type == "code" for o in c.outputs])
    assert '"output_type": "error"' not in outputs
    assert "NaN" not in outputs and "Fictional example" in outputs


def test_guide_notebook_runs_for_pilots_without_evidence(tmp_path):
    papermill = pytest.importorskip("papermill")
    from jupyter_client.kernelspec import KernelSpecManager

    if "hopeful" not in KernelSpecManager().find_kernel_specs():
        pytest.skip("the 'hopeful' Jupyter kernel is not installed (make setup installs it)")
    pilots = tmp_path / "pilots.toml"
    pilots.write_text(
        '[[pilot]]\nname = "Port Talbot"\ncode = "W38000144"\nnation = "Wales"\n'
        '[[pilot]]\nname = "Northfleet"\ncode = "E35000225"\nnation = "England"\n'
    )
    out = tmp_path / "out.ipynb"
    notebook = ROOT / "notebooks" / "practitioners_guide.ipynb"
    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters={
            "towns_csv": str(FIXTURES / "towns_small.csv"),
            "evidence_dir": str(tmp_path / "none"),
            "pilots_file": str(pilots),
        },
        cwd=str(notebook.parent),
        progress_bar=False,
    )
    text = out.read_text()
    assert "No evidence yet for: Port Talbot, Northfleet" in text
    assert "hopeful consultation template E35000225" in text and "NaN" not in text
