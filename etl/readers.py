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
MAX_ROWS = 100_000  # per sheet: a national survey has 1,741 municipalities (+175 wards)
XLSX_MAGIC = b"PK\x03\x04"
# Binary formats that decode as "text" by accident (no NUL byte near the start).
BINARY_MAGIC = (XLSX_MAGIC, b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0")
# A cell a spreadsheet would run: =HYPERLINK(...), =SUM(...), @SUM(...).
FORMULA = re.compile(r"^=.|^@[A-Za-z_]+\(")


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
        if data.startswith(BINARY_MAGIC) or b"\x00" in data[:4096] and not _is_utf16(data):
            raise FileRejected("拡張子は CSV ですが、中身はテキストではありません（Excel などのファイルを名前だけ変えていませんか）")
        text, encoding = decode_text(data)
        delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(text)
        sheets = [(None, _csv_rows(text, delimiter))]
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
    for table in tables:
        _reject_formulas(table)
    return tables


def _reject_formulas(table: Table) -> None:
    """A formula typed as text (CSV, or xlsx text cells) is never a value: refuse the file, naming
    the first such cell, rather than read =HYPERLINK(...) as a name or =SUM(2,3) as "23"."""
    found = [(number, j, text) for row, number in zip(table.rows, table.row_numbers, strict=True)
             for j, cell in enumerate(row)
             if isinstance(cell, str) and cell.lstrip()[:1] in ("=", "＝", "@", "＠")  # cheap test first
             and FORMULA.match(text := normalize_text(cell))]
    if found:
        from etl import columns  # here: columns imports this module

        number, j, text = found[0]
        label = table.columns[j] if j < len(table.columns) else None
        more = f"（ほか {len(found) - 1} か所）" if len(found) > 1 else ""
        pii = columns.match_columns([label or ""], {f: columns.ROSTER[f] for f in columns.PII_FIELDS})[0]
        raise FileRejected(
            f"セルに数式が入っています{more}。数式は取り込みません。値として貼り付けてから保存し直してください",
            sheet=table.sheet, row=number, column=label,
            value="（個人情報の列のため表示しません）" if pii else text[:80] + ("…" if len(text) > 80 else ""),
        )


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
    if any(esc in data[:200_000] for esc in (b"\x1b$B", b"\x1b$@", b"\x1b(J")):
        # 7-bit JIS decodes as ASCII without error, and the header would just go missing.
        raise FileRejected(
            "文字コードが ISO-2022-JP（JIS）と判定されました。UTF-8 または Shift_JIS（CP932）の CSV で保存し直してください"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = charset_normalizer.from_bytes(data[:200_000]).best()
    name = (guess.encoding if guess else "") or ""
    if name and name.replace("-", "_") in ("euc_jp", "euc_jis_2004", "euc_jisx0213", "iso2022_jp"):
        label = "EUC-JP" if name.startswith("euc") else name.upper().replace("_", "-")  # euc_jis_2004 is EUC-JP to users
        raise FileRejected(
            f"文字コードが {label} と判定されました（{name}）。"
            "UTF-8 または Shift_JIS（CP932）の CSV で保存し直してください"
        )
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"文字コードを判定できません（{exc.start + 1}バイト目）。"
            "UTF-8 または Shift_JIS（CP932）の CSV で保存し直してください"
        ) from exc


def _too_many_rows(sheet: str | None = None) -> FileRejected:
    return FileRejected(f"行が多すぎます（上限 {MAX_ROWS:,} 行）。1つのファイルには1回分の調査・名簿だけを入れてください",
                        sheet=sheet)


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise _too_many_rows()
    except csv.Error as exc:  # e.g. one cell over the csv module's 131,072-character limit
        raise FileRejected(f"CSV として読めません（{len(rows) + 1}行目付近: {exc}）。"
                           "1つのセルが長すぎるか、引用符（\"）の対応が崩れています") from exc
    return rows


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
            sheets = []
            for ws in wb.worksheets:
                grid = []
                for r in ws.iter_rows(values_only=True):
                    grid.append(list(r))
                    if len(grid) > MAX_ROWS:
                        raise _too_many_rows(ws.title)
                sheets.append((ws.title, grid))
            return sheets
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
