"""Open data out: every public table as Parquet plus a Frictionless datapackage.json, and a
read-only warehouse rebuilt from such a folder (for replicas that cannot share a disk).

The folder holds <table>.parquet per public table (etl.catalog discovers them) and
datapackage.json: per resource its path, bytes, sha256, row count, is_sample, sources, licences
and a Table Schema whose fields carry a type, the DuckDB type and a Japanese description.
Geometry columns are WKB blobs with GeoParquet metadata ("geo"), so geopandas reads them as shapes.

A rebuilt warehouse holds the public tables only (no raw_ history), so it serves the dashboard but
is never loaded into: meta.rebuilt_from marks it and `python -m etl load` refuses it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from core import atomic
from core.store import SAMPLE_NOTICE
from etl import catalog, citations
from etl.versions import REBUILT_KEY, rebuilt_from
from etl.warehouse import _writer_lock, define_macros, sha256_file

PACKAGE = "datapackage.json"
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
MEDIATYPE = "application/vnd.apache.parquet"
# DuckDB type → Table Schema type (https://datapackage.org/standard/table-schema/).
TYPES = {"VARCHAR": "string", "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "datetime", "TIME": "time",
         "DOUBLE": "number", "FLOAT": "number", "BLOB": "any", "JSON": "object"}
INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


class ParquetError(RuntimeError):
    """The folder or the target cannot be used; the message is Japanese and names the file."""


@dataclass
class Exported:
    folder: Path
    tables: dict[str, int]  # table → rows
    package: dict


def field_type(duckdb_type: str) -> str:
    if duckdb_type in TYPES:
        return TYPES[duckdb_type]
    if duckdb_type in INTEGERS:
        return "integer"
    if duckdb_type.startswith(("DECIMAL", "NUMERIC")):
        return "number"
    if duckdb_type.endswith("[]"):
        return "array"
    if duckdb_type.startswith("TIMESTAMP"):
        return "datetime"
    return "any"


def _meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    try:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())
    except duckdb.CatalogException:
        return {}


def _kinds(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """Load kinds with loaded data → whether any of their files was synthetic."""
    try:
        rows = con.execute("SELECT kind, bool_or(is_sample) FROM load_log WHERE status = 'loaded' "
                           "AND kind <> 'rollback' GROUP BY kind").fetchall()
    except duckdb.CatalogException:
        return {}
    return {k: bool(s) for k, s in rows}


def _provenance(table: str, kinds: dict[str, bool], is_sample: bool) -> tuple[bool, list[citations.Credit]]:
    """(is_sample, sources) of one table from the loaded kinds that feed it (every kind for the
    logs). A table not in the registry takes the warehouse's is_sample."""
    spec = catalog.TABLES.get(table)
    feeds = [k for k in (spec.kinds if spec and spec.kinds else kinds) if k in kinds]
    sources = [citations.REFERENCE_CREDIT] if spec is None or spec.reference else []
    sources += [citations.SAMPLE_CREDIT if kinds[k] else citations.kind_credit(k) for k in feeds]
    sample = any(kinds[k] for k in feeds) if spec else is_sample
    return sample, list(dict.fromkeys(sources))


def _licences(sources: list[citations.Credit]) -> list[dict]:
    return [{"name": lic.name, "title": lic.title, **({"path": lic.path} if lic.path else {})}
            for lic in dict.fromkeys(lic for s in sources for lic in s.licences)]


def _geo_metadata(cols: list[tuple[str, str]]) -> str | None:
    geometry = [c for c, t in cols if t == "BLOB" and c == "geometry"]
    if not geometry:
        return None
    return json.dumps({"version": "1.1.0", "primary_column": geometry[0],
                       "columns": {c: {"encoding": "WKB", "geometry_types": []} for c in geometry}})


