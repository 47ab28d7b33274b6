"""The bad-input corpus (tests/corpus/): every file through the real CLI and through the upload
flow. Each must be rejected (exit 1, a specific Japanese message, the warehouse byte-identical)
or loaded with a warning that is kept in reject_log, as tests/corpus/expected.csv says.

The CLI runs are `python -m etl load ...` on private copies of one small warehouse, forked two at a
time from one process that imported the CLI once (testing.cli_runner; a test compares it with real
child processes); the upload flow is etl.intake.prepare_upload, the function the データ page calls
with the uploaded bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import testing
from etl import intake

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
MANIFEST = CORPUS / "expected.csv"
NOT_CORPUS = {"make_corpus.py", "expected.csv", "__pycache__"}
KINDS = ("survey", "roster", "status", "population", "boundaries", "indicators")
# Faults the issue names; each must have its file in the corpus.
REQUIRED = [
    "survey_encoding_euc_jp.csv", "survey_encoding_utf16.csv", "survey_truncated.xlsx",
    "survey_header_30_rows_down.xlsx", "survey_duplicate_rows.csv", "survey_check_digit_mismatch.csv",
    "survey_retired_code_merger.csv", "survey_old_name_sasayama.csv", "survey_ambiguous_name_date.csv",
    "survey_ambiguous_name_fuchu.csv", "survey_negative_count.csv", "survey_non_numeric_count.csv",
    "survey_absurd_count_village_5000.csv", "survey_future_base_date.csv", "survey_empty.csv",
    "survey_header_only.csv", "survey_extra_unknown_column.csv", "survey_formula_hyperlink.csv",
    "survey_html_script_in_name.csv", "roster_unknown_role.csv", "roster_other_prefecture_assignment.csv",
    "boundaries_no_codes.topojson",
]
# Personal data written in the corpus rosters: it must never come back in a message.
ROSTER_PII = ("試験 太郎", "試験 花子", "@example.jp", "090-0000-0001")
CLI_TIMEOUT = 300
# Every rejection must finish in bounded time and print a bounded report, whatever the file holds.
REJECT_TIMEOUT = 30  # seconds, per CLI run
MAX_OUTPUT = 20_000  # bytes of stdout + stderr


@dataclass(frozen=True)
class Case:
    file: str
    kind: str
    args: tuple[str, ...]
    outcome: str
    fragment: str
    check: str = ""
    expected: str = ""

    @property
    def path(self) -> Path:
        return CORPUS / self.file


def load_manifest() -> list[Case]:
    with MANIFEST.open(encoding="utf-8", newline="") as f:
        return [Case(r["file"], r["kind"], tuple(shlex.split(r["args"])), r["outcome"], r["fragment"],
                     r["check"], r["expected"])
                for r in csv.DictReader(f)]


CASES = load_manifest()


def copy_small(src: Path, dest_dir: Path) -> Path:
    return testing.copy_db(src, dest_dir)


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory) -> Path:
    """One accepted survey load: small (a few MB) and quick to copy for every corpus file."""
    d = tmp_path_factory.mktemp("corpus_base")
    src = d / "survey_2022-04-01.csv"
    src.write_bytes("団体コード,都道府県名,団体名,DX担当職員数\r\n012025,北海道,函館市,2\r\n".encode())
    testing.run_etl("load", "survey", src, "--db", d / "warehouse.duckdb", check=True)
    return d / "warehouse.duckdb"


@dataclass
class CliResult:
    code: int
    out: str
    err: str
    db: Path
    before: str
    after: str
    raw_before: list[str]
    raw_after: list[str]


def _raw(db: Path) -> list[str]:
    raw = db.parent / "raw"
    return sorted(p.name for p in raw.glob("*")) if raw.exists() else []


@pytest.fixture(scope="module")
def cli_results(small_warehouse, tmp_path_factory) -> dict[str, CliResult]:
    """Every corpus file loaded by `python -m etl load` into its own copy of the small warehouse.
    testing.cli_runner imports the CLI once and forks a child per file (the same main, exit code,
    stdout and stderr as a `python -m etl` process; killed after REJECT_TIMEOUT when the file must
    be rejected), two at a time."""
    root = tmp_path_factory.mktemp("corpus_runs")
    jobs, before = [], {}
    for i, case in enumerate(CASES):
        db = copy_small(small_warehouse, root / f"{i:02d}")
        before[case.file] = (db, testing.sha256(db), _raw(db))
        jobs.append({"id": case.file, "args": ["load", case.kind, case.path, "--db", db, *case.args],
                     "stdout": db.parent / "stdout.txt", "stderr": db.parent / "stderr.txt",
                     "timeout": REJECT_TIMEOUT if case.outcome == "rejected" else CLI_TIMEOUT})
    spec = json.dumps({"parallel": max(2, os.cpu_count() or 2), "jobs": jobs}, default=str)
    proc = subprocess.run([sys.executable, "-m", "testing.cli_runner"], input=spec, cwd=ROOT, env=testing.etl_env(),
                          capture_output=True, text=True, timeout=CLI_TIMEOUT * 4, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    codes = {r["id"]: r["code"] for r in map(json.loads, proc.stdout.splitlines())}
    assert set(codes) == {c.file for c in CASES}
    out = {}
    for job in jobs:
        db, sha_before, raw_before = before[job["id"]]
        out[job["id"]] = CliResult(codes[job["id"]], Path(job["stdout"]).read_text(encoding="utf-8"),
                                   Path(job["stderr"]).read_text(encoding="utf-8"), db, sha_before,
                                   testing.sha256(db), raw_before, _raw(db))
    return out


def test_the_forked_cli_runner_matches_a_python_m_etl_process(cli_results, small_warehouse, tmp_path):
    """The fast runner is the real CLI: for a rejected, a warned and a loaded file, a `python -m etl`
    child process gives the same exit code, stdout and stderr."""
    for name in ("survey_negative_count.csv", "survey_extra_unknown_column.csv", "survey_fullwidth_digits_and_units.csv"):
        case = next(c for c in CASES if c.file == name)
        db = copy_small(small_warehouse, tmp_path / name)
        run = testing.run_etl("load", case.kind, case.path, "--db", db, *case.args)
        forked = cli_results[name]
        assert (run.code, run.out, run.err) == (forked.code, forked.out, forked.err), name


# -- the corpus itself --------------------------------------------------------------------

def test_corpus_has_forty_files_each_listed_once_and_named_for_a_kind():
    files = sorted(p.name for p in CORPUS.iterdir() if p.name not in NOT_CORPUS)
    listed = [c.file for c in CASES]
    assert len(files) >= 40
    assert len(listed) == len(set(listed)), "a file is listed twice in expected.csv"
    assert sorted(listed) == files, "expected.csv and the files in tests/corpus/ differ"
    assert {c.outcome for c in CASES} <= {"rejected", "warning", "loaded"}
    assert {"rejected", "warning", "loaded"} <= {c.outcome for c in CASES}
    assert {c.kind for c in CASES} == set(KINDS)
    for c in CASES:
        assert c.file.startswith(c.kind + "_"), c.file
        assert c.fragment.strip(), c.file
        # a file that loads must be proven to store exactly the right values
        assert (c.outcome == "rejected") != bool(c.check and c.expected), c.file
    missing = [f for f in REQUIRED if f not in listed]
    assert not missing, missing


def test_corpus_is_regenerated_byte_for_byte(tmp_path):
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_corpus", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    module.write_corpus(tmp_path)
    for c in CASES:
        assert (tmp_path / c.file).read_bytes() == c.path.read_bytes(), f"{c.file} differs from make_corpus.py"
    assert (tmp_path / "expected.csv").read_bytes() == MANIFEST.read_bytes()


def test_already_loaded_cases_hold_the_file_the_small_warehouse_loaded(small_warehouse):
    """issue 13 class 4: these corpus files are byte for byte the file already in the warehouse."""
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        loaded = con.execute("SELECT sha256 FROM load_log").fetchall()
    cases = [c for c in CASES if c.file.startswith("survey_already_loaded_")]
    assert len(cases) >= 3
    assert {testing.sha256(c.path) for c in cases} == {loaded[0][0]} and len(loaded) == 1


def test_retired_code_is_a_real_merged_municipality_not_a_current_one():
    from etl import reference
    from etl.codes import check_digit

    current = set(reference.municipalities().lg_code) | set(reference.designated_wards().ward_code)
    assert reference.RETIRED_CODES, "at least one code retired by a merger"
    for code in reference.RETIRED_CODES:
        assert check_digit(code[:5]) == int(code[5]), code
        assert code not in current, code
    assert len(current) == 1741 + 177  # every ward listed, 浜松市's before and after 2024-01-01


# -- through the CLI ------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_cli(case: Case, cli_results):
    r = cli_results[case.file]
    text = r.out + r.err
    assert "Traceback" not in text, text
    assert case.fragment in text, f"{case.fragment!r} not in:\n{text}"
    assert len((r.out + r.err).encode("utf-8")) <= MAX_OUTPUT, "the report is bounded (at most 20 KB)"
    if case.kind == "roster":
        assert not [p for p in ROSTER_PII if p in text], "personal data must never be echoed"
    if case.outcome == "rejected":
        assert r.code == 1, text
        assert case.fragment in r.err, "the reason goes to stderr"
        assert "倉庫は変更していません" in r.err
        assert r.after == r.before, "a rejected file leaves the warehouse byte-identical"
        assert r.raw_after == r.raw_before, "a rejected file is not archived"
        return
    assert r.code == 0, text
    with duckdb.connect(str(r.db), read_only=True) as con:
        rows = con.execute(
            "SELECT l.file_name, j.severity, j.reason FROM reject_log j JOIN load_log l USING (source_id) "
            "WHERE source_id = (SELECT max(source_id) FROM load_log)").fetchall()
        stored = repr(con.execute(case.check).fetchall())
    warned = [reason for name, sev, reason in rows if name == case.file and sev == "warning"]
    if case.outcome == "warning":
        assert any(case.fragment in reason for reason in warned), rows
    else:
        assert not warned, warned
    assert stored == case.expected, f"{case.file} stored {stored}, expected {case.expected}"


def test_html_in_a_name_is_carried_as_plain_text(cli_results):
    """The message repeats the name exactly (it is text, shown by st.dataframe or a terminal)."""
    err = cli_results["survey_html_script_in_name.csv"].err
    assert "値「<script>alert(1)</script>」" in err and "&lt;" not in err


# -- through the upload flow ----------------------------------------------------------------

def _options(case: Case) -> dict:
    opts: dict = {}
    args = list(case.args)
    for flag, key in (("--base-date", "base_date"), ("--prefecture", "prefecture")):
        if flag in args:
            value = args[args.index(flag) + 1]
            opts[key] = dt.date.fromisoformat(value) if key == "base_date" else value
    return opts


@pytest.fixture(scope="module")
def upload_db(small_warehouse, tmp_path_factory) -> Path:
    return copy_small(small_warehouse, tmp_path_factory.mktemp("corpus_upload"))


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_upload(case: Case, upload_db):
    before = testing.sha256(upload_db)
    up = intake.prepare_upload(case.kind, case.file, case.path.read_bytes(), db_path=upload_db, **_options(case))
    try:
        if case.outcome == "rejected":
            assert not up.publishable
            reasons = [i.reason for i in up.report.errors]
            assert any(case.fragment in r for r in reasons), reasons
            assert intake.publish_upload(upload_db, up).status == "rejected"
        else:
            assert up.publishable, [i.reason for i in up.report.errors]
            if case.outcome == "warning":
                assert any(case.fragment in i.reason for i in up.report.warnings), up.report.warnings
        if case.kind == "roster":
            shown = " ".join(f"{i.reason} {i.value}" for i in up.report.issues)
            assert not [p for p in ROSTER_PII if p in shown]
    finally:
        up.discard()
    assert testing.sha256(upload_db) == before, "validating an upload never touches the warehouse"


# -- a 50 MB file ---------------------------------------------------------------------------

HEADER = "団体コード,都道府県名,団体名,DX担当職員数\r\n".encode()
FIFTY_MB = 50 * 1024 * 1024


def _many_rows(path: Path) -> Path:
    row = "011002,北海道,札幌市,12\r\n".encode()
    path.write_bytes(HEADER + row * -(-(FIFTY_MB - len(HEADER)) // len(row)))  # rounded up
    return path


def _one_huge_cell(path: Path) -> Path:
    path.write_bytes(HEADER + "011002,北海道,札幌市,\"".encode() + b"1" * FIFTY_MB + b"\"\r\n")
    return path


@pytest.mark.parametrize(("make", "fragment"), [
    (_many_rows, "行が多すぎます（上限 100,000 行）"),
    (_one_huge_cell, "CSV として読めません"),
], ids=["1.7M_rows", "one_50MB_cell"])
def test_50mb_file_is_refused_with_a_clear_message(make, fragment, small_warehouse, tmp_path):
    src = make(tmp_path / "survey_2023-04-01_50MB.csv")
    assert src.stat().st_size >= FIFTY_MB
    db = copy_small(small_warehouse, tmp_path / "wh")
    before = testing.sha256(db)
    started = time.monotonic()
    run = testing.run_etl("load", "survey", src, "--db", db, timeout=180)  # the timeout is the "reasonable time"
    elapsed = time.monotonic() - started
    assert run.code == 1, run.text
    assert fragment in run.err and "Traceback" not in run.err, run.err
    assert testing.sha256(db) == before
    print(f"\n50 MB ({make.__name__}): rejected by the CLI in {elapsed:.1f} s")

    up = intake.prepare_upload("survey", src.name, src.read_bytes(), db_path=db)
    try:
        assert not up.publishable
        assert any(fragment in i.reason for i in up.report.errors), up.report.errors
    finally:
        up.discard()
