"""Digital Agency indicators (dx_indicators, real data) by prefecture, and the cross view of
municipalities most in need (few staff AND no external talent AND no organisation-wide set-up).

Indicator tables have their own base dates (the 2024-07-12 table: 2023-04-01). A view on a
survey base date uses the latest indicator base date on or before it (indicator_date_for), and
every caption names both dates; before the first indicator base date there is no indicator data.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.cache import shared
from dashboard.db import query

# metric key → (indicator name in dx_indicators, column prefix)
INDICATORS = {
    "ext_talent_share": "外部人材活用",
    "cio_aide_share": "CIO補佐官等の任命",
    "org_wide_share": "全庁的な体制構築",
}
EXT_TALENT, ORG_WIDE = INDICATORS["ext_talent_share"], INDICATORS["org_wide_share"]


@shared(32)
def base_dates(v: str) -> list[dt.date]:
    df = query(v, "SELECT DISTINCT base_date FROM dx_indicators ORDER BY base_date")
    return [pd.Timestamp(d).date() for d in df.base_date]


def indicator_date_for(v: str, date: dt.date | None) -> dt.date | None:
    """The indicator base date shown with a survey base date: the latest on or before it
    (the latest of all when date is None); None when there is none."""
    dates = [d for d in base_dates(v) if date is None or d <= date]
    return dates[-1] if dates else None


@shared(16)
def prefecture_governments(v: str, ind_date: dt.date) -> pd.DataFrame:
    """Each prefectural government's own 実施/未実施 answers on ind_date (dx_indicators_prefecture),
    with how many prefectures answered each and how many said 実施. The indicators given as numbers
    are left out: the table does not say their unit."""
    return query(v, """
        SELECT prefecture_code, category, indicator, done,
               count(*) FILTER (WHERE done) OVER per_indicator AS done_prefs,
               count(done) OVER per_indicator AS answered_prefs
        FROM dx_indicators_prefecture
        WHERE base_date = $d AND indicator IN (
            SELECT indicator FROM dx_indicators_prefecture WHERE base_date = $d AND done IS NOT NULL)
        WINDOW per_indicator AS (PARTITION BY indicator)
        ORDER BY prefecture_code, indicator""", {"d": ind_date})


# The indicator names passed to the indicator_summary mart (etl/sql/31_mart_indicator_summary.sql).
MART_NAMES = {"ext_indicator": INDICATORS["ext_talent_share"], "cio_indicator": INDICATORS["cio_aide_share"],
              "org_indicator": INDICATORS["org_wide_share"]}


@shared(64)
def most_in_need(v: str, date: dt.date, n: int, ind_date: dt.date | None) -> pd.DataFrame:
    """Every municipality with its staff count on date and its two indicators on ind_date.

    need = dx_staff ≤ n AND 外部人材活用 未実施 AND 全庁的な体制構築 未実施. A municipality not
    surveyed, or 調査無し on either indicator, is never counted as in need (judged = False)."""
    df = query(v, """
        SELECT m.lg_code, m.prefecture_code, p.name AS pref_name, p.region, m.name, m.kind, m.lat, m.lng,
               s.dx_staff,
               any_value(d.done) FILTER (WHERE d.indicator = $ext) AS ext_talent,
               any_value(d.done) FILTER (WHERE d.indicator = $org) AS org_wide
        FROM municipalities m
        JOIN prefectures p USING (prefecture_code)
        LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = $date
        LEFT JOIN dx_indicators d ON d.lg_code = m.lg_code AND d.base_date = $ind_date
        GROUP BY ALL ORDER BY m.lg_code""", {"date": date, "ind_date": ind_date, "ext": EXT_TALENT, "org": ORG_WIDE})
    df["ext_no"] = df.ext_talent.astype("boolean").eq(False).fillna(False).astype(bool)  # 未実施 (not 調査無し)
    df["org_no"] = df.org_wide.astype("boolean").eq(False).fillna(False).astype(bool)
    df["judged"] = df.dx_staff.notna() & df.ext_talent.notna() & df.org_wide.notna()
    df["need"] = (df.judged & (df.dx_staff <= n) & df.ext_no & df.org_no).astype(bool)
    return df


def need_counts(munis: pd.DataFrame, n: int) -> dict[str, float | int | None]:
    """The cross view's KPIs for a set of most_in_need rows."""
    few = munis.dx_staff <= n
    need, judged = int(munis.need.sum()), int(munis.judged.sum())
    return {"need": need, "judged": judged, "need_share": need / judged if judged else None,
            "few_no_ext": int((few & munis.ext_no).sum()), "few_no_org": int((few & munis.org_no).sum())}


def need_by_prefecture(munis: pd.DataFrame, prefectures: pd.DataFrame) -> pd.DataFrame:
    """Per prefecture: municipalities in need, judged (surveyed and both indicators answered), share."""
    g = munis.groupby("prefecture_code").agg(need=("need", "sum"), judged=("judged", "sum"),
                                            municipalities=("lg_code", "size"))
    out = prefectures[["prefecture_code", "name", "region"]].merge(g, on="prefecture_code", how="left")
    out[["need", "judged", "municipalities"]] = out[["need", "judged", "municipalities"]].fillna(0).astype(int)
    out["need_share"] = out.need / out.judged.where(out.judged > 0)
    return out
