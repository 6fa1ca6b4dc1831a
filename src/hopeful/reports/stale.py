"""Whether data/processed was scored with the framework.toml in use now.

`hopeful score` records the framework file's sha256 in score_summary.json. After an edit to
framework.toml and before the next `hopeful score`, the tables still hold the old index, so
the town view, the overview and `hopeful reports` say so (and print nothing when fresh).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from hopeful.reports.file_cache import cached_read
from hopeful.scoring.framework import DEFAULT_PATH, framework_hash

__all__ = ["StaleScoresWarning", "stale_scores", "warn_if_stale"]


class StaleScoresWarning(UserWarning):
    """The processed tables were scored with another framework.toml than the current one."""


def _recorded_hash(summary: Path) -> str | None:
    return (json.loads(summary.read_text(encoding="utf-8")).get("framework") or {}).get("sha256")


def stale_scores(processed_dir: str | Path) -> str | None:
    """A message naming both hashes when the scores are stale; None when fresh or unscored."""
    summary = Path(processed_dir) / "score_summary.json"
    if not summary.is_file():
        return None
    recorded = cached_read(summary, _recorded_hash)
    framework = DEFAULT_PATH
    current = cached_read(framework, framework_hash)
    if recorded == current:
        return None
    return (
        f"scores are stale: {summary} was scored with framework.toml sha256 {recorded}, "
        f"but {framework} is now sha256 {current}; run `hopeful score`"
    )


def warn_if_stale(processed_dir: str | Path) -> None:
    """Warn (StaleScoresWarning) when `stale_scores` has something to say."""
    message = stale_scores(processed_dir)
    if message:
        warnings.warn(StaleScoresWarning(message), stacklevel=3)
