"""Town-level indicators for the Towns Index: build the table, read the catalogue.

`build_indicators(interim_dir, lsoa_town, lsoa_lad, towns)` aggregates every input of the open
data mirror (its validated tables in data/interim) to towns; `catalogue()` is the declarative list of indicators
(src/hopeful/data/indicators.csv). Method and choices: docs/indicators.md.
"""

from hopeful.indicators.build import build_indicators
from hopeful.indicators.catalogue import catalogue, read_catalogue, require_rationale

__all__ = ["build_indicators", "catalogue", "read_catalogue", "require_rationale"]
