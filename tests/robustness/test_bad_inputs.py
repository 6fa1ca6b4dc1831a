"""The bad-input corpus: real mirror files with one defect each, through the real commands.

Data cases (`DATA_CASES`): the file is copied from the mirror with one defect into a raw folder
that links every other mirror file. Then
1. the file's reader (hopeful.prepare.raw_tables, by registry id) refuses it with a DataError
   naming the file, and the column and row where the file has them; a *tolerated* case (no
   message) reads exactly what the good file gives. A defect only a join of two files shows
   (a *staged* case) passes the readers, and the step that joins their interim tables names
   the raw file (as laid out under data/raw), column and row;
2. `hopeful prepare` refuses the raw folder before reading it (the sha256 check), exits 2, and
   leaves the previous outputs byte-for-byte as they were;
3. cases marked `via_cli` also run `hopeful prepare` with a registry that vouches for the
   defective file, so the reader's own error reaches the command line.
Town cases run `hopeful report`; framework cases run `hopeful score`; the checksum case runs
`hopeful fetch`. docs/reliability.md lists every case with its expected error.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest
from conftest import MIRROR, PROCESSED

from hopeful import indicators, processed, sources
from hopeful.cli import main
from hopeful.errors import DataError
from hopeful.indicators import politics
from hopeful.prepare import districts, geography, lsoa, raw_tables

from .conftest import (
    FIXTURE,
    mirror_copy,
    needs_mirror,
    needs_processed,
    snapshot,
)

UK = "mysociety-composite-uk-imd/UK_IMD_E.csv"
POPULATION = "humaniverse-demographr/population19_lsoa11.rda"
IMD = "humaniverse-imd/imd2019_england_lsoa11.rda"
LSOA_LAD = "humaniverse-geographr/lookup_lsoa11_ltla21.rda"
LAD_REGION = "humaniverse-geographr/lookup_ltla21_region21.rda"
LAD_VINTAGES = "humaniverse-geographr/lookup_ltla_ltla.rda"
ENGLISH_TOWNS = "ons-towns-english-education/english_education.csv"
EU_RESULTS = "eu-referendum-2016/EU-referendum-result-data.csv"

# Line 46 of UK_IMD_E.csv: the first English small area (the 45 lines above are Northern Irish).
UK_LINE_46 = b"E,E01021988,92.735,56.89999999999999,53.400000000000006,92.735,1,1,45.0,1,1"
# Line 2 of english_education.csv begins with this town.
ENGLISH_LINE_2 = b"E34000007,Carlton in Lindrick BUA,5456,"
PREPARE_OUTPUTS = [
    "towns.csv",
    "towns.parquet",
    "lsoa.parquet",
    "local_authorities.csv",
    "town_constituencies.csv",
    "data_dictionary.csv",
    "provenance.json",
]

Defect = Callable[[Path, Path], None]  # (good file, where the defective copy goes)


# --- defects -------------------------------------------------------------------------------


def edit_bytes(change: Callable[[bytes], bytes]) -> Defect:
    def apply(good: Path, bad: Path) -> None:
        data = good.read_bytes()
        changed = change(data)
        assert changed != data, "the defect changed nothing"
        bad.write_bytes(changed)

    return apply


def replace(old: bytes, new: bytes) -> Defect:
    def change(data: bytes) -> bytes:
        assert data.count(old) == 1, f"{old!r} is not unique in the file"
        return data.replace(old, new)

    return edit_bytes(change)


def uk_line_46(change: Callable[[list[bytes]], None]) -> Defect:
    """Change fields of line 46 of UK_IMD_E.csv (nation, lsoa, overall, income, employment…)."""
    fields = UK_LINE_46.split(b",")
    change(fields)
    return replace(UK_LINE_46, b",".join(fields))


def setitem(index: int, value: bytes) -> Callable[[list[bytes]], None]:
    return lambda fields: fields.__setitem__(index, value)


def edit_rda(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Defect:
    """Read the R data frame, change it, write it back as .rda under the same object name."""

    def apply(good: Path, bad: Path) -> None:
        ((name, frame),) = pyreadr.read_r(str(good)).items()
        pyreadr.write_rdata(str(bad), change(frame.copy()), df_name=name)

    return apply


def set_cell(row: int, column: str, value: object) -> Defect:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return edit_rda(change)


def drop_rows(keep: Callable[[pd.DataFrame], pd.Series]) -> Defect:
    return edit_rda(lambda frame: frame[keep(frame)].reset_index(drop=True))


def delete(good: Path, bad: Path) -> None:
    """The file is simply not there."""


def truncate_half(good: Path, bad: Path) -> None:
    data = good.read_bytes()
    bad.write_bytes(data[: len(data) // 2])


def cut_mid_row(line: int) -> Defect:
    """Keep the file up to 20 bytes into `line` (1-based), as an interrupted copy would."""

    def change(data: bytes) -> bytes:
        start = 0
        for _ in range(line - 1):
            start = data.index(b"\n", start) + 1
        return data[: start + 20]

    return edit_bytes(change)


def reencode(encoding: str) -> Defect:
    return edit_bytes(lambda data: data.decode("utf-8").encode(encoding))


# --- the catalogue ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """One defective file: what must refuse it, and where the error must point."""

    id: str
    file: str
    defect: Defect
    read: Callable[[Path], object]
    message: str | None  # None: tolerated, `read` returns what it returns for the good file
    column: str | None = None
    row: int | None = None
    error_file: str | None = None  # when the error names another file than the defective one
    via_cli: bool = False
    staged: bool = False  # raised after the readers, naming the file relative to data/raw


def reader(dataset_id: str) -> Callable[[Path], pd.DataFrame]:
    return lambda raw: raw_tables.read(raw, dataset_id)


def staged(ids: list[str], step: Callable[[Path], object]) -> Callable[[Path], object]:
    """Run the readers of `ids` on raw into an interim folder beside it, then `step` on it."""

    def run(raw: Path) -> object:
        folder = raw.parent / "interim"
        raw_tables.write_all(raw, folder, ids=ids)
        return step(folder)

    return run


def eu_referendum(interim_dir: Path) -> pd.DataFrame:
    return politics.eu_referendum(interim_dir, politics.ltla16_to_ltla21(interim_dir))


DATA_CASES = [
    Bad("missing-file", IMD, delete, reader("imd2019_england_lsoa11"), "file is missing"),
    Bad("empty-file", UK, edit_bytes(lambda _: b""), reader("uk_imd_e"), "file is empty"),
    Bad(
        "truncated-rda",
        POPULATION,
        truncate_half,
        reader("population19_lsoa11"),
        "not a readable R data file",
        via_cli=True,
    ),
    Bad(
        "truncated-csv-mid-row",
        UK,
        cut_mid_row(1000),
        reader("uk_imd_e"),
        "has 4 field(s) where the header has 11 (the file ends mid-row: truncated?)",
        row=1000,
    ),
    Bad(
        "utf16-encoded",
        UK,
        reencode("utf-16"),
        reader("uk_imd_e"),
        "cannot be decoded as utf-8 at byte 0 (b'\\xff': invalid start byte); "
        "it starts with a UTF-16 byte-order mark",
        row=1,
        via_cli=True,
    ),
    Bad(
        "cp1252-byte-in-utf8",
        ENGLISH_TOWNS,
        replace(b"Carlton in Lindrick", b"Carlton\x96in Lindrick"),
        reader("towns_english_education"),
        "cannot be decoded as utf-8 at byte",
        row=2,
    ),
    Bad(
        "lf-where-cr-expected",
        EU_RESULTS,
        edit_bytes(lambda data: data.replace(b"\r", b"\n")),
        reader("eu_referendum2016_results"),
        "has LF (\\n) line endings but is registered as a CR-only (old Mac) file",
        row=1,
    ),
    Bad(
        # Medway is file row 206, after the 33 Northern Irish and Scottish rows the reader
        # leaves out: the error must still name the row of the file.
        "non-numeric-after-filtered-rows",
        EU_RESULTS,
        replace(
            b",Medway,192524,138975,138975,72.18,138973,138886,49889,88997,",
            b",Medway,192524,138975,138975,72.18,138973,138886,49889,lots,",
        ),
        reader("eu_referendum2016_results"),
        "'lots' is not a number",
        column="Leave",
        row=206,
    ),  # fmt: skip
    Bad(
        "unknown-area-after-filtered-rows",
        EU_RESULTS,
        replace(b",E06000035,Medway,", b",E06999999,Medway,"),
        staged(["eu_referendum2016_results", "lookup_ltla_ltla"], eu_referendum),
        "counting area not in the LA code history (value 'E06999999')",
        column="Area_Code",
        row=206,
        staged=True,
    ),
    Bad(
        "cr-where-lf-expected",  # pandas reads bare CR as a line end: same table
        ENGLISH_TOWNS,
        edit_bytes(lambda data: data.replace(b"\n", b"\r")),
        reader("towns_english_education"),
        None,
    ),
    Bad(
        "renamed-column",
        UK,
        replace(b",UK_IMD_E_score,", b",UK_IMD_score,"),
        reader("uk_imd_e"),
        "missing required column(s) ['UK_IMD_E_score']",
        column="UK_IMD_E_score",
    ),
    Bad(
        "missing-column",
        LSOA_LAD,
        edit_rda(lambda frame: frame.drop(columns=["ltla21_code"])),
        reader("lookup_lsoa11_ltla21"),
        "missing required column(s) ['ltla21_code']",
        column="ltla21_code",
    ),
    Bad(
        "extra-column",  # ignored: readers select the columns they need
        UK,
        edit_bytes(lambda data: data.replace(b"\n", b",extra\n")),
        reader("uk_imd_e"),
        None,
    ),
    Bad(
        "duplicate-code-csv",
        UK,
        replace(UK_LINE_46, UK_LINE_46 + b"\n" + UK_LINE_46),
        reader("uk_imd_e"),
        "duplicate value 'E01021988'",
        column="lsoa",
        row=47,
        via_cli=True,
    ),
    Bad(
        "duplicate-code-rda",
        IMD,
        edit_rda(lambda frame: pd.concat([frame, frame.iloc[[5]]], ignore_index=True)),
        reader("imd2019_england_lsoa11"),
        "duplicate value 'E01000007'",
        column="lsoa11_code",
        row=32_846,
    ),
    Bad(
        "msoa-code-for-lsoa",
        UK,
        uk_line_46(setitem(1, b"E02000001")),
        reader("uk_imd_e"),
        "'E02000001' is not a LSOA code",
        column="lsoa",
        row=46,
    ),
    Bad(
        "lsoa-code-for-district",
        LSOA_LAD,
        set_cell(0, "ltla21_code", "E01011949"),
        reader("lookup_lsoa11_ltla21"),
        "'E01011949' is not a LAD code",
        column="ltla21_code",
        row=2,
    ),
    Bad(
        "non-numeric",
        UK,
        uk_line_46(setitem(3, b"twelve")),
        reader("uk_imd_e"),
        "'twelve' is not a number",
        column="income_score",
        row=46,
    ),
    Bad(
        "thousands-separator",
        ENGLISH_TOWNS,
        replace(ENGLISH_LINE_2, ENGLISH_LINE_2.replace(b"5456", b'"5,456"')),
        reader("towns_english_education"),
        "'5,456' is not a number",
        column="population",
        row=2,
    ),
    Bad(
        "zero-population",
        POPULATION,
        set_cell(3, "total_population", 0.0),
        reader("population19_lsoa11"),
        "0.0 is out of range (must be > 0)",
        column="total_population",
        row=5,
        via_cli=True,
    ),
    Bad(
        "negative-population",
        POPULATION,
        set_cell(3, "70", -1.0),
        reader("population19_lsoa11"),
        "-1.0 is out of range (must be >= 0)",
        column="70",
        row=5,
    ),
    Bad(
        "percentage-over-100",
        UK,
        uk_line_46(setitem(3, b"156.9")),
        reader("uk_imd_e"),
        "156.9 is out of range (must be <= 100)",
        column="income_score",
        row=46,
    ),
    Bad(
        "percentage-negative",
        UK,
        uk_line_46(setitem(4, b"-3.0")),
        reader("uk_imd_e"),
        "-3.0 is out of range (must be >= 0)",
        column="employment_score",
        row=46,
    ),
    Bad(
        "rank-past-row-count",  # one row deleted: the last rank no longer fits
        IMD,
        drop_rows(lambda frame: frame.index != 5),
        reader("imd2019_england_lsoa11"),
        "rank 32844 is higher than the file's 32843 rows: a row is missing or the rank is wrong",
        column="IMD_rank",
        row=17_269,
    ),
    Bad(
        "population-lacks-an-area",
        POPULATION,
        drop_rows(lambda frame: frame["lsoa11_code"] != "E01011952"),
        staged(
            ["population19_lsoa11", "imd2019_england_lsoa11", "imd2019_wales_lsoa11", "uk_imd_e"],
            lsoa.lsoa_table,
        ),
        "1 LSOA(s) are not in the population file (population19_lsoa11.rda), e.g. ['E01011952']",
        column="lsoa11_code",
        error_file=IMD,
        staged=True,
    ),
    Bad(
        "district-lookup-leaves-areas-unmatched",
        LAD_VINTAGES,
        drop_rows(lambda frame: frame["ltla21_code"] != "E07000008"),
        staged(["lookup_lsoa11_ltla21", "lookup_ltla_ltla"], districts.lsoa11_to_lad19),
        "no 2019 district found for LSOA 'E01017946' (authority 'E07000008')",
        column="ltla21_code",
        row=8_546,
        error_file=LSOA_LAD,
        staged=True,
    ),
    Bad(
        "region-lookup-leaves-areas-unmatched",
        LAD_REGION,
        drop_rows(lambda frame: frame["ltla21_code"] != "E06000013"),
        staged(["lookup_ltla21_region21", "lookup_lsoa11_ltla21"], geography.lad_to_region),
        "local authorities with no region: ['E06000013']",
        staged=True,
    ),
]


def registry_ids() -> dict[str, str]:
    return {f"{ds.source}/{ds.file}": ds.id for ds in sources.load_registry()}


def seed_outputs(folder: Path) -> dict[str, bytes]:
    """A processed folder holding a previous run's outputs; returns its snapshot."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in PREPARE_OUTPUTS:
        (folder / name).write_bytes(f"previous good {name}\n".encode())
    return snapshot(folder)


