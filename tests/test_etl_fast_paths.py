"""The ETL's fast paths give what the plain code they stand in for gives (issue 16 §5): the formula
scan, the CSV reader's limits, the charset check, text columns, and the header scan's skipping."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import columns, memo, readers
from etl.columnar import Column, _keys
from etl.report import FileRejected

# The one regex the formula scan stood for (readers.may_hold_typed_formula splits it in two).
TYPED_FORMULA = re.compile(r"(?:^|[\r\n,\t\"])\s*[=＝@＠]")


@pytest.mark.parametrize("text", [
    "", "=SUM(1)", "  =1", "a,b\r\n=1,2", "a,b\n 　＝1", "a,\"@x\"", "a,b@c.jp\n", "x\t@SUM(1)", "名前,メール\n太郎,t@x.jp",
    "a,b\n\u3000\n@", "a=b,c", "a,\u00a0=b", "＠", "a\r@",
])
def test_the_formula_scan_finds_what_the_single_regex_finds(text):
    assert readers.may_hold_typed_formula(text) is (TYPED_FORMULA.search(text) is not None)


def test_a_long_cell_is_refused_with_or_without_quotes():
    long = "x" * (readers.MAX_CELL_CHARS + 1)
    half = "y" * (readers.MAX_CELL_CHARS // 2 + 1)
    for text in (f"a,b\n1,{long}\n", f'a,b\n1,"{half}\n{half}"\n'):  # the second: no line is too long
        with pytest.raises(FileRejected, match="文字数が多すぎます"):
            readers._csv_rows(text, ",")
    ok = "x" * readers.MAX_CELL_CHARS
    assert readers._csv_rows(f'a,b\n1,"{ok}"\n', ",")[1][1] == ok  # at the limit, quoted: read


def test_rows_over_the_limit_are_refused_as_before(monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROWS", 3)
    assert len(readers._csv_rows("a\n1\n2\n", ",")) == 3
    with pytest.raises(FileRejected, match="行が多すぎます"):
        readers._csv_rows("a\n1\n2\n3\n", ",")


@pytest.mark.parametrize("text", [
    "a,b\n1,2\n", "a,b\r\n1,2\r\n", "a,b\n1,2", "a,b\n\n1,2\n\n", "\n", ",\n,,\n", " , \n\t,\u3000\n",
    "団体コード,団体名\r\n011002,札幌市\r\n", "a\x0bb,c\x0c\n\x1c,\x85,\u2028\n", "a'b,c\\d\n", "a\tb,c\n",
])
def test_a_csv_without_quotes_is_split_as_the_csv_module_reads_it(text):
    assert readers._plain_rows(text, ",") is not None  # the fast path
    assert readers._csv_rows(text, ",") == list(csv.reader(io.StringIO(text, newline=""), delimiter=","))
    assert readers._csv_rows(text, "\t") == list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))


@pytest.mark.parametrize("text", ['a,"b,c"\n', "a,b\r1,2\n", "a\rb\r\n", "a,\x00\n", "a," + "x" * 40_000 + "\n"])
def test_other_csv_text_is_left_to_the_csv_module(text):
    assert readers._plain_rows(text, ",") is None


def test_shift_jis_text_is_read_without_asking_charset_normalizer():
    text = "団体コード,市区町村名\n011002,札幌市\n"
    assert readers.decode_text(text.encode("cp932")) == (text, "cp932")
    # EUC-JP bytes decode as one of the refused encodings, so they are still looked at and named
    with pytest.raises(FileRejected, match="EUC"):
        readers.decode_text(("団体コード,市区町村名,DX担当職員数\n" * 40).encode("euc_jp"))


def _generic(values):
    """Column.of as it was for every column: pandas factorize over hash keys, None last."""
    codes, _ = pd.factorize(_keys(values))
    codes = np.asarray(codes, dtype=np.intp)
    present, first = np.unique(codes, return_index=True)
    uniques = [values[i] for i in first[present >= 0]]
    if len(present) and present[0] < 0:
        codes = np.where(codes < 0, len(uniques), codes)
        uniques.append(None)
    return codes.tolist(), uniques


@pytest.mark.parametrize("values", [("a",), (None,), ("b", None, "a", "b", None, ""), ("", "", "x"), ("1", "1.0", "１")])
def test_text_columns_factorise_as_the_generic_path(values):
    column = Column.of(values)
    assert (column.codes.tolist(), column.uniques) == _generic(values)


@pytest.mark.parametrize("values", [("a",), (None,), ("b", None, "a", "b", None, ""), ("", "", "x"), ("1", "\x00", "1\x00")])
def test_a_column_said_to_be_text_is_the_column_of_its_cells(values):
    for remember in (False, True):
        with memo.run():
            told = Column.of(values, remember, text=True)
            assert (told.codes.tolist(), told.uniques) == _generic(values)
            assert all(a is b for a, b in zip(told.uniques, Column.of(values).uniques, strict=True))  # the first cells


def test_a_remembered_column_is_shared_in_a_run_and_never_changed():
    cells = ("011002", "012025", None)
    with memo.run():
        first, again = Column.of(cells, remember=True), Column.of(tuple(cells), remember=True)
        assert first is again
        with pytest.raises(ValueError):
            first.codes[0] = 1
        assert first.take(np.arange(3)) is first
    assert Column.of(cells, remember=True) is not first  # the run's memory is gone


def test_the_header_scan_skips_only_rows_that_cannot_win():
    grid = [["注記"], ["人材番号", "役割", "開始日"], ["P1", "PM", "2024/04/01"], ["人材番号", "役割", "開始日", "終了日"]]
    score = columns.scorer(columns.ROSTER)
    assert score.bound(1) == 1 and score.bound(1000) == len(columns.ROSTER)  # given the labels with text
    table, best = readers._find_header(None, grid, score, 2)
    assert (best, table.header_rows) == (4, (4, 4))  # a later row with more fields still wins
    unbounded = lambda labels: score(labels)  # noqa: E731 (the same scorer without its bound)
    assert readers._find_header(None, grid[:3], unbounded, 2)[0].header_rows == \
        readers._find_header(None, grid[:3], score, 2)[0].header_rows == (2, 2)
    # a parent over its sub-labels (the labels of two rows), below a title, above data rows
    survey = [["令和5年度 調査"], ["団体コード", "団体名", "DX担当職員数", "", ""], ["", "", "計", "専任", "兼任"],
              ["012025", "函館市", "3", "1", "2"], ["012033", "小樽市", "2", "", "2"]]
    score = columns.scorer(columns.SURVEY)
    found = readers._find_header(None, survey, score, 2)
    plain = readers._find_header(None, survey, lambda labels: score(labels), 2)
    assert found[1] == plain[1] == 2 and found[0].header_rows == plain[0].header_rows == (2, 3)
    assert found[0].columns == plain[0].columns


def test_the_survey_score_is_never_above_its_bound():
    """survey_score.bound lets the header scan skip rows: no set of labels may score above the number
    of labels with text (the labels of real headers, mixed, repeated and misspelt)."""
    words = ["団体コード", "全国地方公共団体コード", "都道府県名", "団体名", "市区町村名", "DX担当職員数", "職員数", "計",
             "うち専任", "専任", "うち兼任", "兼務", "外部人材", "外部人材の活用", "CIO補佐官等", "任命の有無", "（人）",
             "DX推進担当課室・情報政策担当課室の職員数", "職員数（人）", "備考", "lg_code", "dx_staff", "", "012025"]
    rnd = random.Random(16)
    for _ in range(3000):
        labels = [readers.HeaderLabel(tuple(p for p in rnd.sample(words, rnd.randint(1, 3)) if p))
                  for _ in range(rnd.randint(1, 12))]
        with memo.run():
            assert columns.survey_score(labels) <= columns.survey_score.bound(sum(bool(label) for label in labels))


def test_the_survey_header_scan_finds_what_the_unbounded_scan_finds():
    header = ["団体コード", "都道府県名", "市区町村名", "DX担当職員数", "専任", "兼任", "外部人材", "CIO補佐官等"]
    rows = [["011002", "北海道", "札幌市", "3", "1", "2", "0", "○"], ["012025", "北海道", "函館市", "1", "1", "0", "0", "×"]]
    grids = [[header, *rows], [["令和5年4月1日現在"], [], header, *rows], [header[:4], *rows, header, *rows],
             [["団体コード", "団体名", "メモ"], header, *rows], [rows[0], header[:3], header, *rows]]
    unbounded = lambda labels: columns.survey_score(labels)  # noqa: E731 (the same scorer without its bound)
    for grid in grids:
        with memo.run():
            found, plain = (readers._find_header(None, grid, s, 2) for s in (columns.survey_score, unbounded))
        assert found[1] == plain[1] and found[0].header_rows == plain[0].header_rows
        assert found[0].columns == plain[0].columns and found[0].rows == plain[0].rows


def test_surveys_of_one_run_share_no_frame(tmp_path):
    """The lg_code column is built once per run (survey._code_array) and shared, read-only: no
    frame can change another survey's frame or the next one's."""
    from etl.resolve import resolver
    from etl.survey import validate_survey

    text = "団体コード,市区町村名,DX担当職員数\n011002,札幌市,3\n012025,函館市,1\n"
    paths = [tmp_path / f"survey_2023-0{k}-01.csv" for k in (4, 5, 6)]
    for path in paths[:2]:
        path.write_text(text, encoding="utf-8")
    with memo.run():
        first, second = (validate_survey(p, resolver()).tables["staff_survey"] for p in paths[:2])
        with pytest.raises(ValueError, match="read-only"):
            first["lg_code"][0] = "999999"
        paths[2].write_text(text, encoding="utf-8")
        third = validate_survey(paths[2], resolver()).tables["staff_survey"]
    assert second["lg_code"].tolist() == third["lg_code"].tolist() == ["011002", "012025"]
    assert first["lg_code"] is not None and third["lg_code"].dtype == object


def test_the_header_scan_bounds_a_taller_header_by_every_row_of_it():
    """A parent row with one cell over a row of sub-labels: the pair has a label in every column,
    so its bound counts the columns of both rows, not the parent's one cell."""
    def score(labels):  # labels of exactly two parts: only the parent and its sub-labels make them
        return sum(1 for label in labels if len(label.parts) == 2)

    score.bound = lambda labelled: labelled
    grid = [["a", "b", "c"], ["親", "", ""], ["x", "y", "z"], ["1", "2", "3"]]
    table, best = readers._find_header(None, grid, score, 1)
    assert (best, table.header_rows) == (3, (2, 3))
    assert table.columns == ["親／x", "親／y", "親／z"]


