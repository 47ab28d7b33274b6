"""A build validates its files side by side (issue 16 §5): the building process from the front, forked
workers from the back (etl.parallel). The reports, the warehouse and the messages are the same as one
process gives, and a rejected file still stops the whole build."""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import shutil
import signal
import time
from pathlib import Path

import duckdb

from etl import build as etl_build
from etl.build import input_files, validate_all
from etl.cli import EXIT_REJECTED
from etl.parallel import PARALLEL_FROM_FILES
from testing import SAMPLE_DIR, TEST_SALT, run_etl

# Columns, and meta keys, that say when or where a build ran, not what it loaded.
RUN_COLUMNS = {"loaded_at", "built_at", "archive_path"}
RUN_META = ("built_at", "version_id")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _jobs() -> list:
    return [(kind, path, TEST_SALT, None) for kind, path in input_files(SAMPLE_DIR)]


def test_workers_give_the_reports_one_process_gives():
    jobs = _jobs()
    assert len(jobs) >= PARALLEL_FROM_FILES
    alone = validate_all(jobs, workers=1)
    before = _children_cpu()
    side_by_side = validate_all(jobs, workers=2)
    assert _children_cpu() > before  # worker processes ran (and were reaped)
    assert [r.file_name for r in side_by_side] == [path.name for _, path, *_ in jobs]  # in the files' order
    for one, two in zip(alone, side_by_side, strict=True):
        assert (two.kind, two.file_name, two.sha256, two.rows_read, two.detail) == \
            (one.kind, one.file_name, one.sha256, one.rows_read, one.detail)
        assert two.issues == one.issues, one.file_name
        assert two.tables.keys() == one.tables.keys()
        for name, frame in one.tables.items():
            assert type(two.tables[name]) is type(frame), (one.file_name, name)
            assert two.tables[name].equals(frame), (one.file_name, name)  # dtypes too
            assert two.tables[name].attrs == frame.attrs, (one.file_name, name)


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, list[str]]:
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_catalog = ? AND table_schema = 'main' ORDER BY table_name, ordinal_position",
                       [db]).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        if column not in RUN_COLUMNS:
            out.setdefault(table, []).append(column)
    return out


def _small_sample(folder: Path) -> Path:
    """The sample's CSVs: both surveys, the status and the first rosters (no workbooks: the
    reports test above covers them, and a build of them twice is most of this file's time)."""
    (folder / "roster").mkdir(parents=True)
    for name in ("survey_2024-04-01.csv", "survey_2025-04-01.csv", "status.csv", ".synthetic"):
        shutil.copy(SAMPLE_DIR / name, folder / name)
    for path in sorted((SAMPLE_DIR / "roster").glob("*.csv"))[:PARALLEL_FROM_FILES]:
        shutil.copy(path, folder / "roster" / path.name)
    return folder


def test_a_build_in_workers_publishes_the_same_warehouse(tmp_path):
    inputs = _small_sample(tmp_path / "inputs")
    dbs = {}
    for workers in (1, 2):
        dbs[workers] = tmp_path / f"w{workers}" / "warehouse.duckdb"
        run = run_etl("build", "--db", dbs[workers], "--inputs", inputs, salt=TEST_SALT, check=True,
                      env={"DXGAP_BUILD_WORKERS": str(workers)})
        assert "倉庫を作りました" in run.out
    assert_same_warehouse(dbs[1], dbs[2])


def test_rows_appended_in_batches_as_files_come_are_the_rows_appended_at_once(tmp_path, monkeypatch):
    """A build appends a table's rows whenever APPEND_ROWS have come (while later files are still
    validated): with batches of 20 rows, the warehouse is the one a single append per table gives."""
    from etl import warehouse

    inputs = _small_sample(tmp_path / "inputs")
    monkeypatch.setenv("DXGAP_PERSON_SALT", TEST_SALT)
    once, batched = tmp_path / "once" / "warehouse.duckdb", tmp_path / "batched" / "warehouse.duckdb"
    assert etl_build.build(once, [inputs])[0]
    appends = []
    append = warehouse._append_parts
    monkeypatch.setattr(warehouse, "APPEND_ROWS", 20)
    monkeypatch.setattr(warehouse, "_append_parts", lambda con, table, parts: appends.append(table) or
                        append(con, table, parts))
    assert etl_build.build(batched, [inputs])[0]
    assert appends.count("raw_staff_survey") == 2  # two surveys of 1,741 rows: a batch after each
    assert appends.count("raw_talent_roster") >= 3  # eight rosters of 1 to 25 rows
    assert_same_warehouse(once, batched)


def assert_same_warehouse(first: Path, second: Path) -> None:
    """Every table holds the same rows (the run's own columns and meta keys left out)."""
    with duckdb.connect() as con:
        con.execute("ATTACH ? AS one (READ_ONLY)", [str(first)])
        con.execute("ATTACH ? AS two (READ_ONLY)", [str(second)])
        tables = _tables(con, "one")
        assert tables == _tables(con, "two")
        assert {"raw_staff_survey", "raw_talent_roster", "staff_survey", "talent_roster", "reject_log"} <= set(tables)
        for table, columns in tables.items():
            cols = ", ".join(f'"{c}"' for c in columns)  # names from information_schema, not user text
            where = "WHERE key NOT IN (SELECT unnest(?))" if table == "meta" else ""
            params = [list(RUN_META)] if where else []
            counts = con.execute(f"SELECT (SELECT count(*) FROM one.{table} {where}), "
                                 f"(SELECT count(*) FROM two.{table} {where})", params * 2).fetchone()
            assert counts[0] == counts[1], table
            differ = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM one.{table} {where} EXCEPT ALL "
                                 f"SELECT {cols} FROM two.{table} {where})", params * 2).fetchone()[0]
            assert differ == 0, table
        assert con.execute("SELECT count(*) FROM one.raw_talent_roster").fetchone()[0] > 0


