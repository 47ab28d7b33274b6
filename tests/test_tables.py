"""Issue 15, tables and downloads: every table on every page has a width for every column that holds
its header and cells, and one number of decimals per number column; every XLSX download has an
autofilter, numbers stored as numbers, and (on the 都道府県 page) the prefecture's name in its file
name. The widths are checked against the grid's real font in Chromium in
tests/test_accessibility_browser.py."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

import testing
from dashboard import columns

DATE = "2025-04-01"
PAGES = [("pages/national.py", {"date": DATE}), ("pages/prefecture.py", {"date": DATE, "pref": "20"}),
         ("pages/talent.py", {"date": DATE}), ("pages/progress.py", {"date": DATE}), ("pages/data.py", {})]
NUMBER_TEXT = re.compile(r"^[+-]?[\d,]+(\.\d+)?%?$")


@pytest.fixture(scope="module")
def db():
    return testing.sample_db()


# -- the width and format rules (no Streamlit) ------------------------------------------------------

def test_decimals_are_the_most_any_value_needs():
    assert columns.decimals(pd.Series([3.0, 0.5, 12.0])) == 1
    assert columns.decimals(pd.Series([1, 2, None])) == 0
    assert columns.decimals(pd.Series([0.25, 1.0])) == 2
    assert columns.decimals(pd.Series([1 / 3])) == columns.MAX_DECIMALS
    assert columns.number_format(pd.Series([3.0, 0.5])) == "%,.1f"
    assert columns.number_format(pd.Series([1200, 3])) == "%,d"
    assert columns.number_format(pd.Series([-1.5, 2.0]), signed=True) == "%+,.1f"
    assert columns.shown(1234.5, "%,.1f") == "1,234.5" and columns.shown(-2, "%+,d") == "-2"
    assert columns.shown(None, "%,d") == "—"


def test_widths_hold_the_longest_cell_and_the_header():
    df = pd.DataFrame({"市区町村": ["北海道札幌市中央区ほか", "町"], "n": [1, 1234567]})
    w = columns.widths(df, columns.formats_of(df))
    assert w["市区町村"] >= 11 * 14  # eleven CJK characters at 14 px
    assert w["n"] >= columns.text_width("1,234,567") + 16
    assert w["n"] >= columns.text_width("n") + 16 + 24  # the header's sort and menu icons


# -- every table on every page -------------------------------------------------------------------------

def frames(at):
    """(value, column config) of every st.dataframe of a run."""
    return [(d.value, json.loads(d.proto.columns or "{}")) for d in at.dataframe]


@pytest.mark.slow
@pytest.mark.parametrize("page,params", PAGES, ids=[p for p, _ in PAGES])
def test_every_table_has_widths_and_one_format_per_number_column(db, page, params):
    at = testing.app_test(db, page=page, params=params)
    assert not at.exception
    found = frames(at)
    assert found, page
    for df, config in found:
        for col in df.columns:
            conf = config.get(str(col), {})
            assert isinstance(conf.get("width"), int), (page, col, conf)
            texts = [str(col), *(columns.shown(x, (conf.get("type_config") or {}).get("format")) for x in df[col])]
            need = max(columns.text_width(t) for t in texts[1:]) + 16 if len(texts) > 1 else 0
            assert conf["width"] >= max(need, columns.text_width(texts[0]) + 16), (page, col)
            if pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]):
                fmt = conf["type_config"]["format"]
                digits = 0 if fmt.endswith("d") else int(fmt.split(".")[1][0])
                assert digits == columns.decimals(df[col]), (page, col, fmt)


# -- XLSX downloads ------------------------------------------------------------------------------

def xlsx_downloads(monkeypatch, db, page, params):
    files = testing.record_media(monkeypatch)
    at = testing.app_test(db, page=page, params=params)
    assert not at.exception
    return {f.name: f for f in files.values() if f.name and f.name.endswith(".xlsx")}


def check_workbook(data: bytes, name: str) -> None:
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[-1] == "注記", name
    for ws in wb.worksheets[:-1]:
        if ws.max_row < 1 or ws.max_column < 1:
            continue
        header = [c.value for c in ws[1]]
        # autofilter over the whole table, header row included
        assert ws.auto_filter.ref == f"A1:{ws.cell(ws.max_row, ws.max_column).coordinate}", (name, ws.title)
        assert ws.freeze_panes == "A2"
        for row in ws.iter_rows(min_row=2):
            for head, cell in zip(header, row, strict=True):
                if isinstance(cell.value, str) and "コード" not in str(head):
                    # a number written as text would sort and sum wrongly in Excel
                    assert not NUMBER_TEXT.match(cell.value.strip()), (name, ws.title, head, cell.value)


@pytest.mark.slow
@pytest.mark.parametrize("page,params", PAGES[:4], ids=[p for p, _ in PAGES[:4]])
def test_every_xlsx_has_an_autofilter_and_numbers_as_numbers(db, monkeypatch, page, params):
    found = xlsx_downloads(monkeypatch, db, page, params)
    assert found, page
    for name, f in found.items():
        check_workbook(f.make(), name)


@pytest.mark.slow
def test_prefecture_downloads_carry_the_prefectures_name(db, monkeypatch):
    found = xlsx_downloads(monkeypatch, db, "pages/prefecture.py", {"date": DATE, "pref": "20", "n": "3"})
    assert f"長野県_市区町村_{DATE}.xlsx" in found
    assert f"長野県_最も支援が必要な市区町村_{DATE}_3人以下.xlsx" in found
    wb = load_workbook(io.BytesIO(found[f"長野県_市区町村_{DATE}.xlsx"].make()))
    ws = wb["市区町村"]
    header = [c.value for c in ws[1]]
    staff = header.index(f"DX担当職員（{DATE}）")
    codes = header.index("団体コード")
    values = [r[staff].value for r in ws.iter_rows(min_row=2) if r[staff].value is not None]
    assert values and all(isinstance(v, int | float) for v in values)
    assert all(isinstance(r[codes].value, str) and len(r[codes].value) == 6 for r in ws.iter_rows(min_row=2))
    # head counts hidden as 「3人未満」 stay text, every other count is a number
    total = header.index("支援人材 計")
    kinds = {type(r[total].value) for r in ws.iter_rows(min_row=2)}
    assert kinds <= {int, str, type(None)} and int in kinds
    assert {r[total].value for r in ws.iter_rows(min_row=2) if isinstance(r[total].value, str)} <= {"3人未満"}
