"""The one writer of the warehouse: schema, loads and atomic publishing.

Every change is made on a copy of the warehouse file, which then replaces the original
with os.replace. A reader that has the old file open keeps a complete old state; the
next connection sees the complete new one. A crash or a full disk leaves the original.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import os
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from etl import reference
from etl.citations import Citation, citation_for
from etl.report import Report

SQL_DIR = Path(__file__).parent / "sql"
SCHEMA_VERSION = "2"  # 2: load_log citation columns, dx_indicators (00_schema.sql)
# Older schemas that ensure_schema upgrades in place (new columns and tables only), so a kept
# version from before can still be restored; anything else is refused.
UPGRADABLE_SCHEMAS = ("1",)
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_DB = DATA_DIR / "warehouse.duckdb"
SAMPLE_DIR = DATA_DIR / "sample"
SAMPLE_MARKER = ".synthetic"  # present in a folder of synthetic inputs
RAW_TABLES = {
    "staff_survey": "raw_staff_survey",
    "talent_roster": "raw_talent_roster",
    "talent_assignment": "raw_talent_assignment",
    "dx_system_status": "raw_dx_system_status",
    "population": "raw_population",
    "boundaries": "raw_boundaries",
    "dx_indicators": "raw_dx_indicators",
    "dx_indicators_prefecture": "raw_dx_indicators_prefecture",
}
T = TypeVar("T")


class PublishError(RuntimeError):
    """Publishing failed and nothing changed; the message is Japanese."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sql_files() -> list[Path]:
    return sorted(SQL_DIR.glob("*.sql"))


