"""Read an xlsx workbook at a bounded cost, and only what a person sees in it.

Before openpyxl parses anything, one streaming pass over the zip checks what openpyxl would
otherwise load whole: the members' declared sizes, then the bytes actually decompressed (a zip
header may lie), the length of every cell's text while it is being read (a 300 KB workbook can
hold one 300 MB cell), the row and column extent, and well-formed XML. The same pass notes
what openpyxl's read-only mode does not give: merged ranges, and each formula with whether
Excel saved its result. openpyxl then reads the cached values (data_only) of the visible
sheets only; hidden and very-hidden sheets are never read.

Sheet XML looks like:
    <sheetData><row r="4"><c r="D4" t="s"><v>12</v></c><c r="E4"><f>SUM(E6:E9)</f><v>5</v></c>...
    <mergeCells><mergeCell ref="D4:F4"/>...
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.parsers import expat

from etl.report import FileRejected

MAX_UNCOMPRESSED = 100 * 1024 * 1024  # bytes, all members together; a national survey is a few MB
MAX_MEMBERS = 5_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_ROWS = 100_000  # per sheet: a national survey has 1,741 municipalities (+175 wards)
MAX_COLUMNS = 1_000
MAX_MERGES = 100_000
CHUNK = 1 << 16

ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, .doc, or an encrypted .xlsx
# An encrypted Office file is a compound file holding these two streams (names in UTF-16LE).
ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
ENCRYPTED_REASON = ("パスワード付き（暗号化された）Excel ファイルは読めません。"
                    "Excel でパスワードを解除して保存し直してください")
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class Formula:
    cell: str  # "D12"
    row: int
    column: int  # 1-based
    text: str  # the formula as written, without "=" (shortened)
    cached: str | None  # the saved result as text, None when none was saved


@dataclass
class Sheet:
    """One visible worksheet: its cells (cached values) and what the guard pass noted."""

    title: str
    grid: list[list[object]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 1-based (row1, col1, row2, col2)
    formulas: list[Formula] = field(default_factory=list)


@dataclass
class Workbook:
    sheets: list[Sheet]
    hidden: list[str]  # titles of hidden and very-hidden sheets, never read
    recalc_on_open: bool  # the file asks Excel to recalculate on open: saved results are not trusted


def is_encrypted_office(data: bytes) -> bool:
    """A compound file with the streams an encrypted Office document has (Excel's 「パスワード付き」)."""
    return data.startswith(CFB_MAGIC) and all(name in data for name in ENCRYPTION_STREAMS)


def read_workbook(data: bytes) -> Workbook:
    """The visible sheets of an xlsx, read within the limits above. Raises FileRejected (Japanese)."""
    if is_encrypted_office(data):
        raise FileRejected(ENCRYPTED_REASON)
    if not data.startswith(ZIP_MAGIC):
        if data.startswith(CFB_MAGIC):
            raise FileRejected("拡張子は .xlsx ですが、中身は古い Office 形式（.xls など）です。.xlsx で保存し直してください")
        raise FileRejected("拡張子は .xlsx ですが、中身が Excel ファイルではありません")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _broken(exc) from exc
    with zf:
        plan = _plan(zf, infos)
        try:
            return _read(data, zf, plan)
        except FileRejected:
            raise
        except (zipfile.BadZipFile, zlib.error, KeyError, EOFError, OSError, ValueError, TypeError, IndexError,
                AttributeError, SyntaxError, NotImplementedError) as exc:  # openpyxl on a damaged part
            raise _broken(exc) from exc


def _broken(exc: BaseException) -> FileRejected:
    return FileRejected(f"Excel ファイルを開けません（壊れているか途中で切れています: {type(exc).__name__}）")


# -- the zip: sizes and the parts to read ------------------------------------------------------

@dataclass
class _Plan:
    sheets: list[tuple[str, str, str]]  # (title, part path, state) in workbook order
    shared_strings: str | None
    recalc_on_open: bool
    budget: list[int]  # bytes left to decompress (a one-item list, shared by the readers)


def _plan(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> _Plan:
    if len(infos) > MAX_MEMBERS:
        raise FileRejected(f"Excel ファイルの中の部品が多すぎます（{len(infos):,} 個、上限 {MAX_MEMBERS:,} 個）")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNCOMPRESSED:
        raise FileRejected(_too_big(f"展開すると {declared / 1e6:,.0f} MB"))
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise FileRejected("拡張子は .xlsx ですが、Excel ブックではない ZIP 形式です（Word の .docx など）")
    budget = [MAX_UNCOMPRESSED]
    book = _WorkbookPart()
    _parse(zf, "xl/workbook.xml", book, budget)
    rels = _RelsPart()
    if "xl/_rels/workbook.xml.rels" in names:
        _parse(zf, "xl/_rels/workbook.xml.rels", rels, budget)
    sheets = []
    for title, rid, state in book.sheets:
        part = _part_path(rels.targets.get(rid, ""))
        if part in names and "/worksheets/" in f"/{part}":  # chartsheets and the like hold no cells
            sheets.append((title, part, state))
    shared = next((_part_path(t) for t in rels.shared_strings), None)
    return _Plan(sheets, shared if shared in names else None, book.recalc_on_open, budget)


def _part_path(target: str) -> str:
    """A relationship target of xl/workbook.xml as a zip member name."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _too_big(what: str) -> str:
    return (f"Excel ファイルが大きすぎます（{what}、上限 {MAX_UNCOMPRESSED // 1024 // 1024} MB）。"
            "1回分の調査だけを入れたファイルにしてください")


def _read(data: bytes, zf: zipfile.ZipFile, plan: _Plan) -> Workbook:
    import openpyxl

    long_string = None
    if plan.shared_strings:
        sst = _SharedStringsPart()
        try:
            _parse(zf, plan.shared_strings, sst, plan.budget)
        except _CellTooLong:
            long_string = sst.count - 1  # the index of the string being read
    visible, hidden, guards = [], [], {}
    for title, part, state in plan.sheets:
        if state in ("hidden", "veryHidden"):
            hidden.append(title)
            continue
        guard = _SheetPart(long_string)
        try:
            _parse(zf, part, guard, plan.budget, sheet=title)
        except _CellTooLong as exc:
            raise FileRejected(_long_cell(exc.cell), sheet=title, row=_row_of(exc.cell)) from None
        if guard.uses_long_string:
            raise FileRejected(_long_cell(guard.uses_long_string), sheet=title, row=_row_of(guard.uses_long_string))
        visible.append(title)
        guards[title] = guard
    if long_string is not None:  # only a hidden sheet uses it, but openpyxl would still load it
        raise FileRejected(_long_cell(f"共有文字列の {long_string + 1} 番目"))
    _drain_others(zf, plan)

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        sheets = []
        for title in visible:
            guard = guards[title]
            ws = wb[title]
            grid = [list(r) for r in ws.iter_rows(min_row=1, max_row=guard.max_row, max_col=guard.max_col,
                                                  values_only=True)] if guard.max_row else []
            sheets.append(Sheet(title, grid, guard.merges, guard.formulas))
        return Workbook(sheets, hidden, plan.recalc_on_open)
    finally:
        wb.close()


def _drain_others(zf: zipfile.ZipFile, plan: _Plan) -> None:
    """Decompress the other parts openpyxl opens (styles, theme, properties) within the budget."""
    for name in zf.namelist():
        if name.endswith((".xml", ".rels")) and name.startswith(("xl/styles", "xl/theme/", "docProps/")):
            _parse(zf, name, _Part(), plan.budget)


def _long_cell(cell: str) -> str:
    return f"セル {cell} の文字数が多すぎます（上限 {MAX_CELL_CHARS:,} 文字。Excel の1セルの上限と同じです）"


def _row_of(cell: str) -> int | None:
    m = re.fullmatch(r"[A-Z]+(\d+)", cell)
    return int(m[1]) if m else None


# -- streaming XML ---------------------------------------------------------------------------

class _CellTooLong(Exception):
    def __init__(self, cell: str):
        self.cell = cell


def _parse(zf: zipfile.ZipFile, name: str, part: _Part, budget: list[int], sheet: str | None = None) -> None:
    """Feed one member to expat in chunks, stopping as soon as the byte budget is spent."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.StartElementHandler = part.start
    parser.EndElementHandler = part.end
    parser.CharacterDataHandler = part.text
    parser.StartDoctypeDeclHandler = _no_doctype  # no DTDs, so no entity expansion
    where = f"シート「{sheet}」" if sheet else f"部品「{name}」"
    try:
        with zf.open(name) as f:
            while chunk := f.read(CHUNK):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise FileRejected(_too_big(f"展開すると {MAX_UNCOMPRESSED // 1024 // 1024} MB を超えます"))
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise FileRejected(f"Excel ファイルの{where}の中身（XML）が壊れています"
                           f"（{exc.lineno}行 {exc.offset + 1}文字目: {expat.ErrorString(exc.code)}）",
                           sheet=sheet) from None
    except _Doctype:
        raise FileRejected(f"Excel ファイルの{where}に DOCTYPE 宣言があります。Excel が保存したファイルではありません",
                           sheet=sheet) from None
    except RuntimeError as exc:  # a zip member with a ZIP password
        if "encrypted" in str(exc):
            raise FileRejected(ENCRYPTED_REASON) from None
        raise
    except FileRejected as exc:  # from a handler: add the sheet
        if sheet and exc.issue.sheet is None:
            raise FileRejected(exc.issue.reason, sheet=sheet, row=exc.issue.row) from None
        raise


class _Doctype(Exception):
    pass


def _no_doctype(*_args) -> None:
    raise _Doctype


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Part:
    """Counts nothing, keeps nothing: a part that only has to be well-formed and within budget."""

    def start(self, name, attrs):
        pass

    def end(self, name):
        pass

    def text(self, data):
        pass


class _WorkbookPart(_Part):
    def __init__(self):
        self.sheets: list[tuple[str, str, str]] = []
        self.recalc_on_open = False

    def start(self, name, attrs):
        tag = _local(name)
        if tag == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            self.sheets.append((attrs.get("name", ""), rid, attrs.get("state", "visible")))
        elif tag == "calcPr":
            self.recalc_on_open = attrs.get("fullCalcOnLoad") in ("1", "true")


class _RelsPart(_Part):
    def __init__(self):
        self.targets: dict[str, str] = {}
        self.shared_strings: list[str] = []

    def start(self, name, attrs):
        if _local(name) == "Relationship":
            self.targets[attrs.get("Id", "")] = attrs.get("Target", "")
            if attrs.get("Type", "").endswith("/sharedStrings"):
                self.shared_strings.append(attrs.get("Target", ""))


class _SharedStringsPart(_Part):
    """<sst><si><t>text</t></si><si><r><t>rich</t></r><r><t>text</t></r></si>..."""

    def __init__(self):
        self.count = 0
        self.chars = 0

    def start(self, name, attrs):
        if _local(name) == "si":
            self.count += 1
            self.chars = 0

    def text(self, data):
        self.chars += len(data)
        if self.chars > MAX_CELL_CHARS:
            raise _CellTooLong(f"共有文字列の {self.count} 番目")


_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


class _SheetPart(_Part):
    """Extent, merges, formulas and text lengths of one worksheet, keeping no cell text."""

    def __init__(self, long_string: int | None):
        self.long_string = str(long_string) if long_string is not None else None
        self.uses_long_string: str | None = None
        self.max_row = self.max_col = 0
        self.merges: list[tuple[int, int, int, int]] = []
        self.formulas: list[Formula] = []
        self.row = 0
        self.col = 0
        self.cell = ""
        self.type = "n"
        self.in_text = None  # "v", "f" or "t" while inside one
        self.chars = 0
        self.value: list[str] = []
        self.formula: list[str] = []
        self.has_f = self.has_v = self.has_value = False

    def start(self, name, attrs):
        tag = _local(name)
        if tag == "c":
            ref = attrs.get("r")
            m = _REF.fullmatch(ref) if ref else None
            if m:
                self.col, row = _col_number(m[1]), int(m[2])
                if row != self.row:
                    self.row = row
            else:
                self.col += 1
            self.cell = f"{_col_letters(self.col)}{self.row}"
            self.type = attrs.get("t", "n")
            self.chars = 0
            self.value, self.formula = [], []
            self.has_f = self.has_v = self.has_value = False
        elif tag == "row":
            r = attrs.get("r")
            self.row = int(r) if r and r.isdigit() else self.row + 1
            self.col = 0  # an empty styled row far down is harmless: only cells with values count
        elif tag in ("v", "f", "t"):
            self.in_text = tag
            if tag == "f":
                self.has_f = True
            elif tag == "v":
                self.has_v = True
        elif tag == "mergeCell":
            self._merge(attrs.get("ref", ""))

    def text(self, data):
        if self.in_text is None:
            return
        self.chars += len(data)
        if self.chars > MAX_CELL_CHARS:
            raise _CellTooLong(self.cell)
        if self.in_text == "v":
            self.value.append(data)
            self.has_value = True
        elif self.in_text == "f":
            self.formula.append(data)
        else:  # inline string text
            self.has_value = True

    def end(self, name):
        tag = _local(name)
        if tag in ("v", "f", "t"):
            self.in_text = None
        elif tag == "c":
            self._end_cell()

    def _end_cell(self):
        value = "".join(self.value)
        has_value = self.has_value
        if self.has_f:
            # Excel saves a formula's result in <v>; an empty string result is t="str" with <v></v>.
            cached = value if value or (self.has_v and self.type == "str") else None
            text = "".join(self.formula)
            self.formulas.append(Formula(self.cell, self.row, self.col, text[:100], cached))
            has_value = True
        if not has_value:
            return
        if self.type == "s" and self.long_string is not None and value.strip() == self.long_string:
            self.uses_long_string = self.uses_long_string or self.cell
        if self.row > MAX_ROWS:
            raise FileRejected(f"行が多すぎます（{self.cell} に値があります。上限 {MAX_ROWS:,} 行）。"
                               "1つのファイルには1回分の調査・名簿だけを入れてください")
        if self.col > MAX_COLUMNS:
            raise FileRejected(f"列が多すぎます（{self.cell} に値があります。上限 {MAX_COLUMNS:,} 列）")
        self.max_row = max(self.max_row, self.row)
        self.max_col = max(self.max_col, self.col)

    def _merge(self, ref: str) -> None:
        parts = ref.split(":")
        ms = [_REF.fullmatch(p) for p in parts]
        if len(parts) != 2 or not all(ms):
            return
        if len(self.merges) >= MAX_MERGES:
            raise FileRejected(f"結合セルが多すぎます（上限 {MAX_MERGES:,} か所）")
        (c1, r1), (c2, r2) = ((_col_number(m[1]), int(m[2])) for m in ms)
        self.merges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
