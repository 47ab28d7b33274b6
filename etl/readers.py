"""Read xlsx and CSV files into header-labelled tables.

Real files put title rows above the header, split the header over up to three rows (a merged
parent such as 「DX推進担当課室・情報政策担当課室の職員数」 over 職員数（人）/うち専任/うち兼任, and
sometimes a row of units （人）), and arrive in UTF-8, UTF-8 with BOM or CP932. The reader finds
the header and labels each column; the loaders decide what the columns mean. Workbooks are
opened by etl.xlsx, within its size limits, visible sheets only.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from etl import memo, xlsx
from etl.codes import normalize_text
from etl.report import WARNING, FileRejected, Issue, Report

T = TypeVar("T")

HEADER_SCAN_ROWS = 20
MAX_HEADER_ROWS = 3  # a parent, its sub-labels, and a row of units such as （人）
MAX_ROWS = xlsx.MAX_ROWS
MAX_CELL_CHARS = xlsx.MAX_CELL_CHARS
XLSX_MAGIC = xlsx.ZIP_MAGIC
# Binary formats that decode as "text" by accident (no NUL byte near the start).
BINARY_MAGIC = (XLSX_MAGIC, b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", xlsx.CFB_MAGIC)
# A cell a spreadsheet would run: =HYPERLINK(...), =SUM(...), @SUM(...).
FORMULA = re.compile(r"^=.|^@[A-Za-z_]+\(")
# Where a CSV cell can begin with a formula mark: at the start, or after a line end, a delimiter or
# a quote, and spaces (r"(?:^|[\r\n,\t\"])\s*[=＝@＠]", in two parts that the regex engine scans
# much faster). A text without one holds no such cell, so its cells need not be looked at one by one.
FORMULA_MARKS = "=＝@＠"
_TYPED_FORMULA_AT_START = re.compile(r"\s*[=＝@＠]")
_TYPED_FORMULA_INSIDE = re.compile(r"[\r\n,\t\"]\s*[=＝@＠]")
# A header row of units under the labels: （人）, 人, (%), 単位：人.
UNIT_ROW_CELL = re.compile(r"^[(（]?(単位[:：]?)?(人|名|団体|件|%|％|か所|箇所|○/×|○×|有無)[)）]?$")
FORMULAS_LISTED = 20  # formula cells named one by one in the warnings; the rest are counted


class HeaderLabel(str):
    """A column's header as shown to users (the header rows joined by 「／」), with the parts:
    ('DX推進担当課室・情報政策担当課室の職員数', 'うち専任', '（人）') top to bottom."""

    parts: tuple[str, ...]

    def __new__(cls, parts: tuple[str, ...]):
        label = super().__new__(cls, "／".join(parts))
        label.parts = parts
        return label

    def __reduce__(self):  # copies (dataclasses.asdict, pickle) keep the parts
        return (HeaderLabel, (self.parts,))

    @property
    def joined(self) -> str:
        """The parts run together, as the field patterns match them (職員数 + 合計 → 職員数合計)."""
        return "".join(self.parts)


@dataclass
class Table:
    """One sheet (or one CSV): labelled columns and the data rows below the header."""

    sheet: str | None
    columns: list[HeaderLabel]  # header labels (up to three header rows joined)
    rows: list[list[object]]
    row_numbers: list[int]  # 1-based row numbers as a spreadsheet shows them
    preamble: str  # the text above the header, where surveys write their base date
    encoding: str | None = None
    title_rows: list[str] = field(default_factory=list)  # the same text, one string per row
    header_rows: tuple[int, int] = (0, 0)  # first and last header row, 1-based
    text_only: bool = False  # every cell is a str or None (a CSV's): etl.columnar need not check


def label_key(label: object) -> str:
    """Header label for matching: NFKC, no spaces or line breaks, lower case."""
    if isinstance(label, HeaderLabel):
        label = label.joined
    if type(label) is str and memo.RUNS:  # header scans look at the same words in every file
        return _label_key_remembered(label)
    return _label_key(label)


def _label_key(label: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", normalize_text(label))).lower()


_label_key_remembered = memo.lru(_label_key)


# -- warnings found while reading ------------------------------------------------------------
# Every loader calls read_tables; what the reader notices (hidden sheets skipped, saved formula
# results used) reaches the report through etl.validate.validate, which collects it around the
# loader, so no loader has to pass it on.
_notes: contextvars.ContextVar[list[Issue] | None] = contextvars.ContextVar("reader_notes", default=None)


@contextlib.contextmanager
def collect_notes() -> Iterator[list[Issue]]:
    token = _notes.set([])
    try:
        yield _notes.get()
    finally:
        _notes.reset(token)


def _note(reason: str, **where) -> None:
    notes = _notes.get()
    if notes is not None:
        notes.append(Issue(WARNING, reason, **where))


# -- how every validator starts ----------------------------------------------------------------

def read_or_reject(report: Report, read: Callable[..., T], *args) -> T | None:
    """read(*args) (e.g. read_tables(path, score)); a file that cannot be read at all becomes the
    report's one error, and None tells the validator to return the report as it is."""
    try:
        return read(*args)
    except FileRejected as exc:
        report.issues.append(exc.issue)
        return None


