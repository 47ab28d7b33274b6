"""The marts in etl/sql/ (table macros persisted in the warehouse): their keys are never NULL and
never repeated, the nation's row adds up the prefectures', they run on a READ_ONLY attach as the
dashboard opens the warehouse, and the active-on-date condition is written once."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from core.policy import POOL, PREFECTURES, SYSTEM

ROOT = Path(__file__).resolve().parent.parent
D = dt.date
# (survey date, previous date, n, as of): the first survey (no previous), thresholds 0 and 10, a pool
# date before any roster, today, and a date after the deadline.
VIEWS = [(D(2021, 4, 1), None, 3, D(2025, 1, 1)), (D(2023, 4, 1), D(2022, 4, 1), 0, D(2021, 1, 1)),
         (D(2025, 4, 1), D(2024, 4, 1), 10, dt.date.today()), (D(2024, 4, 1), D(2023, 4, 1), 3, D(2027, 1, 1))]
SHORTAGE = "SELECT * FROM shortage_summary(?, ?, ?, ?, ?, ?)"
INDICATORS = "SELECT * FROM indicator_summary(?, '外部人材活用', 'CIO補佐官等の任命', '全庁的な体制構築')"


@pytest.fixture(scope="module")
def con(sample_warehouse):
    """The warehouse as the dashboard opens it: ATTACHed READ_ONLY to a private instance."""
    c = duckdb.connect()
    c.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(sample_warehouse)])
    c.execute("USE warehouse")
    yield c
    c.close()


def rows(con, sql, params) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@pytest.mark.parametrize("view", VIEWS, ids=[str(v[0]) for v in VIEWS])
def test_shortage_summary_keys_are_not_null_and_unique(con, view):
    got = rows(con, SHORTAGE, [*view, SYSTEM, POOL])
    keys = [r["area_code"] for r in got]
    assert None not in keys
    assert len(keys) == len(set(keys)) == PREFECTURES + 1
    assert keys == sorted(keys) and keys[0] == "00"  # the nation first, then JIS order


@pytest.mark.parametrize("date", [None, D(2023, 4, 1)])
def test_indicator_summary_keys_are_not_null_and_unique(con, date):
    got = rows(con, INDICATORS, [date])
    keys = [r["area_code"] for r in got]
    assert None not in keys and len(keys) == len(set(keys)) == PREFECTURES + 1
    nation, prefs = got[0], got[1:]
    for col in ("ext_talent_share_done", "ext_talent_share_answered", "org_wide_share_done"):
        assert nation[col] == sum(r[col] for r in prefs)
    if date is None:  # no indicator table for the view: zero counts, no shares
        assert {r["ext_talent_share_answered"] for r in got} == {0} and {r["ext_talent_share"] for r in got} == {None}


@pytest.mark.parametrize("view", VIEWS, ids=[str(v[0]) for v in VIEWS])
def test_the_nation_adds_up_the_prefectures_and_rates_are_null_without_a_denominator(con, view):
    nation, *prefs = rows(con, SHORTAGE, [*view, SYSTEM, POOL])
    for col in ("municipalities", "surveyed", "shortage", "severe", "zero", "shortage_covered", "pool_talent",
                "accelerators", "systems_built", "pools_built", "prefectures"):
        assert nation[col] == sum(r[col] for r in prefs), col
    assert nation["prefectures"] == PREFECTURES
    direct = con.execute("SELECT count(*) FROM staff_survey WHERE base_date = ? AND dx_staff <= ?",
                         [view[0], view[2]]).fetchone()[0]
    assert nation["shortage"] == direct
    for r in [nation, *prefs]:
        assert (r["coverage"] is None) == (r["shortage"] == 0)
        assert (r["shortage_share"] is None) == (r["surveyed"] == 0)
        if view[1] is None:
            assert r["prev_surveyed"] is None and r["shortage_change"] is None


def test_active_on_is_the_one_definition_of_an_active_period(con):
    """The condition is spelled out once, in the macro; the marts and the queries call it."""
    spelled = re.compile(r"end_date\s+IS\s+NULL\s+OR", re.I)
    files = [*sorted((ROOT / "etl" / "sql").glob("*.sql")), *sorted((ROOT / "dashboard").rglob("*.py"))]
    found = [p.name for p in files if spelled.search(p.read_text(encoding="utf-8"))]
    assert found == ["01_active_on.sql"]
    d, day = D(2024, 4, 1), dt.timedelta(days=1)
    cases = {(d, d): True, (d, None): True, (d + day, None): False, (d - 10 * day, d - day): False}
    for (start, end), active in cases.items():
        assert con.execute("SELECT active_on(?, ?, ?)", [start, end, d]).fetchone()[0] is active, (start, end)
