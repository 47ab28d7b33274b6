"""Talent page: the pools by role and employment form, over time, and which municipalities they reach.

A talent is "active" on a date d as the warehouse's active_on macro says (etl/sql/01_active_on.sql).
Prefecture totals, shortage and coverage come from queries.summary; these queries add the
breakdowns that summary does not carry, with the same definitions.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.cache import shared
from dashboard.db import query


@shared(64)
def pool_mix(v: str, as_of: dt.date) -> pd.DataFrame:
    """Active talent on as_of by prefecture × role × employment form (all 47 prefectures' rows that exist)."""
    return query(v, """
        SELECT prefecture_code, role, coalesce(employment_form, 'その他') AS employment_form,
               count(DISTINCT person_id) AS talent,
               count(DISTINCT person_id) FILTER (WHERE is_accelerator) AS accelerators
        FROM talent_roster
        WHERE active_on(start_date, end_date, $as_of)
        GROUP BY ALL ORDER BY ALL""", {"as_of": as_of})


@shared(32)
def roster_start(v: str) -> dt.date | None:
    """The earliest start date in the rosters (None when no roster is loaded)."""
    df = query(v, "SELECT min(start_date) AS first FROM talent_roster")
    first = df["first"].iloc[0]
    return None if pd.isna(first) else pd.Timestamp(first).date()


def quarter_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every quarter-end from the one containing start up to end, plus end itself when it is not one."""
    out: list[dt.date] = []
    year, q = start.year, (start.month - 1) // 3
    while True:
        month = 3 * q + 3
        last = dt.date(year + (month == 12), 1 if month == 12 else month + 1, 1) - dt.timedelta(days=1)
        if last > end:
            break
        out.append(last)
        q += 1
        if q == 4:
            year, q = year + 1, 0
    if not out or out[-1] != end:
        out.append(end)
    return out


@shared(32)
def pool_over_time(v: str, as_of: dt.date) -> pd.DataFrame:
    """Active talent and accelerators at each quarter-end (and at as_of), by prefecture and role."""
    first = roster_start(v)
    if first is None or first > as_of:
        return pd.DataFrame(columns=["on", "prefecture_code", "role", "talent", "accelerators"])
    dates = quarter_ends(first, as_of)
    df = query(v, """
        SELECT q.d AS "on", r.prefecture_code, r.role,
               count(DISTINCT r.person_id) AS talent,
               count(DISTINCT r.person_id) FILTER (WHERE r.is_accelerator) AS accelerators
        FROM (SELECT unnest($dates::DATE[]) AS d) q
        JOIN talent_roster r ON active_on(r.start_date, r.end_date, q.d)
        GROUP BY ALL ORDER BY ALL""", {"dates": dates})
    df["on"] = pd.to_datetime(df["on"]).dt.date
    return df


def accelerators_by_date(trend: pd.DataFrame) -> pd.DataFrame:
    """The nation's accelerators at each date of a pool_over_time frame (on, accelerators)."""
    return trend.groupby("on", as_index=False).accelerators.sum()


@shared(64)
def municipality_support(v: str, date: dt.date, n: float, as_of: dt.date) -> pd.DataFrame:
    """Every municipality: staff on the base date, shortage flag, and talent assigned on as_of.

    "Covered" uses the same rule as summary.by_prefecture: an assignment active on as_of.
    """
    return query(v, """
        WITH assigned AS (
            SELECT lg_code, count(DISTINCT person_id) AS assigned_talent
            FROM talent_assignment
            WHERE active_on(start_date, end_date, $as_of)
            GROUP BY 1
        )
        SELECT m.lg_code, m.prefecture_code, p.name AS pref_name, p.region, m.name, m.kind,
               s.dx_staff, coalesce(s.dx_staff <= $n, false) AS is_shortage,
               coalesce(a.assigned_talent, 0) AS assigned_talent
        FROM municipalities m
        JOIN prefectures p USING (prefecture_code)
        LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = $date
        LEFT JOIN assigned a ON a.lg_code = m.lg_code
        ORDER BY m.lg_code""", {"date": date, "n": n, "as_of": as_of})


@shared(64)
def active_talent(v: str, prefecture_code: str, as_of: dt.date) -> pd.DataFrame:
    """One prefecture's active talent as anonymous id and role only (never anything else about a person)."""
    return query(v, """
        SELECT DISTINCT person_id, role FROM talent_roster
        WHERE prefecture_code = $pref AND active_on(start_date, end_date, $as_of)
        ORDER BY role, person_id""", {"pref": prefecture_code, "as_of": as_of})
