"""Kept versions of the warehouse, and rolling back to one of them. Nothing is ever deleted.

Every publish (see warehouse.publish) stamps the new file with a version id in meta and keeps
a byte-identical, read-only copy as <db dir>/versions/<db stem>/<version id>.duckdb. Rolling
back publishes a copy of a kept version, through the same atomic swap, with one more
load_log row (kind 'rollback'); the loads it undoes stay in load_log as 'rolled_back', and
the state it replaces stays a version of its own, so a rollback can itself be undone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core import atomic
from core.store import SCHEMA_VERSION, UPGRADABLE_SCHEMAS
from etl.warehouse import insert_load_log, publish, run, scalar, sha256_file

if TYPE_CHECKING:
    import pandas as pd

SUFFIX = ".duckdb"
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,80}")
LIST_COLUMNS = ["version_id", "created_at", "last_source_id", "last_kind", "last_file_name", "last_loaded_by",
                "last_loaded_at", "loads", "survey_dates", "size_bytes", "is_current", "readable"]


class VersionError(ValueError):
    """A version cannot be used; the message is Japanese."""


class VersionNotFound(VersionError):
    """No kept version has that id."""


@dataclass
class RollbackResult:
    status: str  # restored | unchanged
    version_id: str
    source_id: int | None = None  # the load_log row recording the rollback
    new_version_id: str | None = None  # the state it published, itself kept as a version


def versions_dir(db_path: Path) -> Path:
    """One folder per warehouse file, so two warehouses in one folder never mix their versions."""
    db_path = Path(db_path)
    return db_path.parent / "versions" / db_path.stem


def version_path(db_path: Path, version_id: str) -> Path:
    if not _ID.fullmatch(version_id or "") or ".." in version_id:
        raise VersionNotFound(f"版の ID「{version_id}」の形式が正しくありません")
    return versions_dir(db_path) / f"{version_id}{SUFFIX}"


# -- hooks called by warehouse.publish, under its writer lock ---------------------------

def stamp(con: duckdb.DuckDBPyConnection, db_path: Path) -> str:
    """Give the file being published a new, unique version id (kept in meta)."""
    last = scalar(con, "SELECT max(source_id) FROM load_log")
    now = dt.datetime.now()
    base = f"{now:%Y%m%d-%H%M%S}.{now.microsecond // 1000:03d}-s{last or 0}"
    version_id, n = base, 1
    while version_path(db_path, version_id).exists():
        n += 1
        version_id = f"{base}-{n}"
    run(con, "INSERT OR REPLACE INTO meta VALUES ('version_id', ?)", [version_id])
    return version_id


def keep_current(db_path: Path) -> Path | None:
    """Make sure the state about to be replaced is kept (a warehouse from before versions
    existed, or one whose copy was lost in a crash between the swap and the copy)."""
    db_path = Path(db_path)
    if not db_path.exists():
        return None
    version_id = current_version_id(db_path)
    if version_id and version_path(db_path, version_id).exists():
        return None
    if not version_id:
        mtime = dt.datetime.fromtimestamp(db_path.stat().st_mtime)
        version_id = f"{mtime:%Y%m%d-%H%M%S}.{mtime.microsecond // 1000:03d}-before"
        while version_path(db_path, version_id).exists():
            version_id += "-x"
    return _copy_readonly(db_path, version_path(db_path, version_id))


def keep(published: Path, db_path: Path, version_id: str) -> Path:
    """A read-only copy of the file about to be swapped in (removed again if the swap fails)."""
    return _copy_readonly(published, version_path(db_path, version_id))


def _copy_readonly(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    # 0444: a kept version is never written, not even by an analyst's duckdb
    with atomic.replacing(dest, mode=0o444) as tmp:
        shutil.copyfile(src, tmp)
    return dest


# -- reading ----------------------------------------------------------------------------

@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only view of exactly the file now at path. duckdb.connect(path) would return the
    cached instance of an earlier file at that path while anything in this process (e.g. the
    dashboard) still has it open (duckdb#15912); ATTACH to a private instance does not."""
    con = duckdb.connect()
    try:
        run(con, "ATTACH ? AS db (READ_ONLY)", [str(path)])
        run(con, "USE db")
        yield con
    finally:
        con.close()


def _meta_value(db_path: Path, key: str) -> str | None:
    """meta[key] of the warehouse file, or None (no such key, no file, or unreadable)."""
    try:
        with _read_only(db_path) as con:
            return scalar(con, "SELECT value FROM meta WHERE key = ?", [key])
    except (duckdb.Error, OSError):
        return None


def current_version_id(db_path: Path) -> str | None:
    """The version id stamped in the current warehouse, or None (older file, or unreadable)."""
    return _meta_value(db_path, "version_id")


def current_schema_version(db_path: Path) -> str | None:
    """meta.schema_version of the warehouse file, or None (unreadable)."""
    return _meta_value(db_path, "schema_version")


REBUILT_KEY = "rebuilt_from"  # meta key of a warehouse rebuilt from a Parquet package (etl.parquet)


def rebuilt_from(db_path: Path) -> str | None:
    """The package version a warehouse was rebuilt from, or None for a warehouse the ETL built (or
    none at db_path). Here, not in etl.parquet: every load asks, and pyarrow.parquet is slow to import."""
    return _meta_value(db_path, REBUILT_KEY)