def test_one_bad_file_among_many_stops_a_build_in_workers_with_its_row(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    survey = (SAMPLE_DIR / "survey_2025-04-01.csv").read_bytes()
    for k in range(1, PARALLEL_FROM_FILES + 2):
        (inputs / f"survey_2024-{k:02d}-01.csv").write_bytes(survey)
    lines = (inputs / "survey_2024-05-01.csv").read_text(encoding="cp932").splitlines()
    cells = lines[3].split(",")
    cells[3] = "多数"  # not a count
    lines[3] = ",".join(cells)
    (inputs / "survey_2024-05-01.csv").write_text("\n".join(lines) + "\n", encoding="cp932")
    runs = {}
    for workers in (1, 2):
        db = tmp_path / f"w{workers}" / "warehouse.duckdb"
        runs[workers] = run_etl("build", "--db", db, "--inputs", inputs, salt=TEST_SALT,
                                env={"DXGAP_BUILD_WORKERS": str(workers)})
        assert runs[workers].code == EXIT_REJECTED
        assert not db.exists()
        assert not list(db.parent.glob(".*tmp*"))  # the new file the good files went into is gone
    assert "survey_2024-05-01.csv" in runs[2].err and "4行目" in runs[2].err and "「多数」" in runs[2].err
    assert runs[2].err == runs[1].err
    assert runs[2].out == runs[1].out


def _workers_die(marker: Path):
    """Validation that kills a worker on its first file, as a kill would (no report, no exception),
    after leaving marker; the building process waits for the marker before its first file, so that
    a worker has surely taken one (it takes the last file first)."""
    def run(job):
        if multiprocessing.parent_process() is not None:
            marker.touch()
            os._exit(9)
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return etl_build._validate(*job)
    return run


def test_a_worker_that_dies_leaves_the_build_to_one_process(tmp_path, monkeypatch, caplog):
    """A worker killed mid-build (e.g. for memory) costs time, never the reports."""
    jobs = [job for job in _jobs() if job[1].suffix == ".csv"][:PARALLEL_FROM_FILES]
    alone = validate_all(jobs, workers=1)
    marker = tmp_path / "died"
    monkeypatch.setattr(etl_build, "_validate_job", _workers_die(marker))
    with caplog.at_level(logging.WARNING, logger="etl"):
        reports = validate_all(jobs, workers=2)  # the worker dies; its files are validated here instead
    assert marker.exists()
    assert "validating in one process" in caplog.text
    assert [r.file_name for r in reports] == [r.file_name for r in alone]
    assert [r.issues for r in reports] == [r.issues for r in alone]
    assert [r.rows_read for r in reports] == [r.rows_read for r in alone]


def _raises_in_a_worker(job):
    """Validation that raises in a worker (a bug), and validates in the building process."""
    if multiprocessing.parent_process() is not None:
        raise RuntimeError("a bug in a worker")
    return etl_build._validate(*job)


def test_a_file_a_worker_raises_on_is_validated_again_by_the_build(monkeypatch):
    """The building process validates that file itself: it raises there what it raises, as one
    process would, or (here) gives its report."""
    jobs = [job for job in _jobs() if job[1].suffix == ".csv"][:PARALLEL_FROM_FILES]
    alone = validate_all(jobs, workers=1)
    monkeypatch.setattr(etl_build, "_validate_job", _raises_in_a_worker)
    reports = validate_all(jobs, workers=2)
    assert [(r.file_name, r.issues, r.rows_read) for r in reports] == \
        [(r.file_name, r.issues, r.rows_read) for r in alone]


def _slow_in_a_worker(job):
    if multiprocessing.parent_process() is not None:
        time.sleep(60)  # still on its first file when the build stops
    return etl_build._validate(*job)


def test_a_build_stopped_early_leaves_no_worker_running(monkeypatch):
    """Closing the reports before the end (a rejected file) stops the workers where they are."""
    jobs = _jobs()
    monkeypatch.setattr(etl_build, "_validate_job", _slow_in_a_worker)
    reports = etl_build.validated(jobs, workers=3)
    workers = multiprocessing.active_children()
    assert len(workers) == 2
    assert next(iter(reports)).file_name == jobs[0][1].name  # the first file is the building process's
    reports.close()
    assert [w.exitcode for w in workers] == [-signal.SIGTERM] * 2  # stopped, not finished


def test_the_cli_uses_one_worker_per_cpu_unless_told(monkeypatch):
    cpus = len(os.sched_getaffinity(0))
    monkeypatch.delenv("DXGAP_BUILD_WORKERS", raising=False)
    assert etl_build.cli_workers() == cpus
    monkeypatch.setenv("DXGAP_BUILD_WORKERS", "1")
    assert etl_build.cli_workers() == 1
    monkeypatch.setenv("DXGAP_BUILD_WORKERS", "zero")
    assert etl_build.cli_workers() == cpus
