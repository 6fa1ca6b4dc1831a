"""The hashed lock files `make setup` installs from pin everything, to the byte.

requirements-pip.lock (pip, setuptools, wheel) and requirements.lock (every dependency of
pyproject.toml with [dev]) come from scripts/refresh_lock.sh; the Makefile installs both with
`--require-hashes`, so a file whose sha256 the lock does not list is refused. These tests keep
the locks whole when pyproject.toml or a lock is edited by hand.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ("requirements-pip.lock", "requirements.lock")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def entries(lock: str) -> list[str]:
    """The lock's requirement entries, each with its continuation lines joined, comments dropped."""
    text = (ROOT / lock).read_text()
    lines = [line.split("#", 1)[0].rstrip() for line in text.splitlines()]
    joined = "\n".join(line for line in lines if line).replace("\\\n", " ")
    return [entry for entry in joined.splitlines() if entry.strip()]


def pins(lock: str) -> dict[str, str]:
    """Canonical package name -> pinned version."""
    found = {}
    for entry in entries(lock):
        requirement = Requirement(entry.split(" --hash", 1)[0])
        found[canonicalize_name(requirement.name)] = str(requirement.specifier)[2:]
    return found


@pytest.mark.parametrize("lock", LOCKS)
def test_every_entry_pins_one_version_and_lists_its_hashes(lock: str) -> None:
    assert entries(lock), f"{lock} is empty"
    for entry in entries(lock):
        requirement_text, _, hashes = entry.partition(" --hash")
        requirement = Requirement(requirement_text)
        (spec,) = requirement.specifier
        assert spec.operator == "==" and "*" not in spec.version, entry
        assert not requirement.url and not requirement.marker, entry
        assert HASH.search(f"--hash{hashes}"), f"{requirement.name} has no sha256 in {lock}"
        rest = HASH.sub("", f"--hash{hashes}").strip()
        assert not rest, f"{lock}: unexpected text after {requirement.name}: {rest!r}"


def test_the_installer_and_build_backend_are_pinned() -> None:
    installer = pins("requirements-pip.lock")
    assert {"pip", "setuptools", "wheel"} <= installer.keys()
    # The project is installed with --no-build-isolation: these pins are its build backend.
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    for text in build:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert requirement.specifier.contains(installer[name]), f"{name} pin breaks {text}"


def test_a_package_in_both_locks_has_one_version() -> None:
    installer, dependencies = pins("requirements-pip.lock"), pins("requirements.lock")
    for name in installer.keys() & dependencies.keys():
        assert installer[name] == dependencies[name], name


def test_every_dependency_of_pyproject_is_locked() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = pins("requirements.lock")
    for text in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{text} is not in requirements.lock: run scripts/refresh_lock.sh"
        assert requirement.specifier.contains(locked[name]), f"{name}=={locked[name]} breaks {text}"
    assert "hopeful" not in locked  # the project is the checked-out source, installed editable


def test_make_setup_installs_only_hashed_files() -> None:
    recipe = (ROOT / "Makefile").read_text().split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    installs = [line.strip() for line in recipe.splitlines() if "pip install" in line]
    assert installs[:2] == [
        "$(PY) -m pip install --require-hashes --only-binary :all: -r requirements-pip.lock",
        "$(PY) -m pip install --require-hashes --only-binary :all: --no-deps -r requirements.lock",
    ]
    assert installs[2:] == ["$(PY) -m pip install --no-deps --no-build-isolation -e ."]
    assert "$(PY) -m pip check" in recipe
