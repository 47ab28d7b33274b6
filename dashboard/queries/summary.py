"""Shortage, pool, progress and indicator figures by prefecture and for the nation.

Both come from the marts (etl/sql/30_mart_shortage_summary.sql, 31_mart_indicator_summary.sql),
table macros that compute every count and rate in SQL for the view's parameters; this module only
selects from them. One mart serves the national, prefecture, talent and progress pages, the slides
and the exports, so a figure reads the same wherever it is shown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core.policy import POOL, SYSTEM
from dashboard import goal
from dashboard.cache import shared
from dashboard.db import query
from dashboard.queries import indicators as qi
from dashboard.queries.common import base_dates, previous_date

NATION = "00"  # the nation's area_code in the marts

# The view's figures: the shortage mart joined with the indicator mart on the latest indicator base
# date on or before the survey's; the nation's row has area code NATION.
_SUMMARY = """
SELECT s.area_code AS prefecture_code, s.* EXCLUDE (area_code), i.* EXCLUDE (area_code)
FROM shortage_summary($date, $prev, $n, $as_of, $system, $pool) s
LEFT JOIN indicator_summary($ind_date, $ext_indicator, $cio_indicator, $org_indicator) i USING (area_code)
ORDER BY s.area_code
"""


def _mart_params(n: float, as_of: dt.date, **dates) -> dict:
    """The marts' parameters: the view's threshold and as-of day, the policy's milestones and the
    indicator names, and dates (the base date or dates, and those shown with them)."""
    return {**dates, "n": n, "as_of": as_of, "system": SYSTEM, "pool": POOL, **qi.MART_NAMES}


def _prefectures(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of the marts without the nation's."""
    return rows[rows.prefecture_code != NATION].reset_index(drop=True)


@shared(128)
def _areas(v: str, date: dt.date, n: float, as_of: dt.date) -> pd.DataFrame:
    """The nation's row (NATION, first) and the prefectures' in one run of the marts."""
    return query(v, _SUMMARY, _mart_params(n, as_of, date=date, prev=previous_date(v, date),
                                           ind_date=qi.indicator_date_for(v, date)))


@shared(128)
def by_prefecture(v: str, date: dt.date, n: float, as_of: dt.date) -> pd.DataFrame:
    """47 rows (JIS order): counts, shares, pool, progress and indicators per prefecture."""
    return _prefectures(_areas(v, date, n, as_of))


@shared(128)
def national(v: str, date: dt.date, n: float, as_of: dt.date) -> dict:
    """The nation's figures (the same columns; counts are the prefectures' sums, the median is the
    nation's), with the previous and the indicator base dates of the view, and the FY2025 goal as
    of as_of (goal.Goal: the result at the deadline once it has passed, what happened since)."""
    rows = _areas(v, date, n, as_of)
    out = rows[rows.prefecture_code == NATION].iloc[0].to_dict()
    out["prev_date"] = previous_date(v, date)
    out["indicator_date"] = qi.indicator_date_for(v, date)
    out["goal"] = goal.of(by_prefecture(v, date, n, as_of), as_of)
    return out


# _SUMMARY for every base date in one run: each row of $dates (with its previous and indicator
# base dates) joined laterally to the marts (tests/test_maps.py checks it against _SUMMARY). One
# run of five dates took ~40 ms where five runs took ~110 ms (a national map at a new threshold
# needs them all for its colour scale).
_SUMMARY_EVERY_DATE = """
SELECT v.base_date, x.*
FROM (SELECT unnest($dates) AS base_date, unnest($prevs) AS prev, unnest($ind_dates) AS ind_date) v,
LATERAL (
    SELECT s.area_code AS prefecture_code, s.* EXCLUDE (area_code), i.* EXCLUDE (area_code)
    FROM shortage_summary(v.base_date, v.prev, $n, $as_of, $system, $pool) s
    LEFT JOIN indicator_summary(v.ind_date, $ext_indicator, $cio_indicator, $org_indicator) i USING (area_code)
) x
ORDER BY v.base_date, x.prefecture_code
"""


@shared(64)
def every_date_areas(v: str, n: float, as_of: dt.date) -> pd.DataFrame:
    """_areas for every base date in one run: the nation's row and the prefectures' of each date
    (a base_date column first)."""
    dates = base_dates(v)
    return query(v, _SUMMARY_EVERY_DATE, _mart_params(
        n, as_of, dates=dates, prevs=[previous_date(v, d) for d in dates],
        ind_dates=[qi.indicator_date_for(v, d) for d in dates]))


@shared(64)
def _every_date(v: str, n: float, as_of: dt.date) -> pd.DataFrame:
    """The prefectures' rows of _areas for every base date (a base_date column first)."""
    return _prefectures(every_date_areas(v, n, as_of))


@shared(64)
def metric_bounds(v: str, key: str, n: float, as_of: dt.date) -> tuple[float, float] | None:
    """The lowest and highest value of one metric over every prefecture and every base date (for
    threshold n, pools on as_of): a map's colour scale spans this, so the same colour means the
    same value on every base date and in every 地方. None when no value is known."""
    values = _every_date(v, n, as_of)[key].astype(float).dropna()
    return (float(values.min()), float(values.max())) if len(values) else None


# The counts a 地方's row adds up from its prefectures', as the mart's national row does.
_SUMMED = ("municipalities", "surveyed", "shortage", "severe", "zero", "prev_surveyed", "prev_shortage",
           "paired_surveyed", "paired_shortage", "shortage_covered", "pool_talent", "accelerators", "prefectures",
           "systems_built", "pools_built")


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None  # the mart's nullif(b, 0): no denominator, no rate (never 0)


@shared(128)
def area(v: str, date: dt.date, n: float, as_of: dt.date, region: str | None = None) -> dict:
    """The figures of the view's scope: the nation's (national()), or one 地方's, whose counts are the
    sums of its prefectures' rows and whose shares are those counts' ratios, as the nation's are in
    the mart (a median is not additive, so a 地方 has none). Keys as national(), plus name."""
    if region is None:
        return national(v, date, n, as_of) | {"name": "全国"}
    rows = by_prefecture(v, date, n, as_of)
    rows = rows[rows.region == region]
    out: dict = {c: int(pd.to_numeric(rows[c]).fillna(0).sum()) for c in _SUMMED}
    prev = previous_date(v, date)
    out |= {
        "name": region, "median_staff": None,
        "shortage_share": _ratio(out["shortage"], out["surveyed"]),
        "severe_share": _ratio(out["severe"], out["surveyed"]),
        "zero_share": _ratio(out["zero"], out["surveyed"]),
        "coverage": _ratio(out["shortage_covered"], out["shortage"]),
        "prev_date": prev, "indicator_date": qi.indicator_date_for(v, date),
        "goal": goal.of(rows, as_of),
    }
    # as the mart's: only the prefectures that answered on both dates are compared
    prev_share = _ratio(out["prev_shortage"], out["prev_surveyed"]) if prev else None
    paired_share = _ratio(out["paired_shortage"], out["paired_surveyed"])
    out["shortage_change"] = out["paired_shortage"] - out["prev_shortage"] if prev_share is not None else None
    out["shortage_share_change"] = (paired_share - prev_share
                                    if prev_share is not None and paired_share is not None else None)
    return out
