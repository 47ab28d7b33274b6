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
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb
import numpy as np

from core import atomic
from core.store import SCHEMA_VERSION
from etl import reference
from etl.citations import Citation, citation_for
from etl.frame import Frame, dates, distinct, objects
from etl.report import Report

if TYPE_CHECKING:
    import pandas as pd

SQL_DIR = Path(__file__).parent / "sql"
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


def macro_files() -> list[Path]:
    """The SQL files that only define macros (active_on, the summary marts): they hold no data, so
    a warehouse rebuilt from Parquet (etl.parquet) defines them too."""
    return [p for p in sql_files()
            if not re.search(r"^CREATE (?!OR REPLACE MACRO)", p.read_text(encoding="utf-8"), re.MULTILINE)]


def define_macros(con: duckdb.DuckDBPyConnection) -> None:
    for path in macro_files():
        run_sql_file(con, path)


def run(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> None:
    """Execute a statement whose result is not needed (DuckDB wants every result finished)."""
    con.execute(sql, params).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first value of the first row, or None; reads the whole (small) result."""
    rows = con.execute(sql, params).fetchall()
    return rows[0][0] if rows else None


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    run(con, path.read_text(encoding="utf-8"))


def person_salt(db_path: Path, *, keep: bool = True) -> str:
    """Salt for person_id: DXGAP_PERSON_SALT, else a random one kept beside the warehouse.
    keep=False (a dry run): a warehouse without a salt yet gets a throwaway one, and nothing is
    written; the ids then differ from a load's, and a dry run shows none."""
    env = os.environ.get("DXGAP_PERSON_SALT")
    if env:
        return env
    salt_file = Path(db_path).parent / ".salt"
    if not salt_file.exists():
        if not keep:
            return secrets.token_hex(32)
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
            base: Path | None = None, precheck: Callable[[], None] | None = None,
            made: list[Path] | None = None) -> T:
    """Apply change to a copy of the warehouse (or a new file, or a copy of base), then swap it
    in atomically. The replaced state and the new one are both kept (etl.versions).

    precheck runs first, under the writer lock, on the warehouse as it is: it may raise to
    publish nothing (load_file decides there whether a file is already loaded).
    made: files change adds beside the warehouse (apply_reports' new archive copies); a publish
    that fails removes them with its new file, so that no load's copy (a roster's names and
    e-mails) outlives a load that never happened."""
    from etl import versions  # imported here: versions builds on this module

    db_path = Path(db_path)
    tmp = atomic.temp_beside(db_path)  # .<db name>.<random>.tmp: what _remove_stale_temps looks for
    kept: Path | None = None
    with _writer_lock(db_path):
        if precheck is not None:
            precheck()
        _remove_stale_temps(db_path)
        try:
            with atomic.replacing(db_path, tmp=tmp):
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
                versions.keep_current(db_path)
                kept = versions.keep(tmp, db_path, version_id)
            kept = None  # published: from now on the version is a real earlier state
            made = None  # and the archive copies are its loads'
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
            # kept: a version never published; made: archive copies of loads never published
            for leftover in (tmp.with_name(tmp.name + ".wal"), kept, *(made or ())):
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


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    run_sql_file(con, SQL_DIR / "00_schema.sql")
    if scalar(con, "SELECT count(*) FROM ref_municipalities") == 0:
        _append_rows(con, "ref_prefectures", reference.prefecture_rows())
        _append_rows(con, "ref_municipalities", reference.municipality_rows())
        _append_rows(con, "ref_designated_wards", reference.designated_ward_rows())
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


# -- loads ------------------------------------------------------------------------------

@dataclass
class LoadResult:
    status: str  # loaded | unchanged | rejected
    report: Report
    source_id: int | None = None  # the new load, or (unchanged) the earlier one
    reason: str | None = None  # why a valid file was still not loaded (Japanese)

    @property
    def exit_code(self) -> int:
        return 1 if self.status == "rejected" else 0


