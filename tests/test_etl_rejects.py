"""One test per reject reason: the Japanese message, exit code 1, and a byte-identical warehouse.

These call etl.cli.main in-process (the function `python -m etl` runs, same exit codes) to keep
the suite fast; test_etl_cli_golden.py runs the real child process for the exit codes.
"""

from __future__ import annotations

import json

import pytest
from helpers import (
    ROSTER_HEADER,
    copy_warehouse,
    etl_main,
    query,
    roster_csv,
    sha256,
    status_csv,
    survey_csv,
    write_csv,
    write_xlsx,
)

BASE = ["--base-date", "2023-04-01"]
SAPPORO = ["011002", "北海道", "札幌市", "5"]


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
    return copy_warehouse(base_warehouse, tmp_path / "wh")


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