def export_parquet(db_path: Path, folder: Path) -> Exported:
    """Write every public table of db_path as folder/<table>.parquet, then folder/datapackage.json
    (last, so a folder with a package is complete). Each file is written beside its final name and
    renamed into place."""
    db_path, folder = Path(db_path), Path(folder)
    if not db_path.exists():
        raise ParquetError(f"倉庫がありません: {db_path}")
    folder.mkdir(parents=True, exist_ok=True)
    resources, counts = [], {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        meta, kinds = _meta(con), _kinds(con)
        is_sample = meta.get("is_sample") == "true"
        for table in catalog.public_tables(con):
            if not catalog.NAME.fullmatch(table):  # it becomes a file name
                raise ParquetError(f"表名「{table[:100]}」はファイル名にできません（英小文字・数字・_ のみ）")
            cols = catalog.columns(con, table)
            target = folder / f"{table}.parquet"
            spec = catalog.TABLES.get(table)
            rel = con.table(table)  # by name through the relational API: no SQL text
            if spec and spec.primary_key:  # rows in key order: the same warehouse gives the same files
                rel = rel.order(", ".join(spec.primary_key))
            data = rel.to_arrow_table()
            geo = _geo_metadata(cols)
            if geo:
                data = data.replace_schema_metadata({**(data.schema.metadata or {}), b"geo": geo.encode()})
            with atomic.replacing(target) as tmp:
                pq.write_table(data, tmp)
            counts[table] = data.num_rows
            sample, sources = _provenance(table, kinds, is_sample)
            licences = _licences(sources)
            resource = {
                "name": table, "path": target.name, "format": "parquet", "mediatype": MEDIATYPE,
                "title": spec.title if spec else table,
                "description": spec.description if spec else "",
                "bytes": target.stat().st_size, "hash": f"sha256:{sha256_file(target)}", "rows": counts[table],
                "is_sample": sample,
                "sources": [{"title": s.title} for s in sources],
                **({"licenses": licences} if licences else {}),
                "schema": {"fields": [
                    {"name": c, "type": field_type(t), "duckdb_type": t,
                     "description": spec.columns.get(c, "") if spec else ""} for c, t in cols]},
            }
            if spec and spec.primary_key:
                resource["schema"]["primaryKey"] = list(spec.primary_key)
            resources.append(resource)
    all_sources = list(dict.fromkeys(s for r in resources for s in map(json.dumps, r["sources"])))
    all_licences = list(dict.fromkeys(lic for r in resources for lic in map(json.dumps, r.get("licenses", []))))
    package = {
        "$schema": PROFILE,
        "name": "dx-gap-warehouse",
        "title": "DX人材ギャップ・ダッシュボード 公開テーブル",
        "description": ("市区町村のDX担当職員数、人材プール、地域DX推進体制の進捗。"
                        + (f"{SAMPLE_NOTICE}を含みます。" if is_sample else "")),
        "version": meta.get("version_id", ""),
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "is_sample": is_sample,
        "schema_version": meta.get("schema_version", ""),
        "sources": [json.loads(s) for s in all_sources],
        "licenses": [json.loads(lic) for lic in all_licences],
        "resources": resources,
    }
    with atomic.replacing(folder / PACKAGE) as tmp:
        tmp.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Exported(folder, counts, package)


def read_package(folder: Path) -> dict:
    """datapackage.json of folder, every resource checked: a plain table name, <name>.parquet beside
    it, the recorded size and sha256, and the Parquet columns equal to the schema's fields."""
    folder = Path(folder)
    path = folder / PACKAGE
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
        resources = package["resources"]
    except FileNotFoundError:
        raise ParquetError(f"{path} がありません（python -m etl export --parquet で書き出したフォルダを指定してください）") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ParquetError(f"{path} を読めません（{type(exc).__name__}）") from None
    seen = set()
    with duckdb.connect() as con:
        for i, res in enumerate(resources if isinstance(resources, list) else [None]):
            name = res.get("name") if isinstance(res, dict) else None
            if not isinstance(name, str) or not catalog.NAME.fullmatch(name) or name in seen \
                    or res.get("path") != f"{name}.parquet":
                raise ParquetError(f"{path}: resources[{i}] の name／path が正しくありません"
                                   f"（name は英小文字・数字・_、path は <name>.parquet）: {str(name)[:100]}")
            seen.add(name)
            file = folder / res["path"]
            if not file.is_file():
                raise ParquetError(f"{file} がありません（{PACKAGE} の resources[{i}]）")
            if res.get("bytes") != file.stat().st_size or res.get("hash") != f"sha256:{sha256_file(file)}":
                raise ParquetError(f"{file} の大きさか SHA-256 が {PACKAGE} の記録と違います（壊れたか差し替えられています）")
            try:
                con.execute("SET enable_geoparquet_conversion = false")
                got = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(file)]).fetchall()]
            except duckdb.Error as exc:
                raise ParquetError(f"{file} は Parquet として読めません（{type(exc).__name__}）") from None
            fields = [f.get("name") for f in res.get("schema", {}).get("fields", [])]
            if got != fields:
                raise ParquetError(f"{file} の列が {PACKAGE} の schema.fields と違います: "
                                   f"ファイル {got[:20]}、記録 {fields[:20]}"[:400])
    return package


def import_parquet(folder: Path, db_path: Path) -> dict[str, int]:
    """Rebuild a read-only serving warehouse at db_path from an exported folder: each resource
    becomes a table of the same name and types. Built into a new file and swapped in with
    os.replace, so the dashboard never sees half of it. An ETL-built warehouse is never replaced
    (its raw_ history would be lost). Returns table → rows."""
    db_path = Path(db_path)
    package = read_package(folder)
    if db_path.exists() and rebuilt_from(db_path) is None:
        raise ParquetError(f"{db_path} は ETL で作った倉庫です。取り込み履歴を失うため上書きしません"
                           "（別のパスを指定してください）")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic.temp_beside(db_path)
    counts = {}
    with _writer_lock(db_path):
        try:
            with atomic.replacing(db_path, tmp=tmp), duckdb.connect(str(tmp)) as con:
                con.execute("SET enable_geoparquet_conversion = false")  # keep WKB blobs as the ETL writes them
                for res in package["resources"]:  # names checked by read_package
                    con.read_parquet(str(Path(folder) / res["path"])).create(res["name"])
                    counts[res["name"]] = con.table(res["name"]).shape[0]
                    if "rows" in res and res["rows"] != counts[res["name"]]:
                        raise ParquetError(f"{res['path']} の行数 {counts[res['name']]} が {PACKAGE} の記録"
                                           f"（{res['rows']}）と違います")
                if "meta" not in counts:
                    con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
                define_macros(con)  # the dashboard's marts are macros over these tables
                con.execute("DELETE FROM meta WHERE key = ?", [REBUILT_KEY])
                con.execute("INSERT INTO meta VALUES (?, ?)",
                            [REBUILT_KEY, f"parquet:{package.get('version') or package.get('created', '')}"])
                con.execute("CHECKPOINT")
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.with_name(tmp.name + ".wal").unlink()
    return counts