# -- the roster's assignment rows and the publish (issue 16 §5, second round) ------------------

def test_distinct_assignment_rows_are_what_drop_duplicates_kept():
    import datetime as dt

    from etl.roster import ASSIGN_COLUMNS, _distinct_frame

    day, later = dt.date(2024, 4, 1), dt.date(2025, 3, 31)
    rows = [("T1", "011002", day, None), ("T1", "012025", day, None), ("T1", "011002", day, None),
            ("T2", "011002", day, later), ("T2", "011002", day, None), ("T2", "011002", day, later)]
    for sample in (rows, rows[:2], []):
        plain = pd.DataFrame(sample or None, columns=ASSIGN_COLUMNS, dtype=object).drop_duplicates()
        fast = _distinct_frame(sample, ASSIGN_COLUMNS)
        pd.testing.assert_frame_equal(fast.to_pandas(), plain.reset_index(drop=True))


def _reject_log_as_per_report_frames(reports, first_id):
    """reject_log as apply_reports wrote it before: one issues_frame per report, concatenated."""
    frames = [r.issues_frame().drop(columns="file_name").rename(columns={"row": "row_number", "column": "column_name"})
              .assign(source_id=sid) for sid, r in enumerate(reports, start=first_id) if r.issues]
    frame = pd.concat(frames, ignore_index=True)
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


