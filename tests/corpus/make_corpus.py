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


def xlsx_bytes(sheets: list[tuple[str, list[list[object]]]]) -> bytes:
    """An xlsx with fixed timestamps (zip entries and docProps/core.xml), so reruns are identical."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, grid in sheets:
        ws = wb.create_sheet(title)
        for row in grid:
            ws.append(list(row))
    raw = io.BytesIO()
    wb.save(raw)
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_xlsx(sheets):
    return lambda path: path.write_bytes(xlsx_bytes(sheets))


def survey_grid(rows, title="令和5年4月1日現在", header=SURVEY_HEADER) -> list[list[object]]:
    return [["地方公共団体におけるDX推進体制に関する調査（個別資料）"], [title], [], header, *rows]


def roster_row(ref="P01-0001", name="試験 太郎", role="PM", form="派遣", start="2024/04/01", end="",
               accel="", assigned="札幌市"):
    return [ref, name, f"{ref.lower()}@example.jp", "090-0000-0001", role, form, start, end, accel, assigned]


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
    Case("roster_prefecture_only_in_file_name_01.csv", "roster", "", "warning", "都道府県をファイル名から北海道と判断しました",
         write_csv([roster_row()], ROSTER_HEADER),
         check="SELECT prefecture_code, role, employment_form, start_date::TEXT, end_date, is_accelerator "
               "FROM talent_roster",
         expected=repr([("01", "プロジェクトマネージャー", "派遣", "2024-04-01", None, False)])),
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
