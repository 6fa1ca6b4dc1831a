import math
from pathlib import Path

import pandas as pd
import pytest

from hopeful.clusters import (
    Cluster,
    ClusterConfig,
    ClusterConfigError,
    Criterion,
    Rule,
    criteria_table,
    load_clusters,
    membership,
    thresholds,
    validate_against,
)
from hopeful.errors import DataError


def crit(indicator, compare="above", **kw) -> Criterion:
    return Criterion(label=kw.pop("label", f"{indicator} {compare}"), indicator=indicator,
                     compare=compare, **kw)  # fmt: skip


def config(*clusters: Cluster, rule: Rule | None = None) -> ClusterConfig:
    return ClusterConfig(Path("test.toml"), "", rule or Rule(), clusters)


# ----------------------------------------------------------------------- the real file


def test_real_file_has_the_14_clusters():
    cfg = load_clusters()
    assert [c.id for c in cfg.clusters] == list("ABCDEFGHIJKLMN")
    rule = cfg.rule
    assert (rule.basis, rule.min_assessable, rule.partial_missing) == ("criteria", 3, 1)
    assert rule.threshold in ("mean", "median", "quantile")
    assert cfg.calibration.target_full_mean == 3.17
    for cluster in cfg.clusters:
        assert len(cluster.criteria) == 4, cluster.id
        own = cluster.id in "JKL"
        assert (cluster.origin == "hopeful (this project's own)") == own
        assert (cluster.origin == "HOPE not hate") == (not own)
        if own:
            assert all(c.indicator for c in cluster.criteria), cluster.id
        for c in cluster.criteria:
            assert bool(c.indicator) != bool(c.not_assessed_reason), (cluster.id, c.label)
    assert cfg.peers.features[0] == "population" and cfg.peers.log == ("population",)
    assert dict(cfg.peers.categorical) == {"region": 1.0}
    validate_against(cfg, [*cfg.indicators, *cfg.peers.features, "town_code", "nation", "region"])


# ----------------------------------------------------------------------- thresholds

NATIONS = pd.DataFrame(
    {
        "town_code": ["E1", "E2", "E3", "W1", "W2"],
        "nation": ["England", "England", "England", "Wales", "Wales"],
        "x": [1.0, 2.0, 3.0, 10.0, 20.0],
    }
)


@pytest.mark.parametrize(
    ("criterion", "expected"),
    [
        (crit("x"), {"all": 7.2}),
        (crit("x", threshold="median"), {"all": 3.0}),
        (crit("x", threshold="quantile", quantile=0.75), {"all": 10.0}),
        (crit("x", threshold="quantile", quantile=0.1), {"all": 1.4}),
        # a quantile selects the same share of towns either way: below the (1 - q)-quantile
        (crit("x", "below", threshold="quantile", quantile=0.1), {"all": 16.0}),
        (crit("x", scope="nation"), {"England": 2.0, "Wales": 15.0}),
        (crit("x", threshold="median", scope="nation"), {"England": 2.0, "Wales": 15.0}),
        (crit("x", threshold="value", value=2.5), {"all": 2.5}),
    ],
)
def test_thresholds(criterion, expected):
    table = thresholds(NATIONS, config(Cluster("A", "a", "o", (criterion,))))
    assert dict(zip(table["group"], table["threshold"], strict=True)) == pytest.approx(expected)
    assert table["n"].tolist() == ([5] if len(expected) == 1 else [3, 2])


