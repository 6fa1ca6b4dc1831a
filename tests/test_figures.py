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


def test_hostile_name_draws_in_every_town_figure(towns: pd.DataFrame) -> None:
    town = towns.iloc[-1]
    assert _png(figures.rank_intervals(towns, town)).startswith(b"\x89PNG")
    fig = figures.domain_profile(towns, town, towns.head(5), {"a": "A", "b": "B"})
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Grave\\$\\alert{1}\\$send _x" in labels
    assert _png(fig).startswith(b"\x89PNG")


def test_text_label_escapes_dollars() -> None:
    assert figures.text_label("a$b$c") == "a\\$b\\$c"


def _drawn_outside(fig: plt.Figure) -> list[float]:
    """How far (inches) what the figure draws reaches past each edge; all <= 0 when it fits.

    The box is what a tight bounding box at save time would crop to.
    """
    fig.canvas.draw()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())
    width, height = fig.get_size_inches()
    return [-drawn.x0, -drawn.y0, drawn.x1 - width, drawn.y1 - height]


@pytest.mark.parametrize("position", [0, -1])
def test_fixed_layout_keeps_every_text_inside_the_figure(
    towns: pd.DataFrame, position: int
) -> None:
    """Without a tight bounding box at save time, nothing may rely on being cropped back in."""
    towns = towns.copy()
    towns.loc[towns.index[position], "town_name"] = "Much Longer Name upon Avon-by-the-Sea"
    towns.loc[towns.index[position], "uk_imd_score"] = 49.9 if position == -1 else 5.1
    town = towns.iloc[position]
    names = {"a": "Connectivity and services", "b": "A much longer domain name than any we have"}
    for fig in (
        figures.rank_intervals(towns, town),
        figures.domain_profile(towns, town, towns.head(5), names),
    ):
        assert max(_drawn_outside(fig)) <= 0.01, fig.axes[0].get_xlabel()
        plt.close(fig)


def test_rank_intervals_draws_one_interval_per_ranked_town(towns: pd.DataFrame) -> None:
    towns = towns.copy()
    towns.loc[3, ["index_rank", "index_rank_p05", "index_rank_p95"]] = np.nan
    fig = figures.rank_intervals(towns, towns.iloc[0])
    segments = fig.axes[0].collections[0].get_segments()
    assert len(segments) == len(towns) - 1
    first = segments[0]
    assert first[0].tolist() == [1.0, 1.0] and first[1].tolist() == [1.0, 4.0]
    plt.close(fig)


DRAWINGS = {
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
    """Reports must be byte-identical from run to run, whatever numpy's global state."""
    np.random.seed(1)
    first = _png(DRAWINGS[name](towns))
    np.random.seed(2)
    assert _png(DRAWINGS[name](towns)) == first
