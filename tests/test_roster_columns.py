"""The roster's column-at-a-time checks give what the row loop they replaced gave: the 支援先 split,
the remembered cell readers, the frames built from columns, and the messages of a roster whose rows
fail one check each, across two sheets (issue 16 §5, the roster)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import memo, roster
from etl.columnar import Column
from etl.dates import DateError, parse_date
from etl.resolve import resolver
from etl.values import ValueProblem
from testing import ROSTER_HEADER

# The split the one-class SPLIT stands for: separator runs or whitespace runs, empty items dropped.
TWO_BRANCHES = re.compile(r"[、,，;；/／\n]+|\s+")
SEPARATORS = "、,，;；/／\n \t\u3000\x85\u2028\x1c\xa0"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from([*SEPARATORS, "a", "札", "幌", "市", "0", "１", "・", "-"]), max_size=30))
def test_the_one_class_split_gives_the_items_of_the_two_branch_split(text):
    assert [t for t in roster.SPLIT.split(text) if t] == [t for t in TWO_BRANCHES.split(text) if t]


def test_whitespace_is_the_same_set_for_the_regex_and_for_str():
    """The argument above needs \\s to mean one set of characters whichever way it is written."""
    assert all((re.fullmatch(r"\s", chr(c)) is not None) == chr(c).isspace() for c in range(0x3100))


CELLS = ["2024-04-01", "令和6年4月1日", "来年度", "", None, "2024-02-30", 1, 1.0, True, "1", float("nan"),
         dt.datetime(2024, 4, 1, 9, 30), "2024-04-01"]


@pytest.mark.parametrize(("fn", "errors"), [(parse_date, DateError), (roster.normalize_role, ValueProblem),
                                            (roster._accelerator, ValueProblem)])
def test_remembered_readers_give_what_column_attempt_gives(fn, errors):
    def outcome(values, raised):
        return [(type(v), v, type(e), str(e)) for v, e in zip(values.tolist(), raised.tolist(), strict=True)]

    col = Column.of(CELLS)
    expected = outcome(*col.attempt(fn, errors))
    assert outcome(*roster._attempt(col, fn, errors)) == expected  # outside a run: col.attempt
    with memo.run():
        for _ in range(2):  # the second time from what the run remembered
            assert outcome(*roster._attempt(Column.of(CELLS), fn, errors)) == expected


@pytest.mark.parametrize("end", [[None, None], [dt.date(2025, 3, 31), None], [dt.date(2025, 3, 31)] * 2])
def test_the_roster_frame_from_columns_is_the_frame_from_records(end):
    """The Frame a roster hands to the warehouse holds the Python values of its rows (dates as
    datetime64, NaT where blank), and gives them back as they were."""
    rows = [("T1", "01", "エンジニア", "派遣", dt.date(2024, 4, 1), end[0], True),
            ("T2", "01", "プロデューサー", "その他", dt.date(2024, 5, 1), end[1], False)]
    columns = dict(zip(roster.ROSTER_COLUMNS, map(list, zip(*rows, strict=True)), strict=True))
    frame = roster._column_frame(columns)
    assert frame["start_date"].dtype == "datetime64[D]" and frame["role"].dtype == object
    assert [f is None for f in frame["end_date"].astype(object)] == [e is None for e in end]
    expected = pd.DataFrame(rows, columns=roster.ROSTER_COLUMNS, dtype=object)
    pd.testing.assert_frame_equal(frame.to_pandas(), expected)
    empty = roster._column_frame({name: [] for name in roster.ROSTER_COLUMNS})
    pd.testing.assert_frame_equal(empty.to_pandas(), pd.DataFrame(None, columns=roster.ROSTER_COLUMNS, dtype=object))


def test_each_failing_row_reports_its_first_check_in_file_order(tmp_path):
    """Two sheets; every row but the good ones fails one check (the people are made up). The
    expected issues are what the row loop wrote for this workbook."""
    from openpyxl import Workbook

    def row(ref, start="2024-04-01", end="", role="PM", assigned="札幌市", email=None):
        return [ref, "試験 太郎", email or f"{ref}@example.jp", "090-0000-0001", role, "派遣", start, end, "", assigned]

    first = [row("A"), row("B", role="魔法使い"), row("A", start="2024-05-01", email="changed@example.jp"),
             row("C", start=""), row("D", start="2099-01-01"), row("E", end="2020-01-01"), row("A"),
             row("F", assigned="呉市"), row("", email=""), row("G", start="2024-04-01", end="2025-03-31")]
    second = [row("G", start="2024-06-01"), row("A", start="2024-07-01", email="again@example.jp")]
    book = Workbook()
    for title, rows in (("一", first), ("二", second)):
        sheet = book.create_sheet(title)
        sheet.append(ROSTER_HEADER)
        for r in rows:
            sheet.append(r)
    book.remove(book["Sheet"])
    path = tmp_path / "roster_01.xlsx"
    book.save(path)
    report = roster.validate_roster(path, resolver(), "salt", today=dt.date(2025, 6, 1))
    found = [(i.severity, i.sheet, i.row, i.reason[:18]) for i in report.issues if i.row is not None]
    assert found == [
        ("error", "一", 3, "役割「魔法使い」はスキル標準の役割（"),
        ("warning", "一", 4, "人材番号が2行目と同じですが、メール"),  # A: the e-mail changed
        ("error", "一", 5, "開始日が空です"),
        ("error", "一", 6, "開始日 2099-01-01 は1年"),
        ("error", "一", 7, "終了日 2020-01-01 が開始"),
        ("error", "一", 8, "同じ人材・同じ開始日の行が重複してい"),
        ("error", "一", 9, "支援先「呉市」: 北海道に「呉市」と"),
        ("warning", "二", 3, "人材番号が2行目と同じですが、メール"),  # A again, in the other sheet
        ("warning", "一", 4, "同じ人材の在籍期間が2行目（終了日な"),
        ("warning", "二", 3, "同じ人材の在籍期間が2行目（終了日な"),
        ("warning", "二", 2, "同じ人材の在籍期間が11行目（202"),  # G: both sheets
    ]
    loaded = report.tables["talent_roster"]
    # A three times, G twice, and the row without 人材番号 (its 氏名 and 電話 are the person)
    assert len(loaded) == 6 and len(set(loaded["person_id"])) == 3
    assert loaded["prefecture_code"].tolist() == ["01"] * 6
    assert roster.person_id("salt", "01", ["人材番号", "a"]) in set(loaded["person_id"])  # 人材番号 read as _key


@pytest.mark.parametrize("cell", ["札幌市、函館市", "札幌市　函館市", " 札幌市 ,函館市 ", "０１１００２／０１２０２５", "011002;012025"])
def test_target_cells_written_either_way_give_the_same_codes(cell):
    """支援先 cells that NFKC leaves as they are skip normalize_text (roster._targets); full-width
    digits and spaces are still normalised."""
    from etl.resolve import resolver

    assert roster._targets(cell, "01", resolver(), {}) == ("011002", "012025")
