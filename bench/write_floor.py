"""The ETL bench's "write floor": what a build costs before it reads or checks a single cell.

    python bench/write_floor.py TABLES_DIR DB   # TABLES_DIR: one <table>.parquet per table

A fresh process, as the build is: Python starts and imports the libraries the build stands on
(numpy and duckdb: a build of surveys and rosters never imports pandas, etl/frame.py), creates the warehouse schema (etl/sql/00_schema.sql), inserts rows a build
already published (bench/etl_bench.py exports every table but the marts from the 100× warehouse to
Parquet, read here by DuckDB's own C++ reader), runs the mart SQL files and checkpoints. No input
file is opened, no cell validated. The build's time over this floor is what reading and
validating cost it. Prints {"start": s, "write": s} (wall) as JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

T0 = time.perf_counter()
import duckdb  # noqa: E402
import numpy  # noqa: E402, F401 (the build's validation stands on it: part of its start)

SQL_DIR = Path(__file__).resolve().parents[1] / "etl" / "sql"


def write(tables: Path, db: Path) -> None:
    con = duckdb.connect(str(db))
    try:
        scripts = sorted(SQL_DIR.glob("*.sql"))
        con.execute(scripts[0].read_text(encoding="utf-8"))  # the schema: raw, reference and log tables
        for parquet in sorted(tables.glob("*.parquet")):  # <table>.parquet
            con.read_parquet(str(parquet)).insert_into(parquet.stem)
        for script in scripts[1:]:  # staging views, macros and marts, as etl.warehouse.rebuild_marts
            con.execute(script.read_text(encoding="utf-8"))
        con.execute("CHECKPOINT")
    finally:
        con.close()


if __name__ == "__main__":
    started = time.perf_counter() - T0
    t = time.perf_counter()
    write(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps({"start": round(started, 3), "write": round(time.perf_counter() - t, 3)}))