def take_table(report: Report, table: Table, unknown: Iterable[int] = ()) -> None:
    """A table the validator reads: its rows count as read, and each column no field matched
    (unknown: their indexes) is skipped with a warning naming the sheet and the column."""
    report.rows_read += len(table.rows)
    for j in unknown:
        report.warn("不明な列のため読み飛ばしました", sheet=table.sheet, column=str(table.columns[j]))


def read_tables(path: Path, score: Callable[[list[str]], int], min_score: int = 2) -> list[Table]:
    """Every visible sheet of the file whose header scores at least min_score.

    score(labels) counts how many labels are columns the caller knows. Raises FileRejected
    with a Japanese reason when the file cannot be read or has no recognisable header.
    """
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected("ファイルが空です")
    suffix = path.suffix.lower()
    formulas: dict[str, list[xlsx.Formula]] = {}
    recalc = False
    typed_formulas = True  # whether a cell may hold a formula typed as text (see _reject_formulas)
    if suffix in (".xlsx", ".xlsm"):
        book = xlsx.read_workbook(data)
        if book.hidden:
            _note(f"非表示のシート（{'、'.join(f'「{t}」' for t in book.hidden)}）は読みませんでした")
        sheets = [(s.title, _fill_merges(s.grid, s.merges, s.title)) for s in book.sheets]
        formulas = {s.title: s.formulas for s in book.sheets}
        recalc = book.recalc_on_open
        encoding = None
        text_only = False  # numbers, dates and booleans as well
        if not sheets:
            raise FileRejected("表示されているシートがありません（非表示のシートは読みません）")
    elif suffix in (".csv", ".txt", ".tsv"):
        if xlsx.is_encrypted_office(data):
            raise FileRejected(xlsx.ENCRYPTED_REASON)
        if data.startswith(BINARY_MAGIC) or b"\x00" in data[:4096] and not _is_utf16(data):
            if looks_utf16(data):
                raise FileRejected(UTF16_REASON)
            raise FileRejected("拡張子は CSV ですが、中身はテキストではありません（Excel などのファイルを名前だけ変えていませんか）")
        text, encoding = decode_text(data)
        delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(text)
        sheets = [(None, _csv_rows(text, delimiter))]
        text_only = True  # the csv module's cells, and None where a short row is padded
        typed_formulas = may_hold_typed_formula(text)
    elif suffix == ".xls":
        raise FileRejected("古い Excel 形式（.xls）には対応していません。.xlsx で保存し直してください")
    else:
        raise FileRejected(f"拡張子「{suffix or 'なし'}」には対応していません（.xlsx または .csv）")

    tables, best_seen = [], 0
    for sheet, grid in sheets:
        table, got = _find_header(sheet, grid, score, min_score)
        best_seen = max(best_seen, got)
        if table is not None:
            table.encoding, table.text_only = encoding, text_only
            tables.append(table)
    if not tables:
        if all(not any(normalize_text(c) for row in grid for c in row) for _, grid in sheets):
            raise FileRejected("ファイルにデータがありません（空のシートです）")
        raise FileRejected(
            f"見出し行が見つかりません。先頭{HEADER_SCAN_ROWS}行のうちに、団体コード・団体名などの"
            "見出しを置いてください"
        )
    for table in tables:
        _check_formulas(table, formulas.get(table.sheet or "", []), recalc)
        if typed_formulas:
            _reject_formulas(table)
    return tables


def may_hold_typed_formula(text: str) -> bool:
    """Whether a cell of the CSV text may begin with a formula mark (see _TYPED_FORMULA_INSIDE)."""
    if not any(mark in text for mark in FORMULA_MARKS):
        return False
    return _TYPED_FORMULA_AT_START.match(text) is not None or _TYPED_FORMULA_INSIDE.search(text) is not None


