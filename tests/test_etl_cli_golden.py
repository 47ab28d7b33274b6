"""Golden tests: run `python -m etl` on tiny fixture files and compare WHOLE mart rows.

Every behaviour under test runs the real child process. Loads that only set the scene run
etl.cli.main in-process (child=False), the same code with the same exit codes, to keep the
suite fast.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from testing import (
    TEST_SALT,
    etl_main,
    query,
    roster_csv,
    run_etl,
    sha256,
    status_csv,
    survey_csv,
    write_xlsx,
)

D = dt.date
SURVEY_SQL = "SELECT * FROM staff_survey ORDER BY base_date, lg_code"


def load(kind: str, path, db, *extra, salt: str | None = None, expect: int = 0, child: bool = True):
    if child:
        run = run_etl("load", kind, path, "--db", db, *extra, salt=salt)
    else:
        assert salt is None, "set DXGAP_PERSON_SALT with monkeypatch for an in-process roster load"
        run = etl_main("load", kind, path, "--db", db, *extra)
    assert run.code == expect, run.text
    return run


# -- staff survey ---------------------------------------------------------------------------

# 全角 digits, name-only rows, every "not surveyed" mark, fractions, and all three wards of 相模原市.
SURVEY_ROWS = [
    ["141518", "神奈川県", "相模原市緑区", "2.5", "1", "1.5", "0", "○"],
    ["141526", "神奈川県", "相模原市中央区", "1", "0.5", "0.5", "1", "×"],
    ["141534", "神奈川県", "相模原市南区", "1", "1", "0", "0", "×"],
    ["012025", "北海道", "函館市", "３．５", "１", "２．５", "０", "○"],
    ["０１２０３３", "北海道", "小樽市", "4", "2", "2", "", ""],
    ["", "北海道", "伊達市", "2", "", "", "", ""],
    ["", "福島県", "伊達市", "0.5", "0", "0.5", "", "×"],
    ["012041", "北海道", "旭川市", "－", "－", "－", "－", "－"],
    ["012050", "北海道", "室蘭市", "-", "-", "-", "-", "-"],
    ["012068", "北海道", "釧路市", "―", "―", "―", "―", "―"],
    ["012076", "北海道", "帯広市", "", "", "", "", "調査無し"],
    ["012084", "北海道", "北見市", "調査無し", "", "", "", "調査無し"],
]
# (base_date, lg_code, dx_staff, dedicated, concurrent, external_talent, has_cio_aide, source_id)
SURVEY_EXPECTED = [
    (D(2023, 4, 1), "012025", 3.5, 1.0, 2.5, 0.0, True, 1),
    (D(2023, 4, 1), "012033", 4.0, 2.0, 2.0, None, False, 1),
    (D(2023, 4, 1), "012041", None, None, None, None, None, 1),
    (D(2023, 4, 1), "012050", None, None, None, None, None, 1),
    (D(2023, 4, 1), "012068", None, None, None, None, None, 1),
    (D(2023, 4, 1), "012076", None, None, None, None, None, 1),
    (D(2023, 4, 1), "012084", None, None, None, None, None, 1),
    (D(2023, 4, 1), "012335", 2.0, None, None, None, False, 1),  # 北海道 伊達市
    (D(2023, 4, 1), "072133", 0.5, 0.0, 0.5, None, False, 1),  # 福島県 伊達市
    (D(2023, 4, 1), "141500", 4.5, 2.5, 2.0, 1.0, True, 1),  # 緑区 + 中央区 + 南区 summed into 相模原市
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_survey_csv_gives_the_same_rows_in_every_encoding(tmp_path, encoding):
    src = survey_csv(tmp_path / "survey_2023-04-01.csv", SURVEY_ROWS, encoding=encoding)
    db = tmp_path / "w" / "warehouse.duckdb"
    run = load("survey", src, db)
    assert "相模原市の区ごとの行（3区）を市に合算しました" in run.out
    assert query(db, SURVEY_SQL) == SURVEY_EXPECTED
    assert query(db, "SELECT kind, file_name, rows_read, rows_loaded, rows_rejected, warnings, status, scope, "
                     "is_sample FROM load_log") == [
        ("survey", "survey_2023-04-01.csv", 12, 10, 0, 1, "loaded",
         f"基準日: 2023-04-01; 基準日の出典: ファイル名; 文字コード: {encoding}", False)]
    assert query(db, "SELECT source_id, severity, sheet, row_number, column_name, value, reason FROM reject_log") == [
        (1, "warning", None, 2, None, None, "相模原市の区ごとの行（3区）を市に合算しました")]


KOBETSU = [
    ["市区町村におけるDX推進体制の状況（個別資料）"],
    ["令和5年4月1日現在"],
    ["※テスト用の架空データ"],
    ["団体コード", "都道府県名", "団体名", "DX・情報政策担当職員数", None, None, "外部人材", "CIO補佐官等の任用"],
    [None, None, None, "合計", "専任", "兼任", "人数", "有無"],
    [11002, "北海道", "北海道札幌市", 146, 87.5, 58.5, 3, "×"],  # Excel integer: leading zero dropped
    [12203, "北海道", "士別市", 2, 1, 1, 0, "○"],  # 5 digits in a 6-digit column: 012203, not 122033
    ["012033", "北海道", "小樽市", "－", "－", "－", "－", None],
    ["０１２０４１", "北海道", "旭川市", "４．５", "１．５", "３", 0, "○"],
    [131016, "東京都", "千代田区", 20.25, 20.25, 0, None, "○"],
]
KOBETSU_MERGES = ["A4:A5", "B4:B5", "C4:C5", "D4:F4"]


def kobetsu_expected(day: dt.date) -> list[tuple]:
    return [
        (day, "011002", 146.0, 87.5, 58.5, 3.0, False, 1),
        (day, "012033", None, None, None, None, None, 1),
        (day, "012041", 4.5, 1.5, 3.0, 0.0, True, 1),
        (day, "012203", 2.0, 1.0, 1.0, 0.0, True, 1),
        (day, "131016", 20.25, 20.25, 0.0, None, True, 1),
    ]


def test_survey_xlsx_with_title_rows_merged_header_and_wareki_base_date(tmp_path):
    src = write_xlsx(tmp_path / "kobetsu.xlsx", KOBETSU, sheet="個別資料", merges=KOBETSU_MERGES)
    db = tmp_path / "warehouse.duckdb"
    load("survey", src, db)
    assert query(db, SURVEY_SQL) == kobetsu_expected(D(2023, 4, 1))  # 令和5年4月1日 from the title rows
    assert query(db, "SELECT scope FROM load_log") == [
        ("シート: 「個別資料」; 基準日: 2023-04-01; 基準日の出典: 表題の行「令和5年4月1日現在」",)]


def test_base_date_flag_overrides_the_sheet(tmp_path):
    src = write_xlsx(tmp_path / "kobetsu.xlsx", KOBETSU, sheet="個別資料", merges=KOBETSU_MERGES)
    db = tmp_path / "warehouse.duckdb"
    load("survey", src, db, "--base-date", "令和4年4月1日")
    assert query(db, SURVEY_SQL) == kobetsu_expected(D(2022, 4, 1))


def test_survey_code_forms_five_digit_and_prefecture_hints(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    # 5-digit codes without check digit; '1100' (Excel dropped the zero) marks the column as 5-digit,
    # so 12203 is 千葉県 12203 (市川市 122033) and 12100 is 千葉市 (121002).
    five = survey_csv(tmp_path / "five.csv", [
        ["1100", "", "", "10"],
        ["01202", "", "", "3"],
        ["12203", "", "", "2"],
        ["12100", "", "", "1.5"],
    ])
    load("survey", five, db, "--base-date", "2021-04-01")
    # No 4- or 6-digit value: the prefecture of the row decides how a 5-digit value reads.
    hinted = survey_csv(tmp_path / "hinted.csv", [
        ["12203", "千葉県", "", "2"],
        ["12211", "北海道", "", "1"],
        ["１３１０１", "", "千代田区", "7"],
    ])
    load("survey", hinted, db, "--base-date", "2022-04-01")
    assert query(db, SURVEY_SQL) == [
        (D(2021, 4, 1), "011002", 10.0, None, None, None, False, 1),
        (D(2021, 4, 1), "012025", 3.0, None, None, None, False, 1),
        (D(2021, 4, 1), "121002", 1.5, None, None, None, False, 1),
        (D(2021, 4, 1), "122033", 2.0, None, None, None, False, 1),
        (D(2022, 4, 1), "012211", 1.0, None, None, None, False, 2),  # 名寄市
        (D(2022, 4, 1), "122033", 2.0, None, None, None, False, 2),  # 市川市
        (D(2022, 4, 1), "131016", 7.0, None, None, None, False, 2),
    ]


# -- roster and status ----------------------------------------------------------------------

ROSTER_ROWS = [
    # 人材番号, 氏名, メール, 電話, 役割, 雇用形態, 開始日, 終了日, アクセラレータ, 支援先
    ["E-1", "試験 一郎", "ichiro@example.invalid", "090-1111-0001", "PM", "兼業・副業", "2023/04/01", "",
     "○", "松山市、今治市"],
    ["E-2", "試験 二郎", "jiro@example.invalid", "090-1111-0002", "SD", "派遣", "令和4年10月1日", "2024/03/31",
     "", "385069"],
    ["E-3", "試験 三郎", "saburo@example.invalid", "090-1111-0003", "ＩＴエンジニア", "任期付", "2024-01-15", "",
     "", ""],
    ["E-4", "試験 四郎", "shiro@example.invalid", "090-1111-0004", "プロデューサー", "", "20230501", "", "",
     "愛媛県今治市，上島町"],
]


def test_roster_drops_personal_data_and_normalises_roles(tmp_path, monkeypatch):
    src = roster_csv(tmp_path / "roster_38.csv", ROSTER_ROWS)
    db = tmp_path / "warehouse.duckdb"
    run = load("roster", src, db, salt=TEST_SALT)
    assert "都道府県をファイル名から愛媛県と判断しました" in run.out
    roster = query(db, "SELECT * EXCLUDE (person_id) FROM talent_roster ORDER BY start_date")
    assert roster == [
        ("38", "サービスデザイナー", "派遣", D(2022, 10, 1), D(2024, 3, 31), False, 1),
        ("38", "プロジェクトマネージャー", "兼業・副業", D(2023, 4, 1), None, True, 1),
        ("38", "プロデューサー", "その他", D(2023, 5, 1), None, False, 1),
        ("38", "エンジニア", "任期付職員", D(2024, 1, 15), None, False, 1),
    ]
    assigned = query(db, """
        SELECT r.role, a.lg_code, a.start_date, a.end_date, a.source_id
        FROM talent_assignment a JOIN talent_roster r USING (person_id) ORDER BY r.start_date, a.lg_code""")
    assert assigned == [
        ("サービスデザイナー", "385069", D(2022, 10, 1), D(2024, 3, 31), 1),
        ("プロジェクトマネージャー", "382019", D(2023, 4, 1), None, 1),
        ("プロジェクトマネージャー", "382027", D(2023, 4, 1), None, 1),
        ("プロデューサー", "382027", D(2023, 5, 1), None, 1),
        ("プロデューサー", "383562", D(2023, 5, 1), None, 1),
    ]
    ids = [r[0] for r in query(db, "SELECT person_id FROM talent_roster")]
    assert len(set(ids)) == 4 and all(re.fullmatch(r"T[0-9a-f]{16}", i) for i in ids)
    # The same salt gives the same pseudonyms in another warehouse; nothing else identifies a person.
    other = tmp_path / "other" / "warehouse.duckdb"
    monkeypatch.setenv("DXGAP_PERSON_SALT", TEST_SALT)
    load("roster", src, other, child=False)
    assert sorted(ids) == sorted(r[0] for r in query(other, "SELECT person_id FROM talent_roster"))


def test_status_rows(tmp_path):
    src = status_csv(tmp_path / "status.csv", [
        ["38", "愛媛県", "0 認識共有・機運醸成", "2022-05-01", "協働宣言", "首長会議で共有"],
        ["38", "愛媛県", "全体方針の決定", "2022/06/01", "協働宣言", ""],
        ["", "広島県", "M2", "令和5年1月10日", "共同採用", ""],
        ["43", "熊本県", "3 人材プール機能の確保", "", "民間人材派遣", "未達成: 達成日が空欄"],
    ])
    db = tmp_path / "warehouse.duckdb"
    load("status", src, db)
    assert query(db, "SELECT * FROM dx_system_status ORDER BY prefecture_code, milestone") == [
        ("34", 2, "推進体制の構築", D(2023, 1, 10), "共同採用", None, 1),
        ("38", 0, "認識共有・機運醸成", D(2022, 5, 1), "協働宣言", "首長会議で共有", 1),
        ("38", 1, "全体方針の決定", D(2022, 6, 1), "協働宣言", None, 1),
    ]


# -- exit codes, validate, reloads, archive, history ---------------------------------------

def test_exit_codes_0_done_1_rejected_2_usage(tmp_path):
    good = survey_csv(tmp_path / "good.csv", [["011002", "北海道", "札幌市", "5"]])
    bad = survey_csv(tmp_path / "bad.csv", [["011003", "北海道", "札幌市", "5"]])
    db = tmp_path / "warehouse.duckdb"
    assert run_etl("load", "survey", good, "--db", db, "--base-date", "2023-04-01").code == 0
    rejected = run_etl("load", "survey", bad, "--db", db, "--base-date", "2023-04-01")
    assert rejected.code == 1
    assert "検査数字が一致しません" in rejected.err and "取り込みを中止しました" in rejected.err
    unknown_kind = run_etl("load", "budget", good, "--db", db)
    assert unknown_kind.code == 2 and "使い方の誤り" in unknown_kind.err
    before = db.read_bytes()
    # more usage errors, in-process (same main(), same exit codes)
    bad_date = etl_main("load", "survey", good, "--db", db, "--base-date", "2023-02-30")
    assert bad_date.code == 2 and "--base-date" in bad_date.err and "存在しない日付" in bad_date.err
    bad_pref = etl_main("load", "roster", good, "--db", db, "--prefecture", "99")
    assert bad_pref.code == 2 and "--prefecture" in bad_pref.err and "都道府県「99」が分かりません" in bad_pref.err
    no_file = etl_main("load", "survey", tmp_path / "missing.csv", "--db", db, "--base-date", "2023-04-01")
    assert no_file.code == 1 and "がありません" in no_file.err
    (tmp_path / "empty" / "roster").mkdir(parents=True)  # a folder of other files only: nothing to build from
    (tmp_path / "empty" / "notes.txt").write_text("x", encoding="utf-8")
    nothing = etl_main("build", "--inputs", tmp_path / "empty", "--db", db)
    assert nothing.code == 2 and "取り込めるファイルがありません" in nothing.err and "survey_*.csv" in nothing.err
    assert "Traceback" not in nothing.err
    assert db.read_bytes() == before
    no_db = etl_main("history", "--db", tmp_path / "missing.duckdb")
    assert no_db.code == 2 and "倉庫がありません" in no_db.err


def test_validate_never_changes_the_warehouse(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    load("survey", survey_csv(tmp_path / "a.csv", [["011002", "北海道", "札幌市", "5"]]), db,
         "--base-date", "2023-04-01", child=False)
    before = db.read_bytes()
    good = survey_csv(tmp_path / "b.csv", [["012025", "北海道", "函館市", "2"]])
    ok = run_etl("validate", "survey", good, "--db", db, "--base-date", "2023-04-01")
    assert ok.code == 0 and "検証のみ（倉庫は変更していません）: 取り込めます" in ok.out
    bad = survey_csv(tmp_path / "c.csv", [["012025", "北海道", "函館市", "たくさん"]])
    ng = run_etl("validate", "survey", bad, "--db", db, "--base-date", "2023-04-01")
    assert ng.code == 1 and "取り込めません" in ng.out and "人数「たくさん」は数値ではありません" in ng.err
    assert db.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == [f"{sha256(tmp_path / 'a.csv')}.csv"]


def test_validate_against_a_warehouse_not_yet_built_writes_nothing(tmp_path):
    """A dry run before the first load: no folder, no salt file, no archive are made."""
    good = survey_csv(tmp_path / "b.csv", [["012025", "北海道", "函館市", "2"]])
    db = tmp_path / "new" / "warehouse.duckdb"
    ok = run_etl("validate", "survey", good, "--db", db, "--base-date", "2023-04-01")
    assert ok.code == 0 and "検証のみ（倉庫は変更していません）: 取り込めます" in ok.out
    assert not db.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv"]


def test_loading_the_same_file_again_changes_nothing(tmp_path):
    src = survey_csv(tmp_path / "survey_2023-04-01.csv", [["011002", "北海道", "札幌市", "5"]])
    db = tmp_path / "warehouse.duckdb"
    assert "取り込みました（source_id=1）" in load("survey", src, db, child=False).out
    before = db.read_bytes()
    again = load("survey", src, db)
    assert "同じファイルは取り込み済みです（source_id=1）。何も変更していません" in again.out
    assert db.read_bytes() == before


def test_revised_file_replaces_only_its_prefecture_and_keeps_history(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    first = survey_csv(tmp_path / "v1" / "survey_2023-04-01.csv", [
        ["011002", "北海道", "札幌市", "100"],
        ["012025", "北海道", "函館市", "3"],
        ["382019", "愛媛県", "松山市", "20"],
    ])
    load("survey", first, db, child=False)
    revised = survey_csv(tmp_path / "v2" / "survey_2023-04-01.csv", [  # 愛媛県 only, corrected
        ["382019", "愛媛県", "松山市", "22.5"],
        ["382027", "愛媛県", "今治市", "6"],
    ])
    load("survey", revised, db)
    assert query(db, SURVEY_SQL) == [
        (D(2023, 4, 1), "011002", 100.0, None, None, None, False, 1),
        (D(2023, 4, 1), "012025", 3.0, None, None, None, False, 1),
        (D(2023, 4, 1), "382019", 22.5, None, None, None, False, 2),
        (D(2023, 4, 1), "382027", 6.0, None, None, None, False, 2),
    ]
    assert query(db, "SELECT base_date, lg_code, dx_staff, source_id, file_name, is_current "
                     "FROM staff_survey_history WHERE lg_code = '382019' ORDER BY source_id") == [
        (D(2023, 4, 1), "382019", 20.0, 1, "survey_2023-04-01.csv", False),
        (D(2023, 4, 1), "382019", 22.5, 2, "survey_2023-04-01.csv", True),
    ]


def test_roster_reload_replaces_that_prefecture_only(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    row = ["", "", "", "", "PM", "派遣", "2023-04-01", "", "", ""]
    load("roster", roster_csv(tmp_path / "v1" / "roster_38.csv", [
        ["E-1", *row[1:9], "松山市"], ["E-2", *row[1:4], "SD", *row[5:9], "今治市"]]), db, child=False)
    load("roster", roster_csv(tmp_path / "v1" / "roster_34.csv", [["H-1", *row[1:9], "呉市"]]), db, child=False)
    load("roster", roster_csv(tmp_path / "v2" / "roster_38.csv", [["E-3", *row[1:4], "エンジニア", *row[5:9],
                                                                   "松山市"]]), db)
    sql = """SELECT r.prefecture_code, r.role, a.lg_code, r.source_id FROM talent_roster r
             LEFT JOIN talent_assignment a USING (person_id) ORDER BY 1, 2"""
    assert query(db, sql) == [
        ("34", "プロジェクトマネージャー", "342025", 2),
        ("38", "エンジニア", "382019", 3),
    ]
    assert query(db, "SELECT count(*) FROM raw_talent_roster") == [(4,)]  # earlier versions are kept


def test_inputs_are_archived_by_hash_and_history_lists_loads(tmp_path):
    db = tmp_path / "db" / "warehouse.duckdb"
    csv_src = survey_csv(tmp_path / "survey_2023-04-01.csv", [["011002", "北海道", "札幌市", "5"]])
    xlsx_src = write_xlsx(tmp_path / "kobetsu.xlsx", KOBETSU, sheet="個別資料", merges=KOBETSU_MERGES)
    load("survey", csv_src, db)
    load("survey", xlsx_src, db, child=False)
    raw = tmp_path / "db" / "raw"
    expected = {f"{sha256(csv_src)}.csv", f"{sha256(xlsx_src)}.xlsx"}
    assert {p.name for p in raw.iterdir()} == expected
    assert (raw / f"{sha256(csv_src)}.csv").read_bytes() == csv_src.read_bytes()
    assert query(db, "SELECT source_id, sha256, archive_path FROM load_log ORDER BY 1") == [
        (1, sha256(csv_src), str(raw / f"{sha256(csv_src)}.csv")),
        (2, sha256(xlsx_src), str(raw / f"{sha256(xlsx_src)}.xlsx")),
    ]
    hist = run_etl("history", "--db", db)
    assert hist.code == 0
    lines = hist.out.strip().splitlines()
    assert len(lines) == 3 and "source_id" in lines[0] and "file_name" in lines[0]
    assert re.search(r"^\s*1 .* survey .*survey_2023-04-01\.csv +1 +1 +0 +0 +cli " + sha256(csv_src), lines[1])
    assert re.search(r"^\s*2 .* survey .*kobetsu\.xlsx +5 +5 +0 +0 +cli " + sha256(xlsx_src), lines[2])