# What a load stores besides its bytes: the same file loaded with another --base-date or
# --prefecture is another load. Read from the accepted rows (report tables, raw_ tables).
SCOPE_COLUMNS = {"base_date": "調査基準日", "prefecture_code": "都道府県", "level": "単位"}
_LEVELS = {"municipality": "市区町村", "prefecture": "都道府県"}
Scope = dict[str, tuple[str, ...]]


def _text(value) -> str:
    return value.date().isoformat() if isinstance(value, dt.datetime) else (  # pandas' Timestamp is a datetime
        value.isoformat() if isinstance(value, dt.date) else str(value))


def report_scope(report: Report) -> Scope:
    """The base dates, prefectures and boundary level the report's rows would store."""
    scope: dict[str, set[str]] = {}
    for frame in report.tables.values():
        for col in SCOPE_COLUMNS:
            if col in frame and len(frame):
                scope.setdefault(col, set()).update(_text(v) for v in distinct(frame, col))
    return {k: tuple(sorted(v)) for k, v in scope.items() if v}


def _stored_scopes(con: duckdb.DuckDBPyConnection, report: Report, source_ids: list[int]) -> dict[int, Scope]:
    """The same, for earlier loads of the report's kind, from what they stored in raw_ tables."""
    found: dict[int, dict[str, set[str]]] = {sid: {} for sid in source_ids}
    for name, frame in report.tables.items():
        for col in (c for c in SCOPE_COLUMNS if c in frame):
            ids = [duckdb.ConstantExpression(sid) for sid in source_ids]
            rows = (con.table(RAW_TABLES[name]).filter(duckdb.ColumnExpression("source_id").isin(*ids))
                    .select("source_id", col).distinct().fetchall())
            for sid, value in rows:
                if value is not None:
                    found[sid].setdefault(col, set()).add(_text(value))
    return {sid: {k: tuple(sorted(v)) for k, v in d.items()} for sid, d in found.items()}


def _overlaps(a: Scope, b: Scope) -> bool:
    """Whether a later load of this scope replaces (some of) an earlier one's rows."""
    return all(set(a.get(k, ())) & set(b.get(k, ())) for k in a.keys() | b.keys())


def scope_text(scope: Scope) -> str:
    from etl.resolve import resolver

    names = resolver().pref_names
    parts = []
    for col, values in scope.items():
        shown = [names.get(v, v) if col == "prefecture_code" else _LEVELS.get(v, v) if col == "level" else v
                 for v in values]
        parts.append(f"{SCOPE_COLUMNS[col]} {'、'.join(shown)}")
    return "・".join(parts) or "範囲の指定なし"


class _Decided(Exception):
    """Raised by the precheck under the writer lock: nothing is published."""

    def __init__(self, result: LoadResult):
        super().__init__(result.status)
        self.result = result


def same_file_loaded(db_path: Path, report: Report) -> LoadResult | None:
    """None when the report must be published; otherwise why not (same file, same scope, still
    current → unchanged; same file already loaded with another scope → rejected, explained)."""
    from etl.versions import _read_only

    if not Path(db_path).exists():
        return None
    with _read_only(db_path) as con:
        try:
            loads = con.execute("SELECT source_id, sha256, loaded_at FROM load_log WHERE kind = ? AND status = 'loaded' "
                                "ORDER BY source_id", [report.kind]).fetchall()
        except duckdb.CatalogException:
            return None
        same = [(sid, at) for sid, sha, at in loads if sha == report.sha256]
        if not same:
            return None
        later_ids = [sid for sid, _, _ in loads if sid >= same[0][0]]
        scopes = _stored_scopes(con, report, later_ids)
    mine = report_scope(report)
    identical = [sid for sid, _ in same if scopes[sid] == mine]
    if identical:
        sid = identical[-1]
        if any(s > sid and _overlaps(scopes[s], mine) for s in later_ids):
            return None  # a later load replaced it: loading this file again makes it current again
        return LoadResult("unchanged", report, sid)
    sid, at = same[-1]
    return LoadResult("rejected", report, sid, _conflict_reason(db_path, sid, at, scopes[sid], mine))


