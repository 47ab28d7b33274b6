"""(Re)create the bad-input corpus and its manifest, byte for byte.

    .venv/bin/python tests/corpus/make_corpus.py            # writes into tests/corpus/
    .venv/bin/python tests/corpus/make_corpus.py --out DIR  # elsewhere (the test compares the two)

Every file carries one fault and is named for it. expected.csv (UTF-8) lists, per file: the input
kind, extra CLI arguments, the expected outcome (rejected = exit 1 and nothing loaded;
warning = loads with a warning in reject_log; loaded = loads cleanly), a stable fragment of the
Japanese message (for `loaded`, of the CLI's output), and for cases that load, a query on the
warehouse and its exact expected result (`check`, `expected`: repr of the fetched rows), so a file
that loads is proven to store exactly the right values.
Files are tiny; the 50 MB file is made at test time (tests/test_corpus.py), never committed.
Only the standard library and openpyxl are used, and xlsx files get fixed timestamps so that a
rerun produces identical bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = "expected.csv"
MANIFEST_COLUMNS = ["file", "kind", "args", "outcome", "fragment", "check", "expected"]

SURVEY_HEADER = ["団体コード", "都道府県名", "団体名", "DX担当職員数"]
SURVEY_FULL_HEADER = ["団体コード", "都道府県名", "団体名", "DX担当職員数", "専任", "兼任", "外部人材", "CIO補佐官等"]
ROSTER_HEADER = ["人材番号", "氏名", "メールアドレス", "電話番号", "役割", "雇用形態", "開始日", "終了日",
                 "アクセラレータ", "支援先市町村"]
STATUS_HEADER = ["都道府県コード", "都道府県名", "マイルストーン", "達成日", "モデル", "備考"]
POPULATION_HEADER = ["area_code", "area_name", "population"]
# Real municipalities (codes with their check digit), so each file has exactly one fault.
GOOD = [
    ["011002", "北海道", "札幌市", "12"],
    ["012025", "北海道", "函館市", "4"],
    ["012033", "北海道", "小樽市", "3"],
    ["032018", "岩手県", "盛岡市", "6"],
    ["312011", "鳥取県", "鳥取市", "5"],
]
BASE = "--base-date 2023-04-01"
# What GOOD stores, and the query that reads it back (staff_survey on 2023-04-01).
GOOD_STAFF = [(code, float(staff)) for code, _, _, staff in GOOD]
SURVEY_2023 = "SELECT lg_code, dx_staff FROM staff_survey WHERE base_date = DATE '2023-04-01' ORDER BY lg_code"
PREF01 = "--prefecture 01"
FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass(frozen=True)
class Case:
    file: str
    kind: str
    args: str
    outcome: str  # rejected | warning | loaded
    fragment: str
    make: Callable[[Path], None]
    check: str = ""  # for warning/loaded: SQL run on the warehouse after the load ...
    expected: str = ""  # ... and repr() of its fetchall(), exactly


# -- writers --------------------------------------------------------------------------------

def csv_text(rows, header=SURVEY_HEADER) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if header is not None:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_csv(rows, header=SURVEY_HEADER, encoding="utf-8"):
    return lambda path: path.write_bytes(csv_text(rows, header).encode(encoding))


def write_bytes(data: bytes):
    return lambda path: path.write_bytes(data)


def xlsx_bytes(sheets: list[tuple[str, list[list[object]]]], states: dict[str, str] | None = None,
               edits: dict[str, Callable[[bytes], bytes]] | None = None, merges: dict[str, list[str]] | None = None) -> bytes:
    """An xlsx with fixed timestamps (zip entries and docProps/core.xml), so reruns are identical.
    states: sheet → hidden/veryHidden; edits: member → function rewriting its bytes; merges: sheet → ranges."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, grid in sheets:
        ws = wb.create_sheet(title)
        for row in grid:
            ws.append(list(row))
        for rng in (merges or {}).get(title, []):
            ws.merge_cells(rng)
        ws.sheet_state = (states or {}).get(title, "visible")
    raw = io.BytesIO()
    wb.save(raw)
    return fixed_zip(raw.getvalue(), edits)


def fixed_zip(data: bytes, edits: dict[str, Callable[[bytes], bytes]] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", data)
            if edits and info.filename in edits:
                data = edits[info.filename](data)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_xlsx(sheets, **options):
    return lambda path: path.write_bytes(xlsx_bytes(sheets, **options))


def survey_grid(rows, title="令和5年4月1日現在", header=SURVEY_HEADER) -> list[list[object]]:
    return [["地方公共団体におけるDX推進体制に関する調査（個別資料）"], [title], [], header, *rows]


def roster_row(ref="P01-0001", name="試験 太郎", role="PM", form="派遣", start="2024/04/01", end="",
               accel="", assigned="札幌市", email=None):
    return [ref, name, email or f"{ref.lower()}@example.jp", "090-0000-0001", role, form, start, end, accel, assigned]


def status_row(pref="01", name="北海道", milestone="1", date="2024-04-01", model="共同採用", note=""):
    return [pref, name, milestone, date, model, note]


def topojson(properties: list[dict]) -> bytes:
    """A tiny valid TopoJSON: one square polygon per feature, side by side near Tokyo."""
    arcs, geoms = [], []
    for i, props in enumerate(properties):
        x = 139.0 + i * 0.1
        arcs.append([[x, 35.0], [x + 0.1, 35.0], [x + 0.1, 35.1], [x, 35.1], [x, 35.0]])
        geoms.append({"type": "Polygon", "arcs": [[i]], "properties": props})
    topo = {"type": "Topology", "objects": {"area": {"type": "GeometryCollection", "geometries": geoms}},
            "arcs": arcs}
    return json.dumps(topo, ensure_ascii=False, sort_keys=True).encode("utf-8")


def square(lng: float, lat: float, side: float = 0.01) -> list[list[float]]:
    """A closed ring (5 points) around (lng, lat)."""
    h = side / 2
    return [[lng - h, lat - h], [lng + h, lat - h], [lng + h, lat + h], [lng - h, lat + h], [lng - h, lat - h]]


def geojson(features: list[tuple[dict, str, object]]) -> bytes:
    """A GeoJSON FeatureCollection of (properties, geometry type, coordinates); NaN is written as
    NaN (GDAL reads it), as a careless exporter would."""
    feats = [{"type": "Feature", "properties": props, "geometry": {"type": gtype, "coordinates": coords}}
             for props, gtype, coords in features]
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False,
                      sort_keys=True).encode("utf-8")


def topojson_rings(features: list[tuple[dict, list[list[float]]]]) -> bytes:
    """A TopoJSON with one arc per feature, written as given (closed or not, any length)."""
    geoms = [{"type": "Polygon", "arcs": [[i]], "properties": props} for i, (props, _) in enumerate(features)]
    topo = {"type": "Topology", "objects": {"area": {"type": "GeometryCollection", "geometries": geoms}},
            "arcs": [ring for _, ring in features]}
    return json.dumps(topo, ensure_ascii=False, sort_keys=True).encode("utf-8")