def run(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> None:
    """Execute a statement whose result is not needed (DuckDB wants every result finished)."""
    con.execute(sql, params).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first value of the first row, or None; reads the whole (small) result."""
    rows = con.execute(sql, params).fetchall()
    return rows[0][0] if rows else None


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    run(con, path.read_text(encoding="utf-8"))


def person_salt(db_path: Path) -> str:
    """Salt for person_id: DXGAP_PERSON_SALT, else a random one kept beside the warehouse."""
    env = os.environ.get("DXGAP_PERSON_SALT")
    if env:
        return env
    salt_file = Path(db_path).parent / ".salt"
    if not salt_file.exists():
        salt_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(salt_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return salt_file.read_text().strip()


def raw_dir(db_path: Path) -> Path:
    return Path(db_path).parent / "raw"


# -- publishing -------------------------------------------------------------------------

@contextlib.contextmanager
def _writer_lock(db_path: Path) -> Iterator[None]:
    """One writer at a time; readers never wait."""
    lock = Path(db_path).with_name(Path(db_path).name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def publish(db_path: Path, change: Callable[[duckdb.DuckDBPyConnection], T], *, fresh: bool = False,
            base: Path | None = None) -> T:
    """Apply change to a copy of the warehouse (or a new file, or a copy of base), then swap it
    in atomically. The replaced state and the new one are both kept (etl.versions)."""
    from etl import versions  # imported here: versions builds on this module

    db_path = Path(db_path)
    tmp = db_path.with_name(f".{db_path.name}.{uuid.uuid4().hex}.tmp")
    kept: Path | None = None
    with _writer_lock(db_path):
        _remove_stale_temps(db_path)
        try:
            if base is not None:
                shutil.copyfile(base, tmp)
            elif db_path.exists() and not fresh:
                shutil.copyfile(db_path, tmp)
            con = duckdb.connect(str(tmp))
            try:
                ensure_schema(con)
                result = change(con)
                rebuild_marts(con)
                version_id = versions.stamp(con, db_path)
                run(con, "CHECKPOINT")
            finally:
                con.close()
            with tmp.open("rb+") as f:
                os.fsync(f.fileno())
            versions.keep_current(db_path)
            kept = versions.keep(tmp, db_path, version_id)
            os.replace(tmp, db_path)
            kept = None  # published: from now on the version is a real earlier state
            _fsync_dir(db_path.parent)
            return result
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise PublishError(f"ディスクの空き容量が足りないため公開を中止しました（{db_path.parent}）。"
                                   "倉庫は変更していません") from exc
            raise PublishError(f"倉庫ファイルを書けません（{exc.strerror}）。倉庫は変更していません") from exc
        except duckdb.Error as exc:
            if "No space left" in str(exc) or "disk" in str(exc).lower():
                raise PublishError("ディスクの空き容量が足りないため公開を中止しました。倉庫は変更していません") from exc
            raise
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal"), kept):  # kept: a version never published
                if leftover is not None:
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()


STALE_AFTER = 15 * 60  # seconds; for temp files in folders that other warehouses may share


def _remove_stale_temps(db_path: Path) -> None:
    """Remove the temp files of writers that died (SIGKILL, power loss) before their own cleanup.

    Called under the writer lock: only a lock holder creates .<db name>.<uuid>.tmp(.wal), so any
    found now belong to a dead run. The version and raw-archive folders may be shared with another
    warehouse file (another lock), so their temp files go only once they are clearly abandoned."""
    from etl.versions import versions_dir

    now = dt.datetime.now().timestamp()
    ours = [*db_path.parent.glob(f".{db_path.name}.*.tmp"), *db_path.parent.glob(f".{db_path.name}.*.tmp.wal")]
    shared = [*versions_dir(db_path).glob(".*.tmp"), *raw_dir(db_path).glob("*.tmp")]
    for path in ours + shared:
        with contextlib.suppress(OSError):
            if path in ours or now - path.stat().st_mtime > STALE_AFTER:
                path.unlink()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    run_sql_file(con, SQL_DIR / "00_schema.sql")
    if scalar(con, "SELECT count(*) FROM ref_municipalities") == 0:
        _insert(con, "ref_prefectures", reference.prefectures())
        _insert(con, "ref_municipalities", reference.municipalities())
        _insert(con, "ref_designated_wards", reference.designated_wards())
        _set_meta(con, is_sample="false")
    _set_meta(con, schema_version=SCHEMA_VERSION)  # the statements above bring an older file up to date


def rebuild_marts(con: duckdb.DuckDBPyConnection) -> None:
    for path in sql_files()[1:]:
        run_sql_file(con, path)
    is_sample = scalar(con, "SELECT coalesce(bool_or(is_sample), false) FROM load_log WHERE status = 'loaded'")
    _set_meta(con, is_sample=str(is_sample).lower(), built_at=dt.datetime.now().isoformat(timespec="seconds"))


def _set_meta(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    for key, value in values.items():
        run(con, "INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, **constants) -> None:
    frame = frame.assign(**constants) if constants else frame
    if not frame.empty:
        con.append(table, frame, by_name=True)


# -- loads ------------------------------------------------------------------------------

@dataclass
class LoadResult:
    status: str  # loaded | unchanged | rejected
    report: Report
    source_id: int | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.status == "rejected" else 0


def already_loaded(db_path: Path, sha: str) -> int | None:
    if not Path(db_path).exists():
        return None
    with duckdb.connect(str(db_path), read_only=True) as con:
        try:
            return scalar(con, "SELECT max(source_id) FROM load_log WHERE sha256 = ? AND status = 'loaded'", [sha])
        except duckdb.CatalogException:
            return None


def insert_load_log(con: duckdb.DuckDBPyConnection, **row: object) -> None:
    """One load_log row, by column name (the table gains columns over schema versions)."""
    con.append("load_log", pd.DataFrame([row]), by_name=True)


def apply_report(con: duckdb.DuckDBPyConnection, report: Report, path: Path, *, loaded_by: str,
                 is_sample: bool, archive_to: Path | None, citation: Citation | None = None) -> int:
    """Insert an accepted report's rows as one new source; returns its source_id.
    citation: where the figures come from (default: etl.citations.citation_for)."""
    source_id = scalar(con, "SELECT coalesce(max(source_id), 0) + 1 FROM load_log")
    if citation is None:
        citation = citation_for(report.kind, path, sha256=report.sha256, is_sample=is_sample)
    archive_path = None
    if archive_to is not None:
        archive_path = archive_file(path, report.sha256, archive_to)
    for name, frame in report.tables.items():
        _insert(con, RAW_TABLES[name], frame, source_id=source_id)
    scope = "; ".join(f"{k}: {v}" for k, v in report.detail.items())
    insert_load_log(
        con, source_id=source_id, kind=report.kind, file_name=report.file_name, sha256=report.sha256,
        rows_read=report.rows_read, rows_loaded=report.rows_loaded, rows_rejected=report.rows_rejected,
        warnings=len(report.warnings), loaded_at=dt.datetime.now(), loaded_by=loaded_by, status="loaded",
        scope=scope, is_sample=is_sample, archive_path=str(archive_path) if archive_path else None,
        **citation.columns())
    issues = report.issues_frame().drop(columns="file_name").rename(columns={"row": "row_number", "column": "column_name"})
    _insert(con, "reject_log", issues, source_id=source_id)
    return source_id


def archive_file(path: Path, sha: str, directory: Path) -> Path:
    """Keep the raw input by its hash; never overwritten, never deleted."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{sha}{Path(path).suffix.lower()}"
    if not target.exists():
        tmp = target.with_name(target.name + f".{uuid.uuid4().hex}.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    return target


def load_file(db_path: Path, report: Report, path: Path, *, loaded_by: str = "cli",
              is_sample: bool = False, citation: Citation | None = None) -> LoadResult:
    """Publish one validated file: all of it, or (with any error) nothing."""
    if not report.ok:
        return LoadResult("rejected", report)
    existing = already_loaded(db_path, report.sha256)
    if existing is not None:
        return LoadResult("unchanged", report, existing)
    source_id = publish(db_path, lambda con: apply_report(
        con, report, path, loaded_by=loaded_by, is_sample=is_sample, archive_to=raw_dir(db_path), citation=citation))
    return LoadResult("loaded", report, source_id)


def upgrade(db_path: Path) -> None:
    """Bring a warehouse of an older schema up to date in place (publish adds the new columns
    and tables and rebuilds the marts), keeping every load; the old state stays a version."""
    publish(db_path, lambda con: None)


def history(db_path: Path) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("SELECT * FROM load_log ORDER BY source_id").df()
