"""Every figure a report draws gives the same PNG bytes twice, whatever numpy's global random
state: reports must be byte-identical from run to run."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from hopeful import figures  # noqa: E402
from hopeful.models import figures as model_figures  # noqa: E402


@pytest.fixture(scope="module")
def towns() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 60
    rank = np.arange(1, n + 1)
    return pd.DataFrame(
        {
            "town_code": [f"E34{i:06d}" for i in range(n)],
            "town_name": [f"Town {i}" for i in range(n)],
            "nation": ["England"] * 45 + ["Wales"] * 15,
            "region": rng.choice(["North East", "London", "Wales"], n),
            "size_class": rng.choice(["small", "medium", "large"], n),
            "uk_imd_score": rng.uniform(5, 50, n),
            "index_score": rng.uniform(30, 70, n),
            "index_rank": rank,
            "index_rank_p05": np.maximum(rank - 5, 1),
            "index_rank_median": rank,
            "index_rank_p95": np.minimum(rank + 5, n),
            "domain_a": rng.uniform(0, 100, n),
            "clusters_full": rng.integers(0, 4, n),
            "leave_share_modelled": rng.uniform(0.3, 0.7, n),
        }
    )


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


DRAWINGS = {
    "deprivation_distribution": lambda t: figures.deprivation_distribution(t, t.iloc[3]),
    "rank_intervals": lambda t: figures.rank_intervals(t, t.iloc[3]),
    "domain_profile": lambda t: figures.domain_profile(t, t.iloc[3], t.head(5), {"a": "A"}),
    "deprivation_by_region": figures.deprivation_by_region,
    "size_class_counts": figures.size_class_counts,
    "index_distribution": figures.index_distribution,
    "clusters_by_region": figures.clusters_by_region,
    "clusters_vs_leave": model_figures.clusters_vs_leave,
}


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_figure_bytes_do_not_depend_on_global_random_state(name: str, towns: pd.DataFrame) -> None:
    np.random.seed(1)
    first = _png(DRAWINGS[name](towns))
    np.random.seed(2)
    assert _png(DRAWINGS[name](towns)) == first
