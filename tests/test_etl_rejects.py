"""One test per reject reason: the Japanese message, exit code 1, and a byte-identical warehouse.

These call etl.cli.main in-process (the function `python -m etl` runs, same exit codes) to keep
the suite fast; test_etl_cli_golden.py runs the real child process for the exit codes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from testing import (
    ROSTER_HEADER,
    SheetSpec,
    copy_db,
    etl_main,
    patch_xlsx,
    query,
    roster_csv,
    sha256,
    status_csv,
    survey_csv,
    write_book,
    write_csv,
    write_xlsx,
)
from tests.corpus.make_corpus import saved_results

BASE = ["--base-date", "2023-04-01"]
SAPPORO = ["011002", "北海道", "札幌市", "5"]
SAPPORO3 = ["011002", "札幌市", "5"]  # under 団体コード, 団体名, DX担当職員数


@pytest.fixture(scope="module")
def base_warehouse(tmp_path_factory):
    """A tiny warehouse with one accepted survey load."""
    d = tmp_path_factory.mktemp("reject_base")
    src = survey_csv(d / "survey_2022-04-01.csv", [["012025", "北海道", "函館市", "2"]])
    run = etl_main("load", "survey", src, "--db", d / "warehouse.duckdb")
    assert run.code == 0, run.text
    return d / "warehouse.duckdb"


@pytest.fixture
def db(base_warehouse, tmp_path):
    return copy_db(base_warehouse, tmp_path / "wh")


def assert_rejected(db, kind, path, *fragments, extra=()):
    """Exit 1, every fragment in the error output, and the warehouse and archive untouched."""
    before = db.read_bytes()
    raw_before = sorted((db.parent / "raw").glob("*")) if (db.parent / "raw").exists() else []
    run = etl_main("load", kind, path, "--db", db, *extra)
    assert run.code == 1, run.text
    for fragment in fragments:
        assert fragment in run.err, f"{fragment!r} not in:\n{run.err}"
    assert "エラーがあるため取り込みを中止しました。倉庫は変更していません" in run.err
    assert db.read_bytes() == before
    after = sorted((db.parent / "raw").glob("*")) if (db.parent / "raw").exists() else []
    assert after == raw_before, "a rejected file must not be archived"
    return run


def assert_loaded_with_warning(db, kind, path, fragment, extra=()):
    run = etl_main("load", kind, path, "--db", db, *extra)
    assert run.code == 0, run.text
    rows = query(db, "SELECT severity, reason FROM reject_log WHERE source_id = (SELECT max(source_id) FROM load_log)")
    assert any(sev == "warning" and fragment in reason for sev, reason in rows), rows
    return run


# -- file-level reasons ---------------------------------------------------------------------

def test_empty_file(db, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    assert_rejected(db, "survey", tmp_path / "empty.csv", "ファイルが空です", extra=BASE)


def test_blank_file(db, tmp_path):
    (tmp_path / "blank.csv").write_bytes(b"\r\n  \r\n")
    assert_rejected(db, "survey", tmp_path / "blank.csv", "ファイルが空です", extra=BASE)


def test_header_only(db, tmp_path):
    src = survey_csv(tmp_path / "header_only.csv", [])
    assert_rejected(db, "survey", src, "見出し行の下にデータ行がありません", extra=BASE)


def test_no_header_in_first_20_rows(db, tmp_path):
    filler = [[f"注記{i}", ""] for i in range(21)]
    src = write_csv(tmp_path / "late_header.csv", None, [*filler, ["団体コード", "団体名", "DX担当職員数"], SAPPORO])
    assert_rejected(db, "survey", src, "見出し行が見つかりません。先頭20行のうちに", extra=BASE)


def test_missing_required_column(db, tmp_path):
    src = write_csv(tmp_path / "no_count.csv", ["団体コード", "都道府県名", "団体名"], [SAPPORO[:3]])
    assert_rejected(db, "survey", src, "必須の列「DX担当職員数（合計）」が見つかりません", extra=BASE)


def test_base_date_missing(db, tmp_path):
    src = survey_csv(tmp_path / "survey.csv", [SAPPORO])
    assert_rejected(db, "survey", src, "基準日が分かりません", "--base-date 2023-04-01")


def test_base_date_in_the_future(db, tmp_path):
    src = survey_csv(tmp_path / "survey_2099-04-01.csv", [SAPPORO])
    assert_rejected(db, "survey", src, "基準日 2099-04-01 は未来の日付です")


def test_xlsx_that_is_not_a_zip(db, tmp_path):
    src = tmp_path / "renamed.xlsx"
    src.write_bytes(b"\x00\x01\x02 this was a PDF once \xff\xfe" * 20)
    assert_rejected(db, "survey", src, "拡張子は .xlsx ですが、中身が Excel ファイルではありません", extra=BASE)


def test_truncated_xlsx(db, tmp_path):
    whole = write_xlsx(tmp_path / "whole.xlsx", [["団体コード", "団体名", "DX担当職員数"], SAPPORO])
    src = tmp_path / "truncated.xlsx"
    src.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert_rejected(db, "survey", src, "Excel ファイルを開けません（壊れているか途中で切れています", extra=BASE)


def test_csv_that_is_really_an_xlsx(db, tmp_path):
    whole = write_xlsx(tmp_path / "book.xlsx", [["団体コード", "団体名", "DX担当職員数"], SAPPORO])
    src = tmp_path / "book.csv"
    src.write_bytes(whole.read_bytes())
    assert_rejected(db, "survey", src, "拡張子は CSV ですが、中身はテキストではありません", extra=BASE)


def test_utf16_csv(db, tmp_path):
    src = survey_csv(tmp_path / "utf16.csv", [SAPPORO], encoding="utf-16")
    assert_rejected(db, "survey", src, "文字コードが UTF-16 です", "UTF-8 または Shift_JIS（CP932）", extra=BASE)


def test_euc_jp_csv(db, tmp_path):
    rows = [["013048", "北海道", "新篠津村", "1"], ["", "北海道", "ニセコ町", "2"], ["", "北海道", "真狩村", "1"],
            ["", "北海道", "留寿都村", "0.5"], ["", "北海道", "音威子府村", "1"]]
    src = survey_csv(tmp_path / "euc.csv", rows, encoding="euc-jp")
    assert_rejected(db, "survey", src, "文字コードが EUC", "UTF-8 または Shift_JIS（CP932）", extra=BASE)


def test_wrong_extension_for_the_kind(db, tmp_path):
    src = tmp_path / "survey.json"
    src.write_text('{"団体コード": "011002"}', encoding="utf-8")
    assert_rejected(db, "survey", src, "拡張子「.json」はこの種類のファイルに使えません", extra=BASE)


# -- row-level reasons: survey --------------------------------------------------------------

def test_check_digit_mismatch(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["011003", "北海道", "札幌市", "5"]])
    run = assert_rejected(db, "survey", src, "団体コード「011003」の検査数字が一致しません", extra=BASE)
    assert "2行目" in run.err and "列「団体コード」" in run.err  # where: row and column


def test_unknown_code(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["019992", "", "", "5"]])  # valid check digit, no such town
    assert_rejected(db, "survey", src, "団体コード「019992」に当たる市区町村がありません", extra=BASE)


def test_non_numeric_count(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["011002", "北海道", "札幌市", "約5"]])
    assert_rejected(db, "survey", src, "人数「約5」は数値ではありません", extra=BASE)


def test_negative_count(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["011002", "北海道", "札幌市", "-2"]])
    assert_rejected(db, "survey", src, "人数がマイナスです（-2）", extra=BASE)


def test_absurd_count_for_a_village(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["013048", "北海道", "新篠津村", "5000"]])
    assert_rejected(db, "survey", src, "DX担当職員数 5000 人は村としてありえない人数です（上限 100 人）", extra=BASE)


def test_ambiguous_name_without_prefecture(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["", "", "伊達市", "2"]])
    assert_rejected(db, "survey", src, "団体名「伊達市」は複数の都道府県にあります（北海道、福島県）", extra=BASE)


def test_name_not_in_that_prefecture(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["", "北海道", "府中市", "2"]])
    assert_rejected(db, "survey", src, "北海道に「府中市」という市区町村はありません（東京都、広島県にはあります）",
                    extra=BASE)


def test_code_and_name_disagree(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["011002", "北海道", "函館市", "2"]])
    assert_rejected(db, "survey", src, "団体コード「011002」は「札幌市」ですが、団体名は「函館市」です", extra=BASE)


def test_code_in_another_prefecture(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["011002", "青森県", "", "2"]])
    assert_rejected(db, "survey", src, "団体コード「011002」は北海道のコードですが、都道府県は「青森県」です", extra=BASE)


def test_ambiguous_five_digit_code(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["12203", "", "", "2"]])  # 122033 市川市 or 012203 士別市
    assert_rejected(db, "survey", src, "団体コード「12203」は 122033 とも 012203 とも読めます", extra=BASE)


def test_duplicate_municipality_rows(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [SAPPORO, ["", "北海道", "札幌市", "6"]])
    assert_rejected(db, "survey", src, "同じ市区町村（011002）の行が重複しています（2行目と同じ）", extra=BASE)


def test_city_row_plus_its_ward_rows(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [SAPPORO, ["011011", "北海道", "札幌市中央区", "1"]])
    assert_rejected(db, "survey", src, "札幌市（011002）に市全体の行と区ごとの行の両方があります", extra=BASE)


def test_some_wards_of_a_designated_city_are_never_summed_into_the_city(db, tmp_path):
    """Two of 相模原市's three wards would sum to a smaller number that looks like the city's."""
    src = survey_csv(tmp_path / "s.csv", [["141518", "神奈川県", "相模原市緑区", "2"],
                                          ["141534", "神奈川県", "相模原市南区", "1"]])
    assert_rejected(db, "survey", src, "相模原市の区ごとの行が2区分しかありません（ない区: 中央区）", extra=BASE)


HAMAMATSU_2024 = [["221384", "静岡県", "浜松市中央区", "3"], ["221392", "静岡県", "浜松市浜名区", "2"],
                  ["221376", "静岡県", "浜松市天竜区", "1"]]  # the three wards since 2024-01-01
HAMAMATSU_2023 = [[code, "静岡県", f"浜松市{ward}", "1"] for code, ward in (
    ("221317", "中区"), ("221325", "東区"), ("221333", "西区"), ("221341", "南区"), ("221350", "北区"),
    ("221368", "浜北区"), ("221376", "天竜区"))]  # the seven until 2023-12-31


def test_the_wards_summed_into_a_city_are_those_of_the_base_date(db, tmp_path):
    """浜松市's seven wards became three on 2024-01-01 (japancode still lists the seven): each base
    date sums its own wards, and a ward of the other day is refused, not summed into the city."""
    new = survey_csv(tmp_path / "new.csv", HAMAMATSU_2024)
    old = survey_csv(tmp_path / "old.csv", HAMAMATSU_2023)
    assert_rejected(db, "survey", new, "浜松市の区ごとの行に、基準日 2023-04-01 にはない区があります（浜松市中央区（221384）、"
                    "浜松市浜名区（221392）は 2024-01-01 の区の再編でできた区です）", extra=BASE)
    assert_rejected(db, "survey", old, "浜松市の区ごとの行に、基準日 2024-04-01 にはない区があります（浜松市中区（221317）、"
                    "浜松市東区（221325）、浜松市西区（221333）、浜松市南区（221341）、浜松市北区（221350）、浜松市浜北区（221368）は "
                    "2024-01-01 の区の再編でなくなった区です）", extra=["--base-date", "2024-04-01"])
    for src, day, wards in ((new, "2024-04-01", 3), (old, "2023-04-01", 7)):
        run = etl_main("load", "survey", src, "--db", db, "--base-date", day)
        assert run.code == 0 and f"浜松市の区ごとの行（{wards}区）を市に合算しました" in run.text, run.text
    assert query(db, "SELECT base_date::VARCHAR, dx_staff FROM staff_survey WHERE lg_code = '221309' ORDER BY 1") == [
        ("2023-04-01", 7.0), ("2024-04-01", 6.0)]


# -- roster ---------------------------------------------------------------------------------

def roster_row(role="PM", form="派遣", start="2023-04-01", end="", assigned="松山市"):
    return ["E-1", "", "", "", role, form, start, end, "", assigned]


def test_roster_unknown_role_word(db, tmp_path):
    src = roster_csv(tmp_path / "roster_38.csv", [roster_row(role="魔法使い")])
    assert_rejected(db, "roster", src, "役割「魔法使い」はスキル標準の役割", "に対応付けられません")


def test_roster_unknown_employment_form(db, tmp_path):
    src = roster_csv(tmp_path / "roster_38.csv", [roster_row(form="アルバイト")])
    assert_rejected(db, "roster", src, "雇用形態「アルバイト」は分類", "に対応付けられません")


def test_roster_assignment_in_another_prefecture(db, tmp_path):
    src = roster_csv(tmp_path / "roster_38.csv", [roster_row(assigned="松山市、341002")])
    assert_rejected(db, "roster", src, "支援先「341002」は広島県の市区町村で、この名簿の都道府県（愛媛県）ではありません")


def test_roster_assignment_name_not_in_prefecture(db, tmp_path):
    src = roster_csv(tmp_path / "roster_38.csv", [roster_row(assigned="呉市")])
    assert_rejected(db, "roster", src, "支援先「呉市」: 愛媛県に「呉市」という市区町村はありません（広島県にはあります）")


def test_roster_end_before_start(db, tmp_path):
    src = roster_csv(tmp_path / "roster_38.csv", [roster_row(start="2023-04-01", end="2022-03-31")])
    assert_rejected(db, "roster", src, "終了日 2022-03-31 が開始日 2023-04-01 より前です")


def test_roster_unreadable_date(db, tmp_path):
    src = roster_csv(tmp_path / "roster_38.csv", [roster_row(start="来年度")])
    assert_rejected(db, "roster", src, "「来年度」は日付として読めません")


def test_roster_without_prefecture(db, tmp_path):
    src = roster_csv(tmp_path / "pool.csv", [roster_row()])
    assert_rejected(db, "roster", src, "都道府県が分かりません。「都道府県」の列を置くか、都道府県を指定してください")


def test_roster_missing_role_column(db, tmp_path):
    header = [c for c in ROSTER_HEADER if c != "役割"]
    row = roster_row()
    del row[4]
    src = roster_csv(tmp_path / "roster_38.csv", [row], header=header)
    assert_rejected(db, "roster", src, "必須の列「役割」が見つかりません")


# -- status ---------------------------------------------------------------------------------

def test_status_unknown_milestone(db, tmp_path):
    src = status_csv(tmp_path / "status.csv", [["38", "愛媛県", "9 打ち上げ", "2023-04-01", "協働宣言", ""]])
    assert_rejected(db, "status", src, "マイルストーン「9 打ち上げ」が分かりません")


def test_status_unknown_model(db, tmp_path):
    src = status_csv(tmp_path / "status.csv", [["38", "愛媛県", "1", "2023-04-01", "独自路線", ""]])
    assert_rejected(db, "status", src, "モデル「独自路線」は分類（協働宣言、共同採用、民間人材派遣、共同調達、その他）にありません")


def test_status_duplicate_milestone(db, tmp_path):
    src = status_csv(tmp_path / "status.csv", [["38", "愛媛県", "1", "2023-04-01", "協働宣言", ""],
                                               ["38", "愛媛県", "全体方針の決定", "2023-05-01", "協働宣言", ""]])
    assert_rejected(db, "status", src, "愛媛県のマイルストーン1が重複しています（2行目と同じ）")


def test_status_date_in_the_future(db, tmp_path):
    src = status_csv(tmp_path / "status.csv", [["38", "愛媛県", "1", "2099-04-01", "協働宣言", ""]])
    assert_rejected(db, "status", src, "達成日 2099-04-01 は未来の日付です")


# -- population and boundaries --------------------------------------------------------------

def test_population_bad_area_code(db, tmp_path):
    src = write_csv(tmp_path / "population.csv", ["area_code", "area_name", "population"],
                    [["01100", "札幌市", "1973395"], ["01-ABC", "どこか", "100"]])
    run = assert_rejected(db, "population", src, "地域コードが5桁の数字ではありません")
    assert "3行目" in run.err


def test_population_unknown_area_code(db, tmp_path):
    src = write_csv(tmp_path / "population.csv", ["area_code", "area_name", "population"], [["01999", "なし", "5"]])
    assert_rejected(db, "population", src, "地域コードに当たる市区町村がありません")


def test_boundaries_geojson_without_code_property(db, tmp_path):
    square = {"type": "Polygon", "coordinates": [[[140, 40], [140, 41], [141, 41], [141, 40], [140, 40]]]}
    fc = {"type": "FeatureCollection",
          "features": [{"type": "Feature", "properties": {"name": "どこか"}, "geometry": square}]}
    src = tmp_path / "boundaries.geojson"
    src.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    assert_rejected(db, "boundaries", src, "団体コードの属性が見つかりません")


def test_boundaries_not_geojson(db, tmp_path):
    src = tmp_path / "boundaries.geojson"
    src.write_text("これは地図ではありません", encoding="utf-8")
    assert_rejected(db, "boundaries", src, "境界ファイルを読めません")


# -- warnings: the file loads, the warning is kept in reject_log ----------------------------

def test_warning_unknown_extra_column(db, tmp_path):
    src = write_csv(tmp_path / "s.csv", ["団体コード", "団体名", "DX担当職員数", "担当課の内線"],
                    [["011002", "札幌市", "5", "1234"]])
    assert_loaded_with_warning(db, "survey", src, "不明な列のため読み飛ばしました", extra=BASE)
    assert query(db, "SELECT column_name, value FROM reject_log WHERE reason LIKE '不明な列%'") == [
        ("担当課の内線", None)]


def test_warning_old_name_sasayama(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [["", "兵庫県", "篠山市", "4"]])
    assert_loaded_with_warning(db, "survey", src, "「篠山市」は旧名称です。現在の「丹波篠山市」（282219）として読みました",
                               extra=BASE)
    assert query(db, "SELECT lg_code, dx_staff FROM staff_survey WHERE base_date = '2023-04-01'") == [
        ("282219", 4.0)]


def test_warning_dedicated_plus_concurrent_is_not_the_total(db, tmp_path):
    src = write_csv(tmp_path / "s.csv", ["団体コード", "団体名", "DX担当職員数", "専任", "兼任"],
                    [["011002", "札幌市", "5", "2", "2"], ["012025", "函館市", "3", "1", "2"]])
    assert_loaded_with_warning(db, "survey", src, "専任 2 人＋兼任 2 人＝4 人がDX担当職員数 5 人と合いません", extra=BASE)
    # Only the row that does not add up is flagged, at its row and the total's column; the total is kept.
    assert query(db, "SELECT row_number, column_name, value FROM reject_log WHERE reason LIKE '専任%'") == [
        (2, "DX担当職員数", "5")]
    assert query(db, "SELECT lg_code, dx_staff, dedicated, concurrent FROM staff_survey "
                     "WHERE base_date = '2023-04-01' ORDER BY lg_code") == [
        ("011002", 5.0, 2.0, 2.0), ("012025", 3.0, 1.0, 2.0)]


def test_rejected_file_is_not_archived(db, tmp_path):
    bad = survey_csv(tmp_path / "bad.csv", [["011003", "", "", "1"]])
    assert_rejected(db, "survey", bad, "検査数字が一致しません", extra=BASE)
    assert not (db.parent / "raw" / f"{sha256(bad)}.csv").exists()


# == issue 13, class 1: formulas in xlsx ======================================================
# A formula cell is read as the result Excel saved with it; without one it would read as empty
# (未回答) and overwrite a real value, so the file is refused, naming the cell.

FORMULA_GRID = [["令和5年4月1日現在"], ["団体コード", "団体名", "DX担当職員数", "専任", "兼任"],
                ["011002", "札幌市", 12, 8, 4], ["012025", "函館市", "=D4+E4", 1, 3]]


def test_formula_without_a_saved_result_is_refused_naming_the_cell(db, tmp_path):
    src = write_xlsx(tmp_path / "f.xlsx", FORMULA_GRID, sheet="個別資料")
    patch_xlsx(src, {"xl/workbook.xml": lambda x: x.replace(b' fullCalcOnLoad="1"', b"")})
    run = assert_rejected(db, "survey", src, "セル C4 は数式（=D4+E4）ですが、計算結果が保存されていません",
                          "空欄（未回答）として読むと値が失われるため")
    assert "シート「個別資料」 4行目 列「DX担当職員数」 値「=D4+E4」" in run.err


def test_formula_in_a_book_saved_to_recalculate_on_open_is_refused(db, tmp_path):
    src = write_xlsx(tmp_path / "f.xlsx", FORMULA_GRID, sheet="個別資料")
    patch_xlsx(src, saved_results({"C4": "4"}, recalc=True))
    assert_rejected(db, "survey", src, "セル C4 は数式（=D4+E4）ですが、ファイルが「開くときに再計算する」設定で保存されていて")


def test_formula_with_a_saved_result_loads_that_result_with_a_warning(db, tmp_path):
    src = patch_xlsx(write_xlsx(tmp_path / "f.xlsx", FORMULA_GRID, sheet="個別資料"), saved_results({"C4": "4"}))
    assert_loaded_with_warning(db, "survey", src, "セル C4 は数式（=D4+E4）です。保存されている計算結果「4」を使いました")
    assert query(db, "SELECT lg_code, dx_staff, dedicated, concurrent FROM staff_survey "
                     "WHERE base_date = '2023-04-01' ORDER BY 1") == [("011002", 12.0, 8.0, 4.0), ("012025", 4.0, 1.0, 3.0)]
    assert query(db, "SELECT sheet, row_number, column_name, value FROM reject_log WHERE reason LIKE 'セル C4%'") == [
        ("個別資料", 4, "DX担当職員数", "4")]


# == issue 13, class 2: hidden sheets (more in test_mic_layouts.py) ===========================

def test_a_hidden_sheet_is_reported_for_every_kind_not_only_the_survey(db, tmp_path):
    src = write_book(tmp_path / "status.xlsx", [
        SheetSpec("進捗", [["都道府県コード", "都道府県名", "マイルストーン", "達成日", "モデル", "備考"],
                           ["38", "愛媛県", "1", "2023-04-01", "協働宣言", ""]]),
        SheetSpec("旧版", [["都道府県コード", "マイルストーン", "達成日"], ["38", "4", "2020-01-01"]], state="hidden")])
    assert_loaded_with_warning(db, "status", src, "非表示のシート（「旧版」）は読みませんでした")
    assert query(db, "SELECT prefecture_code, milestone FROM dx_system_status") == [("38", 1)]


# == issue 13, class 3: base dates ============================================================

def test_a_created_date_is_never_the_base_date(db, tmp_path):
    src = write_xlsx(tmp_path / "kobetsu.xlsx", [["作成日：令和5年4月1日"], ["団体コード", "団体名", "DX担当職員数"],
                                                 SAPPORO3])
    assert_rejected(db, "survey", src, "基準日が分かりません")


@pytest.mark.parametrize(("title", "reason"), [
    ("平成35年4月1日現在", "日付「平成35年4月1日」はありえない和暦です（平成は平成31年4月30日まで）"),
    ("令和元年4月1日現在", "日付「令和元年4月1日」はありえない和暦です（令和は令和元年5月1日から）"),
    ("昭和64年1月8日現在", "日付「昭和64年1月8日」はありえない和暦です（昭和は昭和64年1月7日まで）"),
    ("R0.4.1 現在", "日付「R0.4.1」はありえない和暦です（令和は元年から）"),
], ids=["heisei35", "reiwa_gannen_april", "showa64_jan8", "reiwa0"])
def test_wareki_out_of_its_era_is_refused(db, tmp_path, title, reason):
    src = write_xlsx(tmp_path / "kobetsu.xlsx", [[title], ["団体コード", "団体名", "DX担当職員数"], SAPPORO3])
    assert_rejected(db, "survey", src, reason)


def test_wareki_out_of_its_era_in_the_flag_is_a_usage_error(db, tmp_path):
    src = survey_csv(tmp_path / "s.csv", [SAPPORO])
    run = etl_main("load", "survey", src, "--db", db, "--base-date", "平成35年4月1日")
    assert run.code == 2 and "ありえない和暦です" in run.err


def test_base_date_from_the_file_name_only_when_nothing_else_says_and_the_report_says_so(db, tmp_path):
    src = write_xlsx(tmp_path / "survey_2023-04-01.xlsx", [["公表日：令和6年4月24日"], ["団体コード", "団体名", "DX担当職員数"],
                                                           SAPPORO3])
    run = etl_main("load", "survey", src, "--db", db)
    assert run.code == 0, run.text
    assert "基準日: 2023-04-01" in run.out and "基準日の出典: ファイル名" in run.out
    assert query(db, "SELECT scope FROM load_log WHERE source_id = 2") == [
        ("シート: 「Sheet1」; 基準日: 2023-04-01; 基準日の出典: ファイル名",)]


def test_base_date_flag_against_the_title_wins_with_a_warning(db, tmp_path):
    src = write_xlsx(tmp_path / "k.xlsx", [["令和5年4月1日現在"], ["団体コード", "団体名", "DX担当職員数"], SAPPORO3])
    assert_loaded_with_warning(db, "survey", src, "指定された基準日 2022-04-01 を使います（表題の行には 2023-04-01 とあります）",
                               extra=["--base-date", "2022-04-01"])
    assert query(db, "SELECT base_date::TEXT, dx_staff FROM staff_survey WHERE lg_code = '011002'") == [("2022-04-01", 5.0)]


def test_two_base_dates_in_the_title_are_ambiguous(db, tmp_path):
    src = write_xlsx(tmp_path / "k.xlsx", [["令和5年4月1日現在"], ["（参考）令和4年4月1日現在"],
                                           ["団体コード", "団体名", "DX担当職員数"], SAPPORO3])
    assert_rejected(db, "survey", src, "基準日になりうる日付が複数あります（2022-04-01、2023-04-01）")


# == issue 13, class 7: numbers as a person writes them =======================================

@pytest.mark.parametrize("written", ["1_0", "1,5", "1e2", "inf", "nan", "4a", "1,23", "+3", "0x5"])
def test_counts_a_person_would_not_write_are_refused(db, tmp_path, written):
    src = survey_csv(tmp_path / "s.csv", [["011002", "北海道", "札幌市", written]])
    assert_rejected(db, "survey", src, f"人数「{written}」は数値ではありません", extra=BASE)


def test_counts_a_person_writes_are_read(db, tmp_path):
    src = write_csv(tmp_path / "s.csv", ["団体コード", "団体名", "DX担当職員数", "専任", "兼任"],
                    [["011002", "札幌市", "1,234", "１，２００", "34 人"], ["012025", "函館市", "３人", "0.5", "2.5"],
                     ["012033", "小樽市", "－", "調査無し", "―"]])
    run = etl_main("load", "survey", src, "--db", db, *BASE)
    assert run.code == 0, run.text
    assert query(db, "SELECT lg_code, dx_staff, dedicated, concurrent FROM staff_survey "
                     "WHERE base_date = '2023-04-01' ORDER BY 1") == [
        ("011002", 1234.0, 1200.0, 34.0), ("012025", 3.0, 0.5, 2.5), ("012033", None, None, None)]


@pytest.mark.parametrize(("written", "reason"), [
    ("2.5", "マイルストーン「2.5」が分かりません"),
    ("4a", "マイルストーン「4a」が分かりません"),
    ("2 全体方針の決定", "マイルストーン「2 全体方針の決定」の番号と名前が合いません（2 は「推進体制の構築」）"),
])
def test_status_milestone_must_be_one_of_0_to_4(db, tmp_path, written, reason):
    src = status_csv(tmp_path / "status.csv", [["38", "愛媛県", written, "2023-04-01", "協働宣言", ""]])
    assert_rejected(db, "status", src, reason)


# == issue 13, class 10: cost limits ==========================================================

def _child_load(db, src, timeout=30):
    """The CLI in a child process that reports its peak memory (KiB) on its last stderr line."""
    import subprocess
    import sys

    from testing import ROOT, etl_env

    # VmHWM is the peak of this process's own memory; ru_maxrss would include the forked pytest's.
    code = ("import re, sys; from etl.cli import main; rc = main(sys.argv[1:]); "
            "hwm = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read())[1]; "
            "print('MAXRSS', hwm, file=sys.stderr); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, "load", "survey", str(src), "--db", str(db), *BASE],
                          cwd=ROOT, env=etl_env(), capture_output=True, text=True, timeout=timeout, check=False)
    rss_kib = int(proc.stderr.strip().splitlines()[-1].split()[1])
    return proc, rss_kib


def _one_cell_book(path, cell_bytes: int, declared: int | None = None, split: bool = False):
    """A real xlsx whose shared strings hold one cell of cell_bytes (or, split, that many bytes in
    strings of 1,000 characters), written in 1 MB chunks so the test itself stays small;
    declared overwrites the size the zip says that member has."""
    import struct
    import zipfile

    good = write_xlsx(path.with_name("base.xlsx"), [["団体コード", "団体名", "DX担当職員数"], ["011002", "札幌市", "X"]])
    src = zipfile.ZipFile(good)
    rels = src.read("xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    sheet = src.read("xl/worksheets/sheet1.xml").replace(b'<c r="C2" t="inlineStr"><is><t>X</t></is></c>',
                                                         b'<c r="C2" t="s"><v>0</v></c>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = {"xl/_rels/workbook.xml.rels": rels, "xl/worksheets/sheet1.xml": sheet}.get(
                info.filename, src.read(info.filename))
            dst.writestr(info.filename, data)
        with dst.open("xl/sharedStrings.xml", "w") as f:
            f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            block = (b"1" * 1000 + b"</t></si><si><t>") * 1000 if split else b"1" * (1 << 20)
            for _ in range(cell_bytes >> 20):
                f.write(block)
            f.write(b"</t></si></sst>")
    if declared is not None:  # rewrite the member's uncompressed size in its local and central headers
        data = bytearray(path.read_bytes())
        name = b"xl/sharedStrings.xml"
        # (signature, offset of the size field, of the name length, of the name) in local and central headers
        for sig, size_at, len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
            at = data.find(sig)
            while at != -1:
                name_len = struct.unpack_from("<H", data, at + len_at)[0]
                if bytes(data[at + name_at:at + name_at + name_len]) == name:
                    struct.pack_into("<I", data, at + size_at, declared)
                at = data.find(sig, at + 4)
        path.write_bytes(bytes(data))
    return path


def test_a_300mb_cell_in_a_small_workbook_is_refused_quickly_with_bounded_memory(db, tmp_path):
    src = _one_cell_book(tmp_path / "bomb.xlsx", 300 << 20)
    assert src.stat().st_size < 1_000_000  # ~300 KB on disk
    before = db.read_bytes()
    proc, rss_kib = _child_load(db, src)  # the timeout is the bound on time
    assert proc.returncode == 1, proc.stderr
    assert "Excel ファイルが大きすぎます（展開すると 315 MB、上限 100 MB）" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.encode()) < 20_000
    assert rss_kib < 400_000, f"peak memory {rss_kib} KiB"
    assert db.read_bytes() == before


def test_a_zip_header_that_understates_the_size_is_bounded_too(db, tmp_path):
    src = _one_cell_book(tmp_path / "liar.xlsx", 300 << 20, declared=1000)
    proc, rss_kib = _child_load(db, src)
    assert proc.returncode == 1, proc.stderr
    assert "Excel ファイルを開けません（壊れているか途中で切れています" in proc.stderr or "文字数が多すぎます" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert rss_kib < 400_000, f"peak memory {rss_kib} KiB"


def test_decompression_stops_at_the_byte_budget_whatever_the_header_says(monkeypatch, tmp_path):
    """With a small budget the streaming count, not the declared size, is what refuses the file."""
    from etl import xlsx
    from etl.report import FileRejected

    src = _one_cell_book(tmp_path / "liar.xlsx", 8 << 20, split=True)
    monkeypatch.setattr(xlsx, "MAX_UNCOMPRESSED", 4 << 20)
    monkeypatch.setattr(xlsx, "_plan", _plan_ignoring_declared_sizes(xlsx))
    with pytest.raises(FileRejected, match=r"展開すると 4 MB を超えます"):
        xlsx.read_workbook(src.read_bytes())


def _plan_ignoring_declared_sizes(xlsx):
    real = xlsx._plan

    def plan(zf, infos):
        declared = [i.file_size for i in infos]
        for info in infos:  # what a lying header would say ...
            info.file_size = min(info.file_size, 1000)
        result = real(zf, infos)
        for info, size in zip(infos, declared, strict=True):  # ... while zipfile still reads every byte
            info.file_size = size
        return result
    return plan


def test_a_cell_over_excels_limit_is_refused_naming_the_cell(db, tmp_path):
    src = write_xlsx(tmp_path / "k.xlsx", [["団体コード", "団体名", "DX担当職員数"], ["011002", "LONG", "5"]])
    patch_xlsx(src, {"xl/worksheets/sheet1.xml": lambda x: x.replace(b"LONG", b"x" * 32_768)})
    run = assert_rejected(db, "survey", src, "セル B2 の文字数が多すぎます（上限 32,767 文字。Excel の1セルの上限と同じです）",
                          extra=BASE)
    assert len(run.err) < 2_000


def test_messages_quote_at_most_100_characters_of_a_value(db, tmp_path):
    name = "長" * 5_000
    src = survey_csv(tmp_path / "s.csv", [["", "北海道", name, "1"], ["011002", "北海道", "札幌市", "x" * 5_000]])
    run = assert_rejected(db, "survey", src, "という市区町村はありません", extra=BASE)
    assert "長" * 101 not in run.err and "x" * 101 not in run.err
    assert "「" + "長" * 100 + "…」" in run.err
    assert len(run.err.encode()) < 5_000


@pytest.fixture
def http_server():
    """A local HTTP server: /endless streams bytes until the client stops; /big declares 1 GB."""
    import http.server
    import threading

    sent = {"bytes": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            if self.path.startswith("/big"):
                self.send_header("Content-Length", str(1 << 30))
            self.end_headers()
            block = b"a" * 65536
            try:
                for _ in range(4096):  # at most 256 MB
                    self.wfile.write(block)
                    sent["bytes"] += len(block)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", sent
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_url_download_is_streamed_and_stops_at_the_size_limit(db, http_server, monkeypatch):
    from etl import validate

    url, sent = http_server
    monkeypatch.setattr(validate, "MAX_FILE_BYTES", 1 << 20)
    before = db.read_bytes()
    run = etl_main("load", "survey", f"{url}/endless/survey_2023-04-01.csv", "--db", db)
    assert run.code == 1, run.text
    assert "ファイルが大きすぎます（上限 1 MB）。ダウンロードを途中で止めました" in run.err
    assert db.read_bytes() == before
    run = etl_main("load", "survey", f"{url}/big/survey_2023-04-01.csv", "--db", db)
    assert run.code == 1 and "ファイルが大きすぎます（1,074 MB、上限 1 MB）。ダウンロードしませんでした" in run.err


# == issue 13, class 11: no traceback, ever ===================================================

def test_malformed_sheet_xml_gets_a_japanese_reason(db, tmp_path):
    src = write_xlsx(tmp_path / "k.xlsx", [["団体コード", "団体名", "DX担当職員数"], SAPPORO3], sheet="R5")
    patch_xlsx(src, {"xl/worksheets/sheet1.xml": lambda x: x.replace(b"</row>", b"</rw>", 1)})
    run = assert_rejected(db, "survey", src, "Excel ファイルのシート「R5」の中身（XML）が壊れています（1行", extra=BASE)
    assert "Traceback" not in run.text


def test_password_protected_workbook_says_so(db, tmp_path):
    from tests.corpus.make_corpus import encrypted_xlsx

    for name in ("kobetsu.xlsx", "kobetsu.csv"):
        (tmp_path / name).write_bytes(encrypted_xlsx())
        assert_rejected(db, "survey", tmp_path / name, "パスワード付き（暗号化された）Excel ファイルは読めません", extra=BASE)


def test_utf16_without_a_bom_and_cr_only_line_ends_get_japanese_reasons(db, tmp_path):
    src = survey_csv(tmp_path / "utf16le.csv", [SAPPORO], encoding="utf-16-le")
    assert_rejected(db, "survey", src, "文字コードが UTF-16 です", extra=BASE)
    cr = tmp_path / "cr.csv"
    cr.write_bytes("団体コード,団体名,DX担当職員数\r011002,札幌市,5\r".encode())
    assert_rejected(db, "survey", cr, "改行コードが CR だけです（古い Mac の形式）", extra=BASE)


def test_an_unexpected_error_is_a_japanese_error_naming_the_file_and_is_logged(db, tmp_path, monkeypatch, caplog):
    from etl import validate

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(validate, "validate_survey", broken)
    src = survey_csv(tmp_path / "s.csv", [SAPPORO])
    with caplog.at_level("ERROR", logger="etl"):
        run = assert_rejected(db, "survey", src, "ファイル「s.csv」を読めませんでした（予期しないエラーです", extra=BASE)
    assert "Traceback" not in run.text and "ZeroDivisionError" not in run.text
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


def test_the_upload_catches_reader_errors_into_its_report(db, tmp_path):
    from etl.intake import prepare_upload
    from tests.corpus.make_corpus import encrypted_xlsx, malformed_sheet_xlsx

    for name, data, reason in (("k.xlsx", encrypted_xlsx(), "パスワード付き"),
                               ("k2.xlsx", malformed_sheet_xlsx(), "の中身（XML）が壊れています"),
                               ("k.csv", "団体コード,団体名,DX担当職員数\r011002,札幌市,5\r".encode(), "改行コードが CR だけです")):
        up = prepare_upload("survey", name, data, db_path=db)
        try:
            assert not up.publishable
            assert any(reason in i.reason for i in up.report.errors), up.report.errors
        finally:
            up.discard()


# == issue 13, class 4: "already loaded" keys on the file AND what it stored ==================

def test_same_file_with_a_corrected_base_date_is_refused_and_the_message_says_how_to_undo(db, tmp_path):
    from etl.versions import list_versions

    src = survey_csv(tmp_path / "kobetsu.csv", [SAPPORO])
    assert etl_main("load", "survey", src, "--db", db, "--base-date", "2023-04-01").code == 0
    assert query(db, "SELECT max(source_id) FROM load_log") == [(2,)]
    before = list_versions(db)
    undo_to = before[before.last_source_id == 1].version_id.iloc[-1]  # the state just before load 2

    run = assert_rejected(db, "survey", src, "同じファイルを取り込み番号 2（", "調査基準日 2023-04-01）として取り込み済みです",
                          "今回の指定（調査基準日 2024-04-01）で取り込むと前の取り込みも残るため、取り込みません",
                          f"`python -m etl rollback --to {undo_to}`", extra=["--base-date", "2024-04-01"])
    assert "Traceback" not in run.text
    # Following the message: undo the wrong load, then load with the right date.
    assert etl_main("rollback", "--to", undo_to, "--db", db).code == 0
    assert etl_main("load", "survey", src, "--db", db, "--base-date", "2024-04-01").code == 0
    assert query(db, "SELECT base_date::TEXT, lg_code, dx_staff FROM staff_survey ORDER BY 1, 2") == [
        ("2022-04-01", "012025", 2.0), ("2024-04-01", "011002", 5.0)]


def test_same_roster_for_another_prefecture_is_refused(db, tmp_path):
    row = ["E-1", "", "", "", "PM", "派遣", "2023-04-01", "", "", ""]
    src = roster_csv(tmp_path / "pool.csv", [row])
    assert etl_main("load", "roster", src, "--db", db, "--prefecture", "38").code == 0
    assert_rejected(db, "roster", src, "、都道府県 愛媛県）として取り込み済みです", "今回の指定（都道府県 広島県）",
                    extra=["--prefecture", "34"])
    assert query(db, "SELECT prefecture_code, count(*) FROM talent_roster GROUP BY 1") == [("38", 1)]


def test_same_file_same_scope_is_a_no_op_that_says_so(db, tmp_path):
    src = survey_csv(tmp_path / "kobetsu.csv", [SAPPORO])
    assert etl_main("load", "survey", src, "--db", db, "--base-date", "2023-04-01").code == 0
    before = db.read_bytes()
    run = etl_main("load", "survey", src, "--db", db, "--base-date", "2023-04-01")
    assert run.code == 0
    assert "同じファイルは取り込み済みです（source_id=2）。何も変更していません（同じ範囲: 調査基準日 2023-04-01）" in run.out
    assert db.read_bytes() == before


def test_the_dry_run_says_what_the_load_would_do_with_an_already_loaded_file(db, tmp_path):
    """validate checks the warehouse as load does: the same file with another base date is refused
    with the same reason, and with the same one it says the load would change nothing."""
    src = survey_csv(tmp_path / "kobetsu.csv", [SAPPORO])
    assert etl_main("validate", "survey", src, "--db", db, "--base-date", "2023-04-01").out.endswith("取り込めます\n")
    assert etl_main("load", "survey", src, "--db", db, "--base-date", "2023-04-01").code == 0
    before = db.read_bytes()
    other = etl_main("validate", "survey", src, "--db", db, "--base-date", "2024-04-01")
    assert other.code == 1 and "今回の指定（調査基準日 2024-04-01）で取り込むと前の取り込みも残るため、取り込みません" in other.err
    assert "検証のみ（倉庫は変更していません）: 取り込めません" in other.out
    same = etl_main("validate", "survey", src, "--db", db, "--base-date", "2023-04-01")
    assert same.code == 0 and "取り込み済みです（source_id=2、同じ範囲。取り込んでも何も変わりません）" in same.out
    assert db.read_bytes() == before


def test_reloading_a_file_that_a_later_load_replaced_makes_it_current_again(db, tmp_path):
    first = survey_csv(tmp_path / "a.csv", [SAPPORO])
    revised = survey_csv(tmp_path / "b.csv", [["011002", "北海道", "札幌市", "7"]])
    for src in (first, revised, first):
        run = etl_main("load", "survey", src, "--db", db, *BASE)
        assert run.code == 0 and "取り込みました" in run.out, run.text
    assert query(db, "SELECT lg_code, dx_staff, source_id FROM staff_survey WHERE base_date = '2023-04-01'") == [
        ("011002", 5.0, 4)]


def test_a_rolled_back_load_can_be_loaded_again(db, tmp_path):
    from etl.versions import list_versions

    src = survey_csv(tmp_path / "a.csv", [SAPPORO])
    assert etl_main("load", "survey", src, "--db", db, *BASE).code == 0
    versions = list_versions(db)
    assert etl_main("rollback", "--to", versions[versions.last_source_id == 1].version_id.iloc[-1], "--db", db).code == 0
    assert query(db, "SELECT count(*) FROM staff_survey WHERE base_date = '2023-04-01'") == [(0,)]
    run = etl_main("load", "survey", src, "--db", db, *BASE)
    assert run.code == 0 and "取り込みました" in run.out, run.text
    assert query(db, "SELECT lg_code, dx_staff FROM staff_survey WHERE base_date = '2023-04-01'") == [("011002", 5.0)]


def test_two_simultaneous_loads_of_one_file_publish_once(db, tmp_path):
    """Real processes started together: the check runs under the writer lock, so one publishes and
    the others find it loaded (before the fix each found nothing loaded and published again)."""
    import subprocess
    import sys

    from testing import ROOT, etl_env

    src = survey_csv(tmp_path / "same.csv", [SAPPORO, ["012033", "北海道", "小樽市", "3"]])
    procs = [subprocess.Popen([sys.executable, "-m", "etl", "load", "survey", str(src), "--db", str(db), *BASE],
                              cwd=ROOT, env=etl_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [(p.wait(120), *p.communicate()) for p in procs]
    assert [code for code, _, _ in outs] == [0, 0, 0], outs
    assert sum("取り込みました" in out for _, out, _ in outs) == 1, outs
    assert sum("同じファイルは取り込み済みです" in out for _, out, _ in outs) == 2, outs
    assert query(db, "SELECT count(*) FROM load_log WHERE sha256 = ?", [sha256(src)]) == [(1,)]
    assert query(db, "SELECT count(*) FROM raw_staff_survey WHERE base_date = '2023-04-01'") == [(2,)]


# == issue 13, class 5: rosters never replace another prefecture's pool =======================

ROSTER_WITH_PREF = [*ROSTER_HEADER[:4], "都道府県", *ROSTER_HEADER[4:]]


def pref_row(pref, ref="E-1", email="", start="2023-04-01", end="", assigned=""):
    return [ref, "", email, "", pref, "PM", "派遣", start, end, "", assigned]


def test_roster_column_that_disagrees_with_the_chosen_prefecture_is_refused(db, tmp_path):
    aomori = roster_csv(tmp_path / "roster_02.csv", [roster_row(assigned="青森市")])
    assert etl_main("load", "roster", aomori, "--db", db).code == 0
    pool = query(db, "SELECT * FROM talent_roster ORDER BY ALL")
    src = roster_csv(tmp_path / "pool.csv", [pref_row("青森県", "E-9")], header=ROSTER_WITH_PREF)
    run = assert_rejected(db, "roster", src, "都道府県「青森県」が、指定した都道府県（北海道）と違います",
                          "ほかの都道府県の人材プールを置き換えないよう、取り込みません", extra=["--prefecture", "01"])
    assert "3行目" not in run.err and "2行目" in run.err and "列「都道府県」" in run.err
    assert query(db, "SELECT * FROM talent_roster ORDER BY ALL") == pool, "青森県's pool is untouched"


def test_roster_column_that_agrees_with_the_chosen_prefecture_loads(db, tmp_path):
    src = roster_csv(tmp_path / "pool.csv", [pref_row("愛媛県"), pref_row("", "E-2")], header=ROSTER_WITH_PREF)
    assert etl_main("load", "roster", src, "--db", db, "--prefecture", "38").code == 0
    assert query(db, "SELECT prefecture_code, count(*) FROM talent_roster GROUP BY 1") == [("38", 2)]


def test_roster_with_two_prefectures_is_refused(db, tmp_path):
    src = roster_csv(tmp_path / "pool.csv", [pref_row("愛媛県"), pref_row("広島県", "H-1")], header=ROSTER_WITH_PREF)
    assert_rejected(db, "roster", src, "1つの名簿に複数の都道府県の人材があります（広島県 1行、愛媛県 1行）")


@pytest.mark.parametrize(("name", "code"), [
    ("roster_01.csv", "01"), ("roster_47.xlsx", "47"), ("ROSTER_13.CSV", "13"),
    ("roster_2024-04-01.csv", None), ("roster_48.csv", None), ("roster_00.csv", None), ("roster_01_v2.csv", None),
    ("名簿_01.csv", None), ("roster_1.csv", None), ("roster_01.tsv", None), ("2024_roster_01.csv", None),
])
def test_prefecture_from_a_file_name_only_in_the_documented_pattern(name, code):
    from etl.roster import prefecture_from_name

    assert prefecture_from_name(Path(name)) == code


def test_roster_dated_file_name_is_not_a_prefecture(db, tmp_path):
    src = roster_csv(tmp_path / "roster_2024-04-01.csv", [roster_row()])
    assert_rejected(db, "roster", src, "都道府県が分かりません", "ファイル名から読むのは roster_01.csv")


def test_same_person_number_with_new_contact_data_is_one_person(db, tmp_path):
    rows = [pref_row("愛媛県", email="old@pii-canary.invalid", end="2024-03-31"),
            pref_row("愛媛県", email="new@pii-canary.invalid", start="2024-04-01")]
    src = roster_csv(tmp_path / "pool.csv", rows, header=ROSTER_WITH_PREF)
    run = assert_loaded_with_warning(db, "roster", src, "人材番号が2行目と同じですが、メールアドレスが違います。同じ人材として扱います")
    assert "pii-canary" not in run.text + str(query(db, "SELECT * FROM reject_log"))
    assert query(db, "SELECT count(DISTINCT person_id), count(*) FROM talent_roster") == [(1, 2)]
    # the next roster (e-mail changed again) keeps the same pseudonym: the person is the 人材番号
    first = query(db, "SELECT DISTINCT person_id FROM talent_roster")
    again = roster_csv(tmp_path / "v2" / "pool.csv", [pref_row("愛媛県", email="third@pii-canary.invalid")],
                       header=ROSTER_WITH_PREF)
    assert etl_main("load", "roster", again, "--db", db).code == 0
    assert query(db, "SELECT DISTINCT person_id FROM talent_roster") == first


def test_overlapping_periods_of_one_person_warn(db, tmp_path):
    rows = [pref_row("愛媛県", end="2024-03-31"), pref_row("愛媛県", start="2023-10-01", end="2023-12-31"),
            pref_row("愛媛県", start="2024-04-01")]
    src = roster_csv(tmp_path / "pool.csv", rows, header=ROSTER_WITH_PREF)
    assert_loaded_with_warning(db, "roster", src, "同じ人材の在籍期間が2行目（2024-03-31まで）と重なっています（この行は 2023-10-01 から）")
    reasons = [r[0] for r in query(db, "SELECT reason FROM reject_log WHERE reason LIKE '同じ人材の在籍期間%'")]
    assert len(reasons) == 1, "the period right after the first one ends does not overlap"


# == issue 13, class 8: population ==============================================================

POP_HEADER = ["area_code", "area_name", "population"]


@pytest.mark.parametrize(("rows", "fragment"), [
    ([["011002", "札幌市", "1973395"], ["012021", "函館市", "251084"]], "地域コード「012021」の検査数字が一致しません（正しくは 012025）"),
    ([["14100", "横浜市", "4000001"]], "横浜市の人口 4,000,001 人は1つの市区町村としてありえません"),
    ([["01100", "札幌市", "1973395"], ["01202", "函館市", "0"]], "函館市の人口が0人です。ほかの市区町村には人口があるため"),
    ([["01100", "札幌市", "1973395"], ["01202", "函館市", "25万"]], "人口「25万」は数値ではありません"),
], ids=["check_digit", "over_4_million", "zero", "not_a_number"])
def test_population_values_that_cannot_be_true(db, tmp_path, rows, fragment):
    assert_rejected(db, "population", write_csv(tmp_path / "population.csv", POP_HEADER, rows), fragment)


def test_population_at_the_limit_and_blank_load(db, tmp_path):
    src = write_csv(tmp_path / "population.csv", POP_HEADER, [["14100", "横浜市", "4000000"], ["01202", "函館市", ""]])
    assert_loaded_with_warning(db, "population", src, "函館市の人口が空欄です（不明として扱い、0人とはみなしません）")
    assert query(db, "SELECT lg_code, population FROM raw_population ORDER BY 1") == [
        ("012025", None), ("141003", 4000000.0)]


def test_population_covering_part_of_prefectures_is_reported_by_prefecture(db, tmp_path):
    src = write_csv(tmp_path / "population.csv", POP_HEADER,
                    [["31201", "鳥取市", "188465"], ["31202", "米子市", "147317"], ["01100", "札幌市", "1973395"]])
    run = assert_loaded_with_warning(db, "population", src, "人口の無い市区町村がある都道府県が 2 あります："
                                     "北海道（179 団体中 178 団体なし）、鳥取県（19 団体中 17 団体なし）")
    assert "人口が1団体もない都道府県が 45 あります" in run.out
    assert "人口のそろった都道府県: 0 / 47" in run.out


# == issue 13, class 9: boundaries ==============================================================

def _features(shapes: list[tuple[dict, object]]) -> str:
    import shapely

    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(geom))}
        for props, geom in shapes]})


def _real_shapes(shared_reference, codes: list[str]) -> dict:
    import pyogrio
    import shapely

    gdf = pyogrio.read_dataframe(shared_reference / "da_municipality_area.topojson")
    gdf = gdf[gdf.lg_code.isin(codes)]
    return dict(zip(gdf.lg_code, shapely.from_wkb(shapely.to_wkb(gdf.geometry.values)), strict=True))


def test_the_real_digital_agency_files_pass_every_check(shared_reference):
    from etl.boundaries import validate_boundaries
    from etl.resolve import resolver

    muni = validate_boundaries(shared_reference / "da_municipality_area.topojson", resolver())
    assert muni.errors == [] and len(muni.tables["boundaries"]) == 1741
    pref = validate_boundaries(shared_reference / "da_prefecture_area.topojson", resolver())
    assert pref.errors == [] and len(pref.tables["boundaries"]) == 47


def test_a_real_shape_under_another_prefectures_code_is_refused(db, tmp_path, shared_reference):
    shapes = _real_shapes(shared_reference, ["011002", "012025", "012033"])
    wrong = [({"lg_code": "011002"}, shapes["011002"]), ({"lg_code": "472018"}, shapes["012025"]),  # 那覇市
             ({"lg_code": "012033"}, shapes["012033"])]
    src = tmp_path / "boundaries.geojson"
    src.write_text(_features(wrong), encoding="utf-8")
    run = assert_rejected(db, "boundaries", src, "沖縄県那覇市（472018）の図形の中心", "が沖縄県の範囲の外です",
                          "役場の位置", "団体コードか座標が違っていないか確かめてください")
    assert "札幌市（011002）" not in run.err and "小樽市" not in run.err


def test_a_shape_moved_by_a_degree_is_refused(db, tmp_path, shared_reference):
    import shapely

    shapes = _real_shapes(shared_reference, ["312011"])
    moved = shapely.transform(shapes["312011"], lambda xy: xy - np.array([0.0, 1.0]))  # 1° south: 岡山県
    src = tmp_path / "boundaries.geojson"
    src.write_text(_features([({"lg_code": "312011"}, moved)]), encoding="utf-8")
    assert_rejected(db, "boundaries", src, "鳥取県鳥取市（312011）の図形の中心", "が鳥取県の範囲の外です")


def test_one_bad_ring_in_a_multipolygon_is_named(db, tmp_path):
    good = [[139.75, 35.69], [139.76, 35.69], [139.76, 35.70], [139.75, 35.70], [139.75, 35.69]]
    bad = [[139.77, 35.69], [139.78, 35.69], [139.78, 35.70]]
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"lg_code": "131016"},
                                                     "geometry": {"type": "MultiPolygon", "coordinates": [[good], [bad]]}}]}
    src = tmp_path / "boundaries.geojson"
    src.write_text(json.dumps(fc), encoding="utf-8")
    run = assert_rejected(db, "boundaries", src, "1番目の図形: 2番目の輪（リング）の点が3点しかありません")
    assert "GEOS" not in run.text and "Traceback" not in run.text


def test_projected_coordinates_with_their_crs_are_reprojected_and_load(db, tmp_path):
    from pyproj import Transformer

    to_plane = Transformer.from_crs(4326, 6677, always_xy=True)  # JGD2011 / Japan Plane Rectangular CS IX (Tokyo)
    ring = [list(to_plane.transform(x, y)) for x, y in
            [[139.748, 35.689], [139.758, 35.689], [139.758, 35.699], [139.748, 35.699], [139.748, 35.689]]]
    fc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6677"}},
          "features": [{"type": "Feature", "properties": {"lg_code": "131016"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    src = tmp_path / "boundaries.geojson"
    src.write_text(json.dumps(fc), encoding="utf-8")
    assert etl_main("load", "boundaries", src, "--db", db).code == 0
    import shapely

    [(wkb,)] = query(db, "SELECT geometry FROM municipalities WHERE lg_code = '131016'")
    x0, y0, x1, y1 = shapely.bounds(shapely.from_wkb(wkb))
    assert abs(x0 - 139.748) < 1e-6 and abs(y1 - 35.699) < 1e-6


def test_every_object_of_a_topojson_is_read(db, tmp_path):
    def sq(x, y):
        return [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]

    topo = {"type": "Topology", "arcs": [sq(139.748, 35.689), sq(139.767, 35.666)], "objects": {
        "a": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[0]],
                                                            "properties": {"lg_code": "131016"}}]},
        "b": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[1]],
                                                            "properties": {"lg_code": "131024"}}]}}}
    src = tmp_path / "boundaries.topojson"
    src.write_text(json.dumps(topo), encoding="utf-8")
    assert etl_main("load", "boundaries", src, "--db", db).code == 0
    assert query(db, "SELECT lg_code FROM municipalities WHERE geometry IS NOT NULL ORDER BY 1") == [
        ("131016",), ("131024",)]


def test_geos_never_sees_a_broken_ring(tmp_path):
    """polygon_rings reads GDAL's WKB itself: every broken ring is a Japanese reason, not a GEOSException."""
    import struct

    from etl.boundaries import ShapeProblem, polygon_rings

    def wkb(points):
        return struct.pack("<BII", 1, 3, 1) + struct.pack("<I", len(points)) + b"".join(
            struct.pack("<dd", *p) for p in points)

    square = [(139.75, 35.69), (139.76, 35.69), (139.76, 35.70), (139.75, 35.70), (139.75, 35.69)]
    assert len(polygon_rings(wkb(square))[0]) == 5
    for points, reason in ((square[:3], "点が3点しかありません"), (square[:4], "閉じていません"),
                           ([(float("nan"), 35.69), *square[1:]], "数値でない値"),
                           (square[:2], "点が2点しかありません")):
        with pytest.raises(ShapeProblem, match=reason):
            polygon_rings(wkb(points))
    with pytest.raises(ShapeProblem, match="途中で切れています"):
        polygon_rings(wkb(square)[:-8])
    with pytest.raises(ShapeProblem, match="点（Point）"):
        polygon_rings(struct.pack("<BIdd", 1, 1, 139.75, 35.69))


