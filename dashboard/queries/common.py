"""Queries every page needs: meta, base dates, prefectures, sources."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd

from dashboard.cache import shared
from dashboard.db import query


@shared(32)
def meta(v: str) -> dict[str, str]:
    df = query(v, "SELECT key, value FROM meta")
    return dict(zip(df.key, df.value, strict=True))


def is_sample(v: str) -> bool:
    """Whether any figure published now is synthetic (per load: load_log.is_sample)."""
    return bool(current_sources(v).is_sample.any())


@shared(32)
def base_dates(v: str) -> list[dt.date]:
    df = query(v, "SELECT DISTINCT base_date FROM staff_survey ORDER BY base_date")
    return [pd.Timestamp(d).date() for d in df.base_date]


@shared(32)
def surveyed_prefectures(v: str) -> dict[dt.date, frozenset[str]]:
    """Each base date's prefectures with at least one answer (a dx_staff that is not 未回答)."""
    df = query(v, """SELECT s.base_date, list(DISTINCT m.prefecture_code) AS prefs
                     FROM staff_survey s JOIN municipalities m USING (lg_code)
                     WHERE s.dx_staff IS NOT NULL GROUP BY s.base_date""")
    return {pd.Timestamp(d).date(): frozenset(p) for d, p in zip(df.base_date, df.prefs, strict=True)}


@shared(32)
def nationwide_dates(v: str) -> frozenset[dt.date]:
    """The base dates at which every prefecture that any survey covers answered: only on these is a
    trend's 全国 point the nation's (on a date of one prefecture's survey it would be that one's)."""
    by_date = surveyed_prefectures(v)
    every = frozenset().union(*by_date.values())
    return frozenset(d for d, prefs in by_date.items() if prefs == every)


def previous_date(v: str, date: dt.date, prefectures: tuple[str, ...] | None = None) -> dt.date | None:
    """The survey a view's 前回比 compares with: the latest base date before date at which every
    prefecture of the view (prefectures, else all) answered on date had answered too. A survey of
    a few prefectures between two national ones is so never the nation's 前回, and a prefecture's
    own 前回 is its last survey. Where no earlier date covers them all, the one covering most (the
    marts then compare only the prefectures both dates have); None before the first survey."""
    by_date = surveyed_prefectures(v)
    scope = frozenset(prefectures) if prefectures is not None else None
    now = by_date.get(date, frozenset())
    wanted = now if scope is None else (now & scope or scope)  # the scope's answers, else the scope
    earlier = [(len(wanted & by_date[d]), d) for d in base_dates(v) if d < date and d in by_date]
    covering = [d for n, d in earlier if n == len(wanted)]
    if covering:
        return covering[-1]
    n, d = max(earlier, default=(0, None))
    return d if n else None


@shared(32)
def prefectures(v: str) -> pd.DataFrame:
    """prefecture_code, name, name_short, name_kana, region (JIS order)."""
    return query(v, "SELECT prefecture_code, name, name_short, name_kana, region FROM prefectures "
                    "ORDER BY prefecture_code")


@shared(32)
def has_population(v: str) -> bool:
    return bool(query(v, "SELECT count(population) AS n FROM municipalities").n.iloc[0] > 0)


@shared(32)
def has_municipal_boundaries(v: str) -> bool:
    return bool(query(v, "SELECT count(geometry) AS n FROM municipalities").n.iloc[0] > 0)


# The loads behind what is published now, by what they feed: only these are cited.
_CURRENT_SOURCES = """
    WITH used AS (
        SELECT 'survey' AS kind, base_date, source_id FROM staff_survey GROUP BY ALL
        UNION ALL SELECT 'indicators', base_date, source_id FROM dx_indicators GROUP BY ALL
        UNION ALL SELECT 'indicators_prefecture', base_date, source_id FROM dx_indicators_prefecture GROUP BY ALL
        UNION ALL SELECT 'roster', NULL, source_id FROM talent_roster GROUP BY ALL
        UNION ALL SELECT 'status', NULL, source_id FROM dx_system_status GROUP BY ALL
        UNION ALL SELECT 'population', NULL, population_source_id FROM municipalities
                  WHERE population_source_id IS NOT NULL GROUP BY ALL
        UNION ALL SELECT 'boundaries', NULL, geometry_source_id FROM municipalities
                  WHERE geometry_source_id IS NOT NULL GROUP BY ALL
        UNION ALL SELECT 'prefecture_boundaries', NULL, CAST(substr(geometry_source, 12) AS INTEGER) FROM prefectures
                  WHERE geometry_source LIKE 'boundaries:%' GROUP BY ALL
    )
    SELECT u.kind, u.base_date, u.source_id, l.file_name, l.is_sample, l.source_publisher, l.source_title,
           l.source_updated, l.source_note, l.source_credit, l.source_licence
    FROM used u JOIN load_log l USING (source_id)
    ORDER BY u.kind, u.base_date, u.source_id"""


@shared(32)
def current_sources(v: str) -> pd.DataFrame:
    """kind (survey, indicators, indicators_prefecture, roster, status, population, boundaries,
    prefecture_boundaries), base_date (survey and indicators), source_id, file_name, is_sample and
    the citation columns of every load whose rows are published now."""
    return query(v, _CURRENT_SOURCES)


def as_of_today() -> dt.date:
    """Today: the date pools, assignments and progress are counted on. DXGAP_TODAY=YYYY-MM-DD sets
    another day (a rehearsal of a past or coming meeting, reproducible tests); every figure that
    depends on it says 「… 時点」. A value that is not a date is ignored."""
    fixed = os.environ.get("DXGAP_TODAY", "").strip()
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            pass
    return dt.date.today()
