"""`hopeful score` on the real mirror: the towns.csv contract, determinism and consistency."""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hopeful import clusters, paths, prepare, score
from hopeful.errors import DataError
from hopeful.indicators import catalogue
from hopeful.scoring.framework import DEFAULT_PATH as FRAMEWORK_PATH
from hopeful.scoring.framework import load_framework

PREPARED = ["towns.csv", "towns.parquet", "lsoa.parquet", "local_authorities.csv",
            "town_constituencies.csv", "map_layers.parquet", "data_dictionary.csv",
            "provenance.json"]  # fmt: skip

pytestmark = pytest.mark.real_data("raw")


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Its own processed/ + interim/ (the tests below change and restore them), not the
    session's shared `scored`."""
    base = tmp_path_factory.mktemp("scored")
    out = base / "processed"
    prepare.prepare(paths.raw_dir(), base / "interim", out)
    score.score(base / "interim", out)
    return out


@pytest.fixture(scope="module")
def towns(scored: Path) -> pd.DataFrame:
    return pd.read_csv(scored / "towns.csv", dtype={"town_code": str})


def test_contract_columns(towns: pd.DataFrame) -> None:
    fw = load_framework(FRAMEWORK_PATH)
    wanted = ["index_score", "index_rank", "index_rank_p05", "index_rank_p95", "index_decile",
              "clusters_full", "clusters_partial", "peer_codes",
              "leave_share_modelled", "leave_share_modelled_p05", "leave_share_modelled_p95"]  # fmt: skip
    wanted += [f"domain_{d.code}" for d in fw.domains]
    wanted += [f"cluster_{c}" for c in "ABCDEFGHIJKLMN"]
    assert not set(wanted) - set(towns.columns)
    # the six facets of resilience the mission names (issue 12), deprivation as one of them
    assert {d.name for d in fw.domains} == {
        "Deprivation", "Economic change and prospects", "Social fabric and civic life",
        "Demographic and population change", "Access and connection", "Health and well-being",
    }  # fmt: skip


def test_index_values(towns: pd.DataFrame) -> None:
    ranked = towns.dropna(subset=["index_rank"])
    assert len(ranked) >= len(towns) - 1
    assert sorted(ranked["index_rank"].astype(int)) == list(range(1, len(ranked) + 1))
    assert (ranked["index_rank_p05"] <= ranked["index_rank_median"]).all()
    assert (ranked["index_rank_median"] <= ranked["index_rank_p95"]).all()
    assert ranked["index_decile"].between(1, 10).all()
    best = ranked.loc[ranked["index_rank"].idxmin()]
    assert best["index_score"] == ranked["index_score"].max()


def test_rank_ranges_follow_data_noise_and_sobol_covers_every_sampled_input(
    scored: Path, towns: pd.DataFrame
) -> None:
    ranked = towns.dropna(subset=["index_rank"])
    width = ranked["index_rank_p95"] - ranked["index_rank_p05"]
    # towns resting on few LSOAs get wider ranges (data noise is sampled)
    assert width.corr(ranked["n_lsoa"], method="spearman") < -0.2
    few, many = width[ranked["n_lsoa"] <= 3], width[ranked["n_lsoa"] >= 21]
    assert few.median() > 1.3 * many.median()
    sobol = pd.read_csv(scored / "index_sobol.csv")
    u = load_framework(FRAMEWORK_PATH).uncertainty
    sampled = {
        "weights": u.weight_spread > 0,
        "weighting": len(u.weightings) > 1,
        "domain left out": u.leave_out_domain > 0,
        "normalisation": len(u.normalisations) > 1,
        "aggregation": len(u.aggregations) > 1,
        "imputation": len(u.imputations) > 1,
        "data noise": u.data_noise,
    }
    assert list(sobol["input"]) == [name for name, on in sampled.items() if on]
    assert sobol[["first_order", "total"]].stack().between(-0.05, 1.05).all()
    assert (sobol["total"] >= sobol["first_order"] - 0.02).all()
    assert (sobol["first_order_low"] <= sobol["first_order_high"]).all()


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
    """Same direction as the catalogue (a banded indicator: catalogue direction 0, growth is
    neither good nor bad), a rationale for each, and only indicators measured in both nations."""
    fw = load_framework(FRAMEWORK_PATH)
    cat = catalogue().set_index("code")
    for ind in fw.indicators:
        expected = 0 if ind.band is not None else ind.direction
        assert expected == int(cat.loc[ind.code, "direction"]), ind.code
        assert len(cat.loc[ind.code, "rationale"]) > 40, ind.code
        both = cat.loc[ind.code, "nations"] == "both"
        assert both, f"{ind.code}: the index uses only indicators measured in both nations"