def _conflict_reason(db_path: Path, source_id: int, loaded_at, before: Scope, now: Scope) -> str:
    version = version_before(db_path, source_id)
    undo = (f"`python -m etl rollback --to {version}`（取り込み番号 {source_id} の直前の版。"
            f"それより後の取り込みも取り消されます）" if version else
            f"`python -m etl versions` で取り込み番号 {source_id} より前の版を選び、`python -m etl rollback --to <版ID>`")
    return (f"同じファイルを取り込み番号 {source_id}（{loaded_at:%Y-%m-%d %H:%M}、{scope_text(before)}）として"
            f"取り込み済みです。今回の指定（{scope_text(now)}）で取り込むと前の取り込みも残るため、取り込みません。"
            f"前の指定が誤りだったときは、{undo}で前の取り込みを取り消してから、もう一度取り込んでください"
            "（データ画面の「以前の版に戻す」でも戻せます）")


def version_before(db_path: Path, source_id: int) -> str | None:
    """The kept version published last before load source_id (its id ends in -s<last source id>)."""
    from etl.versions import SUFFIX, versions_dir

    best: tuple[int, str] | None = None
    for path in versions_dir(db_path).glob(f"*{SUFFIX}"):
        m = re.search(r"-s(\d+)(?:-\d+)?$", path.name[: -len(SUFFIX)])
        if m and int(m.group(1)) < source_id and not path.name.startswith("."):
            best = max(best or (-1, ""), (int(m.group(1)), path.name[: -len(SUFFIX)]))
    return best[1] if best else None


def insert_load_log(con: duckdb.DuckDBPyConnection, **row: object) -> None:
    """One load_log row, by column name (the table gains columns over schema versions)."""
    _append_rows(con, "load_log", [row])


@dataclass
class Load:
    """One accepted file to insert: its report, where it was read, and how it is cited."""

    report: Report
    path: Path
    is_sample: bool = False
    citation: Citation | None = None  # default: etl.citations.citation_for


ARCHIVE_THREADS = 8  # archive copies are fsynced one by one: in threads, the file system commits them together
APPEND_ROWS = 50_000  # a table's rows held before they are appended (one DuckDB append costs ~1 ms plus its rows)
ISSUE_COLUMNS = ["severity", "sheet", "row_number", "column_name", "value", "reason", "source_id"]


def apply_reports(con: duckdb.DuckDBPyConnection, loads: Iterable[Load], *, loaded_by: str,
                  archive_to: Path | None, made: list[Path] | None = None) -> list[int]:
    """Insert accepted reports as new sources, numbered in order; returns their source_ids. The same
    rows as one call per file, inserted table by table in batches of about APPEND_ROWS rows
    (not one append per file). loads may be an iterator: a build hands its files over while later
    ones are still being validated, and each batch is appended as soon as it is full. The archive
    copies (waiting on fsync) are made in threads, once every load is in, while the last rows are
    inserted; load_log, which names them, is written once they are all done (their folder is
    fsynced once, for every rename at once). made: the copies this call created are added to it
    (for publish to remove if it fails; a copy already archived stays)."""
    first = scalar(con, "SELECT coalesce(max(source_id), 0) + 1 FROM load_log")
    taken: list[Load] = []
    rows: dict[str, list[tuple[Frame | pd.DataFrame, int]]] = {}  # table → (rows of one load, its source_id), not yet appended
    logs, issues = [], []
    for source_id, load in enumerate(loads, start=first):
        taken.append(load)
        report = load.report
        citation = load.citation or citation_for(report.kind, load.path, sha256=report.sha256,
                                                 is_sample=load.is_sample)
        for name, frame in report.tables.items():
            if not frame.empty:
                table = RAW_TABLES[name]
                rows.setdefault(table, []).append((frame, source_id))
                if sum(len(part) for part, _ in rows[table]) >= APPEND_ROWS:
                    _append_parts(con, table, rows.pop(table))
        logs.append(dict(
            source_id=source_id, kind=report.kind, file_name=report.file_name, sha256=report.sha256,
            rows_read=report.rows_read, rows_loaded=report.rows_loaded, rows_rejected=report.rows_rejected,
            warnings=len(report.warnings), loaded_at=dt.datetime.now(), loaded_by=loaded_by, status="loaded",
            scope="; ".join(f"{k}: {v}" for k, v in report.detail.items()), is_sample=load.is_sample,
            archive_path=None, **citation.columns()))
        issues += [(i.severity, i.sheet, i.row, i.column, i.value, i.reason, source_id) for i in report.issues]
    pool = ThreadPoolExecutor(min(ARCHIVE_THREADS, len(taken))) if archive_to is not None and taken else None
    try:
        if pool is not None:
            archive_folder(archive_to)
        pending = [pool.submit(archive_file, load.path, load.report.sha256, archive_to, ready=True)
                   for load in taken] if pool is not None else None
        for table, parts in rows.items():
            _append_parts(con, table, parts)
        if pending is not None:
            for log, done in zip(logs, pending, strict=True):
                archived, created = done.result()
                log["archive_path"] = str(archived)
                if created and made is not None:
                    made.append(archived)
            atomic.fsync_dir(archive_to)  # the renames of every copy, made durable together
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    _append_rows(con, "load_log", logs)
    if issues:  # every load's issues at once
        _append_columns(con, "reject_log", dict(zip(ISSUE_COLUMNS, map(objects, zip(*issues, strict=True)), strict=True)))
    return [log["source_id"] for log in logs]


