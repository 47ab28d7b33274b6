"""Queries every page needs: meta, base dates, prefectures, sources."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.db import query


@st.cache_data(show_spinner=False, max_entries=32)
def meta(v: str) -> dict[str, str]:
    df = query(v, "SELECT key, value FROM meta")
    return dict(zip(df.key, df.value, strict=True))


def is_sample(v: str) -> bool:
    return meta(v).get("is_sample") == "true"


@st.cache_data(show_spinner=False, max_entries=32)
def base_dates(v: str) -> list[dt.date]:
    df = query(v, "SELECT DISTINCT base_date FROM staff_survey ORDER BY base_date")
    return [pd.Timestamp(d).date() for d in df.base_date]


def previous_date(v: str, date: dt.date) -> dt.date | None:
    earlier = [d for d in base_dates(v) if d < date]
    return earlier[-1] if earlier else None


@st.cache_data(show_spinner=False, max_entries=32)
def prefectures(v: str) -> pd.DataFrame:
    """prefecture_code, name, name_short, name_kana, region (JIS order)."""
    return query(v, "SELECT prefecture_code, name, name_short, name_kana, region FROM prefectures "
                    "ORDER BY prefecture_code")


@st.cache_data(show_spinner=False, max_entries=32)
def has_population(v: str) -> bool:
    return bool(query(v, "SELECT count(population) AS n FROM municipalities").n.iloc[0] > 0)


@st.cache_data(show_spinner=False, max_entries=32)
def has_municipal_boundaries(v: str) -> bool:
    return bool(query(v, "SELECT count(geometry) AS n FROM municipalities").n.iloc[0] > 0)


@st.cache_data(show_spinner=False, max_entries=64)
def survey_sources(v: str, date: dt.date) -> pd.DataFrame:
    """The files behind one base date's figures (a revised file may cover part of it)."""
    return query(v, """
        SELECT l.source_id, l.file_name, l.loaded_at, count(*) AS rows
        FROM staff_survey s JOIN load_log l USING (source_id)
        WHERE s.base_date = ?
        GROUP BY ALL ORDER BY l.source_id""", [date])


@st.cache_data(show_spinner=False, max_entries=32)
def sources_by_kind(v: str) -> pd.DataFrame:
    """The latest loaded file per kind, for 出典 notes."""
    return query(v, """
        SELECT kind, list(DISTINCT file_name ORDER BY file_name) AS files, max(loaded_at) AS loaded_at
        FROM load_log WHERE status = 'loaded' GROUP BY kind""")


def as_of_today() -> dt.date:
    return dt.date.today()
