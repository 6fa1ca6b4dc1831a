"""Step stamps: a step is skipped only while its inputs, code and outputs are unchanged."""

from __future__ import annotations

from pathlib import Path

from hopeful import stamps


def _run(tmp_path: Path, source: Path, output: Path) -> dict:
    key = stamps.step_key("code-1", {"source": source, "config": "digest-a"})
    output.write_text(source.read_text() + " done")
    stamps.write_stamp(tmp_path / "step.stamp.json", key, [output])
    return key


def test_fresh_until_an_input_changes(tmp_path: Path) -> None:
    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("a")
    key = _run(tmp_path, source, output)
    stamp = tmp_path / "step.stamp.json"
    assert stamps.is_fresh(
        stamp, stamps.step_key("code-1", {"source": source, "config": "digest-a"})
    )
    assert key == stamps.step_key("code-1", {"config": "digest-a", "source": source})
    source.write_text("b")
    assert not stamps.is_fresh(
        stamp, stamps.step_key("code-1", {"source": source, "config": "digest-a"})
    )


def test_config_or_code_change_is_not_fresh(tmp_path: Path) -> None:
    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("a")
    _run(tmp_path, source, output)
    stamp = tmp_path / "step.stamp.json"
    assert not stamps.is_fresh(
        stamp, stamps.step_key("code-1", {"source": source, "config": "digest-b"})
    )
    assert not stamps.is_fresh(
        stamp, stamps.step_key("code-2", {"source": source, "config": "digest-a"})
    )


def test_rewritten_or_missing_output_is_not_fresh(tmp_path: Path) -> None:
    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("a")
    key = _run(tmp_path, source, output)
    stamp = tmp_path / "step.stamp.json"
    output.write_text("edited by hand")
    assert not stamps.is_fresh(stamp, key)
    output.unlink()
    assert not stamps.is_fresh(stamp, key)


def test_no_stamp_is_not_fresh(tmp_path: Path) -> None:
    assert not stamps.is_fresh(tmp_path / "never.stamp.json", {"code": "x"})
    (tmp_path / "bad.stamp.json").write_text("{cut off")
    assert not stamps.is_fresh(tmp_path / "bad.stamp.json", {"code": "x"})


def test_code_digest_ignores_the_config_files_and_reports() -> None:
    """Editing framework.toml must rerun only the steps that read it (by its own hash)."""
    names = {p.relative_to(stamps.PACKAGE).as_posix() for p in stamps.PACKAGE.rglob("*")}
    assert "data/framework.toml" in names and "reports/town_view.py" in names
    assert stamps.code_digest("scoring") != stamps.code_digest("models")
    assert stamps.code_digest("scoring") == stamps.code_digest("scoring")
