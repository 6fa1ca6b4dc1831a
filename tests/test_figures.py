"""Figures draw any town, including names that Matplotlib would otherwise read as maths, keep
within their bounds, and give the same bytes on every run."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from hopeful.models import figures as model_figures  # noqa: E402
from hopeful.reports import figures  # noqa: E402


@pytest.fixture()
def towns() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 30
    rank = np.arange(1, n + 1)
    return pd.DataFrame(
        {
            "town_code": [f"E34{i:06d}" for i in range(n)],
            "town_name": [f"Town {i}" for i in range(n - 1)] + ["Grave$\\alert{1}$send _x"],
            "nation": ["England"] * 20 + ["Wales"] * 10,
            "uk_imd_score": rng.uniform(5, 50, n),
            "index_rank": rank,
            "index_rank_p05": np.maximum(rank - 3, 1),
            "index_rank_median": rank,
            "index_rank_p95": np.minimum(rank + 3, n),
            "domain_a": rng.uniform(0, 100, n),
            "domain_b": rng.uniform(0, 100, n),
            # for the overview's figures
            "region": rng.choice(["North East", "London", "Wales"], n),
            "size_class": rng.choice(["small", "medium", "large"], n),
            "index_score": rng.uniform(30, 70, n),
            "clusters_full": rng.integers(0, 4, n),
            "leave_share_modelled": rng.uniform(0.3, 0.7, n),
        }
    )


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def test_text_label_escapes_dollars() -> None:
    assert figures.text_label("a$b$c") == "a\\$b\\$c"


DRAWINGS = {
    "deprivation_by_region": figures.deprivation_by_region,
    "size_class_counts": figures.size_class_counts,
    "index_distribution": figures.index_distribution,
    "clusters_by_region": figures.clusters_by_region,
    "clusters_vs_leave": model_figures.clusters_vs_leave,
}


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_figure_bytes_do_not_depend_on_global_random_state(name: str, towns: pd.DataFrame) -> None:
    """Reports must be byte-identical from run to run, whatever numpy's global state."""
    np.random.seed(1)
    first = _png(DRAWINGS[name](towns))
    np.random.seed(2)
    assert _png(DRAWINGS[name](towns)) == first
