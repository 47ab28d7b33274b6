"""Shortage, pool and progress figures by prefecture and for the nation.

One SQL shape serves the national page, the prefecture page and the talent page, so a
figure reads the same wherever it is shown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.db import query
from dashboard.queries import indicators as qi
from dashboard.queries.common import previous_date

# $date: base date, $prev: previous base date (or NULL), $n: threshold, $as_of: pool/progress date.
_BY_PREFECTURE = """
WITH cur AS (
    SELECT m.prefecture_code, m.lg_code, m.population, m.population_source_id, s.dx_staff
    FROM municipalities m LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = $date
), prev AS (
    SELECT m.prefecture_code, s.dx_staff
    FROM municipalities m JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = $prev
), active AS (
    SELECT * FROM talent_roster
    WHERE start_date <= $as_of AND (end_date IS NULL OR end_date >= $as_of)
), covered AS (
    SELECT DISTINCT a.lg_code FROM talent_assignment a
    WHERE a.start_date <= $as_of AND (a.end_date IS NULL OR a.end_date >= $as_of)
), status AS (
    SELECT prefecture_code,
           max(milestone) FILTER (WHERE achieved_on <= $as_of) AS milestone,
           min(achieved_on) FILTER (WHERE milestone = 2) AS system_on,
           min(achieved_on) FILTER (WHERE milestone = 3) AS pool_on,
           any_value(model) AS model
    FROM dx_system_status GROUP BY 1
), shortage AS (
    SELECT prefecture_code,
        count(*) AS municipalities,
        count(dx_staff) AS surveyed,
        count(*) FILTER (WHERE dx_staff <= $n) AS shortage,
        count(*) FILTER (WHERE dx_staff <= 1) AS severe,
        count(*) FILTER (WHERE dx_staff = 0) AS zero,
        median(dx_staff) AS median_staff,
        sum(dx_staff) AS staff_total,
        -- per capita: staff and people of the same municipalities (surveyed, population known);
        -- population_missing > 0 (not in the population file) makes the prefecture 未算出
        sum(dx_staff) FILTER (WHERE population IS NOT NULL) AS staff_with_population,
        sum(population) FILTER (WHERE dx_staff IS NOT NULL) AS population_surveyed,
        count(*) FILTER (WHERE population_source_id IS NULL) AS population_missing,
        count(*) FILTER (WHERE dx_staff <= $n AND lg_code IN (SELECT lg_code FROM covered)) AS shortage_covered
    FROM cur GROUP BY 1
), previous AS (
    SELECT prefecture_code, count(dx_staff) AS prev_surveyed,
           count(*) FILTER (WHERE dx_staff <= $n) AS prev_shortage
    FROM prev GROUP BY 1
), pool AS (
    SELECT prefecture_code, count(DISTINCT person_id) AS pool_talent,
           count(DISTINCT person_id) FILTER (WHERE is_accelerator) AS accelerators
    FROM active GROUP BY 1
)
SELECT p.prefecture_code, p.name, p.region, s.*  EXCLUDE (prefecture_code),
       pv.prev_surveyed, pv.prev_shortage,
       coalesce(pl.pool_talent, 0) AS pool_talent, coalesce(pl.accelerators, 0) AS accelerators,
       st.milestone, st.system_on, st.pool_on, st.model
FROM prefectures p
JOIN shortage s USING (prefecture_code)
LEFT JOIN previous pv USING (prefecture_code)
LEFT JOIN pool pl USING (prefecture_code)
LEFT JOIN status st USING (prefecture_code)
ORDER BY p.prefecture_code
"""

_NATIONAL_MEDIAN = """
SELECT median(dx_staff) AS median_staff FROM staff_survey WHERE base_date = $date
"""


def _with_rates(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    surveyed = df.surveyed.where(df.surveyed > 0)
    df["shortage_share"] = df.shortage / surveyed
    df["severe_share"] = df.severe / surveyed
    df["zero_share"] = df.zero / surveyed
    # Only where the population file covers every municipality: never a whole prefecture's staff
    # divided by the people of the few towns a partial file happens to hold (NaN = 未算出).
    covered = (df.population_missing == 0) & (df.population_surveyed > 0)
    df["staff_per_10k"] = (df.staff_with_population / df.population_surveyed.where(covered)) * 10_000
    df["pool_per_shortage"] = df.pool_talent / df.shortage.where(df.shortage > 0)
    df["coverage"] = df.shortage_covered / df.shortage.where(df.shortage > 0)
    prev_share = df.prev_shortage / df.prev_surveyed.where(df.prev_surveyed > 0)
    df["prev_shortage_share"] = prev_share
    df["shortage_share_change"] = df.shortage_share - prev_share
    df["shortage_change"] = df.shortage - df.prev_shortage
    return df


@st.cache_data(show_spinner=False, max_entries=128)
def by_prefecture(v: str, date: dt.date, n: float, as_of: dt.date) -> pd.DataFrame:
    """47 rows: counts, shares, pool and progress per prefecture (JIS order)."""
    prev = previous_date(v, date)
    df = query(v, _BY_PREFECTURE, {"date": date, "prev": prev, "n": n, "as_of": as_of})
    # The Digital Agency indicators on their own base date (the latest on or before date).
    df = df.merge(qi.by_prefecture(v, qi.indicator_date_for(v, date)), on="prefecture_code", how="left")
    return _with_rates(df)


@st.cache_data(show_spinner=False, max_entries=128)
def national(v: str, date: dt.date, n: float, as_of: dt.date) -> dict:
    """The nation's figures: sums of the prefecture rows, with the national median."""
    df = by_prefecture(v, date, n, as_of)
    cols = ["municipalities", "surveyed", "shortage", "severe", "zero", "staff_total", "staff_with_population",
            "population_surveyed", "population_missing", "shortage_covered", "prev_surveyed", "prev_shortage",
            "pool_talent", "accelerators", *qi.COUNT_COLUMNS]
    total = df[cols].sum(min_count=1).to_frame().T
    total["median_staff"] = query(v, _NATIONAL_MEDIAN, {"date": date}).median_staff.iloc[0]
    out = qi.with_shares(_with_rates(total)).iloc[0].to_dict()
    out["prev_date"] = previous_date(v, date)
    out["indicator_date"] = qi.indicator_date_for(v, date)
    out["systems_built"] = int((df.system_on.notna() & (df.system_on <= pd.Timestamp(as_of))).sum())
    out["pools_built"] = int((df.pool_on.notna() & (df.pool_on <= pd.Timestamp(as_of))).sum())
    out["prefectures"] = len(df)
    return out
