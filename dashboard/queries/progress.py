"""Progress page: each prefecture's milestones towards the FY2025 regional DX system.

Counts of prefectures that reached milestones 2 and 3 by a date are summary.national's
systems_built / pools_built; the burn-up here ends on exactly those figures.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core.policy import POOL, SYSTEM
from dashboard.cache import shared
from dashboard.db import query


@shared(32)
def milestones(v: str) -> pd.DataFrame:
    """Every prefecture × milestone row that was loaded (achieved_on may be NULL or in the future)."""
    df = query(v, """
        SELECT prefecture_code, milestone, milestone_name, achieved_on, model
        FROM dx_system_status ORDER BY prefecture_code, milestone""")
    df["achieved_on"] = pd.to_datetime(df.achieved_on).dt.date
    return df


@shared(32)
def burnup(v: str, as_of: dt.date, wanted: tuple[int, ...] = (SYSTEM, POOL)) -> pd.DataFrame:
    """Prefectures that had reached each milestone, at each date one did, up to as_of.

    Columns: milestone, on, reached (cumulative). A prefecture counts from its first date.
    """
    df = query(v, """
        WITH firsts AS (
            SELECT milestone, prefecture_code, min(achieved_on) AS on_date
            FROM dx_system_status
            WHERE achieved_on <= $as_of AND list_contains($wanted::INTEGER[], milestone)
            GROUP BY ALL
        ), per_day AS (
            SELECT milestone, on_date, count(*) AS reached_that_day FROM firsts GROUP BY ALL
        )
        SELECT milestone, on_date AS "on",
               sum(reached_that_day) OVER (PARTITION BY milestone ORDER BY on_date) AS reached
        FROM per_day ORDER BY milestone, on_date""", {"as_of": as_of, "wanted": list(wanted)})
    df["on"] = pd.to_datetime(df["on"]).dt.date
    df["reached"] = df.reached.astype(int)
    return df