def _append_parts(con: duckdb.DuckDBPyConnection, table: str, parts: list[tuple[Frame | pd.DataFrame, int]]) -> None:
    """Append the rows of several loads to one table, each row with its load's source_id."""
    frames = [frame for frame, _ in parts]
    ids = np.repeat([sid for _, sid in parts], [len(f) for f in frames])  # one column, not a copy per load
    if all(isinstance(f, Frame) for f in frames):  # surveys and rosters: no pandas
        _append_columns(con, table, Frame.concat(frames).with_column("source_id", ids))
        return
    import pandas as pd  # the other kinds' validators made DataFrames (and imported pandas)

    frames = [f.to_pandas() if isinstance(f, Frame) else f for f in frames]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    _append_frame(con, table, frame.assign(source_id=ids))


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column → its SQL type (VARCHAR, DATE …). From the table's relation: information_schema takes
    ten times as long to ask."""
    relation = con.table(table)
    return dict(zip(relation.columns, map(str, relation.types), strict=True))


def _append_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append a DataFrame. Each column takes the table's type first: one file's column may be all
    None (object) and another's numbers, and DuckDB guesses an object column's type from a sample of
    its values."""
    import pandas as pd

    types = _column_types(con, table)
    for col in frame.columns:
        kind = types.get(col)
        if kind in ("DOUBLE", "FLOAT") and frame[col].dtype == object:
            frame[col] = pd.to_numeric(frame[col].astype("float64"))
        elif kind == "BOOLEAN" and frame[col].dtype != bool:
            frame[col] = frame[col].astype("boolean")
        elif kind in ("INTEGER", "BIGINT", "SMALLINT") and frame[col].dtype == object:
            frame[col] = frame[col].astype("Int64")
        elif kind == "DATE" and frame[col].dtype == object:
            frame[col] = pd.to_datetime(frame[col])  # datetime.date or None → datetime64 (NaT is NULL)
    con.append(table, frame, by_name=True)


_NUMBERS = {"DOUBLE", "FLOAT", "INTEGER", "BIGINT", "SMALLINT", "BOOLEAN"}