def vouching_registry(folder: Path, relative: str, bad: Path) -> Path:
    """The packaged registry with the sha256 and size of the defective file in place of the good."""
    ds = sources.dataset(registry_ids()[relative])
    text = sources.REGISTRY.read_text(encoding="utf-8")
    good = f'sha256 = "{ds.sha256}"\nbytes = {ds.bytes}\n'
    assert text.count(good) == 1
    data = bad.read_bytes()
    vouched = f'sha256 = "{processed.sha256_file(bad)}"\nbytes = {len(data)}\n'
    path = folder / "datasets.toml"
    path.write_text(text.replace(good, vouched), encoding="utf-8")
    return path


def located(error_file: Path, column: str | None, row: int | None) -> str:
    """How DataError prefixes its message: file, column, row."""
    where = [str(error_file)]
    if column is not None:
        where.append(f"column {column!r}")
    if row is not None:
        where.append(f"row {row}")
    return ", ".join(where) + ": "


@needs_mirror
@pytest.mark.parametrize("case", DATA_CASES, ids=[c.id for c in DATA_CASES])
def test_bad_data_file(
    case: Bad, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = mirror_copy(tmp_path / "raw", replaced=case.file)
    case.defect(MIRROR / case.file, raw / case.file)

    # 1. the reader
    if case.message is None:
        pd.testing.assert_frame_equal(case.read(raw), case.read(MIRROR))
    else:
        with pytest.raises(DataError) as caught:
            case.read(raw)
        error = caught.value
        error_file = Path(case.error_file or case.file)
        error_file = error_file if case.staged else raw / error_file
        assert (error.file, error.column, error.row) == (str(error_file), case.column, case.row)
        assert case.message in error.message
        assert str(error).startswith(located(error_file, case.column, case.row))

    # 2. the command: the sha256 check refuses the raw folder before anything is read
    processed = tmp_path / "processed"
    before = seed_outputs(processed)
    interim_dir = tmp_path / "interim_of_prepare"
    args = ["prepare", "--raw-dir", str(raw), "--interim-dir", str(interim_dir)]
    args += ["--processed-dir", str(processed)]
    assert main(args) == 2
    stderr = capsys.readouterr().err
    assert "hopeful prepare: error: " in stderr and "run `hopeful fetch`" in stderr
    changed = "missing (dataset" if case.defect is delete else "sha256 "
    assert f"{raw / case.file}: {changed}" in stderr
    assert f"(dataset {registry_ids()[case.file]})" in stderr
    assert snapshot(processed) == before
    assert not interim_dir.exists()

    # 3. with a registry that vouches for the defective file, the reader's error surfaces
    if case.via_cli:
        registry = vouching_registry(tmp_path, case.file, raw / case.file)
        monkeypatch.setattr(sources, "REGISTRY", registry)
        assert main(args) == 2
        stderr = capsys.readouterr().err
        error_file = raw / (case.error_file or case.file)
        expected = located(error_file, case.column, case.row) + case.message
        assert f"hopeful prepare: error: {expected}" in stderr
        assert "Traceback" not in stderr
        assert snapshot(processed) == before
        assert not interim_dir.exists()  # every raw file is validated before any table is written


@needs_mirror
def test_checksum_mismatch_in_the_mirror_is_not_installed(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """`hopeful fetch` from a mirror whose copy of one file was altered by one byte."""
    mirror = mirror_copy(tmp_path / "mirror", replaced=UK)
    replace(UK_LINE_46, UK_LINE_46.replace(b"92.735", b"92.736", 1))(MIRROR / UK, mirror / UK)
    raw = mirror_copy(tmp_path / "raw", replaced=UK)
    before = snapshot(raw)
    code = main(["fetch", "--raw-dir", str(raw), "--mirror", str(mirror), "--no-download"])
    assert code == 2
    stderr = capsys.readouterr().err
    ds = sources.dataset("uk_imd_e")
    assert f"1 of {len(sources.load_registry())} datasets failed to fetch" in stderr
    assert f"{raw / UK}: dataset uk_imd_e from {mirror / UK}: expected sha256 {ds.sha256}" in stderr
    assert f"got {processed.sha256_file(mirror / UK)}" in stderr
    assert "the file was not installed" in stderr
    after = snapshot(raw)
    assert not (raw / UK).exists()
    # Only the provenance manifest changed: it no longer vouches for the missing file.
    assert {k: v for k, v in after.items() if k != "provenance.json"} == before
    manifest = json.loads(after["provenance.json"])
    assert "uk_imd_e" not in {d["id"] for d in manifest["datasets"]}
    assert len(manifest["datasets"]) == len(sources.load_registry()) - 1


# --- town names given to `hopeful report` ---------------------------------------------------


@dataclass(frozen=True)
class BadTown:
    id: str
    query: str
    message: str


TOWN_CASES = [
    BadTown("unknown-name", "Nowhere-on-Sea", "no town matches 'Nowhere-on-Sea'."),
    BadTown("misspelt-name", "Port Talbott", "Close matches: 'Port Talbot'"),
    BadTown("code-of-no-town", "E35999998", "no town matches 'E35999998'."),
    BadTown(
        "ambiguous-name",
        "gravesend",
        "town 'gravesend' is ambiguous; use a code: E35001042 (Gravesend, Gravesham); "
        "E35999999 (Gravesend, Elsewhere)",
    ),
    BadTown("empty-name", "", "no town matches ''."),
    BadTown("parent-path", "../../etc/passwd", "no town matches '../../etc/passwd'."),
    BadTown("absolute-path", "/etc/passwd", "no town matches '/etc/passwd'."),
    BadTown("windows-path", "..\\..\\win.ini", "no town matches '..\\\\..\\\\win.ini'."),
    BadTown("name-then-path", "Gravesend/../../x", "no town matches 'Gravesend/../../x'."),
    BadTown("html-script", "<script>alert(1)</script>", "'<script>alert(1)</script>'"),
    BadTown("html-handler", "<img src=x onerror=alert(1)>", "'<img src=x onerror=alert(1)>'"),
    BadTown(
        "code-injection",
        "\"; import os; os.system('touch pwned') #",
        "no town matches '\"; import os; os.system(\\'touch pwned\\') #'.",
    ),
    BadTown("terminal-escape", "Gravesend\x1b[2J", "no town matches 'Gravesend\\x1b[2J'."),
    BadTown("very-long-name", "Gravesend" * 2000, "no town matches 'GravesendGravesend"),
]


@needs_processed
@pytest.mark.parametrize("case", TOWN_CASES, ids=[c.id for c in TOWN_CASES])
def test_bad_town_name(
    case: BadTown, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    processed, out = tmp_path / "processed", tmp_path / "reports"
    processed.mkdir()
    table = pd.read_csv(PROCESSED / "towns.csv", dtype=str)
    if case.id == "ambiguous-name":
        twin = table[table["town_code"] == "E35001042"].assign(
            town_code="E35999999", lad_name="Elsewhere"
        )
        table = pd.concat([table, twin], ignore_index=True)
    table.to_csv(processed / "towns.csv", index=False)
    (out / "towns").mkdir(parents=True)
    (out / "towns" / "e35001042-gravesend.html").write_text("previous good report\n")
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)

    args = ["report", case.query, "--processed-dir", str(processed), "--out-dir", str(out)]
    assert main([*args, "--notebook", str(FIXTURE)]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("hopeful report: error: ")
    assert case.message in stderr
    assert "\x1b" not in stderr and len(stderr) < 1_000
    assert snapshot(tmp_path) == before  # nothing rendered, nothing written anywhere


def test_missing_town_table_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="towns.csv is missing: run `hopeful prepare` first"):
        processed.read_towns(tmp_path)
    (tmp_path / "towns.csv").write_text("town_code,name\nE35001042,Gravesend\n")
    with pytest.raises(DataError) as caught:
        processed.read_towns(tmp_path)
    assert caught.value.column == "town_name"


def test_report_without_a_town_table_exits_cleanly(tmp_path: Path) -> None:
    args = ["report", "Gravesend", "--processed-dir", str(tmp_path), "--out-dir", str(tmp_path)]
    assert main(args) == 2


# --- framework files given to `hopeful score` -----------------------------------------------


@dataclass(frozen=True)
class BadFramework:
    id: str
    old: str
    new: str
    message: str


INCOME = 'code = "income_deprived_rate"\nname = "Share of people income-deprived"'
DEMOGRAPHY = (
    'code = "demography"\nname = "Demographic and population change"\nweight = 1.0\n'
    'description = "Old-age dependency and household growth far from a moderate band."'
)
ACCESS = 'code = "access"\nname = "Access and connection"\nweight = 1.0'
FRAMEWORK_CASES = [
    BadFramework(
        "unknown-indicator",
        INCOME,
        INCOME.replace("income_deprived_rate", "income_deprived_rate_2031"),
        "[[indicator]] 'income_deprived_rate_2031': not a column of the indicator data",
    ),
    BadFramework(
        "negative-weight",
        INCOME + '\ndomain = "deprivation"\ndirection = -1\nweight = 1.0',
        INCOME + '\ndomain = "deprivation"\ndirection = -1\nweight = -1.0',
        "[[indicator]] 'income_deprived_rate': negative weight -1.0",
    ),
    BadFramework(
        "nan-weight",
        ACCESS,
        ACCESS.replace("1.0", "nan"),
        "[[domain]] 'access': 'weight' must be a finite number",
    ),
    BadFramework(
        "parent-cycle",
        f"{DEMOGRAPHY}\n\n[[domain]]\n{ACCESS}",
        f'{DEMOGRAPHY}\nparent = "access"\n\n[[domain]]\n{ACCESS}\nparent = "demography"',
        "[[domain]] 'demography': parent cycle: demography -> access -> demography",
    ),
    BadFramework(
        "misspelt-key",
        ACCESS,
        ACCESS.replace("weight", "wieght"),
        "[[domain]] 'access': unknown key(s): wieght",
    ),
]


@pytest.fixture
def indicator_stub(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every catalogue indicator as an empty column: `score` reads the framework only after
    building indicators (8 s on the mirror), and the framework checks need only the columns."""
    codes = list(indicators.catalogue()["code"])

    def build(
        interim_dir: Path, lsoa_town, lsoa_lad, towns: pd.DataFrame, town_pcon, small_areas=None
    ) -> pd.DataFrame:
        return pd.DataFrame({"town_code": towns["town_code"], **dict.fromkeys(codes, np.nan)})

    monkeypatch.setattr(indicators, "build_indicators", build)


@needs_mirror
@needs_processed
@pytest.mark.usefixtures("indicator_stub")
@pytest.mark.parametrize("case", FRAMEWORK_CASES, ids=[c.id for c in FRAMEWORK_CASES])
def test_bad_framework_file(
    case: BadFramework, tmp_path: Path, capsys: pytest.CaptureFixture, mirror_interim: Path
) -> None:
    from hopeful.scoring.framework import DEFAULT_PATH as FRAMEWORK_PATH

    text = FRAMEWORK_PATH.read_text(encoding="utf-8")
    assert text.count(case.old) == 1
    framework = tmp_path / "framework.toml"
    framework.write_text(text.replace(case.old, case.new), encoding="utf-8")
    processed = tmp_path / "processed"
    processed.mkdir()
    for name in ("towns.csv", "lsoa.parquet", "local_authorities.csv", "town_constituencies.csv",
                 "map_layers.parquet", "provenance.json"):  # fmt: skip
        shutil.copy(PROCESSED / name, processed / name)
    before = snapshot(processed)
    args = ["score", "--interim-dir", str(mirror_interim), "--processed-dir", str(processed)]
    assert main([*args, "--framework", str(framework)]) == 2
    stderr = capsys.readouterr().err
    assert f"hopeful score: error: {framework}: {case.message}" in stderr
    assert snapshot(processed) == before