def test_the_rule_sets_the_threshold_of_criteria_without_their_own():
    cluster = Cluster("A", "a", "o", (crit("x"), crit("x", "below", label="low"),
                                      crit("x", threshold="value", value=2.5, label="fixed")))  # fmt: skip
    rule = Rule(threshold="quantile", quantile=0.75)
    table = thresholds(NATIONS, config(cluster, rule=rule))
    assert table["threshold"].tolist() == pytest.approx([10.0, 2.0, 2.5])
    assert table["statistic"].tolist() == ["quantile", "quantile", "value"]
    assert table["quantile"].tolist()[:2] == pytest.approx([0.75, 0.25])
    long = criteria_table(NATIONS, config(cluster, rule=rule))
    # only W2 (20) is above the 75th percentile; E1 (1) below the 25th; E3 and up above 2.5
    assert long.groupby("criterion")["met"].sum().to_dict() == {"x above": 1, "low": 1,
                                                                 "fixed": 3}  # fmt: skip
    median = thresholds(NATIONS, config(cluster, rule=Rule(threshold="median")))
    assert median["threshold"].tolist() == [3.0, 3.0, 2.5]


def test_missing_values_are_left_out_of_thresholds():
    towns = NATIONS.assign(x=[1.0, None, 3.0, 10.0, None])
    table = thresholds(towns, config(Cluster("A", "a", "o", (crit("x", scope="nation"),))))
    assert table["threshold"].tolist() == [2.0, 10.0]
    assert table["n"].tolist() == [2, 1]


def test_nation_scope_decides_membership():
    # W1 = 10 is above the all-towns mean 7.2 but below the Welsh mean 15.
    long = criteria_table(NATIONS, config(Cluster("A", "a", "o", (crit("x", scope="nation"),))))
    assert long.set_index("town_code")["met"].tolist() == [False, False, True, False, True]
    assert long["threshold"].tolist() == [2.0, 2.0, 2.0, 15.0, 15.0]


def test_a_town_at_the_threshold_meets_neither_above_nor_below():
    towns = pd.DataFrame({"town_code": ["a", "b", "c"], "x": [1.0, 2.0, 3.0]})  # mean 2
    cfg = config(Cluster("A", "a", "o", (crit("x", "above"), crit("x", "below"))))
    long = criteria_table(towns, cfg)
    at_mean = long[long["town_code"] == "b"]
    assert at_mean["met"].tolist() == [False, False]
    assert at_mean["assessable"].tolist() == [True, True]
    assert long[long["town_code"] == "a"]["met"].tolist() == [False, True]
    assert long[long["town_code"] == "c"]["met"].tolist() == [True, False]


# ----------------------------------------------------------------------- membership

FOUR = Cluster("A", "four", "o", tuple(crit(c, threshold="value", value=0.0) for c in "abcd"))
NAN = math.nan
STATE_TOWNS = pd.DataFrame(
    [
        ("T1", 1, 1, 1, 1),  # 4/4 met -> full
        ("T2", 1, 1, 1, -1),  # 3/4 -> partial
        ("T3", 1, 1, -1, -1),  # 2/4 -> none
        ("T4", 1, 1, NAN, NAN),  # 2 assessable -> not_assessed
        ("T5", 1, 1, 1, NAN),  # 3 met of 3 assessable -> partial: never silently full
        ("T6", 1, 1, -1, NAN),  # 2 of 3 -> none
        ("T7", 1, -1, -1, NAN),  # 1 of 3 -> none
        ("T8", 0, 1, 1, 1),  # exactly at the threshold is not met: 3/4 -> partial
    ],
    columns=["town_code", "a", "b", "c", "d"],
)


def states(rule: Rule | None = None, *clusters: Cluster) -> dict[str, str]:
    wide = membership(STATE_TOWNS, config(*(clusters or (FOUR,)), rule=rule))
    return dict(zip(wide["town_code"], wide["cluster_A"], strict=True))


def test_each_membership_state():
    assert states() == {
        "T1": "full", "T2": "partial", "T3": "none", "T4": "not_assessed",
        "T5": "partial", "T6": "none", "T7": "none", "T8": "partial",
    }  # fmt: skip


