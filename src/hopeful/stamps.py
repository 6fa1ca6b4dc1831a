"""Skip a pipeline step whose inputs are unchanged: one stamp file per step.

A stamp records the step's key (sha256 of its input files and config files, the package
version and a digest of the code the step runs) and the sha256 of the outputs it wrote. A
step is fresh when the key is the same and every output is still there with those bytes; a
rewritten or deleted output (another step, a hand edit) makes it run again.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from hopeful import __version__, atomic
from hopeful.processed import sha256_file, sha256_files

__all__ = ["code_digest", "is_fresh", "recorded_outputs", "step_key", "write_stamp"]

PACKAGE = Path(__file__).resolve().parent
# Package files that are inputs in their own right (recorded by their own sha256 where a step
# reads them) or that no pipeline step reads; editing them must not rerun every step.
_NOT_CODE = {"data/framework.toml", "data/clusters.toml"}
_NEVER_READ = ("reports/", "consultations/")


@functools.cache
def code_digest(*parts: str) -> str:
    """sha256 over the package's top-level modules and data files and the named subpackages."""
    files = [
        p
        for p in sorted(PACKAGE.rglob("*"))
        if p.is_file()
        and "__pycache__" not in p.parts
        and (rel := p.relative_to(PACKAGE).as_posix()) not in _NOT_CODE
        and not rel.startswith(_NEVER_READ)
        and ("/" not in rel or rel.startswith("data/") or rel.split("/")[0] in parts)
    ]
    return sha256_files(files, PACKAGE)


def step_key(
    code: str, inputs: Mapping[str, Path | str], extra: Mapping[str, str] | None = None
) -> dict[str, object]:
    """The key of one run: input files by sha256 (a str is taken as a digest already), code."""
    return {
        "version": __version__,
        "code": code,
        "inputs": {
            name: value if isinstance(value, str) else sha256_file(value)
            for name, value in sorted(inputs.items())
        },
        **(dict(extra) if extra else {}),
    }


def _read(stamp: Path) -> dict | None:
    try:
        return json.loads(stamp.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def is_fresh(stamp: Path, key: Mapping[str, object]) -> bool:
    """Same key as the last run, and every output it recorded unchanged."""
    record = _read(stamp)
    if record is None or record.get("key") != key:
        return False
    for name, digest in record.get("outputs", {}).items():
        path = Path(name)
        if not path.is_file() or sha256_file(path) != digest:
            return False
    return True


def recorded_outputs(stamp: Path) -> dict[str, str]:
    """The output hashes a step recorded (empty when it never ran)."""
    record = _read(stamp)
    return dict(record.get("outputs", {})) if record else {}


def write_stamp(stamp: Path, key: Mapping[str, object], outputs: Iterable[Path]) -> None:
    """Record the key and the outputs' sha256 (by absolute path), after the step wrote them."""
    files = sorted(str(Path(p).resolve()) for p in outputs)
    record = {"key": dict(key), "outputs": {name: sha256_file(name) for name in files}}
    atomic.write_text(stamp, json.dumps(record, indent=2, sort_keys=True) + "\n")