def test_index_scores_welsh_towns_on_the_same_indicators(scored: Path, towns: pd.DataFrame) -> None:
    """No England-only indicator in the index: every Welsh town (with LSOAs) gets a score and
    every index indicator has values for Welsh towns."""
    fw = load_framework(FRAMEWORK_PATH)
    wales = towns[towns["nation"] == "Wales"]
    assert wales["index_score"].notna().all()
    for code in fw.indicator_codes:
        assert wales[code].notna().mean() > 0.99, code


def test_no_double_counting_in_the_index(scored: Path) -> None:
    """No index indicator pair with |r| > 0.9 over all towns; a pair above 0.9 within one
    nation must be argued for, by name, in docs/index.md."""
    pairs = pd.read_csv(scored / "index_redundant_pairs.csv")
    assert (pairs["r_all"].abs() <= 0.9).all(), pairs
    docs = (Path(__file__).resolve().parents[1] / "docs" / "index.md").read_text(encoding="utf-8")
    for a, b in pairs[["a", "b"]].itertuples(index=False):
        assert f"`{a}` and `{b}`" in docs, (a, b)


def test_effective_weights_sum_to_one(scored: Path) -> None:
    fw = load_framework(FRAMEWORK_PATH)
    table = pd.read_csv(scored / "index_effective_weights.csv", keep_default_na=False)
    for level in ("domain", "indicator"):
        rows = table[table["level"] == level]
        assert rows["effective_weight"].sum() == pytest.approx(1.0, abs=1e-5)
        assert rows["nominal_weight"].sum() == pytest.approx(1.0, abs=1e-5)
    assert set(table.loc[table["level"] == "indicator", "code"]) == set(fw.indicator_codes)


def test_deprivation_correlations_are_computed(scored: Path, towns: pd.DataFrame) -> None:
    """The published rho per nation is Spearman's rho of index_score with uk_imd_score,
    recomputed here from towns.csv (a figure, not a target)."""
    summary = json.loads((scored / "score_summary.json").read_text(encoding="utf-8"))
    record = summary["beyond_deprivation"]
    for nation, group in towns.groupby("nation"):
        rho = group["index_score"].corr(group["uk_imd_score"], method="spearman")
        assert record["index_spearman_uk_imd_score"][nation.lower()] == pytest.approx(rho, abs=1e-5)
    fw = load_framework(FRAMEWORK_PATH)
    assert set(record["indicators_spearman_uk_imd_score"]) == set(fw.indicator_codes)
    table = pd.read_csv(scored / "index_deprivation_correlations.csv")
    assert set(table["kind"]) == {"index", "domain", "indicator", "candidate"}
    assert table[["rho_england", "rho_wales"]].abs().le(1).all().all()


def test_cluster_indicators_exist(towns: pd.DataFrame) -> None:
    clusters.validate_against(clusters.load_clusters(), towns.columns)


def interim_of(processed: Path) -> Path:
    """The interim folder beside a processed folder of the `scored` fixture."""
    return processed.parent / "interim"