# Two Tokyo wards around their offices (千代田区, 中央区): shapes that lie where their codes say.
WARDS = [({"lg_code": "131016"}, 139.7536, 35.6939), ({"lg_code": "131024"}, 139.7722, 35.6708)]
# Approximate prefectural offices (lng, lat), '01'..'47': a square there lies in its prefecture.
PREF_OFFICES = [
    (141.347, 43.064), (140.740, 40.824), (141.153, 39.704), (140.872, 38.269), (140.102, 39.719),
    (140.363, 38.240), (140.468, 37.750), (140.447, 36.342), (139.884, 36.566), (139.061, 36.391),
    (139.649, 35.857), (140.123, 35.605), (139.692, 35.690), (139.643, 35.448), (139.023, 37.902),
    (137.211, 36.695), (136.626, 36.594), (136.222, 36.065), (138.568, 35.664), (138.181, 36.651),
    (136.722, 35.391), (138.383, 34.977), (136.907, 35.180), (136.509, 34.730), (135.869, 35.004),
    (135.756, 35.021), (135.520, 34.686), (135.183, 34.691), (135.833, 34.685), (135.168, 34.226),
    (134.238, 35.504), (133.051, 35.472), (133.935, 34.662), (132.460, 34.397), (131.471, 34.186),
    (134.559, 34.066), (134.043, 34.340), (132.766, 33.842), (133.531, 33.560), (130.418, 33.607),
    (130.299, 33.249), (129.874, 32.745), (130.742, 32.790), (131.613, 33.238), (131.424, 31.911),
    (130.558, 31.560), (127.681, 26.212),
]
# The bytes tests/test_corpus.py's small warehouse was built from (survey_2022-04-01.csv, base
# date 2022-04-01 from its name): the same file loaded again is a no-op only with the same scope.
ALREADY_LOADED = "団体コード,都道府県名,団体名,DX担当職員数\r\n012025,北海道,函館市,2\r\n".encode()
ROSTER_PREF_HEADER = ["人材番号", "氏名", "メールアドレス", "電話番号", "都道府県", "役割", "雇用形態", "開始日", "終了日",
                      "アクセラレータ", "支援先市町村"]


def roster_pref_row(pref: str, ref="P01-0001", name="試験 太郎", assigned="札幌市"):
    row = roster_row(ref, name, assigned=assigned)
    return [*row[:4], pref, *row[4:]]
def indicator_csv(names, rows, corner=("", ""), encoding="utf-8-sig", trailing=True):
    """A Digital Agency 自治体DXダッシュボード table: row 1 names only, then category, indicator, values
    (with the real file's trailing empty column)."""
    tail = [""] if trailing else []
    header = [*corner, *names, *tail]
    return write_csv([[*r, *tail] for r in rows], header, encoding)


# 府中市 (東京都・広島県) and 伊達市 (北海道・福島県) twice each, placed by their neighbours' prefectures.
SHARED = ["札幌市", "登別市", "伊達市", "北斗市", "福島市", "伊達市", "八王子市", "府中市", "調布市", "三原市", "府中市"]
SHARED_CODES = ["011002", "012301", "012335", "012360", "072010", "072133", "132012", "132063", "132080",
                "342041", "342084"]
FLAGS = ["実施", "未実施", "実施", "調査無し", "未実施", "実施", "実施", "未実施", "実施", "未実施", "実施"]
INDICATORS_CIO = ("SELECT lg_code, done, value FROM dx_indicators WHERE indicator = 'CIOの任命' "
                  "AND base_date = DATE '2023-04-01' ORDER BY lg_code")
INDICATOR_ROWS = [["自治体DXの推進体制等", "CIOの任命", *FLAGS],
                  ["住民サービスのDX", "マイナンバーカードの保有状況", *(f"{60 + i}%" for i in range(11))]]


def truncated_xlsx() -> bytes:
    whole = xlsx_bytes([("R5", survey_grid(GOOD))])
    return whole[: len(whole) // 2]


def minimal_pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


# -- issue 13 classes 1, 2, 3, 7, 10, 11: builders ---------------------------------------------

SHEET1 = "xl/worksheets/sheet1.xml"
BOOK = "xl/workbook.xml"


def saved_results(results: dict[str, str], recalc: bool = False) -> dict[str, Callable[[bytes], bytes]]:
    """Edits making an openpyxl workbook look saved by Excel: each formula cell of the first sheet
    gets its saved result (cell → text; None leaves it without one), and unless recalc, the book
    no longer asks to recalculate on open."""
    def sheet(xml: bytes) -> bytes:
        text = xml.decode()
        for cell, value in results.items():
            pattern = rf'(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)<v\s*/>|(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)<v></v>'
            repl = f"<v>{value}</v>" if value is not None else "<v></v>"
            text, n = re.subn(pattern, lambda m, r=repl: f"{m[1] or m[3]}{m[2] or m[4]}{r}", text)
            assert n == 1, cell
        return text.encode()

    edits = {SHEET1: sheet}
    if not recalc:
        edits[BOOK] = lambda xml: xml.replace(b' fullCalcOnLoad="1"', b"")
    return edits


def shared_string_xlsx(grid: list[list[object]], long_cell: tuple[int, int], text: str) -> bytes:
    """A workbook (written by XlsxWriter, which keeps text in xl/sharedStrings.xml) with one cell of
    the given text at (row, column), 0-based."""
    import datetime as dt

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(2024, 1, 1)})
    ws = wb.add_worksheet("R5")
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    ws.write_string(*long_cell, "LONG_CELL")  # XlsxWriter (like Excel) cuts text at 32,767 characters
    wb.close()
    return fixed_zip(buf.getvalue(), {"xl/sharedStrings.xml": lambda xml: xml.replace(b"LONG_CELL", text.encode())})


def far_row_xlsx(row: int) -> bytes:
    """A small sheet with one more value far down (openpyxl writes only the rows that hold cells)."""
    def sheet(xml: bytes) -> bytes:
        extra = f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>end</t></is></c></row>'.encode()
        return xml.replace(b"</sheetData>", extra + b"</sheetData>")

    return xlsx_bytes([("R5", survey_grid(GOOD))], edits={SHEET1: sheet})


