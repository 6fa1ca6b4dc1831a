"""The validity check of the index on synthetic towns whose answer is known, its refusal of
circular outcomes, and the table written from the real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hopeful.errors import DataError
from hopeful.scoring import validity
from hopeful.scoring.framework import DEFAULT_PATH, load_framework

ROOT = Path(__file__).resolve().parents[2]
PROCESSED = ROOT / "data" / "processed"

FRAMEWORK = """
[framework]
name = "toy"

[[domain]]
code = "d1"
name = "One"

[[indicator]]
code = "a"
name = "A"
domain = "d1"
direction = 1

[[indicator]]
code = "b"
name = "B"
domain = "d1"
direction = -1
"""

SPEC = """
[validity]
control = "uk_imd_score"
cluster = "lad_code"
draws = 200
seed = 7
level = 0.95
min_towns = 30
{outcomes}
"""

OUTCOMES = """
[[outcome]]
code = "deprivation_only"
name = "Driven by deprivation only"
expected = 1

[[outcome]]
code = "resilience"
name = "Driven by deprivation and the index's own signal"
expected = 1
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def toy_towns(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """Towns in 240 authorities of 5 and two nations. Deprivation d; the index is -d plus its
    own signal s plus noise, its one domain s plus noise; one outcome follows -d only, the
    other -d and s."""
    rng = np.random.default_rng(seed)
    d, s = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame(
        {
            "town_code": [f"T{i:04d}" for i in range(n)],
            "nation": np.where(np.arange(n) < 800, "England", "Wales"),
            "lad_code": [f"L{i // 5:03d}" for i in range(n)],
            "uk_imd_score": d,
            "index_score": -d + 0.6 * s + 0.3 * rng.normal(size=n),
            "domain_d1": 0.6 * s + 0.3 * rng.normal(size=n),  # the index's own signal
            "deprivation_only": -d + rng.normal(size=n),
            "resilience": -0.5 * d + s + rng.normal(size=n),
        }
    )


@pytest.fixture
def fw(tmp_path: Path):
    return load_framework(write(tmp_path, "fw.toml", FRAMEWORK))


@pytest.fixture
def table(tmp_path: Path, fw) -> pd.DataFrame:
    spec = validity.load_spec(write(tmp_path, "v.toml", SPEC.format(outcomes=OUTCOMES)))
    return validity.validity_table(toy_towns(), fw, spec)


def row(table: pd.DataFrame, outcome: str, nation: str, predictor: str) -> pd.Series:
    pick = (
        (table["outcome"] == outcome)
        & (table["nation"] == nation)
        & (table["predictor"] == predictor)
    )
    assert pick.sum() == 1
    return table[pick].iloc[0]


def test_an_index_that_is_deprivation_again_adds_nothing(table: pd.DataFrame) -> None:
    """The outcome follows deprivation only: the index correlates with it through deprivation,
    and holding deprivation fixed leaves nothing (the interval covers 0)."""
    for nation in ("England", "Wales", validity.ALL_TOWNS):
        r = row(table, "deprivation_only", nation, validity.INDEX)
        assert r["rho"] > 0.4
        assert abs(r["partial"]) < 0.1 and r["partial_low"] < 0 < r["partial_high"], nation
        domain = row(table, "deprivation_only", nation, "domain_d1")
        assert domain["partial_low"] < 0 < domain["partial_high"], nation
        dep = row(table, "deprivation_only", nation, "uk_imd_score")
        assert dep["control"] == validity.INDEX
        assert dep["rho"] < -0.5 and dep["partial_high"] < -0.3  # deprivation carries it


def test_an_index_with_its_own_signal_keeps_a_partial_correlation(table: pd.DataFrame) -> None:
    for nation in ("England", "Wales", validity.ALL_TOWNS):
        r = row(table, "resilience", nation, validity.INDEX)
        assert r["partial_low"] > 0.3, nation
        assert row(table, "resilience", nation, "domain_d1")["partial_low"] > 0.3, nation
        assert r["rho_low"] <= r["rho"] <= r["rho_high"]
        assert r["partial_low"] <= r["partial"] <= r["partial_high"]
    every = row(table, "resilience", validity.ALL_TOWNS, validity.INDEX)
    assert (every["towns"], every["clusters"], every["expected_sign"]) == (1200, 240, 1)
    assert row(table, "resilience", "Wales", "uk_imd_score")["expected_sign"] == -1


def test_the_same_inputs_give_the_same_table(tmp_path: Path, fw, table: pd.DataFrame) -> None:
    spec = validity.load_spec(write(tmp_path, "v.toml", SPEC.format(outcomes=OUTCOMES)))
    pd.testing.assert_frame_equal(validity.validity_table(toy_towns(), fw, spec), table)


def test_rank_partial_is_the_correlation_of_rank_residuals() -> None:
    """Columns: outcome, control, then two predictors."""
    rng = np.random.default_rng(3)
    data = rng.normal(size=(200, 4))
    data[:, 0] += data[:, 2] - data[:, 1] + 0.5 * data[:, 3]
    ranks = pd.DataFrame(data).rank().to_numpy()

    def residual(column: np.ndarray, on: int) -> np.ndarray:
        design = np.column_stack([np.ones(200), ranks[:, on]])
        return column - design @ np.linalg.lstsq(design, column, rcond=None)[0]

    def pearson(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.corrcoef(a, b)[0, 1])

    got = validity.rank_correlations(data)
    assert got.shape == (3, 2)
    frame = pd.DataFrame(data)
    for row, column in ((0, 2), (1, 3), (2, 1)):  # the predictors, then the control
        assert got[row, 0] == pytest.approx(frame[column].corr(frame[0], method="spearman"))
    for row, column in ((0, 2), (1, 3)):
        assert got[row, 1] == pytest.approx(
            pearson(residual(ranks[:, column], 1), residual(ranks[:, 0], 1))
        )
    # the control given the first predictor (the index)
    assert got[2, 1] == pytest.approx(pearson(residual(ranks[:, 1], 2), residual(ranks[:, 0], 2)))


def test_an_outcome_on_a_baseline_is_the_residual_and_require_full_filters(tmp_path) -> None:
    spec = validity.load_spec(
        write(
            tmp_path,
            "v.toml",
            SPEC.format(
                outcomes="""
[[outcome]]
code = "later_beyond_base"
name = "Later beyond base"
column = "later"
baseline = "base"
expected = -1
require_full = "stood"
"""
            ),
        )
    )
    towns = pd.DataFrame(
        {
            "base": [1.0, 2.0, 3.0, 4.0, np.nan],
            # 2 * base + 1, then +0.5, -0.5, -0.5, +0.5 (orthogonal to the baseline)
            "later": [3.5, 4.5, 6.5, 9.5, 1.0],
            "stood": [1.0, 1.0, 0.5, 1.0, 1.0],
        }
    )
    got = validity.outcome_values(towns, spec.outcomes[0])
    assert got.name == "later_beyond_base"
    assert got.tolist()[:2] == pytest.approx([0.5, -0.5])
    assert got.iloc[3] == pytest.approx(0.5)
    assert np.isnan(got.iloc[2])  # the party stood in only half of the town
    assert np.isnan(got.iloc[4])  # no baseline
    with pytest.raises(DataError, match="stood"):
        validity.outcome_values(towns.drop(columns="stood"), spec.outcomes[0])


def test_a_nation_with_too_few_towns_has_no_row_and_one_nation_no_total(tmp_path, fw) -> None:
    towns = toy_towns()
    towns.loc[towns["nation"] == "Wales", "resilience"] = np.nan
    towns.loc[towns.index[800:820], "resilience"] = 1.0  # 20 Welsh towns: below min_towns
    spec = validity.load_spec(write(tmp_path, "v.toml", SPEC.format(outcomes=OUTCOMES)))
    got = validity.validity_table(towns, fw, spec)
    groups = got.groupby("outcome")["nation"].unique()
    assert list(groups["resilience"]) == ["England"]
    assert list(groups["deprivation_only"]) == ["England", "Wales", validity.ALL_TOWNS]


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ('code = "a"\nname = "An input"\nexpected = 1', "'a'"),
        ('code = "x"\nname = "X"\ncolumn = "later"\nbaseline = "b"\nexpected = 1', "'b'"),
        ('code = "uk_imd_score"\nname = "Deprivation"\nexpected = 1', "control"),
    ],
)
def test_an_outcome_built_from_an_input_or_the_control_is_refused(
    tmp_path: Path, fw, entry: str, named: str
) -> None:
    path = write(tmp_path, "v.toml", SPEC.format(outcomes=f"[[outcome]]\n{entry}\n"))
    spec = validity.load_spec(path)
    with pytest.raises(DataError, match=named) as error:
        validity.validity_table(toy_towns().assign(a=1.0, b=1.0, later=1.0), fw, spec)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("draws = 200", "draws = 10"), "draws"),
        (("level = 0.95", "level = 95"), "level"),
        (("seed = 7", "sead = 7"), "sead"),
        (("expected = 1\n", "expected = 2\n"), "expected"),
    ],
)
def test_a_bad_validity_file_names_the_entry(tmp_path: Path, change, message: str) -> None:
    text = SPEC.format(outcomes=OUTCOMES).replace(*change, 1)
    with pytest.raises(DataError, match=message):
        validity.load_spec(write(tmp_path, "v.toml", text))


