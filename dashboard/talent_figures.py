"""The talent page's KPIs, figures and tables for one view, built together (and ahead, by dashboard.warm).

Each warm rerun of the page filtered its frames, computed its KPIs and looked up a dozen memoised
figures one by one (issue 16 §1: 1.55× the page's static twin). Built here as one unit from
explicit arguments, memoised under exactly those arguments, a rerun is one lookup, and the
watcher that prepares the default view after a publish asks for the same entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from core.policy import ACCELERATOR_TARGET, EMPLOYMENT_FORMS, ROLES
from dashboard import geo, kpis
from dashboard.charts import talent as charts
from dashboard.kpis import Kpi
from dashboard.memo import built, by_content
from dashboard.queries import summary
from dashboard.queries import talent as q
from dashboard.tables import (
    mix_counts,
    mix_table,
    municipality_support_table,
    role_counts,
    supply_need_table,
    uncovered_table,
)

# The two mix tabs: (tab key, column, categories, colours)
MIXES = (("mix_role", "role", list(ROLES), charts.ROLE_COLORS),
         ("mix_form", "employment_form", list(EMPLOYMENT_FORMS), charts.FORM_COLORS))


@dataclass(frozen=True)
class Mix:
    chart: go.Figure
    table: pd.DataFrame


@dataclass(frozen=True)
class TalentFigures:
    kpis: tuple[Kpi, ...]
    supply_chart: go.Figure
    supply_table: pd.DataFrame  # also the 供給と不足 download
    coverage_map: go.Figure
    uncovered: pd.DataFrame  # shortage municipalities no talent supports
    support: pd.DataFrame  # supported municipalities and how many (small counts suppressed)
    mixes: dict[str, Mix]  # by MIXES key
    accelerators: go.Figure  # national
    pool_trend: go.Figure


def build(v: str, date: dt.date, n: int, as_of: dt.date, pool_on: dt.date, codes: tuple[str, ...],
          scope_label: str, nationwide: bool) -> TalentFigures:
    """codes: the prefectures shown; scope_label: their name for titles (e.g. 全国, 近畿)."""
    by_pref = summary.by_prefecture(v, date, n, pool_on)
    shown = by_pref[by_pref.prefecture_code.isin(codes)]
    mix = q.pool_mix(v, pool_on)
    munis = q.municipality_support(v, date, n, pool_on)
    munis = munis[munis.prefecture_code.isin(codes)]
    wide = role_counts(mix, list(ROLES))
    label = dict(zip(by_pref.prefecture_code, by_pref.name, strict=True))
    mixes = {}
    for key, by, cats, colors in MIXES:
        counts = mix_counts(mix, cats, by, list(codes), label)
        mixes[key] = Mix(by_content(charts.mix_bars, counts, colors), by_content(mix_table, counts))
    trend = q.pool_over_time(v, as_of)
    return TalentFigures(
        kpis=by_content(kpis.talent, shown, n, scope_label, pool_on, nationwide=nationwide),
        supply_chart=by_content(charts.supply_need, shown, wide, n),
        supply_table=by_content(supply_need_table, shown, wide, n),
        coverage_map=by_content(charts.coverage_map, shown, geo.prefecture_shapes(v).ref),
        uncovered=by_content(uncovered_table, munis),
        support=by_content(municipality_support_table, munis),
        mixes=mixes,
        accelerators=by_content(charts.accelerators, q.accelerators_by_date(trend), ACCELERATOR_TARGET),
        pool_trend=by_content(charts.pool_trend, trend[trend.prefecture_code.isin(codes)], list(ROLES), as_of),
    )


def figures(v: str, date: dt.date, n: int, as_of: dt.date, pool_on: dt.date, codes: tuple[str, ...],
            scope_label: str, nationwide: bool) -> TalentFigures:
    """build(), once per distinct arguments (shared by every session)."""
    return built(build, v, date, n, as_of, pool_on, codes, scope_label, nationwide)
