"""The ETL bench's "plain read": pandas alone reading input files, nothing else imported.

    python bench/plain_read.py LIST   # LIST: a text file with one input path a line

bench/etl_bench.py calls read() in its own process (the headline figure, pandas already imported)
and runs this file as a fresh process (the second figure: Python starting, importing pandas,
reading and exiting, as the build's own process does)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def read(paths: list[Path]) -> None:
    """pd.read_csv(dtype=str) of each CSV (UTF-8, BOM or CP932), pd.read_excel of each workbook, and
    pd.read_json of each TopoJSON/GeoJSON (as plain JSON): no validation."""
    for path in paths:
        if path.suffix.lower() in (".topojson", ".geojson", ".json"):
            pd.read_json(path, typ="series")
            continue
        if path.suffix.lower() == ".xlsx":
            pd.read_excel(path, sheet_name=None, header=None)
            continue
        head = path.read_bytes()[:3]
        encoding = "utf-8-sig" if head == b"\xef\xbb\xbf" else None
        for enc in (encoding or "utf-8", "cp932"):
            try:
                pd.read_csv(path, encoding=enc, dtype=str)
                break
            except UnicodeDecodeError:
                continue


if __name__ == "__main__":
    read([Path(line) for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines() if line])
