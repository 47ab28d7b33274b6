"""Figures for slides that the shared summary queries do not give: one prefecture's
municipalities (with their assigned pool talent) and its milestones."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.cache import shared
from dashboard.db import query
from dashboard.tiers import tiers


@shared(64)
def municipality_rows(v: str, pref: str, date: dt.date, prev: dt.date | None, n: int, as_of: dt.date) -> pd.DataFrame:
    """Every municipality of one prefecture: staff on the base date and the previous one (NULL =
    未回答), its tier, and the pool talent assigned to it on as_of (the same rule as the coverage
    figure in queries.summary)."""
    df = query(v, """
        WITH talent AS (
            SELECT lg_code, count(DISTINCT person_id) AS talent FROM talent_assignment
            WHERE active_on(start_date, end_date, $as_of)
            GROUP BY 1
        )
        SELECT m.lg_code, m.name, m.kind, s.dx_staff, p.dx_staff AS prev_staff,
               coalesce(t.talent, 0) AS talent
        FROM municipalities m
        LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = $date
        LEFT JOIN staff_survey p ON p.lg_code = m.lg_code AND p.base_date = $prev
        LEFT JOIN talent t ON t.lg_code = m.lg_code
        WHERE m.prefecture_code = $pref
        ORDER BY m.lg_code""", {"pref": pref, "date": date, "prev": prev, "as_of": as_of})
    df["tier"] = tiers(df.dx_staff, n)
    return df


@shared(64)
def milestones(v: str, pref: str) -> pd.DataFrame:
    """One prefecture's milestones (0–4) with the date each was reached; missing ones are absent."""
    return query(v, """
        SELECT milestone, milestone_name, achieved_on, model
        FROM dx_system_status WHERE prefecture_code = ? ORDER BY milestone""", [pref])