# == issue 13, class 12: the raw archive is readable by its owner only =========================

def test_archived_files_are_owner_only(db, tmp_path):
    import stat

    src = roster_csv(tmp_path / "roster_38.csv", [roster_row()])
    assert etl_main("load", "roster", src, "--db", db).code == 0
    archived = db.parent / "raw" / f"{sha256(src)}.csv"
    assert archived.read_bytes() == src.read_bytes(), "the user's file as it was"
    assert stat.S_IMODE(archived.stat().st_mode) == 0o600
    assert stat.S_IMODE(archived.parent.stat().st_mode) == 0o700
    # an archive written before archives were owner-only is tightened when it is used again
    archived.chmod(0o644)
    archived.parent.chmod(0o755)
    from etl.warehouse import archive_file

    archive_file(src, sha256(src), archived.parent)
    assert stat.S_IMODE(archived.stat().st_mode) == 0o600
    assert stat.S_IMODE(archived.parent.stat().st_mode) == 0o700


def test_an_archive_copy_is_whole_where_sendfile_is_refused(tmp_path, monkeypatch):
    """archive_file copies in the kernel (sendfile); a file system that refuses it gets the copy
    through a buffer instead, the same bytes."""
    import errno
    import os

    from etl import warehouse

    src = tmp_path / "big.csv"
    src.write_bytes(os.urandom(3 << 20))

    def refused(*args):
        raise OSError(errno.EINVAL, "sendfile refused")

    for name, patch in (("kernel", None), ("buffer", refused)):
        if patch:
            monkeypatch.setattr(warehouse.os, "sendfile", patch)
        copy, made = warehouse.archive_file(src, f"{name}-{sha256(src)}", tmp_path / "raw")
        assert made and copy.read_bytes() == src.read_bytes(), name