def test_the_wide_table_says_how_many_criteria_were_met_and_assessed():
    wide = membership(STATE_TOWNS, config(FOUR)).set_index("town_code")
    assert wide["cluster_A_assessed"].tolist() == [4, 4, 4, 2, 3, 3, 3, 4]
    assert wide["cluster_A_met"].tolist() == [4, 3, 2, 2, 3, 2, 1, 3]


def test_rule_is_configurable():
    strict = states(Rule(min_assessable=4, partial_missing=1))
    assert strict["T5"] == strict["T6"] == "not_assessed" and strict["T1"] == "full"
    assert states(Rule(min_assessable=3, partial_missing=0))["T2"] == "none"
    lenient = states(Rule(min_assessable=3, partial_missing=2))
    assert lenient["T3"] == lenient["T6"] == "partial" and lenient["T7"] == "none"
    # basis "assessable" (the rule before v2): judged on the assessable criteria only
    assessable = states(Rule(basis="assessable"))
    assert assessable["T5"] == "full" and assessable["T6"] == "partial"
    assert assessable["T7"] == "none" and assessable["T1"] == "full"


def test_criterion_without_indicator_is_never_assessable():
    absent = Criterion("Pubs closed", None, "above", not_assessed_reason="no open data")
    cluster = Cluster("A", "x", "o", (*FOUR.criteria[:3], absent))
    got = states(Rule(), cluster)
    assert got["T1"] == got["T5"] == got["T2"] == "partial"  # 3 of 3 assessable met
    assert got["T3"] == "none" and got["T4"] == "not_assessed"
    assert states(Rule(basis="assessable"), cluster)["T1"] == "full"
    long = criteria_table(STATE_TOWNS, config(cluster))
    pubs = long[long["criterion"] == "Pubs closed"]
    assert not pubs["assessable"].any() and pubs["met"].isna().all()
    assert set(pubs["not_assessed_reason"]) == {"no open data"}


def test_counts_and_columns_of_the_wide_table():
    other = Cluster("B", "b", "o", (crit("a", threshold="value", value=0.5),))
    rule = Rule(min_assessable=1, partial_missing=0)
    wide = membership(STATE_TOWNS, config(FOUR, other, rule=rule))
    assert list(wide.columns) == [
        "town_code", "cluster_A", "cluster_A_met", "cluster_A_assessed",
        "cluster_B", "cluster_B_met", "cluster_B_assessed",
        "clusters_full", "clusters_partial", "clusters_not_assessed",
    ]  # fmt: skip
    row = wide.set_index("town_code")[["cluster_A", "cluster_B", "clusters_full",
                                       "clusters_partial", "clusters_not_assessed"]]  # fmt: skip
    # min_assessable 1, partial_missing 0: A is full only when all four are met.
    assert row.loc["T1"].tolist() == ["full", "full", 2, 0, 0]
    assert row.loc["T3"].tolist() == ["none", "full", 1, 0, 0]
    assert row.loc["T5"].tolist() == ["none", "full", 1, 0, 0]
    assert row.loc["T8"].tolist() == ["none", "none", 0, 0, 0]
    partial = membership(STATE_TOWNS, config(FOUR, other)).set_index("town_code")
    assert partial.loc["T2", ["clusters_full", "clusters_partial"]].tolist() == [0, 1]
    assert partial.loc["T4", "clusters_not_assessed"] == 2  # B has a single criterion


def test_long_table_rows_and_reasons():
    towns = NATIONS.assign(x=[1.0, None, 3.0, None, None])
    cfg = config(Cluster("A", "a", "o", (crit("x", scope="nation", proxy="a proxy"),)))
    long = criteria_table(towns, cfg).set_index("town_code")
    assert len(long) == 5
    assert long.loc["E1", "not_assessed_reason"] == ""
    assert long.loc["E2", "not_assessed_reason"] == "no value for this town"
    assert long.loc["W1", "not_assessed_reason"] == "no value for this town"
    assert long.loc["E3", "met"] and not long.loc["E1", "met"]
    assert pd.isna(long.loc["E2", "met"]) and not long.loc["E2", "assessable"]
    assert set(long["proxy"]) == {"a proxy"}
    assert math.isnan(long.loc["W2", "threshold"])  # no Welsh town has a value