def _check_formulas(table: Table, found: list[xlsx.Formula], recalc: bool) -> None:
    """A formula cell is read as the result Excel saved with it. Without one (a file written by a
    program, or saved to recalculate on open) it would read as empty, i.e. 未回答: refuse it."""
    if not found:
        return
    width = len(table.columns)

    def column(f: xlsx.Formula) -> str:
        inside = f.row > table.header_rows[1] and f.column <= width and table.columns[f.column - 1]
        return table.columns[f.column - 1] if inside else xlsx._col_letters(f.column)

    missing = [f for f in found if f.cached is None or recalc]
    if missing:
        f = missing[0]
        more = f"（ほか {len(missing) - 1} か所）" if len(missing) > 1 else ""
        why = ("ファイルが「開くときに再計算する」設定で保存されていて、保存されている結果を信用できません" if recalc
               else "計算結果が保存されていません")
        raise FileRejected(
            f"セル {f.cell} は数式（={f.text}）ですが、{why}{more}。空欄（未回答）として読むと値が失われるため、"
            "取り込みません。Excel で開いて保存し直すか、値として貼り付けてください",
            sheet=table.sheet, row=f.row, column=column(f), value=f"={f.text}")
    for f in found[:FORMULAS_LISTED]:
        _note(f"セル {f.cell} は数式（={f.text}）です。保存されている計算結果「{f.cached[:100]}」を使いました",
              sheet=table.sheet, row=f.row, column=column(f), value=f.cached[:100])
    if len(found) > FORMULAS_LISTED:
        _note(f"ほかにも数式のセルが {len(found) - FORMULAS_LISTED:,} か所あります。保存されている計算結果を使いました",
              sheet=table.sheet)


def _fill_merges(grid: list[list[object]], merges: list[tuple[int, int, int, int]], sheet: str) -> list[list[object]]:
    """Give every cell of a merged range the value of its top-left cell, as a person reads it."""
    filled = 0
    for r1, c1, r2, c2 in merges:
        if r1 > len(grid):
            continue
        value = grid[r1 - 1][c1 - 1] if c1 <= len(grid[r1 - 1]) else None
        for r in range(r1, min(r2, len(grid)) + 1):
            row = grid[r - 1]
            for c in range(c1, min(c2, len(row)) + 1):
                if (r, c) != (r1, c1):
                    row[c - 1] = value
                    filled += 1
        if filled > MAX_ROWS * 10:
            raise FileRejected("結合セルが多すぎます", sheet=sheet)
    return grid


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


def looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: Japanese or ASCII text puts a NUL in most byte pairs."""
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 4:
        return False
    nul_even = sum(1 for i in range(0, 2 * pairs, 2) if head[i] == 0)
    nul_odd = sum(1 for i in range(1, 2 * pairs, 2) if head[i] == 0)
    return max(nul_even, nul_odd) >= pairs * 0.3 and min(nul_even, nul_odd) <= pairs * 0.05


UTF16_REASON = "文字コードが UTF-16 です。UTF-8 または Shift_JIS（CP932）の CSV で保存し直してください"


REFUSED_CODECS = ("euc_jp", "euc_jis_2004", "euc_jisx0213", "iso2022_jp")


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM) or CP932; others are detected and named."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if _is_utf16(data) or b"\x00" in data[:4096] and looks_utf16(data):
        raise FileRejected(UTF16_REASON)
    head = data[:200_000]
    if b"\x1b" in head and any(esc in head for esc in (b"\x1b$B", b"\x1b$@", b"\x1b(J")):
        # 7-bit JIS decodes as ASCII without error, and the header would just go missing.
        raise FileRejected(
            "文字コードが ISO-2022-JP（JIS）と判定されました。UTF-8 または Shift_JIS（CP932）の CSV で保存し直してください"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # charset_normalizer only names an encoding that decodes these bytes: when none of the refused
    # ones does (Shift_JIS text almost never is valid EUC-JP), its guess cannot refuse the file.
    if any(_decodes(head, codec) for codec in REFUSED_CODECS):
        import charset_normalizer  # here: most files are UTF-8, and its import takes a while

        guess = charset_normalizer.from_bytes(head).best()
        name = (guess.encoding if guess else "") or ""
    else:
        name = ""
    if name and name.replace("-", "_") in REFUSED_CODECS:
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


CR_ONLY_REASON = ("改行コードが CR だけです（古い Mac の形式）。行の区切りが分からないため読めません。"
                  "改行コードを CRLF（Windows）または LF にして保存し直してください")


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    if "\r" in text and "\n" not in text:
        raise FileRejected(CR_ONLY_REASON)
    plain = _plain_rows(text, delimiter)
    if plain is not None:
        return plain
    # Most files break no limit: read them in one go; any other is read row by row below, to stop
    # at the first row that breaks one, as the message says.
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        pass
    else:
        if len(rows) <= MAX_ROWS and not _may_hold_long_cell(text, rows):
            return rows
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if row and max(map(len, row)) > MAX_CELL_CHARS:
                j = next(j for j, cell in enumerate(row) if len(cell) > MAX_CELL_CHARS)
                raise FileRejected(f"{len(rows) + 1}行目 {j + 1}列目のセルの文字数が多すぎます"
                                   f"（上限 {MAX_CELL_CHARS:,} 文字。Excel の1セルの上限と同じです）", row=len(rows) + 1)
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise _too_many_rows()
    except csv.Error as exc:  # e.g. one cell over the csv module's 131,072-character limit
        if "new-line character" in str(exc):
            raise FileRejected(f"CSV として読めません（{len(rows) + 1}行目付近）。{CR_ONLY_REASON}") from exc
        raise FileRejected(f"CSV として読めません（{len(rows) + 1}行目付近）。1つのセルが長すぎるか"
                           f"（上限 {MAX_CELL_CHARS:,} 文字）、引用符（\"）の対応が崩れています") from exc
    return rows


def _plain_rows(text: str, delimiter: str) -> list[list[str]] | None:
    """The rows of a CSV without quotes, NULs or line ends other than LF and CRLF, whose lines are
    all within the limits: the csv module would only split it at the line ends and the delimiters
    (an empty line is a row without cells), so str.split does, in half the time. None for any
    other text (the csv module reads it)."""
    if '"' in text or "\0" in text:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()  # the line end of the last row
    if len(lines) > MAX_ROWS or max(map(len, lines), default=0) > MAX_CELL_CHARS:
        return None
    return [line.split(delimiter) if line else [] for line in lines]


def _may_hold_long_cell(text: str, rows: list[list[str]]) -> bool:
    """Whether a cell of rows is longer than MAX_CELL_CHARS. Without a quote no cell goes past a
    line end, so a text whose lines are all shorter has none (lines are far fewer than cells)."""
    if len(text) <= MAX_CELL_CHARS:
        return False
    if '"' not in text and max(map(len, text.split("\n"))) <= MAX_CELL_CHARS:
        return False
    return max(map(len, itertools.chain.from_iterable(rows)), default=0) > MAX_CELL_CHARS


def _sniff_delimiter(text: str) -> str:
    head = text[:5000]
    return "\t" if head.count("\t") > head.count(",") else ","


def _header_labels(texts: list[list[str]], top: int, height: int) -> list[HeaderLabel]:
    """Labels of the header rows top..top+height-1 (texts: the rows' cells, normalize_text'ed): per
    column, its distinct parts top to bottom.

    A label left blank to the right of a parent (CSV, or a workbook that centres a parent over
    its columns without merging) belongs to that parent when the rows below name the column."""
    if height == 1:  # one row: each cell is its own label
        return [HeaderLabel((t,) if t else ()) for t in texts[top]]
    rows = [texts[top + k] for k in range(height)]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    for k in range(height - 1):
        parent = ""
        for j in range(width):
            if rows[k][j]:
                parent = rows[k][j]
            elif parent and any(rows[b][j] for b in range(k + 1, height)):
                rows[k][j] = parent
            else:
                parent = ""
    labels = []
    for j in range(width):
        parts: list[str] = []
        for k in range(height):
            if rows[k][j] and (not parts or parts[-1] != rows[k][j]):
                parts.append(rows[k][j])
        labels.append(HeaderLabel(tuple(parts)))
    return labels


def _is_label_row(row: list[object]) -> bool:
    cells = [c for c in row if normalize_text(c)]
    return bool(cells) and not any(isinstance(c, int | float) or re.search(r"\d", normalize_text(c)) for c in cells)


def _is_unit_row(row: list[object], above: list[object]) -> bool:
    """（人）（人）… under the labels; a cell that repeats the one above is a merged label going on."""
    cells = [normalize_text(c) for c in row]
    upper = [normalize_text(c) for c in above] + [""] * max(0, len(row) - len(above))
    units = [c for c, u in zip(cells, upper, strict=False) if c and c != u]
    return bool(units) and all(UNIT_ROW_CELL.match(c) for c in units)


def _data_rows(body: list, first_number: int, width: int) -> tuple[list[list[object]], list[int]]:
    """The rows below the header that are not empty, cut or padded to width, and their row numbers.
    A CSV's rows are usually all as wide as the header: they are then kept as they are (not
    copied) and judged in one pass; any other grid goes row by row (_data_rows_each)."""
    if not width or set(map(type, body)) != {list} or set(map(len, body)) != {width}:
        return _data_rows_each(body, first_number, width)
    numbers = range(first_number, first_number + len(body))
    if _all_coded([row[0] for row in body]):
        return body, list(numbers)
    keep = list(map(_has_data, body))
    if all(keep):
        return body, list(numbers)
    return list(itertools.compress(body, keep)), list(itertools.compress(numbers, keep))


def _all_coded(cells: list) -> bool:
    """Whether every cell is what _has_data takes as data at once (text of printable ASCII without
    a space: a code or a number), tested on the cells joined, as a row's first cells usually are."""
    if not all(cells) or set(map(type, cells)) != {str}:
        return False
    joined = "".join(cells)
    return joined.isascii() and joined.isprintable() and " " not in joined


