"""Golden tests: workbooks laid out like the MIC 個別資料 of R05, R06 and R07 (issue 12 §1), with
several sheets and hidden sheets (issue 13 class 2), load with exactly these rows.

The real 「地方公共団体における行政情報化の推進状況調査」 個別資料 put the staff counts of item (8)
in a block: 「DX推進担当課室・情報政策担当課室の職員数」 over 職員数（人）/計, うち専任, うち兼任, some
years over a row of units （人）; item (4) 外部人材の活用 is ○/× or 有/無. Title rows carry the
base date (and sometimes a 作成日 or 公表日, which is not the base date). Each workbook below is
small but has that shape; every test states its input next to the rows it expects.
"""

from __future__ import annotations

import datetime as dt

from testing import SheetSpec, etl_main, query, run_etl, write_book

D = dt.date
SURVEY_SQL = "SELECT * FROM staff_survey ORDER BY base_date, lg_code"
WARNINGS_SQL = "SELECT sheet, row_number, column_name, reason FROM reject_log WHERE severity = 'warning' ORDER BY 1, 2, 4"
NOTES = SheetSpec("注記", [["（注）この資料は各団体の回答をそのまま掲載しています。"], ["「－」は調査対象外を示します。"]])

# -- R05: one two-row header, 令和5年4月1日現在 above a 作成日 line --------------------------------

R05 = SheetSpec("1_組織体制（８）", [
    ["令和5年度 地方公共団体における行政情報化の推進状況調査 個別資料（市区町村）"],
    ["1 組織体制 （８）DX推進担当課室・情報政策担当課室の職員数"],
    ["令和5年4月1日現在"],
    ["作成日：令和6年4月24日"],
    ["団体コード", "都道府県名", "団体名", "DX推進担当課室・情報政策担当課室の職員数", None, None],
    [None, None, None, "職員数（人）", "うち専任", "うち兼任"],
    ["011002", "北海道", "札幌市", 146, 87.5, 58.5],
    ["012025", "北海道", "函館市", 3.5, 0.5, 3],
    ["013048", "北海道", "新篠津村", "－", "－", "－"],
    ["014630", "北海道", "占冠村", 0, 0, 0],
], merges=["A5:A6", "B5:B6", "C5:C6", "D5:F5"])
R05_ROWS = [
    (D(2023, 4, 1), "011002", 146.0, 87.5, 58.5, None, None, 1),
    (D(2023, 4, 1), "012025", 3.5, 0.5, 3.0, None, None, 1),
    (D(2023, 4, 1), "013048", None, None, None, None, None, 1),
    (D(2023, 4, 1), "014630", 0.0, 0.0, 0.0, None, None, 1),
]


def test_r05_layout_two_row_header_under_its_dx_parent(tmp_path):
    src = write_book(tmp_path / "R05_kobetsu.xlsx", [NOTES, R05])
    db = tmp_path / "warehouse.duckdb"
    run = run_etl("load", "survey", src, "--db", db)  # the real CLI
    assert run.code == 0, run.text
    assert query(db, SURVEY_SQL) == R05_ROWS
    # the report says which sheet was read and where the base date came from (not the 作成日 line)
    assert query(db, "SELECT scope FROM load_log") == [
        ("シート: 「1_組織体制（８）」; 基準日: 2023-04-01; 基準日の出典: 表題の行「令和5年4月1日現在」",)]
    assert "シート: 「1_組織体制（８）」" in run.out and "基準日の出典: 表題の行「令和5年4月1日現在」" in run.out
    assert query(db, "SELECT count(*) FROM reject_log") == [(0,)]


# -- R06: a three-row header (units row), 外部人材の活用 有/無, a prefecture sheet, a decoy 職員数 --

