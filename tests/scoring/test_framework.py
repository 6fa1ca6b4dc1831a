import hashlib
from pathlib import Path

import pytest

from hopeful.errors import DataError
from hopeful.scoring.framework import FrameworkError, check_data, framework_hash, load_framework
from hopeful.scoring.normalise import NormSpec

SMALL = Path(__file__).parent / "fixtures" / "framework_small.toml"
INDICATOR = '\n[[indicator]]\ncode = "x"\nname = "X"\ndomain = "economy"\ndirection = 1\n'


def test_loads_the_example_framework():
    fw = load_framework(SMALL)
    assert fw.name == "Small test framework"
    assert [d.code for d in fw.domains] == ["economy", "wellbeing", "health", "community"]
    assert len(fw.indicators) == 7
    assert fw.hierarchy().order() == ["economy", "health", "community", "wellbeing"]
    assert fw.directions()["crime_rate"] == -1
    assert fw.indicator_weights()["employment_rate"] == 2.0
    assert fw.domain_weights().to_dict() == {
        "economy": 2.0,
        "wellbeing": 1.0,
        "health": 1.0,
        "community": 1.0,
    }
    assert fw.imputation.method == "group_mean" and fw.imputation.group == "size_class"
    assert fw.normalisation == NormSpec("minmax", {"low": 0.0, "high": 100.0})
    assert fw.uncertainty.normalisations[1] == NormSpec(
        "zscore", {"target_mean": 100.0, "target_sd": 10.0}
    )
    assert fw.uncertainty.draws == 200 and fw.uncertainty.seed == 42
    # keys the fixture leaves out take their defaults: nothing structural, no noise, no Sobol
    assert fw.uncertainty.weightings == ("framework",)
    assert fw.uncertainty.leave_out_domain == 0.0 and not fw.uncertainty.data_noise
    assert not fw.uncertainty.sobol and fw.aggregation.floor == 10.0
    assert fw.ranking_groups == ("size_class", "nation")
    assert fw.weighting.domains == "nominal"  # the default: domain weights as written
    assert fw.sha256 == framework_hash(SMALL)
    resolved = fw.resolve(NormSpec("goalposts"))
    assert resolved.params["goalposts"]["claimant_rate"] == (0.0, 10.0)