def _has_data(cells: list) -> bool:
    """Whether a row holds a cell; a code or a number first (normalize_text would return it as it
    is) answers without reading the others."""
    first = cells[0] if cells else None
    return type(first) is str and bool(first) and first.isascii() and first.isprintable() and " " not in first \
        or any(map(normalize_text, cells))


def _data_rows_each(body: list, first_number: int, width: int) -> tuple[list[list[object]], list[int]]:
    rows, numbers = [], []
    for k, row in enumerate(body, start=first_number):
        cells = row[:width] if type(row) is list else list(row[:width])
        if len(cells) < width:
            cells += [None] * (width - len(cells))
        if _has_data(cells):
            rows.append(cells)
            numbers.append(k)
    return rows, numbers


def _find_header(sheet, grid, score, min_score) -> tuple[Table | None, int]:
    best: tuple[int, int, list[HeaderLabel], int] | None = None  # (score, row index, labels, header height)
    # the rows a header can be in, as text once (each takes part in up to three candidates)
    texts = [[normalize_text(c) for c in row] for row in grid[:HEADER_SCAN_ROWS + MAX_HEADER_ROWS]]
    # the most score(labels) can be, given how many labels have text (when the scorer knows it)
    bound = getattr(score, "bound", None)
    # per row, a bit for each column with text: a label has text exactly where a row of it has
    filled = [sum(1 << j for j, t in enumerate(row) if t) for row in texts]
    for i in range(min(HEADER_SCAN_ROWS, len(grid))):
        if not filled[i]:
            continue
        columns = 0
        for height in range(1, min(MAX_HEADER_ROWS, len(grid) - i) + 1):
            columns |= filled[i + height - 1]
            # from another row, only a higher score replaces the best: skip what cannot reach it
            if bound is not None and best is not None and best[1] != i and bound(columns.bit_count()) <= best[0]:
                continue
            labels = _header_labels(texts, i, height)
            s = score(labels)
            # On a tie, a row of words under the header (計, 専任) is part of it; a data row has numbers.
            taller = best is not None and s == best[0] and best[1] == i and height == best[3] + 1 \
                and _is_label_row(grid[i + height - 1])
            if best is None or s > best[0] or taller:
                best = (s, i, labels, height)
    if best is None or best[0] < min_score:
        return None, best[0] if best else 0
    s, i, labels, height = best
    while height < MAX_HEADER_ROWS and i + height < len(grid) and _is_unit_row(grid[i + height], grid[i + height - 1]):
        height += 1  # （人） under the labels: part of the header, not a data row
        labels = _header_labels(texts, i, height)
    width = len(labels)
    while width and not labels[width - 1]:
        width -= 1
    rows, numbers = _data_rows(grid[i + height :], i + height + 1, width)
    title_rows = [" ".join(t for c in r if (t := normalize_text(c))) for r in grid[:i]]
    title_rows = [t for t in title_rows if t]
    return Table(sheet, labels[:width], rows, numbers, " ".join(title_rows), title_rows=title_rows,
                 header_rows=(i + 1, i + height)), s
