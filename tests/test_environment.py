"""environment.yml and pyproject.toml must declare the same dependencies."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    wanted.add("python")
    text = (ROOT / "environment.yml").read_text()
    lines = text.split("dependencies:", 1)[1].splitlines()
    conda = {
        _name(line.strip()[2:])
        for line in lines
        if re.match(r"^  - [A-Za-z]", line) and not line.strip().startswith("- pip")
    }
    assert conda == wanted


def test_environment_installs_the_project_with_pip() -> None:
    text = (ROOT / "environment.yml").read_text()
    assert "conda-forge" in text
    assert re.search(r"^\s+- -e \.$", text, re.M)