# -- issue 12 §2: the indicators kind (Digital Agency 自治体DXダッシュボード table) ----------------

def indicator_table(path, names, rows):
    return write_csv(path, ["", "", *names, ""], [[*r, ""] for r in rows], encoding="utf-8-sig")


@pytest.mark.parametrize("value", ["1e2", "1,5", "4a", "1_0", "inf", "nan", "-3", "12.", "１２ａ"])
def test_indicators_strict_numbers(db, tmp_path, value):
    src = indicator_table(tmp_path / "t.csv", ["札幌市", "函館市"], [["住民サービスのDX", "手続総数", "24", value]])
    run = assert_rejected(db, "indicators", src, "は 実施／未実施／調査無し、割合（72% など）、数のどれでもありません",
                          extra=BASE)
    assert "2行目 列「D列（4列目）」" in run.err


@pytest.mark.parametrize(("names", "fragment"), [
    (["札幌市", "府中市", "那覇市"], "「府中市」は東京都、広島県にあり"),
    (["美里町"], "「美里町」は宮城県、埼玉県、熊本県にあり"),
    (["那覇市", "伊達市"], "「伊達市」は北海道、福島県にあり"),  # after 沖縄: no block holds it
    (["函館市", "札幌市"], "列が団体コード順に並んでいません（C列「函館市」（012025）の後に「札幌市」（011002）があります）"),
], ids=["fuchu_between_blocks", "misato_alone", "date_after_okinawa", "out_of_order"])
def test_indicators_names_that_cannot_be_placed(db, tmp_path, names, fragment):
    src = indicator_table(tmp_path / "t.csv", names, [["分類", "CIOの任命", *["実施"] * len(names)]])
    assert_rejected(db, "indicators", src, fragment, extra=BASE)


def test_indicators_not_surveyed_is_null_never_false(db, tmp_path):
    src = indicator_table(tmp_path / "t.csv", ["札幌市", "函館市", "小樽市"],
                          [["分類", "外部人材活用", "調査無し", "未実施", "実施"]])
    run = etl_main("load", "indicators", src, "--db", db, *BASE)
    assert run.code == 0, run.text
    assert query(db, "SELECT lg_code, done FROM dx_indicators ORDER BY lg_code") == [
        ("011002", None), ("012025", False), ("012033", True)]


def test_indicators_values_past_the_last_name_are_refused(db, tmp_path):
    src = write_csv(tmp_path / "t.csv", ["", "", "札幌市"], [["分類", "CIOの任命", "実施", "実施"]])
    assert_rejected(db, "indicators", src, "見出し（市区町村名）のない列に値があります", extra=BASE)


def test_indicators_binary_file_renamed_csv(db, tmp_path):
    src = tmp_path / "t.csv"
    src.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    assert_rejected(db, "indicators", src, "中身がテキスト（CSV）ではありません", extra=BASE)
