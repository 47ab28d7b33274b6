"""dashboard.memo.by_content: a view's parts are keyed by the content of their rows, so a publish
rebuilds only what it changed (issue 16 §2), and never reuses a part whose rows changed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import testing
from core.store import DB_ENV
from dashboard import db, memo, prefecture_figures
from dashboard.cache import SharedValueChanged
from dashboard.memo import by_content, content_digest
from dashboard.queries import common
from dashboard.queries import prefecture as q

AS_OF = dt.date(2026, 12, 1)
DATE = dt.date(2024, 4, 1)  # a base date of the sample; the publish below reloads 鳥取県 at it


def frame() -> pd.DataFrame:
    df = pd.DataFrame({"lg_code": ["011002", "012025", "013030"], "dx_staff": [12.0, np.nan, 3.0],
                       "rank": pd.array([1, None, 2], dtype="Int64")})
    df.attrs["roles"] = ["エンジニア"]
    return df


def test_equal_content_digests_alike_however_it_is_laid_out():
    df = frame()
    # blocks consolidated or not (pandas does it in place on some reads), text in one chunk or two
    spread = pd.DataFrame({c: df[c] for c in df.columns})
    spread.attrs = {"roles": ["エンジニア"]}
    chunks = pd.array(pa.chunked_array([["011002"], ["012025", "013030"]]), dtype="str")
    rechunked = df.assign(lg_code=chunks)
    assert content_digest(df) == content_digest(spread) == content_digest(rechunked) == content_digest(df.copy())


@pytest.mark.parametrize("change", [
    lambda df: df.assign(dx_staff=[12.0, np.nan, 4.0]),  # a value
    lambda df: df.assign(dx_staff=[12.0, 0.0, 3.0]),  # 未回答 (NaN) is not 0
    lambda df: df.assign(rank=[1.0, np.nan, 2.0]),  # the same numbers as another type
    lambda df: df[["dx_staff", "lg_code", "rank"]],  # column order
    lambda df: df.set_axis([1, 2, 3]),  # the index
    lambda df: df.rename(columns={"dx_staff": "staff"}),  # a column's name
    lambda df: df.iloc[:2],  # a row fewer
])
def test_any_change_of_content_digests_differently(change):
    assert content_digest(change(frame())) != content_digest(frame())


def test_attrs_are_content():
    other = frame()
    other.attrs["roles"] = ["エンジニア", "PM"]
    assert content_digest(other) != content_digest(frame())


def test_a_part_is_built_once_per_content_whatever_its_key():
    calls = []

    def part(df: pd.DataFrame, n: int) -> list:
        calls.append(n)
        return df.dx_staff.tolist()

    a = memo.built(part, frame(), 3, key=("test_by_content", "version 1"))
    b = memo.built(part, frame(), 3, key=("test_by_content", "version 2"))  # a new key, the same rows
    assert a is b and calls == [3]
    c = memo.built(part, frame().assign(dx_staff=[1.0, 2.0, 3.0]), 3, key=("test_by_content", "version 3"))
    assert c == [1.0, 2.0, 3.0] and len(calls) == 2
    assert by_content(part, frame(), 3) is a and len(calls) == 2


def test_a_frame_changed_after_it_was_digested_fails_under_the_audit():
    df = frame()
    first = content_digest(df)
    assert content_digest(df) == first  # remembered while the frame lives
    df.loc[0, "dx_staff"] = 99.0  # never done to a frame given to by_content: the tests' audit says so
    with pytest.raises(SharedValueChanged):
        content_digest(df)


def test_parts_no_view_asked_for_since_a_new_version_are_dropped():
    calls = []

    def part(df: pd.DataFrame) -> float:
        calls.append(1)
        return float(df.dx_staff.sum())

    kept, gone = frame(), frame().assign(dx_staff=[5.0, 6.0, 7.0])
    memo.new_epoch()
    by_content(part, kept), by_content(part, gone)
    epoch = memo.new_epoch()  # a new version is served: its views ask for `kept` only
    by_content(part, kept)
    assert len(calls) == 2
    assert memo.drop_parts_unused_since(epoch) >= 1
    assert by_content(part, kept) == 15.0 and len(calls) == 2  # still held
    assert by_content(part, gone) == 18.0 and len(calls) == 3  # built again


@pytest.fixture()
def served(tmp_path, monkeypatch):
    path = testing.copy_db(testing.sample_db(), tmp_path / "wh")
    monkeypatch.setenv(DB_ENV, str(path))
    return path


def bundle(v: str, pref: str) -> prefecture_figures.PrefectureFigures:
    dates = common.base_dates(v)
    return prefecture_figures.figures(v, pref, DATE, common.previous_date(v, DATE), 3, AS_OF, dates,
                                      common.has_population(v))


@pytest.mark.slow
def test_a_publish_rebuilds_the_parts_it_changed_and_reuses_the_others(served, tmp_path):
    first = db.version()
    tokyo, tottori = bundle(first, "13"), bundle(first, "31")
    old = q.municipalities(first, "31", DATE, common.previous_date(first, DATE), 3, AS_OF)
    published = testing.prefecture_survey(tmp_path, "survey_31.csv", 3, 1)  # 鳥取県's 19, counts (i + 3) % 7
    testing.run_etl("load", "survey", published, "--db", served, "--base-date", DATE.isoformat(), check=True)
    second = db.version()
    assert second != first
    tokyo2, tottori2 = bundle(second, "13"), bundle(second, "31")
    assert tokyo2 is not tokyo  # a new bundle for the new version …
    # … whose parts drawn from rows the publish left alone are the same objects
    assert tokyo2.map is tokyo.map and tokyo2.table is tokyo.table and tokyo2.trend is tokyo.trend
    # 鳥取県's parts are drawn again, from the published counts
    staff = pd.read_csv(published, dtype={"団体コード": str}).set_index("団体コード")["DX担当職員数"]
    new = q.municipalities(second, "31", DATE, common.previous_date(second, DATE), 3, AS_OF)
    assert dict(zip(new.lg_code, new.dx_staff, strict=True)) == {c: float(staff[c]) for c in new.lg_code}
    assert not new.dx_staff.equals(old.dx_staff)
    assert tottori2.map is not tottori.map and tottori2.table is not tottori.table
    column = f"DX担当職員（{DATE}）"
    assert dict(zip(tottori2.table["団体コード"], tottori2.table[column], strict=True)) == \
        {c: float(staff[c]) for c in new.lg_code}
    assert dict(zip(tottori.table["団体コード"], tottori.table[column], strict=True)) == \
        dict(zip(old.lg_code, old.dx_staff, strict=True))
    def hover(fig):  # lg_code → its hover text (name, staff on each base date, talent)
        return {c: t for trace in fig.data if trace.type == "choropleth" and trace.customdata is not None
                for c, t in zip(trace.customdata, trace.text, strict=True)}

    changed = [c for c in new.lg_code if new.set_index("lg_code").dx_staff[c] != old.set_index("lg_code").dx_staff[c]]
    assert changed and all(hover(tottori2.map)[c] != hover(tottori.map)[c] for c in changed)