R06_HEADER = [
    ["団体コード", "都道府県名", "団体名", "（８）DX推進担当課室・情報政策担当課室の職員数", None, None,
     "（４）外部人材の活用", "団体の職員数"],
    [None, None, None, "計", "うち、専任", "うち、兼任", None, "職員数（人）"],
    [None, None, None, "（人）", "（人）", "（人）", None, "（人）"],
]
R06_MERGES = ["A3:A5", "B3:B5", "C3:C5", "D3:F3", "G3:G5"]
R06_TITLE = [["令和6年度 地方公共団体における行政情報化の推進状況調査"],
             ["基準日：令和6年4月1日時点　（公表日：令和7年3月28日）"]]
R06_MUNICIPAL = SheetSpec("市区町村", [
    *R06_TITLE, *R06_HEADER,
    ["011002", "北海道", "札幌市", 150, 90, 60, "有", 14500],
    ["012025", "北海道", "函館市", 4, 1, 3, "無", 2300],
    ["032018", "岩手県", "盛岡市", 6.5, 2, 4.5, "有", 2700],
    ["312011", "鳥取県", "鳥取市", 5, "1", "4", "－", 1900],
], merges=R06_MERGES)
R06_PREFECTURES = SheetSpec("都道府県", [
    *R06_TITLE, *R06_HEADER,
    ["010006", "北海道", "北海道", 120, 100, 20, "有", 13000],
    ["030007", "岩手県", "岩手県", 40, 30, 10, "無", 4100],
], merges=R06_MERGES)


def test_r06_layout_three_row_header_with_units_picks_the_municipal_sheet(tmp_path):
    src = write_book(tmp_path / "R06_kobetsu.xlsx", [NOTES, R06_PREFECTURES, R06_MUNICIPAL])
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "survey", src, "--db", db)
    assert run.code == 0, run.text
    # 外部人材の活用 is a yes/no: 無 is 0 people, 有 is some (number unknown, NULL), － not surveyed
    assert query(db, SURVEY_SQL) == [
        (D(2024, 4, 1), "011002", 150.0, 90.0, 60.0, None, None, 1),
        (D(2024, 4, 1), "012025", 4.0, 1.0, 3.0, 0.0, None, 1),
        (D(2024, 4, 1), "032018", 6.5, 2.0, 4.5, None, None, 1),
        (D(2024, 4, 1), "312011", 5.0, 1.0, 4.0, None, None, 1),
    ]
    assert query(db, "SELECT scope FROM load_log") == [
        ("シート: 「市区町村」; 基準日: 2024-04-01; 基準日の出典: 表題の行「基準日:令和6年4月1日時点 (公表日:令和7年3月28日)」",)]
    assert query(db, WARNINGS_SQL) == [
        ("市区町村", None, None, "「(4)外部人材の活用」は人数ではなく有無のため、外部人材の人数は×/無 を 0 人、"
                                 "○/有（2 団体）を人数不明（空欄）として取り込みました"),
        ("市区町村", None, "団体の職員数／職員数(人)／(人)", "不明な列のため読み飛ばしました"),
        ("都道府県", None, None, "シート「都道府県」は都道府県の表のため読みませんでした（市区町村の表だけを読みます）"),
    ]


def test_r06_prefecture_table_is_recognised_by_its_rows_too(tmp_path):
    """A prefecture-level table on a sheet whose name does not say so is skipped all the same."""
    renamed = SheetSpec("集計表", R06_PREFECTURES.grid, R06_PREFECTURES.merges)
    src = write_book(tmp_path / "R06.xlsx", [renamed, R06_MUNICIPAL])
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "survey", src, "--db", db)
    assert run.code == 0, run.text
    assert [r[1] for r in query(db, SURVEY_SQL)] == ["011002", "012025", "032018", "312011"]
    assert "シート「集計表」は都道府県の表のため読みませんでした" in run.out


# -- R07: No. column, prefixed names, ○/×, CIO補佐官, and hidden work sheets ------------------