def test_framework_hash_is_sha256_of_bytes(tmp_path):
    path = tmp_path / "f.toml"
    path.write_bytes(b"abc")
    assert (
        framework_hash(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert framework_hash(SMALL) == hashlib.sha256(SMALL.read_bytes()).hexdigest()


def variant(tmp_path: Path, append: str = "", replace: tuple[str, str] | None = None) -> Path:
    text = SMALL.read_text(encoding="utf-8")
    if replace is not None:
        assert replace[0] in text, replace[0]
        text = text.replace(replace[0], replace[1], 1)
    path = tmp_path / "bad_framework.toml"
    path.write_text(text + append, encoding="utf-8")
    return path


CASES = {
    "unknown domain": (
        INDICATOR.replace('"economy"', '"nowhere"'),
        None,
        r"\[\[indicator\]\] 'x': domain 'nowhere' is not a declared \[\[domain\]\]",
    ),
    "negative indicator weight": (
        INDICATOR + "weight = -1\n",
        None,
        r"\[\[indicator\]\] 'x': negative weight",
    ),
    "negative domain weight": (
        '\n[[domain]]\ncode = "extra"\nname = "Extra"\nweight = -2\n',
        None,
        r"\[\[domain\]\] 'extra': negative weight",
    ),
    "duplicate indicator": (
        INDICATOR.replace('"x"', '"crime_rate"', 1),
        None,
        r"\[\[indicator\]\] 'crime_rate': duplicate code",
    ),
    "duplicate domain": (
        '\n[[domain]]\ncode = "health"\nname = "Again"\n',
        None,
        r"\[\[domain\]\] 'health': duplicate",
    ),
    "indicator code reused as domain": (
        INDICATOR.replace('"x"', '"health"', 1),
        None,
        r"'health': code is also a \[\[domain\]\]",
    ),
    "bad direction": (
        INDICATOR.replace("direction = 1", "direction = 0"),
        None,
        r"'x': direction must be 1 or -1",
    ),
    "cycle": (
        '\n[[domain]]\ncode = "a"\nname = "A"\nparent = "b"\n'
        '[[domain]]\ncode = "b"\nname = "B"\nparent = "a"\n',
        None,
        r"\[\[domain\]\] 'a': parent cycle: a -> b -> a",
    ),
    "unknown parent": (
        '\n[[domain]]\ncode = "z"\nname = "Z"\nparent = "nope"\n',
        None,
        r"'z': parent 'nope' is not",
    ),
    "unknown key": (
        INDICATOR + "wieght = 1\n",
        None,
        r"\[\[indicator\]\] 'x': unknown key\(s\): wieght",
    ),
    "missing key": (
        '\n[[indicator]]\ncode = "x"\nname = "X"\ndomain = "economy"\n',
        None,
        r"'x': missing required key 'direction'",
    ),
    "domain with indicators and sub-domains": (
        INDICATOR.replace('"economy"', '"wellbeing"'),
        None,
        r"\[\[domain\]\] 'wellbeing': holds both indicators and sub-domains",
    ),
    "empty domain": (
        '\n[[domain]]\ncode = "lonely"\nname = "L"\n',
        None,
        r"'lonely': has no indicators and no sub-domains",
    ),
    "unknown normalisation": (
        "",
        ('[normalisation]\nmethod = "minmax"', '[normalisation]\nmethod = "softmax"'),
        r"\[normalisation\]: unknown normalisation method 'softmax'",
    ),
    "unknown normalisation parameter": (
        "",
        ("low = 0.0", "lowest = 0.0"),
        r"unknown parameter\(s\) for minmax: lowest",
    ),
    "unknown imputation": (
        "",
        ('method = "group_mean"', 'method = "group_mode"'),
        r"\[imputation\]: unknown imputation method",
    ),
    "group imputation without group": (
        "",
        ('group = "size_class"\n', ""),
        r"\[imputation\]: method 'group_mean' needs `group`",
    ),
    "unknown aggregation": (
        "",
        ('[aggregation]\nmethod = "arithmetic"', '[aggregation]\nmethod = "median"'),
        r"\[aggregation\]: unknown aggregation method 'median'",
    ),
    "unknown weighting": (
        "",
        ('scheme = "manual"', 'scheme = "oracle"'),
        r"\[weighting\]: unknown weighting scheme",
    ),
    "unknown domain weighting": (
        "",
        ('scheme = "manual"', 'scheme = "manual"\ndomains = "optimal"'),
        r"\[weighting\]: unknown domains 'optimal'; expected one of: nominal, balanced",
    ),
    "balanced domains under a geometric mean": (
        "",
        (
            'scheme = "manual"\n\n[aggregation]\nmethod = "arithmetic"',
            'scheme = "manual"\ndomains = "balanced"\n\n[aggregation]\nmethod = "geometric"',
        ),
        r'\[weighting\]: domains = "balanced" matches shares .* not \'geometric\'',
    ),
    "unknown uncertainty alternative": (
        "",
        ('aggregations = ["arithmetic", "geometric"]', 'aggregations = ["arithmetic", "median"]'),
        r"\[uncertainty\]: unknown aggregation method 'median'",
    ),
    "unknown uncertainty normalisation": (
        '\n[[uncertainty.normalisation]]\nmethod = "softmax"\n',
        None,
        r"\[\[uncertainty.normalisation\]\] #4: unknown normalisation method",
    ),
    "unknown uncertainty weighting": (
        "",
        ("weight_spread = 0.25", 'weight_spread = 0.25\nweightings = ["framework", "oracle"]'),
        r"\[uncertainty\]: unknown weighting 'oracle'",
    ),
    "leave_out_domain above 1": (
        "",
        ("weight_spread = 0.25", "weight_spread = 0.25\nleave_out_domain = 1.5"),
        r"\[uncertainty\]: leave_out_domain must be in \[0, 1\]",
    ),
    "aggregation floor at the top of the scale": (
        "",
        ("offset = 1.0", "offset = 1.0\nfloor = 100.0"),
        r"\[aggregation\]: floor must be in \[0, 100\)",
    ),
    "unknown section": ("\n[extras]\nx = 1\n", None, r"unknown section\(s\): extras"),
    "invalid TOML": ("\n[[indicator\n", None, r"not valid TOML"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validation_errors_name_file_and_entry(tmp_path, case):
    append, replace, message = CASES[case]
    path = variant(tmp_path, append, replace)
    with pytest.raises(FrameworkError, match=message) as info:
        load_framework(path)
    assert str(info.value).startswith(str(path))
    assert isinstance(info.value, DataError)


def test_distance_to_target_needs_every_target(tmp_path):
    path = variant(tmp_path, replace=("target = 40.0\n", ""))
    text = path.read_text().replace(
        'method = "minmax"\nlow = 0.0\nhigh = 100.0', 'method = "distance_to_target"'
    )
    path.write_text(text)
    with pytest.raises(
        FrameworkError,
        match=r"\[normalisation\]: distance_to_target needs `target` on "
        r"\[\[indicator\]\] 'crime_rate'",
    ):
        load_framework(path)


def test_unknown_indicator_in_data():
    fw = load_framework(SMALL)
    with pytest.raises(
        FrameworkError, match=r"\[\[indicator\]\] 'bad_health', 'crime_rate': not a column"
    ) as info:
        check_data(fw, [c for c in fw.indicator_codes if c not in ("bad_health", "crime_rate")])
    assert str(SMALL) in str(info.value)
    with pytest.raises(FrameworkError, match="not a column"):
        load_framework(SMALL, data_columns=["employment_rate"])


def test_missing_file(tmp_path):
    with pytest.raises(FrameworkError, match="missing"):
        load_framework(tmp_path / "nope.toml")