def test_score_is_deterministic_and_idempotent(scored: Path, tmp_path: Path) -> None:
    """Scoring again (on its own output) gives byte-identical files."""
    processed = tmp_path / "processed"
    processed.mkdir()
    for name in PREPARED:
        shutil.copy2(scored / name, processed / name)
    score.score(interim_of(scored), processed, steps_dir=tmp_path / "steps")
    for name in ["towns.csv", "towns.parquet", "cluster_criteria.csv", "peers.csv", "trends.csv",
                 "data_dictionary.csv", "score_summary.json", "models/leave_la.json"]:  # fmt: skip
        assert filecmp.cmp(scored / name, processed / name, shallow=False), name


def _identity(path: Path) -> tuple[int, int]:
    """Inode and mtime: an atomic rewrite changes both, so equal means not rewritten."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def test_rerun_with_nothing_changed_skips_every_step(scored: Path) -> None:
    before = _identity(scored / "towns.csv")
    report = score.score(interim_of(scored), scored)
    assert report.ran == []
    assert report.skipped == [*score.STEPS, "publish"]
    assert _identity(scored / "towns.csv") == before


def test_from_index_reuses_indicators_and_leave_model(scored: Path) -> None:
    steps = score.default_steps_dir(interim_of(scored))
    kept = [steps / "indicators.parquet", steps / "attitudes.parquet",
            scored / "models" / "leave_la.json"]  # fmt: skip
    before = [_identity(p) for p in kept]
    towns_bytes = (scored / "towns.csv").read_bytes()
    report = score.score(interim_of(scored), scored, start="index")
    assert report.ran == ["index", "publish"]
    assert [_identity(p) for p in kept] == before
    assert (scored / "towns.csv").read_bytes() == towns_bytes


def test_framework_change_reruns_only_the_index(scored: Path, tmp_path: Path) -> None:
    text = FRAMEWORK_PATH.read_text(encoding="utf-8")
    changed = tmp_path / "framework.toml"
    changed.write_text(text.replace("weight = 1.0", "weight = 3.0", 1), encoding="utf-8")
    steps = score.default_steps_dir(interim_of(scored))
    kept = [steps / "indicators.parquet", scored / "models" / "leave_la.json"]
    before = [_identity(p) for p in kept]
    old = pd.read_csv(scored / "towns.csv", dtype={"town_code": str})["index_score"]
    try:
        report = score.score(interim_of(scored), scored, framework_path=changed)
        assert report.ran == ["index", "publish"]
        assert [_identity(p) for p in kept] == before
        new = pd.read_csv(scored / "towns.csv", dtype={"town_code": str})["index_score"]
        assert not new.equals(old)
    finally:
        report = score.score(interim_of(scored), scored)
    assert report.ran == ["index", "publish"]
    restored = pd.read_csv(scored / "towns.csv", dtype={"town_code": str})["index_score"]
    assert restored.equals(old)


def test_rewritten_output_is_published_again(scored: Path) -> None:
    """A towns.csv changed behind score's back (by hand, `prepare --force`) is written again."""
    good = (scored / "towns.csv").read_bytes()
    (scored / "towns.csv").write_bytes(good[:-1])
    report = score.score(interim_of(scored), scored)
    assert report.ran == ["publish"]
    assert (scored / "towns.csv").read_bytes() == good


def test_unknown_step_is_an_error(scored: Path) -> None:
    with pytest.raises(DataError, match="unknown step 'weights'"):
        score.score(interim_of(scored), scored, start="weights")


def test_overview_tables_use_plain_labels(scored: Path) -> None:
    """The overview's effective-weight and correlation tables: one row per domain/indicator,
    names not codes."""
    from hopeful.reports import overview_view

    fw = load_framework(FRAMEWORK_PATH)
    domains = overview_view.effective_weights_table(scored)
    assert len(domains) == len(fw.domains)
    assert set(domains["Domain"]) == {d.name for d in fw.domains}
    indicators_table = overview_view.effective_weights_table(scored, "indicator")
    correlations = overview_view.deprivation_correlations_table(scored)
    for table in (domains, indicators_table, correlations):
        assert not any("_" in c for c in table.columns)
        assert not table.iloc[:, 0].str.fullmatch(r"[a-z0-9_]+").any()
    assert "England" in overview_view.deprivation_intro(scored)
