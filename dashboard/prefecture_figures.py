"""The prefecture page's KPIs, figures and tables for one view, built together (and ahead, by dashboard.warm).

A switch to a prefecture the server has not drawn built five figures, its shapes and its peer
query while the user waited (issue 16 §1: 6.8× the page's static twin). Built here as one unit
from explicit arguments, they are memoised under exactly those arguments, so the page and the
watcher that prepares all 47 prefectures after a publish ask for the same entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard import geo, kpis, scope, tables
from dashboard.charts import need as need_charts
from dashboard.charts import prefecture as charts
from dashboard.kpis import Kpi
from dashboard.memo import built, by_content
from dashboard.queries import common, summary
from dashboard.queries import indicators as qi
from dashboard.queries import national as qn
from dashboard.queries import prefecture as q


@dataclass(frozen=True)
class NeedFigures:
    """The cross view (few staff, no external talent, no organisation-wide set-up) for one prefecture."""
    indicator_date: dt.date  # the Digital Agency table's base date used
    kpi: Kpi
    rows: pd.DataFrame  # the list, also its download
    map: go.Figure


@dataclass(frozen=True)
class GovernmentFigures:
    """The prefectural government's own answers in the Digital Agency's table (real data)."""
    indicator_date: dt.date  # the table's base date used
    table: pd.DataFrame


@dataclass(frozen=True)
class PrefectureFigures:
    munis: pd.DataFrame  # q.municipalities: one row per municipality
    names: dict[str, str]  # lg_code -> name, in munis' order
    history: pd.DataFrame  # q.staff_history
    row: dict  # the prefecture's summary.by_prefecture row
    status: dict | None  # q.reached_milestone on as_of
    kpis: tuple[tuple[Kpi, ...], tuple[Kpi, ...], tuple[Kpi, ...]]  # kpis.prefecture: counts, pool, per capita
    far_islands: tuple[str, ...]  # the names of the municipalities drawn in the map's inset
    map: go.Figure  # every municipality coloured (the 要対応 filter off)
    table: pd.DataFrame  # every municipality (no search, the filter off)
    full_table: pd.DataFrame  # the download's table
    kpi_table: pd.DataFrame  # the download's 都道府県の指標 sheet
    trend: go.Figure
    distribution: go.Figure
    peers: pd.DataFrame
    peer_chart: go.Figure
    peer_table: pd.DataFrame
    need: NeedFigures | None  # None without an indicator table on or before the base date
    government: GovernmentFigures | None  # None without a prefecture table on or before the base date


def build(v: str, pref: str, date: dt.date, prev: dt.date | None, n: int, as_of: dt.date,
          dates: tuple[dt.date, ...], has_population: bool) -> PrefectureFigures:
    """Reads the view's rows (shared query results) and draws each part from them by content
    (memo.by_content): after a publish, the parts whose rows it left alone are not drawn again."""
    munis = q.municipalities(v, pref, date, prev, n, as_of)
    history = q.staff_history(v, pref)
    prefs = common.prefectures(v)
    pref_name = prefs.name[prefs.prefecture_code == pref].iloc[0]
    peers = q.peers(v, pref, date, n, as_of)
    roles = q.roles_of(munis)
    row = summary.by_prefecture(v, date, n, as_of).set_index("prefecture_code").loc[pref].to_dict()
    status = q.reached_milestone(q.system_status(v, pref), as_of)
    nat = summary.national(v, date, n, as_of)
    shapes = geo.municipality_shapes(v, pref)
    ind_date = qi.indicator_date_for(v, date)  # the Digital Agency tables' base date (None: none yet)
    return PrefectureFigures(
        munis=munis, names=dict(zip(munis.lg_code, munis.name, strict=True)), history=history, row=row,
        status=status,
        kpis=by_content(kpis.prefecture, row, nat, status, n, pref_name, has_population),
        kpi_table=by_content(tables.prefecture_kpi_table, row, nat, status, n, as_of, has_population),
        far_islands=tuple(munis.name[by_content(charts.far_islands, munis)]),
        map=by_content(charts.municipality_map, munis, history, n, shapes, outline(v, pref)),
        table=by_content(tables.prefecture_table, q.search(munis, "", uncovered_only=False), roles, date, prev, n,
                         has_population),
        full_table=by_content(tables.prefecture_table, munis, roles, date, prev, n, has_population),
        trend=by_content(charts.shortage_trend, q.shortage_trend(v, pref, list(dates), n, as_of), pref_name, n),
        distribution=by_content(charts.staff_distribution, munis.dx_staff, qn.municipalities_at(v, date, n).dx_staff,
                                pref_name, n),
        peers=peers, peer_chart=by_content(charts.peer_comparison, peers, n),
        peer_table=by_content(tables.prefecture_peer_table, peers),
        need=_need(v, pref, pref_name, date, n, shapes, ind_date), government=government(v, pref, pref_name, ind_date))


def _need(v: str, pref: str, pref_name: str, date: dt.date, n: int, shapes: geo.Shapes | None,
          ind_date: dt.date | None) -> NeedFigures | None:
    if ind_date is None:
        return None
    everyone = qi.most_in_need(v, date, n, ind_date)
    need = scope.in_prefecture(everyone, pref)
    return NeedFigures(
        indicator_date=ind_date, kpi=by_content(kpis.need_in_prefecture, need, everyone, n, pref_name),
        rows=by_content(tables.need_table, need, n),
        map=by_content(need_charts.need_map, need, shapes.subset(need.lg_code) if shapes else None, n))


def government(v: str, pref: str, pref_name: str, ind_date: dt.date | None) -> GovernmentFigures | None:
    """The prefecture's own answers on ind_date (the page's section, its download and the deck's
    slide), or None without a prefecture table then."""
    if ind_date is None:
        return None
    rows = qi.prefecture_governments(v, ind_date)
    mine = rows[rows.prefecture_code == pref]
    return GovernmentFigures(ind_date, by_content(tables.government_table, mine, pref_name)) if len(mine) else None


def outline(v: str, pref: str) -> tuple[str | dict, str]:
    """The prefecture drawn under its municipalities: (its GeoJSON or URL, its code)."""
    return geo.prefecture_shapes(v).subset([pref]), pref


def figures(v: str, pref: str, date: dt.date, prev: dt.date | None, n: int, as_of: dt.date,
            dates: list[dt.date], has_population: bool) -> PrefectureFigures:
    """build(), once per distinct arguments (shared by every session)."""
    return built(build, v, pref, date, prev, n, as_of, tuple(dates), has_population)