R07_HEADER = [
    ["No.", "団体コード", "都道府県名", "団体名", "（８）DX推進担当課室…の職員数", None, None, "（４）外部人材の活用",
     "CIO補佐官等の任命"],
    [None, None, None, None, "職員数（人）", "うち専任", "うち兼任", None, None],
]
R07_MERGES = ["A4:A5", "B4:B5", "C4:C5", "D4:D5", "E4:G4", "H4:H5", "I4:I5"]
R07 = SheetSpec("1_組織体制（８）", [
    ["地方公共団体における行政情報化の推進状況調査（令和7年度）"],
    ["令和7年4月1日現在"],
    [],
    *R07_HEADER,
    [1, "011002", "北海道", "北海道札幌市", 152, 95, 57, "○", "○"],
    [2, "012033", "北海道", "北海道小樽市", 3, 1, 2, "×", "×"],
    [3, "131016", "東京都", "東京都千代田区", 22.5, 20, 2.5, "○", "○"],
], merges=R07_MERGES)
R07_ROWS = [
    (D(2025, 4, 1), "011002", 152.0, 95.0, 57.0, None, True, 1),
    (D(2025, 4, 1), "012033", 3.0, 1.0, 2.0, 0.0, False, 1),
    (D(2025, 4, 1), "131016", 22.5, 20.0, 2.5, None, True, 1),
]
# Work sheets a person never sees: a full table with other numbers, and scratch.
HIDDEN_TABLE = SheetSpec("旧データ", [["令和7年4月1日現在"], [], [], *R07_HEADER,
                                      [1, "011002", "北海道", "札幌市", 999, 999, 0, "○", "○"],
                                      [2, "012025", "北海道", "函館市", 99, 99, 0, "×", "×"]],
                         merges=R07_MERGES, state="hidden")
VERY_HIDDEN = SheetSpec("作業用", [["団体コード", "団体名", "DX担当職員数"], ["012033", "小樽市", 77]],
                        state="veryHidden")


def test_r07_layout_never_reads_hidden_or_very_hidden_sheets(tmp_path):
    src = write_book(tmp_path / "R07_kobetsu.xlsx", [HIDDEN_TABLE, R07, VERY_HIDDEN])
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "survey", src, "--db", db)
    assert run.code == 0, run.text
    assert query(db, SURVEY_SQL) == R07_ROWS
    assert query(db, WARNINGS_SQL) == [
        ("1_組織体制（８）", None, None, "「(4)外部人材の活用」は人数ではなく有無のため、外部人材の人数は×/無 を 0 人、"
                                        "○/有（2 団体）を人数不明（空欄）として取り込みました"),
        ("1_組織体制（８）", None, "No.", "不明な列のため読み飛ばしました"),
        (None, None, None, "非表示のシート（「旧データ」、「作業用」）は読みませんでした"),
    ]
    assert "シート: 「1_組織体制（８）」" in run.out


def test_data_only_on_a_hidden_sheet_is_refused_and_the_hidden_sheet_named(tmp_path):
    src = write_book(tmp_path / "hidden_only.xlsx", [NOTES, VERY_HIDDEN])
    run = etl_main("load", "survey", src, "--db", tmp_path / "warehouse.duckdb", "--base-date", "2025-04-01")
    assert run.code == 1, run.text
    assert "見出し行が見つかりません" in run.err
    assert "非表示のシート（「作業用」）は読みませんでした" in run.err


# -- several sheets -----------------------------------------------------------------------

def _year_sheet(title: str, date_line: str, staff: int) -> SheetSpec:
    return SheetSpec(title, [["DX推進体制の状況（個別資料）"], [date_line], [],
                             ["団体コード", "団体名", "DX推進担当課室・情報政策担当課室の職員数", None, None],
                             [None, None, "職員数（人）", "うち専任", "うち兼任"],
                             ["012025", "函館市", staff, 1, staff - 1]], merges=["C4:E4"])


def test_sheets_with_their_own_base_dates_are_read_together(tmp_path):
    src = write_book(tmp_path / "two_years.xlsx", [_year_sheet("R4", "令和4年4月1日現在", 3),
                                                   _year_sheet("R5", "令和5年4月1日現在", 4)])
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "survey", src, "--db", db)
    assert run.code == 0, run.text
    assert query(db, SURVEY_SQL) == [(D(2022, 4, 1), "012025", 3.0, 1.0, 2.0, None, None, 1),
                                     (D(2023, 4, 1), "012025", 4.0, 1.0, 3.0, None, None, 1)]
    assert query(db, "SELECT scope FROM load_log") == [
        ("シート: 「R4」、「R5」; 基準日: 2022-04-01、2023-04-01; "
         "基準日の出典: 表題の行「令和4年4月1日現在」、表題の行「令和5年4月1日現在」",)]


