"""The ETL's fast paths give what the plain code they stand in for gives (issue 16 §5): the formula
scan, the CSV reader's limits, the charset check, text columns, and the header scan's skipping."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

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
    assert score.bound([readers.HeaderLabel(("a",)), readers.HeaderLabel(())]) == 1
    table, best = readers._find_header(None, grid, score, 2)
    assert (best, table.header_rows) == (4, (4, 4))  # a later row with more fields still wins
    unbounded = lambda labels: score(labels)  # noqa: E731 (the same scorer without its bound)
    assert readers._find_header(None, grid[:3], unbounded, 2)[0].header_rows == \
        readers._find_header(None, grid[:3], score, 2)[0].header_rows == (2, 2)