def test_reject_log_in_one_frame_holds_what_the_frames_per_report_held(tmp_path):
    import duckdb

    from etl.report import Issue, Report
    from etl.warehouse import Load, apply_reports, publish

    src = tmp_path / "input.csv"
    src.write_text("x\n")
    reports = [
        Report("survey", "a.csv", issues=[Issue("warning", "w1"), Issue("error", "e1", sheet="S", row=3, column="列",
                                                                         value="値")]),
        Report("status", "b.csv"),  # no issue
        Report("roster", "c.csv", issues=[Issue("warning", "w2", row=None, column="役割")]),
        Report("roster", "d.csv", issues=[Issue("warning", "w3", row=7)]),
    ]
    for r in reports:
        r.sha256 = "0" * 64
    db = tmp_path / "w.duckdb"
    publish(db, lambda con: apply_reports(con, [Load(r, src) for r in reports], loaded_by="t", archive_to=None),
            fresh=True)
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT severity, sheet, row_number, column_name, value, reason, source_id "
                             "FROM reject_log ORDER BY rowid").fetchall()
    assert stored == _reject_log_as_per_report_frames(reports, 1)
    assert [r[2] for r in stored] == [None, 3, None, 7]


def test_an_archive_that_fails_while_rows_are_inserted_still_publishes_nothing(tmp_path, monkeypatch):
    import errno

    from etl import warehouse
    from etl.report import Report
    from etl.warehouse import Load, PublishError, apply_reports, publish, raw_dir

    db = tmp_path / "w.duckdb"
    files = []
    for k in range(3):
        (tmp_path / f"f{k}.csv").write_text(f"{k}\n")
        report = Report("status", f"f{k}.csv")
        report.sha256 = f"{k}" * 64
        files.append(Load(report, tmp_path / f"f{k}.csv"))
    archive = warehouse.archive_file

    def full_disk_on_the_second(path, sha, directory, **how):
        if path.name == "f1.csv":
            raise OSError(errno.ENOSPC, "No space left on device")
        return archive(path, sha, directory, **how)

    monkeypatch.setattr(warehouse, "archive_file", full_disk_on_the_second)
    with pytest.raises(PublishError, match="ディスクの空き容量"):
        publish(db, lambda con: apply_reports(con, files, loaded_by="t", archive_to=raw_dir(db)), fresh=True)
    assert not db.exists()
    monkeypatch.setattr(warehouse, "archive_file", archive)
    publish(db, lambda con: apply_reports(con, files, loaded_by="t", archive_to=raw_dir(db)), fresh=True)
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        paths = [p for (p,) in con.execute("SELECT archive_path FROM load_log ORDER BY source_id").fetchall()]
    assert paths == [str(raw_dir(db) / f"{str(k) * 64}.csv") for k in range(3)]