def test_two_candidate_sheets_for_one_date_take_the_one_named_municipal(tmp_path):
    src = write_book(tmp_path / "two.xlsx", [_year_sheet("集計", "令和5年4月1日現在", 9),
                                             _year_sheet("市町村", "令和5年4月1日現在", 4)])
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "survey", src, "--db", db)
    assert run.code == 0, run.text
    assert query(db, SURVEY_SQL) == [(D(2023, 4, 1), "012025", 4.0, 1.0, 3.0, None, None, 1)]
    assert "シート「集計」も市区町村の表に見えますが、シート「市町村」を読み、こちらは読みませんでした" in run.out
    assert query(db, "SELECT scope FROM load_log")[0][0].startswith("シート: 「市町村」;")


def test_two_candidate_sheets_without_a_way_to_choose_are_refused(tmp_path):
    src = write_book(tmp_path / "two.xlsx", [_year_sheet("A", "令和5年4月1日現在", 9),
                                             _year_sheet("B", "令和5年4月1日現在", 4)])
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "survey", src, "--db", db)
    assert run.code == 1, run.text
    assert "基準日 2023-04-01 のシートが2つあります（「A」「B」）。どれを読むか決められません" in run.err
    assert not db.exists()


def test_base_date_flag_with_two_sheets_is_ambiguous(tmp_path):
    src = write_book(tmp_path / "two_years.xlsx", [_year_sheet("R4", "令和4年4月1日現在", 3),
                                                   _year_sheet("R5", "令和5年4月1日現在", 4)])
    run = etl_main("load", "survey", src, "--db", tmp_path / "w.duckdb", "--base-date", "2023-04-01")
    assert run.code == 1, run.text
    assert "市区町村の表らしいシートが2つあります（「R4」「R5」）" in run.err


def test_a_staff_block_named_only_shokuinsu_is_refused_unless_the_title_says_dx(tmp_path):
    """「職員数」 alone may be the whole authority's staff: it is never taken as DX staff by guess."""
    grid = [["令和5年4月1日現在"], ["団体コード", "団体名", "職員数"], ["012025", "函館市", 2300]]
    src = write_book(tmp_path / "generic.xlsx", [SheetSpec("Sheet1", grid)])
    run = etl_main("load", "survey", src, "--db", tmp_path / "w.duckdb")
    assert run.code == 1, run.text
    assert "「職員数」の列はありますが、DX推進・情報政策担当の職員数かどうか見出しから分かりません" in run.err
    titled = write_book(tmp_path / "titled.xlsx", [SheetSpec("Sheet1", [
        ["（８）DX推進担当課室・情報政策担当課室の職員数"], *grid[:2], ["012025", "函館市", 4]])])
    db = tmp_path / "titled.duckdb"
    assert etl_main("load", "survey", titled, "--db", db).code == 0
    assert query(db, "SELECT lg_code, dx_staff FROM staff_survey") == [("012025", 4.0)]


def test_two_dx_staff_blocks_are_refused_naming_both(tmp_path):
    grid = [["令和5年4月1日現在"],
            ["団体コード", "団体名", "DX推進担当課室の職員数", "情報政策担当課室の職員数"],
            [None, None, "計", "計"],
            ["012025", "函館市", 2, 3]]
    src = write_book(tmp_path / "two_blocks.xlsx", [SheetSpec("Sheet1", grid)])
    run = etl_main("load", "survey", src, "--db", tmp_path / "w.duckdb")
    assert run.code == 1, run.text
    assert ("DX担当職員数（合計）の列が2つあります（「DX推進担当課室の職員数／計」「情報政策担当課室の職員数／計」）"
            in run.err)
