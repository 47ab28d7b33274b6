"""データ page: load history, sources, and the survey versions of one base date and their comparison
(the kept warehouse versions are the write side's: dashboard.uploads.versions)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.cache import shared
from dashboard.db import query
from dashboard.queries import common


@shared(16)
def load_history(v: str) -> pd.DataFrame:
    """Every load, newest first (rolled-back loads stay, marked status='rolled_back')."""
    return query(v, """
        SELECT source_id, loaded_at, kind, file_name, loaded_by, status, rows_read, rows_loaded,
               rows_rejected, warnings, scope, sha256
        FROM load_log ORDER BY source_id DESC""")


@shared(64)
def load_issues(v: str, source_id: int) -> pd.DataFrame:
    """The warnings (and errors) recorded for one load."""
    return query(v, """
        SELECT severity, sheet, row_number, column_name, value, reason
        FROM reject_log WHERE source_id = ? ORDER BY row_number NULLS FIRST, column_name""", [source_id])


def sources(v: str) -> pd.DataFrame:
    """The loads behind the published figures, with their citations (see common.current_sources)."""
    return common.current_sources(v)


@shared(32)
def survey_loads(v: str, date: dt.date) -> pd.DataFrame:
    """The loads that brought rows for one base date, oldest first: its versions."""
    return query(v, """
        SELECT source_id, file_name, loaded_at, count(*) AS rows, bool_or(is_current) AS has_current
        FROM staff_survey_history WHERE base_date = ?
        GROUP BY source_id, file_name, loaded_at ORDER BY source_id""", [date])


@shared(32)
def compare_survey(v: str, date: dt.date, old: int, new: int) -> pd.DataFrame:
    """Municipalities whose figures differ between two versions of one base date.

    The version after load k is, per municipality, its latest row from a load ≤ k, so a
    revised file for one prefecture compares against what was shown before it, not against
    an empty rest of the country. old/new are None when the municipality is not in that version.
    """
    return query(v, """
        WITH h AS (
            SELECT lg_code, dx_staff, source_id FROM staff_survey_history WHERE base_date = $date
        ),
        a AS (
            SELECT lg_code, dx_staff FROM (
                SELECT *, row_number() OVER (PARTITION BY lg_code ORDER BY source_id DESC) AS rn
                FROM h WHERE source_id <= $old) WHERE rn = 1
        ),
        b AS (
            SELECT lg_code, dx_staff FROM (
                SELECT *, row_number() OVER (PARTITION BY lg_code ORDER BY source_id DESC) AS rn
                FROM h WHERE source_id <= $new) WHERE rn = 1
        )
        SELECT coalesce(a.lg_code, b.lg_code) AS lg_code, p.name AS pref_name, m.name,
               a.dx_staff AS old_staff, b.dx_staff AS new_staff, b.dx_staff - a.dx_staff AS diff,
               a.lg_code IS NOT NULL AS in_old, b.lg_code IS NOT NULL AS in_new
        FROM a FULL OUTER JOIN b ON a.lg_code = b.lg_code
        JOIN municipalities m ON m.lg_code = coalesce(a.lg_code, b.lg_code)
        JOIN prefectures p ON p.prefecture_code = m.prefecture_code
        WHERE a.lg_code IS NULL OR b.lg_code IS NULL OR a.dx_staff IS DISTINCT FROM b.dx_staff
        ORDER BY lg_code""", {"date": date, "old": int(old), "new": int(new)})
