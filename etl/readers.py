"""Read xlsx and CSV files into header-labelled tables.

Real files put title rows above the header, split the header over two rows (a merged
parent such as 「DX・情報政策担当職員数」 over 合計/専任/兼任), and arrive in UTF-8, UTF-8 with
BOM or CP932. The reader finds the header and labels each column; the loaders decide
what the columns mean.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from etl.codes import normalize_text
from etl.report import FileRejected

HEADER_SCAN_ROWS = 20
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    """One sheet (or one CSV): labelled columns and the data rows below the header."""

    sheet: str | None
    columns: list[str]  # header labels as written (two header rows joined)
    rows: list[list[object]]
    row_numbers: list[int]  # 1-based row numbers as a spreadsheet shows them
    preamble: str  # the text above the header, where surveys write their base date
    encoding: str | None = None


def label_key(label: object) -> str:
    """Header label for matching: NFKC, no spaces or line breaks, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", normalize_text(label))).lower()


def read_tables(path: Path, score: Callable[[list[str]], int], min_score: int = 2) -> list[Table]:
    """Every sheet of the file whose header scores at least min_score.

    score(labels) counts how many labels are columns the caller knows. Raises FileRejected
    with a Japanese reason when the file cannot be read or has no recognisable header.
    """
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected("ファイルが空です")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        sheets = _xlsx_sheets(data)
        encoding = None
    elif suffix in (".csv", ".txt", ".tsv"):
        if data.startswith(XLSX_MAGIC) or b"\x00" in data[:4096] and not _is_utf16(data):
            raise FileRejected("拡張子は CSV ですが、中身はテキストではありません（Excel などのファイルを名前だけ変えていませんか）")
        text, encoding = decode_text(data)
        delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(text)
        sheets = [(None, list(csv.reader(io.StringIO(text), delimiter=delimiter)))]
    elif suffix == ".xls":
        raise FileRejected("古い Excel 形式（.xls）には対応していません。.xlsx で保存し直してください")
    else:
        raise FileRejected(f"拡張子「{suffix or 'なし'}」には対応していません（.xlsx または .csv）")

    tables, best_seen = [], 0
    for sheet, grid in sheets:
        table, got = _find_header(sheet, grid, score, min_score)
        best_seen = max(best_seen, got)
        if table is not None:
            table.encoding = encoding
            tables.append(table)
    if not tables:
        if all(not any(normalize_text(c) for row in grid for c in row) for _, grid in sheets):
            raise FileRejected("ファイルにデータがありません（空のシートです）")
        raise FileRejected(
            f"見出し行が見つかりません。先頭{HEADER_SCAN_ROWS}行のうちに、団体コード・団体名などの"
            "見出しを置いてください"
        )
    return tables


def _is_utf16(data: bytes) -> bool:
    return data.startswith((b"\xff\xfe", b"\xfe\xff"))


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM) or CP932; others are detected and named."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if _is_utf16(data):
        raise FileRejected(
            "文字コードが UTF-16 です。UTF-8 または Shift_JIS（CP932）の CSV で保存し直してください"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = charset_normalizer.from_bytes(data[:200_000]).best()
    name = (guess.encoding if guess else "") or ""
    if name and name.replace("-", "_") in ("euc_jp", "euc_jis_2004", "euc_jisx0213", "iso2022_jp"):
        raise FileRejected(
            f"文字コードが {name.upper().replace('_', '-')} と判定されました。"
            "UTF-8 または Shift_JIS（CP932）の CSV で保存し直してください"
        )
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"文字コードを判定できません（{exc.start + 1}バイト目）。"
            "UTF-8 または Shift_JIS（CP932）の CSV で保存し直してください"
        ) from exc


def _sniff_delimiter(text: str) -> str:
    head = text[:5000]
    return "\t" if head.count("\t") > head.count(",") else ","


def _xlsx_sheets(data: bytes) -> list[tuple[str, list[list[object]]]]:
    import openpyxl

    if not data.startswith(XLSX_MAGIC):
        raise FileRejected("拡張子は .xlsx ですが、中身が Excel ファイルではありません")
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
        finally:
            wb.close()
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError) as exc:
        raise FileRejected(f"Excel ファイルを開けません（壊れているか途中で切れています: {type(exc).__name__}）") from exc


def _joined_header(top: list[object], sub: list[object]) -> list[str]:
    """Join a merged parent row with the row below it: 職員数 + 合計 → 職員数合計."""
    out, parent = [], ""
    for j in range(max(len(top), len(sub))):
        t = normalize_text(top[j]) if j < len(top) else ""
        s = normalize_text(sub[j]) if j < len(sub) else ""
        if t:
            parent = t
        out.append((parent + s) if s else t)
    return out


def _find_header(sheet, grid, score, min_score) -> tuple[Table | None, int]:
    best: tuple[int, int, list[str], int] | None = None  # (score, row index, labels, header height)
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        labels = [normalize_text(c) for c in row]
        cands = [(score(labels), labels, 1)]
        if i + 1 < len(grid):
            joined = _joined_header(row, grid[i + 1])
            cands.append((score(joined), joined, 2))
        for s, lab, height in cands:
            if best is None or s > best[0]:
                best = (s, i, lab, height)
    if best is None or best[0] < min_score:
        return None, best[0] if best else 0
    s, i, labels, height = best
    width = len(labels)
    while width and not labels[width - 1]:
        width -= 1
    rows, numbers = [], []
    for k, row in enumerate(grid[i + height :], start=i + height + 1):
        cells = list(row[:width]) + [None] * (width - len(row))
        if any(normalize_text(c) for c in cells):
            rows.append(cells)
            numbers.append(k)
    preamble = " ".join(normalize_text(c) for r in grid[:i] for c in r if normalize_text(c))
    return Table(sheet, labels[:width], rows, numbers, preamble), s