@pytest.mark.parametrize("body", [
    [["011002", "1"], ["", ""], ["札幌市", ""], [" 011002", ""], ["", "２"], ["\u3000", " "], ["a b", ""]],
    [["011002", "1"], ["012025", "2"]],  # every row kept: the rows themselves, numbered in order
    [["011002", ""], ["012025", ""], ["", ""]],  # codes first, but not in every row
    [["011002", "1"], ["1 2", "2"], ["\t1", ""], ["ｱ", ""]],  # a space, a tab, not ASCII: read cell by cell
    [[1, None], [None, None], [2.5, "x"], [True, ""]],  # workbook cells
    [["011002", "1", "extra"], ["", ""], ["012025"]],  # ragged: row by row, cut and padded
    [],
])
def test_the_data_rows_below_a_header_are_those_the_row_by_row_reader_keeps(body):
    with memo.run():
        fast = readers._data_rows([list(r) for r in body], 3, 2)
    assert fast == readers._data_rows_each([list(r) for r in body], 3, 2)


# -- a build of surveys and rosters never imports pandas (issue 16 §5, third round) ----------------

BUILD_WITHOUT_PANDAS = """
import sys
from pathlib import Path
from etl.build import build
ok, reports = build(Path(sys.argv[1]), [Path(sys.argv[2])])
assert ok and len(reports) == int(sys.argv[3]), [r.errors for r in reports]
print(sorted(m for m in ("pandas", "pyarrow", "geopandas") if m in sys.modules))
"""


