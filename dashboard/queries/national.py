"""National page: municipality-level figures for the national map."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.cache import shared
from dashboard.db import query
from dashboard.tiers import tiers


@shared(64)
def municipalities_at(v: str, date: dt.date, n: int) -> pd.DataFrame:
    """Every municipality with its staff count on a base date (NULL = 未回答) and its tier."""
    df = query(v, """
        SELECT m.lg_code, m.prefecture_code, p.name AS pref_name, p.region, m.name, m.name_kana, m.kind,
               m.lat, m.lng, m.population, s.dx_staff
        FROM municipalities m
        JOIN prefectures p USING (prefecture_code)
        LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = ?
        ORDER BY m.lg_code""", [date])
    df["tier"] = tiers(df.dx_staff, n)
    return df