def test_the_package_outcomes_are_not_inputs_of_the_package_framework() -> None:
    """Fails when an outcome is moved into the index: take it out of data/validity.toml."""
    validity.check_not_inputs(validity.load_spec(), load_framework(DEFAULT_PATH))


@pytest.mark.real_data("scored")
def test_real_table_has_every_outcome_and_nation_with_finite_values() -> None:
    spec = validity.load_spec()
    fw = load_framework(DEFAULT_PATH)
    towns = pd.read_parquet(PROCESSED / "towns.parquet")
    table = pd.read_csv(PROCESSED / "index_validity.csv")
    numbers = ["rho", "rho_low", "rho_high", "partial", "partial_low", "partial_high"]
    assert np.isfinite(table[numbers].to_numpy()).all()
    assert ((table["rho_low"] <= table["rho"]) & (table["rho"] <= table["rho_high"])).all()
    for outcome in spec.outcomes:
        values = validity.outcome_values(towns, outcome)
        held = towns.loc[values.notna() & towns["index_score"].notna(), "nation"].value_counts()
        nations = sorted(n for n, count in held.items() if count >= spec.min_towns)
        if len(nations) > 1:
            nations.append(validity.ALL_TOWNS)
        rows = table[table["outcome"] == outcome.code]
        assert list(rows["nation"].unique()) == nations, outcome.code
        predictors = {"index_score", spec.control, *(f"domain_{d.code}" for d in fw.domains)}
        assert (rows.groupby("nation")["predictor"].apply(set) == predictors).all()
    assert set(table["outcome"]) == {o.code for o in spec.outcomes}
    # The point estimate is Spearman's rho on towns.csv as published.
    england = towns[towns["nation"] == "England"]
    first = table.iloc[0]
    assert (first["nation"], first["predictor"]) == ("England", "index_score")
    assert first["rho"] == pytest.approx(
        england["index_score"].corr(england[first["outcome"]], method="spearman"), abs=1e-4
    )