def test_a_build_of_surveys_and_rosters_never_imports_pandas(tmp_path):
    """Importing pandas (and pyarrow with it) would cost a build's process a fifth of a second of CPU:
    the survey and roster validators hand the warehouse etl.frame.Frame columns instead. The sample's
    CSV surveys, its 個別資料 workbooks and every roster, built in one process."""
    import subprocess
    import sys

    from testing import ROOT, SAMPLE_DIR, TEST_SALT

    inputs = tmp_path / "inputs"
    (inputs / "roster").mkdir(parents=True)
    files = [*SAMPLE_DIR.glob("survey_*.csv"), *SAMPLE_DIR.glob("mic_kobetsu_*.xlsx")]
    for path in files:
        (inputs / path.name).write_bytes(path.read_bytes())
    rosters = sorted((SAMPLE_DIR / "roster").glob("*.csv"))
    for path in rosters:
        (inputs / "roster" / path.name).write_bytes(path.read_bytes())
    run = subprocess.run([sys.executable, "-c", BUILD_WITHOUT_PANDAS, str(tmp_path / "w" / "warehouse.duckdb"),
                          str(inputs), str(len(files) + len(rosters))], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "DXGAP_PERSON_SALT": TEST_SALT, "DXGAP_BUILD_WORKERS": "1"}, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"


@given(st.lists(st.one_of(st.none(), st.dates(), st.datetimes()), max_size=30))
@settings(max_examples=200, deadline=None)
def test_frame_dates_are_numpys_own_conversion(values):
    """etl.frame.dates counts days from ordinals; numpy's conversion of the date objects is the yardstick."""
    from etl.frame import dates

    expected = np.array([None if v is None else dt.date(v.year, v.month, v.day) for v in values], dtype="datetime64[D]")
    got = dates(values)
    assert got.dtype == expected.dtype and np.array_equal(got, expected, equal_nan=True)


@given(st.text(alphabet="札幌市函館市、,，;；/／ 　\u3000\t\nＡａ１1ｶﾞ・-", max_size=25)
       .map(lambda text: unicodedata.normalize("NFKC", text)))
@settings(max_examples=300, deadline=None)
def test_the_target_items_of_a_normal_cell_need_no_normalising(text):
    """roster._targets splits an NFKC-normal cell without normalize_text (SPLIT splits at every
    space, so collapsing and trimming them changes nothing): the same items either way."""
    from etl.codes import normalize_text
    from etl.roster import SPLIT

    def items(cell):
        return [i for i in SPLIT.split(cell) if i]

    assert unicodedata.is_normalized("NFKC", text)
    assert items(text) == items(normalize_text(text))


def test_frame_concat_keeps_column_types_past_a_sheet_without_rows():
    from etl.frame import Frame, dates

    rows = Frame({"x": np.array([1.5]), "day": dates([dt.date(2024, 4, 1)]), "code": np.array(["011002"], dtype=object)})
    out = Frame.concat([Frame.blank(rows.columns), rows, rows])
    assert (len(out), out["x"].dtype, out["day"].dtype) == (2, np.float64, np.dtype("datetime64[D]"))


def test_distinct_values_leave_out_every_kind_of_missing():
    from etl.frame import Frame, dates, distinct

    frame = Frame({"x": np.array([1.0, np.nan, 1.0]), "day": dates([None, dt.date(2024, 4, 1), None]),
                   "code": np.array(["01", None, "01"], dtype=object)})
    assert [distinct(frame, c) for c in ("x", "day", "code")] == [[1.0], [dt.date(2024, 4, 1)], ["01"]]
    assert distinct(pd.DataFrame({"code": pd.array(["01", None, "01"], dtype="string")}), "code") == ["01"]
