"""The progress page's result lines, KPIs, figures and tables for one view, built together (and ahead,
by dashboard.warm).

Each warm rerun of the page counted its KPIs from the milestone rows, filtered its frames and looked
up each memoised figure one by one: 1.61× the page's static twin (issue 16 §1), where the twin itself
is light (26 ms). Built here as two units from explicit arguments — the view's (result, KPIs,
burn-up, lagging prefectures, models) and the matrix's (its own sort order, chosen mid-page) — a
rerun is two lookups, and the watcher that prepares the default view after a publish asks for the
same entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from core.policy import DEADLINE, DEADLINE_LABEL, MILESTONES, MODELS
from dashboard import goal, kpis, scope
from dashboard.charts import progress as charts
from dashboard.kpis import Kpi
from dashboard.memo import built, by_content
from dashboard.queries import common, summary
from dashboard.queries import progress as q
from dashboard.tables import lag_cutoff, lagging_table, milestone_matrix_table, milestone_wide, model_table

ORDERS = ("jis", "progress")  # the matrix's sort orders (the page's radio), the default first


@dataclass(frozen=True)
class ProgressFigures:
    result: tuple[str, ...]  # the headline, then the lines under it (dashboard.goal)
    since: tuple[str, ...]  # who reached each part after the deadline (empty before it)
    total: int  # prefectures
    kpis: tuple[Kpi, ...]
    burnup: go.Figure
    cutoff: dt.date  # late = not reached by this date
    lagging: pd.DataFrame  # of the view's region
    models: pd.DataFrame  # national
    models_chart: go.Figure


@dataclass(frozen=True)
class Matrix:
    chart: go.Figure
    table: pd.DataFrame  # also the マイルストーン sheet of the download


def build(v: str, date: dt.date, n: int, region: str | None, as_of: dt.date) -> ProgressFigures:
    nat = summary.national(v, date, n, as_of)
    by_pref = summary.by_prefecture(v, date, n, as_of)
    status = q.milestones(v)
    total = nat["prefectures"]
    shown = by_pref[by_pref.prefecture_code.isin(region_codes(v, region))]
    return ProgressFigures(
        result=goal.lines(nat["goal"]),
        since=goal.since_details(nat["goal"]),
        total=total,
        kpis=by_content(kpis.progress, nat, status, as_of),
        burnup=by_content(charts.burnup, q.burnup(v, as_of), MILESTONES, as_of, DEADLINE, DEADLINE_LABEL, total),
        cutoff=lag_cutoff(DEADLINE, as_of),
        lagging=by_content(lagging_table, shown, DEADLINE, as_of, n),
        models=by_content(model_table, by_pref, MODELS),
        models_chart=by_content(charts.coverage_by_model, by_pref, MODELS),
    )


def build_matrix(v: str, region: str | None, as_of: dt.date, order: str) -> Matrix:
    wide = milestone_wide(q.milestones(v), common.prefectures(v), MILESTONES, as_of, order)
    wide = wide[wide.prefecture_code.isin(region_codes(v, region))]
    return Matrix(by_content(charts.milestone_matrix, wide, MILESTONES, DEADLINE),
                  by_content(milestone_matrix_table, wide, MILESTONES))


def region_codes(v: str, region: str | None) -> pd.Series:
    """The codes of the region's prefectures (all of them for 全国)."""
    return scope.in_region(common.prefectures(v), region).prefecture_code


def figures(v: str, date: dt.date, n: int, region: str | None, as_of: dt.date) -> ProgressFigures:
    """build(), once per distinct arguments (shared by every session)."""
    return built(build, v, date, n, region, as_of)


def matrix(v: str, region: str | None, as_of: dt.date, order: str) -> Matrix:
    """build_matrix(), once per distinct arguments (shared by every session)."""
    return built(build_matrix, v, region, as_of, order)
