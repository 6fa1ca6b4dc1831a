"""A framework.toml edited after `hopeful score`: the views and `hopeful reports` say so."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from hopeful.reports import build, overview_view, stale, town_view
from hopeful.scoring.framework import DEFAULT_PATH, framework_hash

OLD = "0" * 64


@pytest.fixture()
def processed(mini_processed: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "processed"
    folder.mkdir()
    (folder / "towns.csv").write_bytes((mini_processed / "towns.csv").read_bytes())
    return folder


def record(folder: Path, sha256: str) -> Path:
    summary = {"framework": {"file": "framework.toml", "sha256": sha256}}
    (folder / "score_summary.json").write_text(json.dumps(summary))
    return folder


def test_fresh_or_unscored_data_say_nothing(processed: Path) -> None:
    assert stale.stale_scores(processed) is None  # prepared, not scored
    record(processed, framework_hash(DEFAULT_PATH))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert stale.stale_scores(processed) is None
        town_view.load_town(processed, "Gravesend")
        overview_view.load_towns(processed)


def test_stale_scores_name_both_hashes_and_the_command(processed: Path) -> None:
    record(processed, OLD)
    message = stale.stale_scores(processed)
    current = framework_hash(DEFAULT_PATH)
    assert message is not None
    assert OLD in message and current in message and "run `hopeful score`" in message
    with pytest.warns(stale.StaleScoresWarning, match=current):
        town_view.load_town(processed, "Gravesend")
    with pytest.warns(stale.StaleScoresWarning, match="run `hopeful score`"):
        overview_view.load_towns(processed)
    said: list[str] = []
    build.build_all(
        processed_dir=processed, out_dir=processed.parent / "reports", notebook=Path("unused"),
        overview=Path("unused"), render_towns=False, shard=(0, 1), progress=said.append,
    )  # fmt: skip
    assert said == [f"warning: {message}"]