def _append_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Append rows given as dicts (the same keys each): load_log, the reference tables."""
    if rows:
        _append_columns(con, table, {name: objects([r[name] for r in rows]) for name in rows[0]})


def _append_columns(con: duckdb.DuckDBPyConnection, table: str, columns: Frame | dict[str, np.ndarray]) -> None:
    """INSERT … BY NAME from numpy columns (DuckDB reads a registered dict of arrays), each cast to
    the table's type. An object column is made a typed one first: DuckDB guesses an object column's
    type from a sample of its values, and a sample of blanks says nothing. Numbers and booleans go as
    float64 (None and NaN: NULL), dates and times as datetime64 (None: NaT, NULL)."""
    types = _column_types(con, table)
    data = {}
    for name, values in columns.items():
        kind = types.get(name, "")
        if values.dtype == object and kind in _NUMBERS:
            given = values != None  # noqa: E711 (elementwise)
            numbers = np.full(len(values), np.nan)
            numbers[given] = values[given].astype(np.float64)  # bools and numbers as they are
            values = numbers
        elif values.dtype == object and kind == "DATE":
            values = dates(values.tolist())
        elif values.dtype == object and kind.startswith("TIMESTAMP"):
            values = values.astype("datetime64[us]")
        if values.dtype.kind == "M" and values.dtype != "datetime64[us]":
            values = values.astype("datetime64[s]")  # DuckDB does not read datetime64[D]
        data[name] = values
    select = ", ".join(f'CAST("{name}" AS {types[name]}) AS "{name}"' if name in types else f'"{name}"'
                       for name in data)
    con.register("_appended_rows", data)
    try:
        # identifiers only, from the schema and the validators' column names (never a user's text)
        run(con, f"INSERT INTO {table} BY NAME SELECT {select} FROM _appended_rows")  # noqa: S608
    finally:
        con.unregister("_appended_rows")


def archive_folder(directory: Path) -> None:
    """The raw archive's folder, made if missing: 0700 (owner only)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(PermissionError):  # a folder someone else made: the files are still 0600
        os.chmod(directory, 0o700)


def archive_file(path: Path, sha: str, directory: Path, *, ready: bool = False) -> tuple[Path, bool]:
    """Keep the raw input by its hash; never overwritten, and deleted only with a publish that
    failed (publish's made). The copy is the user's file as it was (a roster's names, e-mails and
    phones included, so that its sha256 and person_ids can be reproduced), readable by the owner
    only: 0600 in a 0700 folder. Returns the copy, and whether this call made it.
    ready: the caller made the folder (archive_folder) and fsyncs it once the batch is renamed."""
    if not ready:
        archive_folder(directory)
    target = directory / f"{sha}{Path(path).suffix.lower()}"
    if target.exists():
        if target.stat().st_mode & 0o077:  # archived before archives were owner-only
            os.chmod(target, 0o600)
        return target, False
    with atomic.replacing(target, sync_dir=not ready) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
        with os.fdopen(fd, "wb") as out, Path(path).open("rb") as src:
            _copy_into(src, out)
    return target, True


def _copy_into(src, out) -> None:
    """The rest of file src into file out: in the kernel (sendfile), not through a buffer here,
    which reads and writes every byte once more; copyfileobj where the file system refuses."""
    try:
        while os.sendfile(out.fileno(), src.fileno(), None, 1 << 30):
            pass
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise
        shutil.copyfileobj(src, out)


def load_file(db_path: Path, report: Report, path: Path, *, loaded_by: str = "cli",
              is_sample: bool = False, citation: Citation | None = None) -> LoadResult:
    """Publish one validated file: all of it, or (with any error) nothing. A file already loaded
    with the same scope is not loaded again; the check runs under the writer lock, so two
    simultaneous loads of one file publish once."""
    if not report.ok:
        return LoadResult("rejected", report)

    def precheck() -> None:
        decided = same_file_loaded(db_path, report)
        if decided is not None:
            raise _Decided(decided)

    made: list[Path] = []
    try:
        source_id = publish(db_path, lambda con: apply_reports(
            con, [Load(report, path, is_sample, citation)], loaded_by=loaded_by, archive_to=raw_dir(db_path),
            made=made)[0], precheck=precheck, made=made)
    except _Decided as decided:
        return decided.result
    return LoadResult("loaded", report, source_id)


def upgrade(db_path: Path) -> None:
    """Bring a warehouse of an older schema up to date in place (publish adds the new columns
    and tables and rebuilds the marts), keeping every load; the old state stays a version."""
    publish(db_path, lambda con: None)


def history(db_path: Path) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:  # .df() imports pandas
        return con.execute("SELECT * FROM load_log ORDER BY source_id").df()
