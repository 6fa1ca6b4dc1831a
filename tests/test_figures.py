"""Figures draw any town, including names that Matplotlib would otherwise read as maths."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from hopeful import figures  # noqa: E402


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
        }
    )


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def test_hostile_name_draws_in_every_town_figure(towns: pd.DataFrame) -> None:
    town = towns.iloc[-1]
    assert _png(figures.deprivation_distribution(towns, town)).startswith(b"\x89PNG")
    assert _png(figures.rank_intervals(towns, town)).startswith(b"\x89PNG")
    fig = figures.domain_profile(towns, town, towns.head(5), {"a": "A", "b": "B"})
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Grave\\$\\alert{1}\\$send _x" in labels
    assert _png(fig).startswith(b"\x89PNG")


def test_text_label_escapes_dollars() -> None:
    assert figures.text_label("a$b$c") == "a\\$b\\$c"