def test_boolean_indicator_and_output_order():
    towns = pd.DataFrame(
        {"town_code": ["b", "a", "c"], "coastal": pd.Series([True, False, None], dtype=object)}
    )
    cfg = config(Cluster("N", "n", "o", (crit("coastal", threshold="value", value=0.5),)))
    long = criteria_table(towns, cfg)
    assert long["town_code"].tolist() == ["a", "b", "c"]
    assert long["value"].tolist()[:2] == [0.0, 1.0]
    assert long["met"].tolist()[:2] == [False, True] and pd.isna(long["met"].iloc[2])


def test_bad_town_tables():
    cfg = config(FOUR)
    with pytest.raises(DataError, match="duplicate town code"):
        membership(pd.concat([STATE_TOWNS, STATE_TOWNS.head(1)]), cfg)
    with pytest.raises(DataError, match="column 'a'.*not numeric"):
        membership(STATE_TOWNS.assign(a="high"), cfg)
    with pytest.raises(ClusterConfigError, match="indicator 'd' is not a column"):
        membership(STATE_TOWNS.drop(columns="d"), cfg)


# ----------------------------------------------------------------------- validation

GOOD = """
[rule]
min_assessable = 3

[[cluster]]
id = "A"
name = "Alpha"
origin = "HOPE not hate"

[[cluster.criterion]]
label = "High x"
indicator = "x"
compare = "above"

[[cluster.criterion]]
label = "No data"
not_assessed_reason = "not in the mirror"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clusters_test.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_small_file_loads(tmp_path):
    cfg = load_clusters(write(tmp_path, GOOD))
    assert cfg.clusters[0].criteria[1] == Criterion(
        "No data", None, "", not_assessed_reason="not in the mirror"
    )
    assert cfg.indicators == ["x"]


C = 'compare = "above"'
BAD = {
    "unknown compare": (C, 'compare = "over"', "'A' criterion 'High x'.*unknown compare 'over'"),
    "unknown threshold": (C, C + '\nthreshold = "mode"', "'High x'.*unknown threshold 'mode'"),
    "quantile 0": (C, C + '\nthreshold = "quantile"\nquantile = 0', "'High x'.*strictly between"),
    "quantile 1.5": (C, C + '\nthreshold = "quantile"\nquantile = 1.5', "'High x'.*strictly"),
    "quantile missing": (C, C + '\nthreshold = "quantile"', "'High x'.*quantile is required"),
    "stray quantile": (C, C + "\nquantile = 0.5", "'High x'.*quantile is required"),
    "value missing": (C, C + '\nthreshold = "value"', "'High x'.*value is required"),
    "unknown scope": (C, C + '\nscope = "region"', "'High x'.*unknown scope"),
    "missing compare": (C, "", "'High x'.*missing required key 'compare'"),
    "missing name": ('name = "Alpha"', "", r"\[\[cluster\]\] 'A': missing required key 'name'"),
    "missing origin": ('origin = "HOPE not hate"', "", "'A': missing required key 'origin'"),
    "missing id": ('id = "A"', "", r"\[\[cluster\]\] #1: missing required key 'id'"),
    "missing label": ('label = "High x"', "", "'A' criterion #1: missing required key 'label'"),
    "no reason": ('not_assessed_reason = "not in the mirror"', "", "'No data'.*needs a not_ass"),
    "reason and indicator": (C, C + '\nnot_assessed_reason = "why"', "'High x'.*only for"),
    "typo key": (C, C + '\ncompre = "x"', "'High x'.*unknown key.*compre"),
    "bad id": ('id = "A"', 'id = "A B"', "'A B': id must be"),
    "duplicate label": ('label = "No data"', 'label = "High x"', "'High x': duplicate label"),
    "bad rule": ("min_assessable = 3", "min_assessable = 1\npartial_missing = 1", r"\[rule\]: par"),
    "bad basis": (
        "min_assessable = 3",
        'min_assessable = 3\nbasis = "some"',
        r"\[rule\]: unknown basis",
    ),
    "rule value": ("min_assessable = 3", 'min_assessable = 3\nthreshold = "value"', "unknown thr"),
    "rule quantile": (
        "min_assessable = 3",
        'min_assessable = 3\nthreshold = "quantile"',
        r"\[rule\]: quantile is required",
    ),
    "rule quantile 1": (
        "min_assessable = 3",
        'min_assessable = 3\nthreshold = "quantile"\nquantile = 1',
        "strictly",
    ),
    "bad target": ("[rule]", "[calibration]\ntarget_full_mean = 0\n[rule]", "must be above 0"),
    "bad grid": ("[rule]", "[calibration]\nquantiles = [0.4, 0.4]\n[rule]", "distinct numbers"),
    "unknown section": ("[rule]", "[rules]", "unknown section.*rules"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_validation_error_names_file_and_entry(tmp_path, case):
    old, new, pattern = BAD[case]
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ClusterConfigError, match=pattern) as err:
        load_clusters(path)
    assert str(path) in str(err.value)


def test_duplicate_ids_and_empty_files(tmp_path):
    block = GOOD.split("[[cluster]]", 1)[1]
    with pytest.raises(ClusterConfigError, match=r"\[\[cluster\]\] 'A': duplicate id"):
        load_clusters(write(tmp_path, GOOD + "\n[[cluster]]" + block))
    with pytest.raises(ClusterConfigError, match="at least one"):
        load_clusters(write(tmp_path, "[rule]\nmin_assessable = 3\n"))
    with pytest.raises(ClusterConfigError, match="'A': needs at least one"):
        load_clusters(write(tmp_path, GOOD.split("[[cluster.criterion]]")[0]))
    with pytest.raises(ClusterConfigError, match="not valid TOML"):
        load_clusters(write(tmp_path, "[[cluster]\n"))
    with pytest.raises(ClusterConfigError, match="missing"):
        load_clusters(tmp_path / "absent.toml")


def test_peer_settings_validation(tmp_path):
    ok = load_clusters(write(tmp_path, GOOD + '[peers]\nfeatures = ["x", "y"]\nlog = ["x"]\n'))
    assert ok.peers.features == ("x", "y") and ok.peers.k == 10
    for extra, pattern in [
        ('features = ["x"]\nlog = ["z"]', "log names columns that are not features: z"),
        ('features = ["x", "x"]', "without repeats"),
        ("k = 0", "at least 1"),
        ("categorical = { region = -1 }", "categorical.region must be a number >= 0 \\(or inf\\)"),
    ]:
        with pytest.raises(ClusterConfigError, match=pattern):
            load_clusters(write(tmp_path, GOOD + "[peers]\n" + extra + "\n"))


def test_validate_against_columns(tmp_path):
    cfg = load_clusters(write(tmp_path, GOOD + '[peers]\nfeatures = ["x", "pop"]\n'))
    validate_against(cfg, ["town_code", "x", "pop"])
    with pytest.raises(ClusterConfigError, match="'High x': indicator 'x' is not a column") as e:
        validate_against(cfg, ["town_code", "pop"])
    assert "clusters_test.toml" in str(e.value)
    with pytest.raises(ClusterConfigError, match=r"\[peers\]: .*pop"):
        validate_against(cfg, ["town_code", "x"])
    scoped = load_clusters(write(tmp_path, GOOD.replace('"above"', '"above"\nscope = "nation"')))
    with pytest.raises(ClusterConfigError, match="scope 'nation' needs a 'nation' column"):
        validate_against(scoped, ["x", "population", "share_65plus", "share_white",
                                  "uk_imd_score"])  # fmt: skip
