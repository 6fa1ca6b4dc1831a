"""Supply chain and trust: verified inputs, no code run from data, hostile strings stay strings.

- every raw file a module names is in the sha256 registry, and `prepare` verifies the raw
  folder before it reads a byte of it;
- the source tree and notebooks hold no pickle, eval/exec of data, unsafe YAML or shell=True;
- notebook parameters are plain strings, papermill injects hostile ones as exact string
  literals, a rendered notebook receives them as text, and the town lookup refuses them.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import MIRROR, PROCESSED, ROOT
from IPython.core.inputtransformer2 import TransformerManager
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from hopeful import indicators, load, sources, towns
from hopeful.cli import main
from hopeful.errors import DataError, TownNotFoundError
from hopeful.prepare import raw_tables
from hopeful.reports import batch

from .conftest import FIXTURE, mirror_copy, needs_mirror, needs_processed

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PYTHON_FILES = sorted((ROOT / "src" / "hopeful").rglob("*.py"))
NOTEBOOK_PARAMETERS = {"town", "processed_dir", "evidence_dir", "towns_csv", "pilots_file"}

# Strings an attacker could put where a town name or code goes.
HOSTILE = [
    "\"; import os; os.system('touch pwned') #",
    "'; import os; os.system('touch pwned') #",
    '"""; import os #',
    '\\"; import os #',
    "x\nimport os\nos.system('touch pwned')",
    "x\r\nimport os",
    "x\u2028import os",
    "\x00",
    "{processed_dir}",
    "%(town)s",
    "$(touch pwned)",
    "`touch pwned`",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" or True or "',
    "../../etc/passwd",
    "Ynys Môn 日本",
]

# --- the source tree ------------------------------------------------------------------------

UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal", "shelve"}
UNSAFE_CALLS = {
    "eval",
    "exec",
    "compile",
    "os.system",
    "os.popen",
    "pd.read_pickle",
    "pandas.read_pickle",
    "yaml.unsafe_load",
    "yaml.full_load",
    "joblib.load",
    "torch.load",
}
TEXT_TOKENS = ("pickle", "eval(", "exec(", "yaml.load(", "shell=True", "os.system(")


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def unsafe_uses(source: str) -> list[str]:
    """Calls and imports that could run code taken from a file, by line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found += [
                f"{where}: imports {n}" for n in names if n and n.split(".")[0] in UNSAFE_MODULES
            ]
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        keywords = {k.arg: k.value for k in node.keywords}
        if name in UNSAFE_CALLS:
            found.append(f"{where}: calls {name}")
        if name in ("yaml.load", "yaml.load_all") and not _dotted(
            keywords.get("Loader", ast.Constant(None))
        ).endswith("SafeLoader"):
            found.append(f"{where}: {name} without SafeLoader")
        shell = keywords.get("shell")
        if shell is not None and not (isinstance(shell, ast.Constant) and shell.value is False):
            found.append(f"{where}: shell={ast.unparse(shell)}")
        pickled = keywords.get("allow_pickle")
        if name.endswith(".load") and pickled is not None and ast.unparse(pickled) != "False":
            found.append(f"{where}: {name} with allow_pickle")
        if name == "__import__" and not (node.args and isinstance(node.args[0], ast.Constant)):
            found.append(f"{where}: __import__ of a computed name")
    return found


def code_cells(path: Path) -> list[str]:
    """A notebook's code cells as plain Python (IPython magics turned into calls)."""
    nb = nbformat.read(path, as_version=4)
    transformer = TransformerManager()
    return [transformer.transform_cell(c.source) for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize(
    ("snippet", "problem"),
    [
        ("import pickle", "imports pickle"),
        ("from dill import loads", "imports dill"),
        ("eval(open('x').read())", "calls eval"),
        ("exec(row['code'])", "calls exec"),
        ("yaml.load(text)", "yaml.load without SafeLoader"),
        ("yaml.load(text, Loader=yaml.Loader)", "yaml.load without SafeLoader"),
        ("subprocess.run(cmd, shell=True)", "shell=True"),
        ("subprocess.run(cmd, shell=flag)", "shell=flag"),
        ("os.system('ls')", "calls os.system"),
        ("pd.read_pickle(path)", "calls pd.read_pickle"),
        ("np.load(path, allow_pickle=True)", "with allow_pickle"),
        ("__import__(name)", "__import__ of a computed name"),
    ],
)
def test_scanner_finds_unsafe_code(snippet: str, problem: str) -> None:
    assert [p for p in unsafe_uses(snippet) if problem in p], snippet


def test_scanner_passes_safe_code() -> None:
    safe = (
        "yaml.load(text, Loader=yaml.SafeLoader)\nsubprocess.run(['ls'], shell=False)\n"
        "np.load(path)\n__import__('sys')\nliteral = 'eval(x) exec(y)'\n"
    )
    assert unsafe_uses(safe) == []


def test_source_and_notebooks_run_no_code_from_data() -> None:
    problems = []
    for path in PYTHON_FILES:
        problems += [f"{path.relative_to(ROOT)}: {p}" for p in unsafe_uses(path.read_text())]
    for path in NOTEBOOKS:
        for number, cell in enumerate(code_cells(path), start=1):
            problems += [f"{path.relative_to(ROOT)} cell {number}: {p}" for p in unsafe_uses(cell)]
    assert problems == []


def test_no_unsafe_text_even_in_strings() -> None:
    """Code sent to kernels is text: grep it too (the kernel-side code is a real module now)."""
    hits = []
    for path in [*PYTHON_FILES, *NOTEBOOKS]:
        relative = str(path.relative_to(ROOT))
        lines = path.read_text().splitlines()
        if path.suffix == ".ipynb":
            lines = "\n".join(code_cells(path)).splitlines()
        for line in lines:
            if any(t in line for t in TEXT_TOKENS):
                hits.append(f"{relative}: {line.strip()}")
    assert hits == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_parameters_are_plain_strings(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) <= 1
    for cell in cells:
        for statement in ast.parse(cell.source).body:
            assert isinstance(statement, ast.Assign), ast.unparse(statement)
            (target,) = statement.targets
            assert isinstance(target, ast.Name) and target.id in NOTEBOOK_PARAMETERS
            assert isinstance(statement.value, ast.Constant)
            assert isinstance(statement.value.value, str)


# --- hostile parameters ---------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_papermill_injects_hostile_strings_as_literals(text: str) -> None:
    """What render and batch hand to papermill: the injected cell assigns exactly the text."""
    nb = parameterize_notebook(
        load_notebook_node(str(FIXTURE)), {"town": text, "processed_dir": f"/data/{text}"}
    )
    (cell,) = [c for c in nb.cells if "injected-parameters" in c.metadata.tags]
    statements = ast.parse(cell.source).body
    assert [type(s) for s in statements] == [ast.Assign, ast.Assign]
    values = {s.targets[0].id: ast.literal_eval(s.value) for s in statements}
    assert values == {"town": text, "processed_dir": f"/data/{text}"}


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_town_lookup_refuses_hostile_strings(text: str) -> None:
    table = pd.DataFrame(
        {
            "town_code": ["E35001042", "W38000144"],
            "town_name": ["Gravesend", "Port Talbot"],
            "lad_name": ["Gravesham", "Neath Port Talbot"],
        }
    )
    with pytest.raises(TownNotFoundError):
        towns.resolve_town(table, text)
    slug = towns.slugify("E35001042", text)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug


TOWNS = """town_code,town_name,population,score,sleep_seconds
E35000001,Gravesend,53045,12.5,0
E35000002,<img src=x onerror=alert(1)>,46844,18.25,0
W37000003,Barry,54673,9.75,0
"""


def test_hostile_town_code_reaches_the_notebook_as_text(pool, tmp_path: Path) -> None:
    """The real batch path: the kernel compares the text with town codes and finds none."""
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "towns.csv").write_text(TOWNS)
    notebook = tmp_path / "nb" / "report.ipynb"  # the kernel's working folder
    notebook.parent.mkdir()
    shutil.copy(FIXTURE, notebook)
    marker = tmp_path / "pwned"
    codes = [
        f"\"; open({str(marker)!r}, 'w').close() #",
        f"'; open({str(marker)!r}, 'w').close() #",
        "x\nimport os\nos.system('touch pwned')",
    ]
    pairs = [(code, f"hostile-{n}") for n, code in enumerate(codes)] + [("W37000003", "barry")]
    summary = batch.run_batch(
        notebook, pairs, processed, tmp_path / "out", executor=pool, progress=False
    )
    by_code = {o.town_code: o for o in summary.outcomes}
    assert by_code["W37000003"].status == "rendered"
    for code in codes:
        assert by_code[code].status == "failed"
        assert f"LookupError: no town {code!r} in {processed}" in by_code[code].error
    assert not marker.exists() and not (notebook.parent / "pwned").exists()
    assert sorted(p.name for p in (tmp_path / "out").glob("*.html")) == ["barry.html"]


