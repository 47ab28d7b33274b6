"""Talent page charts: supply against need, coverage map, mix, accelerators and the pool over time."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from core.policy import EMPLOYMENT_FORMS, ROLES
from dashboard import formats
from dashboard.charts.style import base_layout, colorbar_below, hide_basemap, text_color
from dashboard.charts.summaries import first_last, high_low

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies (in the order of the roles
# and of the employment forms).
ROLE_COLORS = dict(zip(ROLES, ["#0072B2", "#E69F00", "#009E73", "#CC79A7"], strict=True))
FORM_COLORS = dict(zip(EMPLOYMENT_FORMS, ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#999999"],
                       strict=True))
NEED_COLOR = "#000000"
COVERAGE_SCALE = "cividis"  # low coverage dark, as the shortage maps show bad as dark
NO_SHORTAGE_COLOR = "#FFFFFF"  # white with a grey edge: cividis has grey in its middle


def supply_need(pref: pd.DataFrame, roles_wide: pd.DataFrame, n: int) -> go.Figure:
    """Pool talent by role (stacked bars) against the number of shortage municipalities (markers).

    pref: summary.by_prefecture rows (name, shortage); roles_wide: talent per prefecture_code × role.
    """
    df = pref[["prefecture_code", "name", "shortage"]].join(
        roles_wide.reindex(pref.prefecture_code, fill_value=0), on="prefecture_code")
    fig = go.Figure()
    for role in roles_wide.columns:
        fig.add_trace(go.Bar(
            x=df.name, y=df[role], name=role, marker={"color": ROLE_COLORS.get(role, "#777777")},
            hovertemplate="%{x}<br>" + role + ": %{y:,} 人<extra></extra>",
        ))
    fig.add_trace(go.Scatter(
        x=df.name, y=df.shortage, name=f"不足自治体数（{n}人以下）", mode="markers",
        marker={"symbol": "diamond", "size": 9, "color": NEED_COLOR, "line": {"color": "white", "width": 1}},
        hovertemplate="%{x}<br>不足自治体: %{y:,} 団体<extra></extra>",
    ))
    # A few prefectures would otherwise get bars as wide as the page.
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                      hovermode="x unified", bargap=0.2 if len(df) > 8 else 0.6)
    fig.update_yaxes(title="人（人材） ／ 団体（不足自治体）", tickformat=",d", rangemode="tozero")
    fig.update_xaxes(title=None, tickangle=-60 if len(df) > 12 else 0)
    pool = df[list(roles_wide.columns)].sum(axis=1)
    summary = (f"人材プール計 {formats.count(pool.sum())} 人、不足自治体（{n}人以下）計 {formats.count(df.shortage.sum())} 団体。"
               + high_low(df.name, pool, lambda x: f"{formats.count(x)} 人", what="人材プールが"))
    return base_layout(fig, height=500, summary=summary)


def coverage_map(df: pd.DataFrame, geojson: str | dict) -> go.Figure:
    """Prefectures coloured by pool coverage; a prefecture with no shortage municipality is grey."""
    has = df[df.coverage.notna()]
    none = df[df.coverage.isna()]
    fig = go.Figure()
    if not none.empty:
        fig.add_trace(go.Choropleth(
            geojson=geojson, locations=none.prefecture_code, z=[0] * len(none), featureidkey="id",
            colorscale=[[0, NO_SHORTAGE_COLOR], [1, NO_SHORTAGE_COLOR]], showscale=False,
            marker={"line": {"color": "#888888", "width": 0.8}}, name="不足自治体なし",
            text=[f"<b>{r.name}</b><br>不足自治体なし" for r in none.itertuples()],
            hovertemplate="%{text}<extra></extra>",
        ))
    fig.add_trace(go.Choropleth(
        geojson=geojson, locations=has.prefecture_code, z=has.coverage.astype(float), featureidkey="id",
        colorscale=COVERAGE_SCALE, zmin=0, zmax=1, marker={"line": {"color": "white", "width": 0.6}},
        colorbar=colorbar_below("カバー率（%）", tickformat=".0%"),
        text=[f"<b>{r.name}</b><br>カバー率: {formats.share(r.coverage)}<br>"
              f"支援あり {formats.count(r.shortage_covered)} / 不足 {formats.count(r.shortage)} 団体"
              for r in has.itertuples()],
        hovertemplate="%{text}<extra></extra>", customdata=has.prefecture_code,
    ))
    summary = high_low(has.name, has.coverage, formats.share, what="カバー率が")
    if not none.empty:
        summary += f"。不足自治体のない都道府県 {len(none)}"
    return hide_basemap(base_layout(fig, height=560, summary=summary))


def mix_bars(counts: pd.DataFrame, colors: dict[str, str]) -> go.Figure:
    """100% stacked horizontal bars: one bar per row of counts (全国 first), one segment per column."""
    rows = counts.iloc[::-1]  # plotly draws the first category at the bottom
    totals = rows.sum(axis=1).where(lambda s: s > 0)
    # The head count beside each name: a 100% bar of one person should not look like a policy.
    labels = [f"{name}（{int(t) if t == t else 0:,}人）" for name, t in zip(rows.index, totals, strict=True)]
    fig = go.Figure()
    for col in counts.columns:
        share = rows[col] / totals
        fig.add_trace(go.Bar(
            y=labels, x=share, name=col, orientation="h", marker={"color": colors.get(col, "#777777")},
            customdata=rows[col], text=[formats.share(s, 0) if s and s >= 0.08 else "" for s in share],
            textposition="inside", insidetextanchor="middle",
            hovertemplate="%{y}<br>" + col + ": %{customdata:,} 人（%{x:.1%}）<extra></extra>",
        ))
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
                      uniformtext={"minsize": 10, "mode": "hide"})
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title="構成比")
    fig.update_yaxes(title=None)
    first = counts.iloc[0]
    total = first.sum()
    summary = f"{counts.index[0]}（{formats.count(total)} 人）：" + "、".join(
        f"{col} {formats.share(first[col] / total if total else None)}" for col in counts.columns if first[col])
    return base_layout(fig, height=max(240, 24 * len(counts) + 120), summary=summary)


def accelerators(df: pd.DataFrame, target: int) -> go.Figure:
    """Accelerators in post at each quarter-end against the target, with the gap at the last point.

    df: on, accelerators (national totals), in date order.
    """
    fig = go.Figure(go.Scatter(
        x=df["on"], y=df.accelerators, mode="lines+markers", name="在任のアクセラレータ",
        line={"color": "#0072B2", "width": 3}, hovertemplate="%{x|%Y-%m-%d}: %{y:,} 人<extra></extra>",
    ))
    fig.add_hline(y=target, line={"color": "#D55E00", "dash": "dash", "width": 2})
    fig.add_annotation(x=0, xref="paper", y=target, text=f"目標 {target:,}人", showarrow=False,
                       yshift=12, xanchor="left", font={"color": text_color("#D55E00")})
    if not df.empty:
        last = df.iloc[-1]
        gap = max(0, target - int(last.accelerators))
        fig.add_annotation(x=last["on"], y=int(last.accelerators),
                           text=f"{last['on']:%Y-%m-%d} 時点 {int(last.accelerators):,}人<br>目標まで あと {gap:,}人",
                           showarrow=True, arrowhead=2, ax=-80, ay=-40, align="left")
    ymax = max(target, int(df.accelerators.max()) if not df.empty else 0) * 1.15
    fig.update_yaxes(title="人", range=[0, ymax], tickformat=",d")
    fig.update_xaxes(title="四半期末", tickformat="%Y-%m")
    fig.update_layout(showlegend=False)
    summary = (f"在任のアクセラレータは{first_last(df['on'], df.accelerators, lambda x: f'{x:,.0f} 人')}"
               f"（目標 {target:,} 人）")
    return base_layout(fig, height=380, summary=summary)


def pool_trend(df: pd.DataFrame, roles: list[str], as_of: dt.date | None = None) -> go.Figure:
    """Pool size at each quarter-end, stacked by role. df: on, role, talent."""
    wide = df.pivot_table(index="on", columns="role", values="talent", aggfunc="sum", fill_value=0)
    fig = go.Figure()
    for role in roles:
        y = wide[role] if role in wide.columns else pd.Series(0, index=wide.index)
        fig.add_trace(go.Scatter(
            x=list(wide.index), y=y, name=role, mode="lines", stackgroup="pool",
            line={"color": ROLE_COLORS.get(role, "#777777"), "width": 1},
            hovertemplate="%{x|%Y-%m-%d}<br>" + role + ": %{y:,} 人<extra></extra>",
        ))
    total = wide.sum(axis=1)
    fig.add_trace(go.Scatter(
        x=list(wide.index), y=total, name="合計", mode="markers+text", marker={"color": "#333333", "size": 5},
        text=[f"{int(t):,}" for t in total], textposition="top center", textfont={"size": 10},
        hovertemplate="%{x|%Y-%m-%d}<br>合計: %{y:,} 人<extra></extra>",
    ))
    fig.update_layout(hovermode="x unified", legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    fig.update_yaxes(title="在籍人材（人）", tickformat=",d", rangemode="tozero")
    fig.update_xaxes(title="四半期末" + (f"（最後の点は {as_of.isoformat()} 時点）" if as_of else ""),
                     tickformat="%Y-%m")
    return base_layout(fig, height=420,
                       summary=f"在籍人材は{first_last(list(wide.index), total, lambda x: f'{x:,.0f} 人')}")
