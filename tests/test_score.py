"""`hopeful score` on the real mirror: the towns.csv contract, determinism and consistency."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hopeful import clusters, paths, score
from hopeful.indicators import catalogue
from hopeful.scoring.framework import load_framework

PREPARED = ["towns.csv", "towns.parquet", "lsoa.parquet", "local_authorities.csv",
            "data_dictionary.csv", "provenance.json"]  # fmt: skip

pytestmark = pytest.mark.real_data("raw")


@pytest.fixture(scope="module")
def towns(scored: Path) -> pd.DataFrame:
    return pd.read_csv(scored / "towns.csv", dtype={"town_code": str})


def test_contract_columns(towns: pd.DataFrame) -> None:
    fw = load_framework(score.default_framework())
    wanted = ["index_score", "index_rank", "index_rank_p05", "index_rank_p95", "index_decile",
              "clusters_full", "clusters_partial", "peer_codes",
              "leave_share_modelled", "leave_share_modelled_p05", "leave_share_modelled_p95"]  # fmt: skip
    wanted += [f"domain_{d.code}" for d in fw.domains]
    wanted += [f"cluster_{c}" for c in "ABCDEFGHIJKLMN"]
    assert not set(wanted) - set(towns.columns)
    assert len(fw.domains) >= 7


def test_index_values(towns: pd.DataFrame) -> None:
    ranked = towns.dropna(subset=["index_rank"])
    assert len(ranked) >= len(towns) - 1
    assert sorted(ranked["index_rank"].astype(int)) == list(range(1, len(ranked) + 1))
    assert (ranked["index_rank_p05"] <= ranked["index_rank_median"]).all()
    assert (ranked["index_rank_median"] <= ranked["index_rank_p95"]).all()
    assert ranked["index_decile"].between(1, 10).all()
    best = ranked.loc[ranked["index_rank"].idxmin()]
    assert best["index_score"] == ranked["index_score"].max()


def test_cluster_states_and_counts(towns: pd.DataFrame) -> None:
    states = {"full", "partial", "none", "not_assessed"}
    cols = [f"cluster_{c}" for c in "ABCDEFGHIJKLMN"]
    assert set(pd.unique(towns[cols].to_numpy().ravel())) <= states
    assert (towns[cols].eq("full").sum(axis=1) == towns["clusters_full"]).all()
    assert (towns[cols].eq("partial").sum(axis=1) == towns["clusters_partial"]).all()


def test_peers_are_other_towns(towns: pd.DataFrame) -> None:
    codes = set(towns["town_code"])
    for row in towns.dropna(subset=["peer_codes"]).itertuples():
        peers = row.peer_codes.split(";")
        assert row.town_code not in peers and set(peers) <= codes and len(peers) == 10


def test_modelled_leave_interval(towns: pd.DataFrame) -> None:
    est = towns.dropna(subset=["leave_share_modelled"])
    assert len(est) >= len(towns) - 1
    assert (est["leave_share_modelled_p05"] <= est["leave_share_modelled"] + 1e-9).all()
    assert (est["leave_share_modelled"] <= est["leave_share_modelled_p95"] + 1e-9).all()
    assert est["leave_share_modelled"].between(0, 1).all()


def test_every_column_is_in_the_dictionary(scored: Path, towns: pd.DataFrame) -> None:
    dictionary = pd.read_csv(scored / "data_dictionary.csv")
    assert set(towns.columns) == set(dictionary.loc[dictionary["table"] == "towns", "column"])


def test_framework_directions_match_the_catalogue() -> None:
    fw = load_framework(score.default_framework())
    cat = catalogue().set_index("code")
    for ind in fw.indicators:
        assert ind.direction == int(cat.loc[ind.code, "direction"]), ind.code
        both = cat.loc[ind.code, "nations"] == "both"
        assert both, f"{ind.code}: the index uses only indicators measured in both nations"


def test_cluster_indicators_exist(towns: pd.DataFrame) -> None:
    clusters.validate_against(clusters.load_clusters(), towns.columns)


def test_score_is_deterministic_and_idempotent(scored: Path, tmp_path: Path) -> None:
    """Scoring again (on its own output) gives byte-identical files."""
    for name in PREPARED:
        shutil.copy2(scored / name, tmp_path / name)
    score.score(paths.raw_dir(), tmp_path)
    for name in ["towns.csv", "towns.parquet", "cluster_criteria.csv", "peers.csv",
                 "data_dictionary.csv", "score_summary.json", "models/leave_la.json"]:  # fmt: skip
        assert filecmp.cmp(scored / name, tmp_path / name, shallow=False), name