def test_unescaped_html_from_data_never_becomes_a_page(pool, tmp_path: Path) -> None:
    """The fixture notebook puts a town name into Markdown unescaped; the offline check refuses
    the page, so a hostile name in the data cannot become a live element of a report."""
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "towns.csv").write_text(TOWNS)
    out = tmp_path / "out"
    summary = batch.run_batch(
        FIXTURE, [("E35000002", "e35000002-x"), ("W37000003", "w37000003-barry")], processed, out,
        executor=pool, progress=False,
    )  # fmt: skip
    hostile, barry = summary.outcomes
    assert hostile.status == "failed"
    assert "report would load external content or run a script" in hostile.error
    assert "<img src=x onerror=alert(1)>" in hostile.error  # emitted as markup, as written
    assert barry.status == "rendered"
    assert not (out / "e35000002-x.html").exists()


# --- verified inputs ------------------------------------------------------------------------


def _raw_file_constants() -> set[tuple[str, str]]:
    """Every ("<source>", "<file>") pair of string constants in the library."""
    folders = {ds.source for ds in sources.load_registry()}
    pairs = set()
    for path in PYTHON_FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Tuple) and len(node.elts) == 2:
                values = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
                if all(isinstance(v, str) for v in values) and values[0] in folders:
                    pairs.add((values[0], values[1]))
    return pairs


def test_raw_files_are_named_by_registry_id_only() -> None:
    """No ("<source>", "<file>") constants: the library names a raw file by its registry id,
    and every reader is keyed by a registered id."""
    assert _raw_file_constants() == set()
    registered = {ds.id for ds in sources.load_registry()}
    assert len(raw_tables.READERS) >= 30
    assert set(raw_tables.READERS) <= registered, sorted(set(raw_tables.READERS) - registered)


@needs_mirror
def test_prepare_verifies_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = mirror_copy(tmp_path / "raw", replaced="ons-lookups/tcity15_names_codes_ew.csv")
    good = (MIRROR / "ons-lookups" / "tcity15_names_codes_ew.csv").read_bytes()
    (raw / "ons-lookups" / "tcity15_names_codes_ew.csv").write_bytes(good + b"\n")

    def no_read(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"read before the sha256 check: {args[0]}")

    monkeypatch.setattr(load, "read_csv", no_read)
    monkeypatch.setattr(load, "read_rda", no_read)
    args = ["prepare", "--raw-dir", str(raw), "--interim-dir", str(tmp_path / "i")]
    assert main([*args, "--processed-dir", str(tmp_path / "p")]) == 2
    assert "(dataset tcity15_names_codes)" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()
    assert not (tmp_path / "i").exists()


@needs_processed
def test_score_needs_the_interim_tables_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hopeful score` reads no raw file: without prepare's interim tables it stops at once."""

    def reached(*args: object) -> None:
        raise DataError("indicators were built without the interim tables")

    monkeypatch.setattr(indicators, "build_indicators", reached)
    processed = tmp_path / "processed"
    processed.mkdir()
    for name in ("towns.csv", "lsoa.parquet"):
        shutil.copy(PROCESSED / name, processed / name)
    args = ["score", "--interim-dir", str(tmp_path / "interim"), "--processed-dir", str(processed)]
    assert main(args) == 2
    stderr = capsys.readouterr().err
    assert "are missing: run `hopeful prepare`" in stderr and "population19_lsoa11" in stderr
