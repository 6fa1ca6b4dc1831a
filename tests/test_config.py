"""One TOML reader for every declarative file: the same rules for typos, types and nan/inf."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from hopeful import config
from hopeful.clusters import DEFAULT_PATH as CLUSTERS_PATH
from hopeful.clusters import load_clusters
from hopeful.consultations.config import THEMES_PATH, load_themes
from hopeful.errors import DataError
from hopeful.scoring.framework import DEFAULT_PATH as FRAMEWORK_PATH
from hopeful.scoring.framework import load_framework

LOADERS: dict[str, tuple[Path, Callable[[Path], object], str, str]] = {
    # name: (real file, loader, a line of it, the table that line is in)
    "framework": (FRAMEWORK_PATH, load_framework, "weight_spread = 0.25", "[uncertainty]"),
    "clusters": (CLUSTERS_PATH, load_clusters, "value = 0.5", "'N' criterion 'On the coast'"),
    "themes": (THEMES_PATH, load_themes, "voice_weight = 0.5", "[priority]"),
}


def _edited(tmp_path: Path, name: str, new: str) -> tuple[Path, Callable[[Path], object], str]:
    path, loader, line, table = LOADERS[name]
    text = path.read_text(encoding="utf-8")
    assert text.count(line) == 1, line
    out = tmp_path / path.name
    out.write_text(text.replace(line, new), encoding="utf-8")
    return out, loader, table


@pytest.mark.parametrize("name", LOADERS)
def test_real_files_load(name: str) -> None:
    path, loader, _, _ = LOADERS[name]
    loader(path)


@pytest.mark.parametrize("name", LOADERS)
def test_typo_names_file_table_key_and_the_likely_fix(name: str, tmp_path: Path) -> None:
    _, _, line, _ = LOADERS[name]
    key, value = line.split(" = ")
    typo = key[:-1]  # the last letter lost
    path, loader, table = _edited(tmp_path, name, f"{typo} = {value}")
    with pytest.raises(DataError) as info:
        loader(path)
    message = str(info.value)
    assert str(path) in message and table in message
    assert f"unknown key(s): {typo} (did you mean '{typo}' -> '{key}'?)" in message


@pytest.mark.parametrize("name", LOADERS)
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_non_finite_numbers_are_refused(name: str, bad: str, tmp_path: Path) -> None:
    _, _, line, _ = LOADERS[name]
    key = line.split(" = ")[0]
    path, loader, table = _edited(tmp_path, name, f"{key} = {bad}")
    with pytest.raises(DataError, match=re.escape(f"{table}: '{key}' must be a finite number")):
        loader(path)


@pytest.mark.parametrize("name", LOADERS)
def test_wrong_type_is_named(name: str, tmp_path: Path) -> None:
    _, _, line, _ = LOADERS[name]
    key = line.split(" = ")[0]
    path, loader, _ = _edited(tmp_path, name, f'{key} = "many"')
    with pytest.raises(DataError, match=f"'{key}' must be"):
        loader(path)


def test_unknown_section_suggests_the_known_one(tmp_path: Path) -> None:
    text = CLUSTERS_PATH.read_text(encoding="utf-8").replace("[peers]", "[peer]")
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    with pytest.raises(
        DataError, match=r"unknown section\(s\): peer \(did you mean 'peer' -> 'peers'\?\)"
    ):
        load_clusters(tmp_path / "c.toml")


def test_table_reads_typed_values_and_refuses_leftovers(tmp_path: Path) -> None:
    entry = config.Table(tmp_path / "x.toml", "[t]", {"n": 2, "name": "a", "flag": True})
    assert entry.get("n", "number") == 2.0
    assert entry.get("name", "text") == "a"
    assert entry.get("missing", "int", 7) == 7
    with pytest.raises(DataError, match=r"\[t\]: 'flag' must be an integer"):
        entry.get("flag", "int")
    with pytest.raises(DataError, match=r"\[t\]: missing required key 'other'"):
        entry.get("other", "text")
    ok = config.Table(tmp_path / "x.toml", "[t]", {"a": 1})
    ok.get("a", "int")
    ok.finish()
