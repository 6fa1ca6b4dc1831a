"""Where the project's folders are, so commands and notebooks agree from any working directory."""

from __future__ import annotations

import os
from pathlib import Path

from hopeful.errors import HopefulError


def project_root() -> Path:
    """The checkout: $HOPEFUL_ROOT, else the nearest parent folder holding src/hopeful."""
    env = os.environ.get("HOPEFUL_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file() and (candidate / "src" / "hopeful").is_dir():
            return candidate
    package_checkout = Path(__file__).resolve().parents[2]
    if (package_checkout / "pyproject.toml").is_file():
        return package_checkout
    return here


def raw_dir() -> Path:
    """data/raw in the checkout: fetched raw files."""
    return project_root() / "data" / "raw"


def interim_dir() -> Path:
    """Tidy, validated copies of the raw files, one parquet per dataset id (`hopeful prepare`)."""
    return project_root() / "data" / "interim"


def processed_dir() -> Path:
    """data/processed in the checkout: prepared and scored tables."""
    return project_root() / "data" / "processed"


def reports_dir() -> Path:
    """reports/ in the checkout: rendered HTML."""
    return project_root() / "reports"


def default_mirror() -> Path | None:
    """$HOPEFUL_MIRROR, else ../shared/data/sources beside the checkout when it exists."""
    env = os.environ.get("HOPEFUL_MIRROR")
    if env:
        mirror = Path(env).resolve()
        if not mirror.is_dir():
            raise HopefulError(
                f"HOPEFUL_MIRROR={env} is not a folder; point it at the mirror's sources folder "
                "or unset it"
            )
        return mirror
    candidate = project_root().parent / "shared" / "data" / "sources"
    return candidate if candidate.is_dir() else None