def restored_from(db_path: Path) -> str | None:
    """The version the current warehouse is a rollback to, if its last action was a rollback."""
    try:
        with _read_only(db_path) as con:
            rows = con.execute("SELECT kind, file_name FROM load_log WHERE status = 'loaded' "
                               "ORDER BY source_id DESC LIMIT 1").fetchall()
    except (duckdb.Error, OSError):
        return None
    if rows and rows[0][0] == "rollback" and rows[0][1].endswith(SUFFIX):
        return rows[0][1][: -len(SUFFIX)]
    return None


def list_versions(db_path: Path) -> pd.DataFrame:
    """Every kept version, oldest first (created_at = when it was kept, i.e. published), with
    the last load it contains."""
    folder = versions_dir(db_path)
    current = current_version_id(db_path) if Path(db_path).exists() else None
    rows = []
    files = sorted(p for p in folder.glob(f"*{SUFFIX}") if not p.name.startswith(".")) if folder.is_dir() else []
    for path in files:
        version_id = path.name[: -len(SUFFIX)]
        row = {"version_id": version_id, "created_at": dt.datetime.fromtimestamp(path.stat().st_mtime),
               "size_bytes": path.stat().st_size, "is_current": version_id == current, "readable": True}
        try:
            row.update(_describe(path))
        except (duckdb.Error, OSError):
            row["readable"] = False
        rows.append(row)
    import pandas as pd  # here: only the versions listing needs it, not a load

    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def _describe(path: Path) -> dict:
    with _read_only(path) as con:
        last = con.execute("SELECT source_id, kind, file_name, loaded_by, loaded_at FROM load_log "
                           "WHERE status = 'loaded' ORDER BY source_id DESC LIMIT 1").fetchall()
        loads = scalar(con, "SELECT count(*) FROM load_log WHERE status = 'loaded'")
        dates = con.execute("SELECT DISTINCT base_date FROM staff_survey ORDER BY 1").fetchall()
    out = {"loads": loads, "survey_dates": "、".join(str(d[0]) for d in dates)}
    if last:
        sid, kind, name, by, at = last[0]
        out.update(last_source_id=sid, last_kind=kind, last_file_name=name, last_loaded_by=by, last_loaded_at=at)
    return out


def _check_restorable(path: Path) -> None:
    try:
        with _read_only(path) as con:
            schema = scalar(con, "SELECT value FROM meta WHERE key = 'schema_version'")
            scalar(con, "SELECT count(*) FROM load_log")
            scalar(con, "SELECT count(*) FROM staff_survey")
    except (duckdb.Error, OSError) as exc:
        raise VersionError(f"版「{path.stem}」のファイルを開けません（{type(exc).__name__}）。戻せません") from exc
    if schema != SCHEMA_VERSION and schema not in UPGRADABLE_SCHEMAS:
        raise VersionError(f"版「{path.stem}」はこのプログラムが扱えない形式のため（schema_version={schema}、"
                           f"扱える形式 {'、'.join((*UPGRADABLE_SCHEMAS, SCHEMA_VERSION))}）戻せません")


# -- rollback ---------------------------------------------------------------------------

def rollback(db_path: Path, version_id: str, *, loaded_by: str = "cli") -> RollbackResult:
    """Publish a copy of a kept version as the current warehouse, recording it in load_log."""
    db_path = Path(db_path)
    path = version_path(db_path, version_id)
    if not path.is_file():
        raise VersionNotFound(f"版「{version_id}」はありません（`python -m etl versions` で一覧できます）")
    _check_restorable(path)
    if db_path.exists() and version_id in (current_version_id(db_path), restored_from(db_path)):
        return RollbackResult("unchanged", version_id)
    version_sha = sha256_file(path)

    def change(con: duckdb.DuckDBPyConnection) -> int:
        undone = 0
        if db_path.exists():  # publish holds the writer lock: this is the state being replaced
            with _read_only(db_path) as cur:
                log = cur.execute("SELECT * FROM load_log").df()
            kept = {r[0] for r in con.execute("SELECT source_id FROM load_log").fetchall()}
            gone = log[~log.source_id.isin(kept)].copy()
            if not gone.empty:  # loads this rollback undoes stay in the history, marked as such
                undone = int((gone.status == "loaded").sum())
                gone.loc[gone.status == "loaded", "status"] = "rolled_back"
                con.append("load_log", gone, by_name=True)
        # source ids stay unique across every state, so a source id always names one load
        source_id = scalar(con, "SELECT coalesce(max(source_id), 0) + 1 FROM load_log")
        insert_load_log(con, source_id=source_id, kind="rollback", file_name=f"{version_id}{SUFFIX}",
                        sha256=version_sha, rows_read=0, rows_loaded=0, rows_rejected=0, warnings=0,
                        loaded_at=dt.datetime.now(), loaded_by=loaded_by, status="loaded",
                        scope=f"版 {version_id} に戻しました（取り消した取り込み・操作 {undone} 件）",
                        is_sample=False, archive_path=str(path))
        return source_id

    source_id = publish(db_path, change, base=path)
    return RollbackResult("restored", version_id, source_id, current_version_id(db_path))
