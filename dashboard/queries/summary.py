"""Shortage, pool, progress and indicator figures by prefecture and for the nation.

Both come from the marts (etl/sql/30_mart_shortage_summary.sql, 31_mart_indicator_summary.sql),
table macros that compute every count and rate in SQL for the view's parameters; this module only
selects from them. One mart serves the national, prefecture, talent and progress pages, the slides
and the exports, so a figure reads the same wherever it is shown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.policy import POOL, SYSTEM
from dashboard import goal
from dashboard.db import query
from dashboard.queries import indicators as qi
from dashboard.queries.common import previous_date

NATION = "00"  # the nation's area_code in the marts

# The view's figures: the shortage mart joined with the indicator mart on the latest indicator base
# date on or before the survey's; $nation picks the nation's row or the prefectures'.
_SUMMARY = """
SELECT s.area_code AS prefecture_code, s.* EXCLUDE (area_code), i.* EXCLUDE (area_code)
FROM shortage_summary($date, $prev, $n, $as_of, $system, $pool) s
LEFT JOIN indicator_summary($ind_date, $ext_indicator, $cio_indicator, $org_indicator) i USING (area_code)
WHERE (s.area_code = $nation_code) = $nation
ORDER BY s.area_code
"""


def _areas(v: str, date: dt.date, n: float, as_of: dt.date, nation: bool) -> pd.DataFrame:
    params = {"date": date, "prev": previous_date(v, date), "n": n, "as_of": as_of, "system": SYSTEM, "pool": POOL,
              "ind_date": qi.indicator_date_for(v, date), **qi.MART_NAMES, "nation_code": NATION, "nation": nation}
    return query(v, _SUMMARY, params)


@st.cache_data(show_spinner=False, max_entries=128)
def by_prefecture(v: str, date: dt.date, n: float, as_of: dt.date) -> pd.DataFrame:
    """47 rows (JIS order): counts, shares, pool, progress and indicators per prefecture."""
    return _areas(v, date, n, as_of, nation=False)


@st.cache_data(show_spinner=False, max_entries=128)
def national(v: str, date: dt.date, n: float, as_of: dt.date) -> dict:
    """The nation's figures (the same columns; counts are the prefectures' sums, the median is the
    nation's), with the previous and the indicator base dates of the view, and the FY2025 goal as
    of as_of (goal.Goal: the result at the deadline once it has passed, what happened since)."""
    out = _areas(v, date, n, as_of, nation=True).iloc[0].to_dict()
    out["prev_date"] = previous_date(v, date)
    out["indicator_date"] = qi.indicator_date_for(v, date)
    out["goal"] = goal.of(by_prefecture(v, date, n, as_of), as_of)
    return out
