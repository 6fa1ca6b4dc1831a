"""The declarative files: the real themes and actions load, and typos are refused."""

from __future__ import annotations

import pytest

from hopeful.consultations.config import load_actions, load_pilots, load_themes
from hopeful.errors import DataError

from .conftest import FIXTURES


def test_real_themes_file():
    from hopeful.scoring.framework import DEFAULT_PATH as FRAMEWORK_PATH
    from hopeful.scoring.framework import load_framework

    config = load_themes()
    framework_domains = tuple(d.code for d in load_framework(FRAMEWORK_PATH).domains)
    assert config.domains == framework_domains
    assert len(config.themes) == 13
    mapped = {c for t in config.themes for c in t.clusters}
    assert mapped == set("BCDEFGHIJKLMN")  # A is deliberately unmapped (see the file)
    assert config.priority.data_weight == config.priority.voice_weight == 0.5
    assert config.data.concern_percentile == 20 and config.data.aggregate == "mean"
    assert config.data.min_concerns == 2 and config.data.cluster_concern == 1.0
    assert 0 <= config.coproduction.workshop_weight <= 1


@pytest.mark.real_data("scored")
def test_real_data_signals_discriminate():
    """Each theme's data signal flags at most about a third of the real towns (issue 15)."""
    from hopeful import processed
    from hopeful.consultations.analysis import concern_rates

    from .conftest import ROOT

    towns = processed.read_towns(ROOT / "data" / "processed")
    rates = concern_rates(towns, load_themes())
    assert (rates["n_towns"] == len(towns)).all() and len(towns) > 1000
    assert rates["rate"].max() <= 0.34, rates.to_string()
    # every theme with data flags some towns: a rule that flags none is as useless
    with_data = rates[rates["n_signals"] >= 2]
    assert (with_data["rate"] > 0.02).all(), rates.to_string()


def test_docs_list_each_themes_signals_as_the_themes_file_does():
    """docs/consultations.md once disagreed with the themes file; now a test keeps them equal."""
    from .conftest import ROOT

    text = (ROOT / "docs" / "consultations.md").read_text(encoding="utf-8")
    section = text.split("### Themes and their data")[1].split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented = {}
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        documented[cells[0].strip("`")] = tuple(
            tuple(x.strip().strip("`") for x in cell.split(",") if x.strip() not in ("", "–"))
            for cell in cells[1:4]
        )
    config = load_themes()
    assert documented == {t.id: (t.domains, t.clusters, t.indicators) for t in config.themes}


def test_real_actions_cover_every_theme_and_cite_a_source():
    config = load_themes()
    actions = load_actions(config)
    for theme in config.themes:
        assert any(theme.id in a.themes for a in actions), theme.id
    for action in actions:
        assert action.url.startswith("https://") and len(action.source) > 20, action.id
        assert len(action.rationale) > 40, action.id


def test_pilots_file():
    assert load_pilots() == {
        "W38000144": "Port Talbot", "E35001042": "Gravesend", "E35000225": "Northfleet"
    }  # fmt: skip


def variant(tmp_path, source, old, new):
    text = (FIXTURES / source).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / source
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('domains = ["housing"]', 'domains = ["housng"]', "unknown domain"),
        ('clusters = ["L"]', 'clusters = ["Z"]', "unknown domain\\(s\\), cluster"),
        ('aggregate = "max"', 'aggregate = "median"', "aggregate"),
        ("data_weight = 0.5", "data_weight = -1", "must be >= 0"),
        ("concern_percentile = 40", "concern_percentile = 140", "between 0 and 100"),
        ("share_weight = 0.5", "share_wieght = 0.5", "unknown key"),
        ('id = "health"', 'id = "housing"', "unique"),
    ],
)
def test_theme_file_errors(tmp_path, old, new, message):
    with pytest.raises(DataError, match=message):
        load_themes(variant(tmp_path, "themes_small.toml", old, new))


def test_zero_total_weights_are_refused(tmp_path):
    path = variant(tmp_path, "themes_small.toml", "voice_weight = 0.5", "voice_weight = 0")
    path.write_text(path.read_text().replace("data_weight = 0.5", "data_weight = 0"))
    with pytest.raises(DataError, match="must be > 0"):
        load_themes(path)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('url = "https://example.org/housing"', 'url = "javascript:alert(1)"', "https"),
        ('url = "https://example.org/housing"', 'url = "https://x.org/\\" onclick=\\"x"', "https"),
        ('themes = ["housing"]', 'themes = ["weather"]', "unknown theme"),
        ('use = "tackle"', 'use = "fix"', "use must be"),
        ('themes = ["housing"]', "themes = []", "at least one theme or cluster"),
    ],
)
def test_action_file_errors(tmp_path, themes, old, new, message):
    path = variant(tmp_path, "actions_small.toml", old, new)  # the first action, fix_housing
    with pytest.raises(DataError, match=message):
        load_actions(themes, path)
