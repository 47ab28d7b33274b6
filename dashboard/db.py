"""One read-only connection to the warehouse, reopened when a publish swaps the file."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

import duckdb
import pandas as pd

from core.store import DB_ENV, DEFAULT_DB, SCHEMA_VERSION


class WarehouseUnavailable(RuntimeError):
    """The warehouse is missing or unreadable; the message is Japanese and user-facing."""


def db_path() -> Path:
    return Path(os.environ.get(DB_ENV, DEFAULT_DB))


def version(path: Path | None = None) -> str:
    """Identifies the published file: a publish replaces it (new inode), so caches key on this."""
    path = path or db_path()
    try:
        st_ = path.stat()
    except FileNotFoundError:
        raise WarehouseUnavailable(
            f"データ倉庫（{path}）がありません。`make run` か `python -m etl build` で作成してください"
        ) from None
    return f"{path}:{st_.st_ino}:{st_.st_mtime_ns}:{st_.st_size}"


def path_of(file_version: str) -> str:
    """The warehouse file a version() names."""
    return file_version.rsplit(":", 3)[0]


def superseded(other: str, file_version: str) -> bool:
    """Whether other is another version() of the same warehouse file as file_version."""
    return other != file_version and other.startswith(path_of(file_version) + ":")


# Open connections by file version: the served one and the one before it (reruns under way when a
# publish lands still read it). Each is its own DuckDB instance with its own buffer pool: four held
# cost a server ~50 MiB more once four publishes had passed (issue 16 §2: the soak's RSS stepped up
# after each publish). The watcher closes the one before once the new version is built ahead.
CONNECTIONS_HELD = 2
# The pages' queries read a few thousand mart rows each: DuckDB's threads cost more to start and
# join than they save (a warm of every base date: 0.8 s of CPU on one thread, 1.1 s on two), and a
# server's concurrency comes from its sessions (issue 16 §2). On two cores, two replicas' queries
# and a publish each spreading over both cores only took turns.
QUERY_THREADS = 1
_held: OrderedDict[str, duckdb.DuckDBPyConnection] = OrderedDict()
_held_lock = threading.Lock()


def _connect(path: str, file_version: str) -> duckdb.DuckDBPyConnection:
    # The open handle keeps the old file alive after os.replace, so a running query never
    # sees a half-published state; a new version gets a new connection. The file is ATTACHed
    # to a private in-memory instance: duckdb.connect(path) would hand back the cached instance
    # of the OLD file while a connection to it is still open (duckdb#15912).
    try:
        con = duckdb.connect(config={"threads": QUERY_THREADS})
        con.execute("ATTACH ? AS warehouse (READ_ONLY)", [path]).fetchall()
        con.execute("USE warehouse").fetchall()
        con.execute("SELECT count(*) FROM municipalities").fetchall()
        schema = con.execute("SELECT max(value) FROM meta WHERE key = 'schema_version'").fetchall()[0][0]
    except duckdb.Error as exc:
        raise WarehouseUnavailable(
            f"データ倉庫（{path}）を開けません（{type(exc).__name__}）。`python -m etl build` で作り直してください"
        ) from exc
    if schema != SCHEMA_VERSION:  # e.g. built before citations were kept: the 出典 could not be shown
        con.close()
        raise WarehouseUnavailable(
            f"データ倉庫（{path}）の形式が古いため（schema_version={schema}、必要な形式 {SCHEMA_VERSION}）表示できません。"
            "`python -m etl build --if-missing` で取り込み済みのデータのまま新しい形式に更新してください")
    return con


def connection(file_version: str | None = None) -> duckdb.DuckDBPyConnection:
    """The connection to file_version (default: the file as it is now), opened on first use; the
    least recently used beyond CONNECTIONS_HELD is dropped (its running queries finish on their own
    cursors, which keep its instance alive)."""
    file_version = file_version or version()
    with _held_lock:  # opening takes milliseconds; one at a time, so a version is opened once
        con = _held.get(file_version)
        if con is None:
            con = _held[file_version] = _connect(path_of(file_version), file_version)
            while len(_held) > CONNECTIONS_HELD:
                _held.popitem(last=False)
        _held.move_to_end(file_version)
        return con


def held_versions() -> list[str]:
    with _held_lock:
        return list(_held)


def close_superseded(file_version: str) -> int:
    """Drop the connections to earlier versions of the same file; returns how many."""
    with _held_lock:
        stale = [v for v in _held if superseded(v, file_version)]
        for v in stale:
            del _held[v]
    return len(stale)


def query(file_version: str, sql: str, params: list | tuple | dict = ()) -> pd.DataFrame:
    """Run a parameterised query ($name or ? parameters) on its own cursor (safe across threads)."""
    cur = connection(file_version).cursor()
    try:
        cur.execute("USE warehouse").fetchall()  # a cursor starts in the in-memory catalog
        return cur.execute(sql, params if isinstance(params, dict) else list(params)).df()
    finally:
        cur.close()