def cfb_bytes(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file (CFB v3, 512-byte sectors) holding the given streams, each stored in
    regular sectors: the container Excel writes a password-protected .xlsx into."""
    import struct

    sector = 512
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    names = list(streams)
    # sector 0: FAT, sector 1: directory (4 entries of 128 bytes), then the streams
    fat = [fat_sect, end]
    starts = []
    for name in names:
        n = max(1, -(-len(streams[name]) // sector))
        starts.append(len(fat))
        fat += [len(fat) + k + 1 for k in range(n - 1)] + [end]
    assert len(fat) <= 128 and len(names) <= 3

    def entry(name: str, kind: int, start: int, size: int, child: int = free, right: int = free) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB3I", len(raw), kind, 1, free, right, child)
                + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16 + struct.pack("<IQ", start, size))

    dirs = entry("Root Entry", 5, end, 0, child=1)
    for k, name in enumerate(names):
        dirs += entry(name, 2, starts[k], len(streams[name]), right=k + 2 if k + 1 < len(names) else free)
    dirs = dirs.ljust(sector, b"\x00")
    # signature, CLSID, version 3, byte order, 2^9-byte sectors, 2^6-byte mini sectors, 1 FAT sector,
    # directory at sector 1, no mini FAT, no DIFAT sectors; the DIFAT in the header names sector 0.
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\x00" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", 0, *[free] * 108))
    body = struct.pack(f"<{len(fat)}I", *fat).ljust(sector, b"\xff") + dirs
    for name in names:
        body += streams[name].ljust(-(-len(streams[name]) // sector) * sector or sector, b"\x00")
    assert len(header) == sector
    return header + body


def encrypted_xlsx() -> bytes:
    """What Excel saves for a workbook with a password to open: EncryptionInfo + EncryptedPackage
    (the package here is filler bytes: nothing is decrypted, the container is what is detected)."""
    info = bytes.fromhex("04000400") + b"\x40\x00\x00\x00" + b'<?xml version="1.0"?><encryption/>'.ljust(4096, b" ")
    package = (4096).to_bytes(8, "little") + bytes(range(256)) * 16
    return cfb_bytes({"EncryptionInfo": info, "EncryptedPackage": package})


def malformed_sheet_xlsx() -> bytes:
    return xlsx_bytes([("R5", survey_grid(GOOD))], edits={SHEET1: lambda xml: xml.replace(b"</row>", b"</rw>", 1)})


def doctype_sheet_xlsx() -> bytes:
    def sheet(xml: bytes) -> bytes:
        return b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaa">]>' + xml.split(b"?>", 1)[-1]
    return xlsx_bytes([("R5", survey_grid(GOOD))], edits={SHEET1: sheet})


def formula_grid(total: object) -> list[list[object]]:
    """GOOD with 鳥取市's count as a formula (its parts in the next columns)."""
    rows = [[*r, None, None] for r in GOOD[:4]] + [["312011", "鳥取県", "鳥取市", total, 2, 3]]
    return survey_grid(rows, header=[*SURVEY_HEADER, "専任", "兼任"])


def hidden_grid(staff: str) -> list[list[object]]:
    return survey_grid([[*r[:3], staff] for r in GOOD])


def kobetsu_sheet(title_rows: list[str], rows: list[list[object]]) -> list[list[object]]:
    """A two-row MIC-like header under the given title rows."""
    return [*[[t] for t in title_rows],
            ["団体コード", "都道府県名", "団体名", "DX推進担当課室・情報政策担当課室の職員数", None, None],
            [None, None, None, "職員数（人）", "うち専任", "うち兼任"], *rows]


KOBETSU_ROWS = [["011002", "北海道", "札幌市", 12, 8, 4], ["012025", "北海道", "函館市", 4, 1, 3]]
KOBETSU_2023 = repr([("011002", 12.0), ("012025", 4.0)])
PREF_ROWS = [["010006", "北海道", "北海道", 120, 100, 20], ["030007", "岩手県", "岩手県", 40, 30, 10]]
LONG_TEXT = "長" * 40_000


# -- the corpus -----------------------------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://x","y")'
SCRIPT = "<script>alert(1)</script>"

CASES: list[Case] = [
    # encodings
    Case("survey_encoding_euc_jp.csv", "survey", BASE, "rejected", "文字コードが EUC-JP",
         write_csv(GOOD, encoding="euc_jp")),
    Case("survey_encoding_iso2022jp.csv", "survey", BASE, "rejected", "文字コードが ISO-2022-JP",
         write_csv(GOOD, encoding="iso2022_jp")),
    Case("survey_encoding_utf16.csv", "survey", BASE, "rejected", "文字コードが UTF-16",
         write_csv(GOOD, encoding="utf-16")),
    Case("survey_encoding_utf16_be.csv", "survey", BASE, "rejected", "文字コードが UTF-16",
         lambda p: p.write_bytes(b"\xfe\xff" + csv_text(GOOD).encode("utf-16-be"))),
    # broken or disguised files
    Case("survey_empty.csv", "survey", BASE, "rejected", "ファイルが空です", write_bytes(b"")),
    Case("survey_blank_lines_only.csv", "survey", BASE, "rejected", "ファイルが空です", write_bytes(b"\r\n \r\n\t\r\n")),
    Case("survey_header_only.csv", "survey", BASE, "rejected", "見出し行の下にデータ行がありません", write_csv([])),
    Case("survey_truncated.xlsx", "survey", "", "rejected", "途中で切れています", write_bytes(truncated_xlsx())),
    Case("survey_renamed_png.xlsx", "survey", BASE, "rejected", "ですが、中身", write_bytes(PNG_1PX)),
    Case("survey_renamed_csv_text.xlsx", "survey", BASE, "rejected", "ですが、中身", write_csv(GOOD)),
    Case("survey_renamed_xlsx.csv", "survey", BASE, "rejected", "ですが、中身は",
         write_bytes(xlsx_bytes([("R5", survey_grid(GOOD))]))),
    Case("survey_renamed_pdf.csv", "survey", BASE, "rejected", "ですが、中身は", write_bytes(minimal_pdf())),
    Case("survey_legacy_excel_extension.xls", "survey", BASE, "rejected", "拡張子「.xls」は",
         write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)),
    Case("survey_header_30_rows_down.xlsx", "survey", BASE, "rejected", "見出し行が見つかりません",
         write_xlsx([("R5", [[f"※注記{i}：この表の見方"] for i in range(1, 31)] + [SURVEY_HEADER, *GOOD])])),
    Case("survey_two_sheets_same_date.xlsx", "survey", "", "rejected", "のシートが2つあります",
         write_xlsx([("R5", survey_grid(GOOD[:2])), ("R5改", survey_grid(GOOD[2:]))])),
    # columns
    Case("survey_missing_count_column.csv", "survey", BASE, "rejected", "必須の列「DX担当職員数（合計）」が見つかりません",
         write_csv([[*r[:3], "令和5年度"] for r in GOOD], header=["団体コード", "都道府県名", "団体名", "調査年度"])),
    Case("survey_missing_code_and_name_columns.csv", "survey", BASE, "rejected",
         "必須の列「団体コード」または「団体名」が見つかりません",
         write_csv([[r[1], r[3]] for r in GOOD], header=["都道府県名", "DX担当職員数"])),
    Case("survey_extra_unknown_column.csv", "survey", BASE, "warning", "不明な列のため読み飛ばしました",
         write_csv([[*r, "担当課メモ"] for r in GOOD], header=[*SURVEY_HEADER, "担当課の所感"]),
         check=SURVEY_2023, expected=repr(GOOD_STAFF)),
    # codes and names
    Case("survey_duplicate_rows.csv", "survey", BASE, "rejected", "の行が重複しています", write_csv([*GOOD, GOOD[1]])),
    Case("survey_check_digit_mismatch.csv", "survey", BASE, "rejected", "検査数字が一致しません",
         write_csv([*GOOD[:2], ["012031", "北海道", "小樽市", "3"]])),
    Case("survey_retired_code_merger.csv", "survey", BASE, "rejected", "の合併で廃止され",
         write_csv([*GOOD, ["093670", "栃木県", "岩舟町", "2"]])),
    Case("survey_retired_code_5digit_merger.csv", "survey", BASE, "rejected", "の合併で廃止され",
         write_csv([*GOOD, ["11226", "埼玉県", "鳩ヶ谷市", "7"]])),
    Case("survey_unknown_code.csv", "survey", BASE, "rejected", "に当たる市区町村がありません",
         write_csv([*GOOD, ["019992", "北海道", "", "2"]])),
    Case("survey_code_too_long.csv", "survey", BASE, "rejected", "は5桁または6桁ではありません",
         write_csv([GOOD[0], ["0120250", "北海道", "函館市", "2"]])),
    Case("survey_code_name_mismatch.csv", "survey", BASE, "rejected", "」ですが、団体名は「",
         write_csv([*GOOD[2:], ["012025", "北海道", "札幌市", "2"]])),
    Case("survey_code_prefecture_mismatch.csv", "survey", BASE, "rejected", "のコードですが、都道府県は",
         write_csv([*GOOD[:3], ["032018", "青森県", "盛岡市", "6"]])),
    Case("survey_unknown_prefecture.csv", "survey", BASE, "rejected", "都道府県「北海県」が分かりません",
         write_csv([*GOOD, ["", "北海県", "余市町", "2"]])),
    Case("survey_old_name_sasayama.csv", "survey", BASE, "warning", "「篠山市」は旧名称です",
         write_csv([*GOOD, ["", "兵庫県", "篠山市", "4"]]),
         check=SURVEY_2023, expected=repr(sorted([*GOOD_STAFF, ("282219", 4.0)]))),
    Case("survey_old_name_sasayama_with_code.csv", "survey", BASE, "warning", "「篠山市」は旧名称です",
         write_csv([*GOOD, ["282219", "兵庫県", "篠山市", "4"]]),
         check=SURVEY_2023, expected=repr(sorted([*GOOD_STAFF, ("282219", 4.0)]))),
    Case("survey_ambiguous_name_date.csv", "survey", BASE, "rejected", "団体名「伊達市」は複数の都道府県にあります",
         write_csv([*GOOD, ["", "", "伊達市", "3"]])),
    Case("survey_ambiguous_name_fuchu.csv", "survey", BASE, "rejected", "団体名「府中市」は複数の都道府県にあります",
         write_csv([*GOOD, ["", "", "府中市", "9"]])),
    Case("survey_name_in_wrong_prefecture.csv", "survey", BASE, "rejected", "にはあります",
         write_csv([*GOOD, ["", "北海道", "府中市", "9"]])),
    Case("survey_city_and_ward_rows.csv", "survey", BASE, "rejected", "市全体の行と区ごとの行の両方があります",
         write_csv([*GOOD, ["011011", "北海道", "札幌市中央区", "2"]])),
    Case("survey_ward_rows_partial_city.csv", "survey", BASE, "rejected", "札幌市の区ごとの行が2区分しかありません",
         write_csv([*GOOD[1:], ["011011", "北海道", "札幌市中央区", "2"], ["011029", "北海道", "札幌市北区", "1"]])),
    Case("survey_ward_rows_partial_city_by_name.csv", "survey", BASE, "rejected",
         "相模原市の区ごとの行が1区分しかありません",
         write_csv([*GOOD, ["", "神奈川県", "相模原市南区", "1"]])),
    Case("survey_ward_rows_rolled_up.csv", "survey", BASE, "warning", "相模原市の区ごとの行（3区）を市に合算しました",
         write_csv([*GOOD, ["141518", "神奈川県", "相模原市緑区", "2"], ["141526", "神奈川県", "相模原市中央区", "1.5"],
                    ["141534", "神奈川県", "相模原市南区", "1"]]),
         check=SURVEY_2023, expected=repr(sorted([*GOOD_STAFF, ("141500", 4.5)]))),
    Case("survey_fullwidth_digits_and_units.csv", "survey", BASE, "loaded", "取り込みました",
         write_csv([["０１１００２", "北海道", "札幌市", "１２人"], ["012025", "北海道", "函館市", "４．５"],
                    ["012033", "北海道", "小樽市", "3 人"]]),
         check=SURVEY_2023, expected=repr([("011002", 12.0), ("012025", 4.5), ("012033", 3.0)])),
    Case("survey_html_script_in_name.csv", "survey", BASE, "rejected", f"「{SCRIPT}」という市区町村はありません",
         write_csv([*GOOD, ["", "北海道", SCRIPT, "1"]])),
    Case("survey_formula_hyperlink.csv", "survey", BASE, "rejected", "セルに数式が入っています",
         write_csv([*GOOD, ["", "北海道", HYPERLINK, "1"]])),
    Case("survey_formula_in_count.csv", "survey", BASE, "rejected", "セルに数式が入っています",
         write_csv([*GOOD[:4], ["312011", "鳥取県", "鳥取市", "=SUM(2,3)"]])),
    # counts
    Case("survey_negative_count.csv", "survey", BASE, "rejected", "人数がマイナスです",
         write_csv([*GOOD[:4], ["312011", "鳥取県", "鳥取市", "-2"]])),
    Case("survey_non_numeric_count.csv", "survey", BASE, "rejected", "は数値ではありません",
         write_csv([*GOOD[:4], ["312011", "鳥取県", "鳥取市", "五人くらい"]])),
    Case("survey_absurd_count_village_5000.csv", "survey", BASE, "rejected", "は村としてありえない人数です",
         write_csv([*GOOD, ["014630", "北海道", "占冠村", "5000"]])),
    Case("survey_unreadable_cio_flag.csv", "survey", BASE, "rejected", "は有無（○/×）として読めません",
         write_csv([[*r, "", "", "", "○"] for r in GOOD[:4]] + [["312011", "鳥取県", "鳥取市", "5", "", "", "", "たぶん"]],
                   header=SURVEY_FULL_HEADER)),
    # base dates
    Case("survey_future_base_date.csv", "survey", "", "rejected", "は未来の日付です",
         lambda p: p.write_bytes(("2099年4月1日現在\r\n" + csv_text(GOOD)).encode("utf-8"))),
    Case("survey_future_base_date_reiwa.xlsx", "survey", "", "rejected", "は未来の日付です",
         write_xlsx([("R5", survey_grid(GOOD, title="令和81年4月1日現在"))])),
    Case("survey_impossible_base_date.xlsx", "survey", "", "rejected", "は存在しない日付です",
         write_xlsx([("R5", survey_grid(GOOD, title="令和5年2月30日現在"))])),
    Case("survey_no_base_date.csv", "survey", "", "rejected", "基準日が分かりません", write_csv(GOOD)),
    # issue 13 class 1: formulas in xlsx
    Case("survey_formula_without_saved_result.xlsx", "survey", "", "rejected", "計算結果が保存されていません",
         write_xlsx([("R5", formula_grid("=E9+F9"))], edits=saved_results({"D9": None}))),
    Case("survey_formula_recalc_on_open.xlsx", "survey", "", "rejected", "「開くときに再計算する」設定",
         write_xlsx([("R5", formula_grid("=E9+F9"))], edits=saved_results({"D9": "5"}, recalc=True))),
    Case("survey_formula_with_saved_result.xlsx", "survey", "", "warning", "保存されている計算結果「5」を使いました",
         write_xlsx([("R5", formula_grid("=E9+F9"))], edits=saved_results({"D9": "5"})),
         check=SURVEY_2023, expected=repr([*GOOD_STAFF[:4], ("312011", 5.0)])),
    Case("status_formula_with_saved_result.xlsx", "status", "", "warning", "保存されている計算結果「2」を使いました",
         write_xlsx([("status", [STATUS_HEADER, status_row(), ["02", "青森県", "=1+1", "2024-05-01", "共同採用", ""]])],
                    edits={SHEET1: lambda x: x.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>")
                           .replace(b"<f>1+1</f><v/>", b"<f>1+1</f><v>2</v>"),
                           BOOK: lambda x: x.replace(b' fullCalcOnLoad="1"', b"")}),
         check="SELECT prefecture_code, milestone FROM dx_system_status ORDER BY 1",
         expected=repr([("01", 1), ("02", 2)])),
    # issue 13 class 2: hidden sheets and sheet choice
    Case("survey_hidden_sheet_with_other_values.xlsx", "survey", "", "warning", "非表示のシート（「旧」）は読みませんでした",
         write_xlsx([("旧", hidden_grid("99")), ("R5", survey_grid(GOOD))], states={"旧": "hidden"}),
         check=SURVEY_2023, expected=repr(GOOD_STAFF)),
    Case("survey_very_hidden_sheet_only.xlsx", "survey", "", "rejected", "見出し行が見つかりません",
         write_xlsx([("注記", [["※この表の見方"]]), ("作業用", survey_grid(GOOD))], states={"作業用": "veryHidden"})),
    Case("survey_prefecture_and_municipal_sheets.xlsx", "survey", "", "warning", "都道府県の表のため読みませんでした",
         write_xlsx([("注記", [["※「－」は調査対象外"]]),
                     ("都道府県", kobetsu_sheet(["令和5年4月1日現在"], PREF_ROWS)),
                     ("市区町村", kobetsu_sheet(["令和5年4月1日現在"], KOBETSU_ROWS))],
                    merges={t: ["D2:F2"] for t in ("都道府県", "市区町村")}),
         check=SURVEY_2023, expected=KOBETSU_2023),
    Case("survey_two_sheets_one_named_municipal.xlsx", "survey", "", "warning", "こちらは読みませんでした",
         write_xlsx([("集計", survey_grid([[*r[:3], "9"] for r in GOOD[:2]])), ("市町村", survey_grid(GOOD))]),
         check=SURVEY_2023, expected=repr(GOOD_STAFF)),
    Case("survey_two_sheets_no_base_date_in_either.xlsx", "survey", BASE, "rejected", "市区町村の表らしいシートが2つあります",
         write_xlsx([("A", [SURVEY_HEADER, *GOOD[:2]]), ("B", [SURVEY_HEADER, *GOOD[2:]])])),
    # issue 13 class 3: base dates
    Case("survey_base_date_heisei_35.xlsx", "survey", "", "rejected", "はありえない和暦です（平成は平成31年4月30日まで）",
         write_xlsx([("R5", survey_grid(GOOD, title="平成35年4月1日現在"))])),
    Case("survey_base_date_reiwa_gannen_april.xlsx", "survey", "", "rejected", "（令和は令和元年5月1日から）",
         write_xlsx([("R1", survey_grid(GOOD, title="令和元年4月1日現在"))])),
    Case("survey_base_date_showa_64_after_end.csv", "survey", "", "rejected", "（昭和は昭和64年1月7日まで）",
         lambda p: p.write_bytes(("昭和64年2月1日現在\r\n" + csv_text(GOOD)).encode("utf-8"))),
    Case("survey_created_date_only_2023-04-01.xlsx", "survey", "", "loaded", "基準日の出典: ファイル名",
         write_xlsx([("R5", survey_grid(GOOD, title="作成日：令和6年6月1日"))]),
         check=SURVEY_2023, expected=repr(GOOD_STAFF)),
    Case("survey_published_date_above_base_date.xlsx", "survey", "", "loaded", "基準日の出典: 表題の行「基準日:令和5年4月1日時点」",
         write_xlsx([("R5", [["公表日：令和6年4月24日"], ["基準日：令和5年4月1日時点"], [], SURVEY_HEADER, *GOOD])]),
         check=SURVEY_2023, expected=repr(GOOD_STAFF)),
    Case("survey_two_base_dates_in_title.csv", "survey", "", "rejected", "基準日になりうる日付が複数あります",
         lambda p: p.write_bytes(("令和5年4月1日現在\r\n令和4年4月1日現在\r\n" + csv_text(GOOD)).encode("utf-8"))),
    # issue 13 class 7: numbers as a person writes them
    Case("survey_count_underscore.csv", "survey", BASE, "rejected", "人数「1_0」は数値ではありません",
         write_csv([*GOOD[:4], ["312011", "鳥取県", "鳥取市", "1_0"]])),
    Case("survey_count_decimal_comma.csv", "survey", BASE, "rejected", "人数「1,5」は数値ではありません",
         write_csv([*GOOD[:4], ["312011", "鳥取県", "鳥取市", "1,5"]])),
    Case("survey_count_exponent.csv", "survey", BASE, "rejected", "人数「1e2」は数値ではありません",
         write_csv([*GOOD[:4], ["312011", "鳥取県", "鳥取市", "1e2"]])),
    Case("survey_count_inf_and_nan.csv", "survey", BASE, "rejected", "人数「inf」は数値ではありません",
         write_csv([*GOOD[:3], ["032018", "岩手県", "盛岡市", "nan"], ["312011", "鳥取県", "鳥取市", "inf"]])),
    Case("survey_count_trailing_letter.csv", "survey", BASE, "rejected", "人数「4a」は数値ではありません",
         write_csv([*GOOD[:4], ["312011", "鳥取県", "鳥取市", "4a"]])),
    Case("survey_count_grouped_thousands.csv", "survey", BASE, "loaded", "取り込みました",
         write_csv([["011002", "北海道", "札幌市", "1,234"], ["012025", "北海道", "函館市", "４人"]]),
         check=SURVEY_2023, expected=repr([("011002", 1234.0), ("012025", 4.0)])),
    Case("status_milestone_fraction.csv", "status", "", "rejected", "マイルストーン「2.5」が分かりません",
         write_csv([status_row(), status_row("02", "青森県", milestone="2.5")], STATUS_HEADER)),
    Case("status_milestone_with_letter.csv", "status", "", "rejected", "マイルストーン「4a」が分かりません",
         write_csv([status_row(), status_row("02", "青森県", milestone="4a")], STATUS_HEADER)),
    # issue 13 class 10: cost limits (the 300 MB cell is made at test time)
    Case("survey_cell_too_long_shared_string.xlsx", "survey", BASE, "rejected", "セル C6 の文字数が多すぎます",
         write_bytes(shared_string_xlsx([SURVEY_HEADER, *GOOD], (5, 2), LONG_TEXT))),
    Case("survey_cell_too_long_inline.xlsx", "survey", BASE, "rejected", "セル C9 の文字数が多すぎます",
         write_xlsx([("R5", survey_grid([*GOOD[:4], ["312011", "鳥取県", "LONG_CELL", "5"]]))],
                    edits={SHEET1: lambda xml: xml.replace(b"LONG_CELL", LONG_TEXT.encode())})),
    Case("survey_cell_too_long.csv", "survey", BASE, "rejected", "のセルの文字数が多すぎます",
         write_csv([*GOOD[:4], ["312011", "鳥取県", LONG_TEXT, "5"]])),
    Case("survey_value_beyond_row_limit.xlsx", "survey", "", "rejected", "行が多すぎます（A100001 に値があります",
         write_bytes(far_row_xlsx(100_001))),
    # issue 13 class 11: no traceback, ever
    Case("survey_malformed_sheet_xml.xlsx", "survey", "", "rejected", "の中身（XML）が壊れています",
         write_bytes(malformed_sheet_xlsx())),
    Case("survey_doctype_in_sheet_xml.xlsx", "survey", "", "rejected", "DOCTYPE 宣言があります",
         write_bytes(doctype_sheet_xlsx())),
    Case("survey_encrypted_password.xlsx", "survey", BASE, "rejected", "パスワード付き", write_bytes(encrypted_xlsx())),
    Case("survey_encrypted_password_renamed.csv", "survey", BASE, "rejected", "パスワード付き",
         write_bytes(encrypted_xlsx())),
    Case("survey_encoding_utf16le_no_bom.csv", "survey", BASE, "rejected", "文字コードが UTF-16",
         write_csv(GOOD, encoding="utf-16-le")),
    Case("survey_cr_only_line_ends.csv", "survey", BASE, "rejected", "改行コードが CR だけです",
         write_bytes(csv_text(GOOD).replace("\r\n", "\r").encode("utf-8"))),
    Case("roster_cr_only_line_ends.csv", "roster", PREF01, "rejected", "改行コードが CR だけです",
         write_bytes(csv_text([roster_row()], ROSTER_HEADER).replace("\r\n", "\r").encode("cp932"))),
    # issue 13 class 4: the file the warehouse already holds (2022-04-01), loaded with another scope
    Case("survey_already_loaded_other_base_date.csv", "survey", BASE, "rejected",
         "として取り込み済みです。今回の指定（調査基準日 2023-04-01）で取り込むと前の取り込みも残る",
         write_bytes(ALREADY_LOADED)),
    Case("survey_already_loaded_renamed_2023-04-01.csv", "survey", "", "rejected",
         "同じファイルを取り込み番号 1", write_bytes(ALREADY_LOADED)),
    Case("survey_already_loaded_same_base_date.csv", "survey", "--base-date 2022-04-01", "loaded",
         "同じファイルは取り込み済みです（source_id=1）。何も変更していません（同じ範囲: 調査基準日 2022-04-01）",
         write_bytes(ALREADY_LOADED),
         check="SELECT (SELECT count(*) FROM load_log), base_date::TEXT, lg_code, dx_staff FROM staff_survey",
         expected=repr([(1, "2022-04-01", "012025", 2.0)])),
    # rosters
    Case("roster_unknown_role.csv", "roster", PREF01, "rejected", "役割「魔法使い」はスキル標準の役割",
         write_csv([roster_row(), roster_row("P01-0002", "試験 花子", role="魔法使い")], ROSTER_HEADER)),
    Case("roster_other_prefecture_assignment.csv", "roster", PREF01, "rejected",
         "の市区町村で、この名簿の都道府県（北海道）ではありません",
         write_csv([roster_row(), roster_row("P01-0002", "試験 花子", assigned="岩手県盛岡市、032018")], ROSTER_HEADER)),
    Case("roster_end_before_start.csv", "roster", PREF01, "rejected", "より前です",
         write_csv([roster_row(), roster_row("P01-0002", "試験 花子", start="2024/04/01", end="2023/03/31")],
                   ROSTER_HEADER)),
    Case("roster_unknown_employment_form.csv", "roster", PREF01, "rejected", "雇用形態「丁稚奉公」は分類",
         write_csv([roster_row(), roster_row("P01-0002", "試験 花子", form="丁稚奉公")], ROSTER_HEADER)),
    Case("roster_duplicate_person.csv", "roster", PREF01, "rejected", "同じ人材・同じ開始日の行が重複しています",
         write_csv([roster_row(), roster_row()], ROSTER_HEADER)),
    Case("roster_unknown_assigned_municipality.csv", "roster", PREF01, "rejected", "支援先「架空町」",
         write_csv([roster_row(), roster_row("P01-0002", "試験 花子", assigned="架空町")], ROSTER_HEADER)),
    Case("roster_start_date_far_future.csv", "roster", PREF01, "rejected", "は1年以上先の日付です",
         write_csv([roster_row(), roster_row("P01-0002", "試験 花子", start="2099/04/01")], ROSTER_HEADER)),
    Case("roster_missing_role_column.csv", "roster", PREF01, "rejected", "必須の列「役割」が見つかりません",
         write_csv([[r[0], r[1], r[5], r[6]] for r in (roster_row(),)], ["人材番号", "氏名", "雇用形態", "開始日"])),
    Case("roster_formula_in_name_column.csv", "roster", PREF01, "rejected", "セルに数式が入っています",
         write_csv([roster_row(), roster_row("P01-0002", '=HYPERLINK("http://x","試験 花子")')], ROSTER_HEADER)),
    Case("roster_no_prefecture.csv", "roster", "", "rejected", "都道府県が分かりません",
         write_csv([roster_row()], ROSTER_HEADER)),
    # issue 13 class 5: a prefecture comes from the file name only as roster_NN.csv / .xlsx
    Case("roster_prefecture_only_in_file_name_01.csv", "roster", "", "rejected",
         "ファイル名から読むのは roster_01.csv", write_csv([roster_row()], ROSTER_HEADER)),
    Case("roster_2024-04-01.csv", "roster", "", "rejected", "ファイル名から読むのは roster_01.csv",
         write_csv([roster_row()], ROSTER_HEADER)),
    Case("roster_01.csv", "roster", "", "warning", "都道府県をファイル名から北海道と判断しました",
         write_csv([roster_row()], ROSTER_HEADER),
         check="SELECT prefecture_code, role, employment_form, start_date::TEXT, end_date, is_accelerator "
               "FROM talent_roster",
         expected=repr([("01", "プロジェクトマネージャー", "派遣", "2024-04-01", None, False)])),
    Case("roster_47.xlsx", "roster", "", "warning", "都道府県をファイル名から沖縄県と判断しました",
         write_xlsx([("名簿", [ROSTER_HEADER, roster_row("P47-0001", assigned="那覇市")])]),
         check="SELECT prefecture_code, count(*) FROM talent_roster GROUP BY 1", expected=repr([("47", 1)])),
    # ... the 都道府県 column and --prefecture must agree, and one file holds one prefecture's pool
    Case("roster_prefecture_column_disagrees.csv", "roster", PREF01, "rejected",
         "が、指定した都道府県（北海道）と違います",
         write_csv([roster_pref_row("青森県", assigned="青森市"), roster_pref_row("青森県", "P01-0002", "試験 花子", "弘前市")],
                   ROSTER_PREF_HEADER)),
    Case("roster_prefecture_column_one_row_disagrees.csv", "roster", PREF01, "rejected",
         "都道府県「02」が、指定した都道府県（北海道）と違います",
         write_csv([roster_pref_row("北海道"), roster_pref_row("02", "P01-0002", "試験 花子", "")], ROSTER_PREF_HEADER)),
    Case("roster_two_prefectures_in_one_file.csv", "roster", "", "rejected", "1つの名簿に複数の都道府県の人材があります",
         write_csv([roster_pref_row("北海道"), roster_pref_row("青森県", "P02-0001", "試験 花子", "青森市")],
                   ROSTER_PREF_HEADER)),
    # ... the same 人材番号 is one person, whatever its contact cells say; overlapping periods warn
    Case("roster_same_number_new_email.csv", "roster", PREF01, "warning", "同じ人材として扱います",
         write_csv([roster_row(end="2025/03/31"), roster_row(start="2025/04/01", email="new.address@example.jp")],
                   ROSTER_HEADER),
         check="SELECT count(DISTINCT person_id), count(*), string_agg(start_date::TEXT, ' ' ORDER BY start_date) "
               "FROM talent_roster",
         expected=repr([(1, 2, "2024-04-01 2025-04-01")])),
    Case("roster_overlapping_periods.csv", "roster", PREF01, "warning", "同じ人材の在籍期間が2行目（2025-03-31まで）と重なっています",
         write_csv([roster_row(end="2025/03/31"), roster_row(start="2024/10/01", form="業務委託")], ROSTER_HEADER),
         check="SELECT count(DISTINCT person_id), count(*) FROM talent_roster", expected=repr([(1, 2)])),
    # progress status
    Case("status_future_date.csv", "status", "", "rejected", "は未来の日付です",
         write_csv([status_row(), status_row(milestone="2", date="2099-04-01")], STATUS_HEADER)),
    Case("status_unknown_milestone.csv", "status", "", "rejected", "マイルストーン「9」が分かりません",
         write_csv([status_row(), status_row(milestone="9")], STATUS_HEADER)),
    Case("status_unknown_model.csv", "status", "", "rejected", "モデル「丸投げ」は分類",
         write_csv([status_row(), status_row("02", "青森県", model="丸投げ")], STATUS_HEADER)),
    Case("status_duplicate_milestone.csv", "status", "", "rejected", "のマイルストーン1が重複しています",
         write_csv([status_row(), status_row(date="2024-05-01")], STATUS_HEADER)),
    Case("status_mixed_models.csv", "status", "", "rejected", "のモデルが行によって違います",
         write_csv([status_row(), status_row(milestone="2", model="協働宣言")], STATUS_HEADER)),
    # population
    Case("population_unknown_area_code.csv", "population", "", "rejected", "地域コードに当たる市区町村がありません",
         write_csv([["01100", "札幌市", "1973395"], ["01999", "架空市", "100"]], POPULATION_HEADER)),
    Case("population_negative.csv", "population", "", "rejected", "人口がマイナスです",
         write_csv([["01100", "札幌市", "1973395"], ["01202", "函館市", "-5"]], POPULATION_HEADER)),
    Case("population_bad_area_code.csv", "population", "", "rejected", "地域コードが5桁の数字ではありません",
         write_csv([["01100", "札幌市", "1973395"], ["0120X", "函館市", "251084"]], POPULATION_HEADER)),
    # issue 13 class 8: check digits, plausible values, blank = NULL, partial prefectures reported
    Case("population_six_digit_check_digit_wrong.csv", "population", "", "rejected", "地域コード「012021」の検査数字が一致しません",
         write_csv([["011002", "札幌市", "1973395"], ["012021", "函館市", "251084"]], POPULATION_HEADER)),
    Case("population_prefecture_total_as_city.csv", "population", "", "rejected", "1つの市区町村としてありえません",
         write_csv([["01100", "札幌市", "5228885"], ["01202", "函館市", "251084"]], POPULATION_HEADER)),
    Case("population_zero_among_others.csv", "population", "", "rejected", "函館市の人口が0人です",
         write_csv([["01100", "札幌市", "1973395"], ["01202", "函館市", "0"]], POPULATION_HEADER)),
    Case("population_all_zero.csv", "population", "", "rejected", "すべての市区町村が0人",
         write_csv([["01100", "札幌市", "0"], ["01202", "函館市", "0"]], POPULATION_HEADER)),
    Case("population_not_whole_number.csv", "population", "", "rejected", "函館市の人口「251084.5」が整数ではありません",
         write_csv([["01100", "札幌市", "1973395"], ["01202", "函館市", "251084.5"]], POPULATION_HEADER)),
    Case("population_blank_is_null.csv", "population", "", "warning", "函館市の人口が空欄です（不明として扱い、0人とはみなしません）",
         write_csv([["01100", "札幌市", "1973395"], ["01202", "函館市", ""]], POPULATION_HEADER),
         check="SELECT lg_code, population FROM municipalities WHERE population_source_id IS NOT NULL ORDER BY 1",
         expected=repr([("011002", 1973395.0), ("012025", None)])),
    Case("population_part_of_one_prefecture.csv", "population", "", "warning",
         "人口の無い市区町村がある都道府県が 1 あります：鳥取県（19 団体中 17 団体なし）",
         write_csv([["31201", "鳥取市", "188465"], ["31202", "米子市", "147317"]], POPULATION_HEADER),
         check="SELECT lg_code, population FROM municipalities WHERE population IS NOT NULL ORDER BY 1",
         expected=repr([("312011", 188465.0), ("312029", 147317.0)])),
    # indicators (the Digital Agency 自治体DXダッシュボード table): names placed by 団体コード order
    Case("indicators_shared_names_placed_by_neighbours.csv", "indicators", BASE, "loaded", "取り込みました",
         indicator_csv(SHARED, INDICATOR_ROWS), INDICATORS_CIO,
         repr([(c, {"実施": True, "未実施": False}.get(f), None) for c, f in zip(SHARED_CODES, FLAGS, strict=True)])),
    Case("indicators_cp932_crlf.csv", "indicators", BASE, "loaded", "取り込みました",
         indicator_csv(SHARED, INDICATOR_ROWS, encoding="cp932"),
         "SELECT lg_code, value FROM dx_indicators WHERE indicator = 'マイナンバーカードの保有状況' ORDER BY lg_code",
         repr([(c, float(60 + i)) for i, c in enumerate(SHARED_CODES)])),
    Case("indicators_prefecture_table.csv", "indicators", BASE, "loaded", "取り込みました",
         indicator_csv(["北海道", "青森県", "沖縄県"], [["自治体DXの推進体制等", "外部人材活用", "実施", "未実施", "実施"]],
                       corner=("都道府県", ""), trailing=False),
         "SELECT prefecture_code, indicator, done FROM dx_indicators_prefecture ORDER BY prefecture_code",
         repr([("01", "外部人材活用", True), ("02", "外部人材活用", False), ("47", "外部人材活用", True)])),
    Case("indicators_no_base_date_uses_2023_04_01.csv", "indicators", "", "warning", "基準日の指定がないため、2023-04-01",
         indicator_csv(["札幌市", "函館市"], [["自治体DXの推進体制等", "外部人材活用", "実施", "調査無し"]]),
         "SELECT base_date, lg_code, done FROM dx_indicators ORDER BY lg_code",
         "[(datetime.date(2023, 4, 1), '011002', True), (datetime.date(2023, 4, 1), '012025', None)]"),
    Case("indicators_bare_percent_is_null.csv", "indicators", BASE, "warning", "割合の数値がない「%」です",
         indicator_csv(["札幌市", "函館市"], [["住民サービスのDX", "よく使う32手続のオンライン化状況", "58%", "%"]]),
         "SELECT lg_code, value FROM dx_indicators ORDER BY lg_code", "[('011002', 58.0), ('012025', None)]"),
    Case("indicators_ambiguous_name_fuchu.csv", "indicators", BASE, "rejected",
         "「府中市」は東京都、広島県にあり、前後の列（C列「札幌市」（北海道）、E列「那覇市」（沖縄県））",
         indicator_csv(["札幌市", "府中市", "那覇市"], [["自治体DXの推進体制等", "CIOの任命", "実施", "実施", "実施"]])),
    Case("indicators_ambiguous_name_date_alone.csv", "indicators", BASE, "rejected", "「伊達市」は北海道、福島県にあり",
         indicator_csv(["伊達市"], [["自治体DXの推進体制等", "CIOの任命", "実施"]])),
    Case("indicators_unknown_name.csv", "indicators", BASE, "rejected", "「架空市」という市区町村はありません",
         indicator_csv(["札幌市", "架空市"], [["自治体DXの推進体制等", "CIOの任命", "実施", "実施"]])),
    Case("indicators_ward_instead_of_city.csv", "indicators", BASE, "rejected", "「札幌市中央区」は政令指定都市の区です",
         indicator_csv(["札幌市中央区", "函館市"], [["自治体DXの推進体制等", "CIOの任命", "実施", "実施"]])),
    Case("indicators_columns_out_of_order.csv", "indicators", BASE, "rejected", "列が団体コード順に並んでいません",
         indicator_csv(["函館市", "札幌市"], [["自治体DXの推進体制等", "CIOの任命", "実施", "実施"]])),
    Case("indicators_duplicate_municipality.csv", "indicators", BASE, "rejected", "同じ市区町村の列が2つあります",
         indicator_csv(["札幌市", "札幌市"], [["自治体DXの推進体制等", "CIOの任命", "実施", "実施"]])),
    Case("indicators_mixed_prefectures_and_municipalities.csv", "indicators", BASE, "rejected",
         "1行目に都道府県名と市区町村名が混在しています",
         indicator_csv(["北海道", "札幌市"], [["自治体DXの推進体制等", "CIOの任命", "実施", "実施"]])),
    Case("indicators_count_exponent_1e2.csv", "indicators", BASE, "rejected", "「1e2」は 実施／未実施／調査無し、割合",
         indicator_csv(["札幌市", "函館市"], [["住民サービスのDX", "手続総数（分母）", "24", "1e2"]])),
    Case("indicators_count_comma_decimal_1_5.csv", "indicators", BASE, "rejected", "「1,5」は 実施／未実施／調査無し",
         indicator_csv(["札幌市", "函館市"], [["住民サービスのDX", "手続総数（分母）", "24", "1,5"]])),
    Case("indicators_count_4a.csv", "indicators", BASE, "rejected", "「4a」は 実施／未実施／調査無し",
         indicator_csv(["札幌市", "函館市"], [["住民サービスのDX", "手続総数（分母）", "4a", "25"]])),
    Case("indicators_percent_over_100.csv", "indicators", BASE, "rejected", "割合「120%」が100%を超えています",
         indicator_csv(["札幌市", "函館市"], [["住民サービスのDX", "マイナンバーカードの保有状況", "72%", "120%"]])),
    Case("indicators_mixed_kinds_in_one_row.csv", "indicators", BASE, "rejected",
         "この指標の行は実施／未実施の行ですが、「72%」は割合（NN%）です",
         indicator_csv(["札幌市", "函館市"], [["自治体DXの推進体制等", "CIOの任命", "実施", "72%"]])),
    Case("indicators_empty_cell.csv", "indicators", BASE, "rejected", "空欄です（調査していない団体は「調査無し」",
         indicator_csv(["札幌市", "函館市"], [["自治体DXの推進体制等", "CIOの任命", "実施", ""]])),
    Case("indicators_duplicate_indicator_row.csv", "indicators", BASE, "rejected", "指標「CIOの任命」の行が重複しています",
         indicator_csv(["札幌市"], [["自治体DXの推進体制等", "CIOの任命", "実施"],
                                   ["自治体DXの推進体制等", "CIOの任命", "未実施"]])),
    Case("indicators_future_base_date.csv", "indicators", "--base-date 2099-04-01", "rejected",
         "基準日 2099-04-01 は未来の日付です",
         indicator_csv(["札幌市"], [["自治体DXの推進体制等", "CIOの任命", "実施"]])),
    # boundaries
    Case("boundaries_no_codes.topojson", "boundaries", "", "rejected", "団体コードの属性が見つかりません",
         write_bytes(topojson([{"name": "札幌市"}, {"name": "函館市"}, {"name": "小樽市"}]))),
    Case("boundaries_not_geojson.geojson", "boundaries", "", "rejected", "境界ファイルを読めません",
         write_bytes(b'{"hello": "world"}\n')),
    # issue 13 class 9: checked before publishing, each with a Japanese reason
    Case("boundaries_two_tokyo_wards.geojson", "boundaries", "", "warning", "境界の無い市区町村が 1739 あります",
         write_bytes(geojson([(props, "Polygon", [square(x, y)]) for props, x, y in WARDS])),
         check="SELECT lg_code FROM municipalities WHERE geometry IS NOT NULL ORDER BY 1",
         expected=repr([("131016",), ("131024",)])),
    Case("boundaries_point_geometry.geojson", "boundaries", "", "rejected", "図形の種類が点（Point）です",
         write_bytes(geojson([(WARDS[0][0], "Point", [139.7536, 35.6939]),
                              (WARDS[1][0], "Polygon", [square(*WARDS[1][1:])])]))),
    Case("boundaries_line_geometry.topojson", "boundaries", "", "rejected", "図形の種類が線（LineString）です",
         write_bytes(json.dumps({"type": "Topology", "arcs": [square(*WARDS[0][1:])], "objects": {"area": {
             "type": "GeometryCollection", "geometries": [{"type": "LineString", "arcs": [0],
                                                          "properties": WARDS[0][0]}]}}}).encode())),
    Case("boundaries_swapped_lat_lng.geojson", "boundaries", "", "rejected", "緯度と経度が入れ替わっています",
         write_bytes(geojson([(props, "Polygon", [[[b, a] for a, b in square(x, y)]]) for props, x, y in WARDS]))),
    Case("boundaries_projected_metres.geojson", "boundaries", "", "rejected", "メートル単位の投影座標",
         write_bytes(geojson([(props, "Polygon", [[[a * 1000, b * 1000] for a, b in square(x - 139, y - 35)]])
                              for props, x, y in WARDS]))),
    Case("boundaries_code_of_another_prefecture.geojson", "boundaries", "", "rejected",
         "北海道札幌市（011002）の図形の中心 (139.754, 35.6939) が北海道の範囲の外です",
         write_bytes(geojson([({"lg_code": "011002"}, "Polygon", [square(*WARDS[0][1:])]),
                              (WARDS[1][0], "Polygon", [square(*WARDS[1][1:])])]))),
    Case("boundaries_nan_coordinate.geojson", "boundaries", "", "rejected", "数値でない値（NaN または無限大）",
         write_bytes(geojson([(WARDS[0][0], "Polygon", [[[139.75, float("nan")], *square(*WARDS[0][1:])[1:]]])]))),
    Case("boundaries_nan_coordinate.topojson", "boundaries", "", "rejected", "数値でない値（NaN または無限大）",
         write_bytes(topojson_rings([(WARDS[0][0], [[139.75, float("nan")], *square(*WARDS[0][1:])[1:]])]))),
    Case("boundaries_ring_of_three_points.geojson", "boundaries", "", "rejected", "輪（リング）の点が3点しかありません",
         write_bytes(geojson([(WARDS[0][0], "Polygon", [square(*WARDS[0][1:])[:3]])]))),
    Case("boundaries_ring_of_three_points.topojson", "boundaries", "", "rejected", "輪（リング）の点が3点しかありません",
         write_bytes(topojson_rings([(WARDS[0][0], square(*WARDS[0][1:])[:3])]))),
    Case("boundaries_unclosed_ring.geojson", "boundaries", "", "rejected", "輪（リング）が閉じていません",
         write_bytes(geojson([(WARDS[0][0], "Polygon", [square(*WARDS[0][1:])[:4]])]))),
    Case("boundaries_unclosed_ring.topojson", "boundaries", "", "rejected", "輪（リング）が閉じていません",
         write_bytes(topojson_rings([(WARDS[0][0], square(*WARDS[0][1:])[:4])]))),
    Case("boundaries_no_features.geojson", "boundaries", "", "rejected", "図形が0件です",
         write_bytes(b'{"type": "FeatureCollection", "features": []}\n')),
    Case("boundaries_no_objects.topojson", "boundaries", "", "rejected", "図形が0件です",
         write_bytes(b'{"type": "Topology", "objects": {}, "arcs": []}\n')),
    Case("boundaries_prefectures_46_of_47.geojson", "boundaries", "", "rejected",
         "都道府県の境界は47都道府県すべてが必要です。1 都道府県がありません（沖縄県）",
         write_bytes(geojson([({"prefecture_code": f"{i:02d}"}, "Polygon", [square(x, y, 0.05)])
                              for i, (x, y) in enumerate(PREF_OFFICES[:46], start=1)]))),
    Case("boundaries_all_47_prefectures.geojson", "boundaries", "", "loaded", "取り込みました",
         write_bytes(geojson([({"prefecture_code": f"{i:02d}"}, "Polygon", [square(x, y, 0.05)])
                              for i, (x, y) in enumerate(PREF_OFFICES, start=1)])),
         check="SELECT count(*), count(DISTINCT geometry_source) FROM prefectures "
               "WHERE geometry_source LIKE 'boundaries:%'",
         expected=repr([(47, 1)])),
]


def write_corpus(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for case in CASES:
        path = out / case.file
        case.make(path)
        written.append(path)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(MANIFEST_COLUMNS)
    w.writerows([c.file, c.kind, c.args, c.outcome, c.fragment, c.check, c.expected] for c in CASES)
    (out / MANIFEST).write_text(buf.getvalue(), encoding="utf-8")
    return written


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=HERE)
    args = p.parse_args()
    files = write_corpus(args.out)
    print(f"{len(files)} files and {MANIFEST} written to {args.out}")


if __name__ == "__main__":
    main()
