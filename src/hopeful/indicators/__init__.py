"""Town-level indicators for the Towns Index: build the table, read the catalogue.

`build_indicators(interim_dir, lsoa_town, lsoa_lad, towns)` aggregates every input of the open
data mirror (its validated tables in data/interim) to towns; `catalogue()` is the declarative list of indicators
(src/hopeful/data/indicators.csv). Method and choices: docs/indicators.md.
"""

from hopeful.indicators.catalogue import catalogue, read_catalogue, require_rationale

__all__ = ["build_indicators", "catalogue", "read_catalogue", "require_rationale"]


def __getattr__(name: str):
    """`build_indicators`, imported on first use: report kernels import this package for the
    catalogue and trend measures, and need not load every indicator and prepare module."""
    if name == "build_indicators":
        from hopeful.indicators.build import build_indicators

        return build_indicators
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
