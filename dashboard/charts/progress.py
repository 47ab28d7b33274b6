"""Progress page charts: the milestone matrix, the burn-up against all prefectures and coverage by model."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from core.policy import MODELS, POOL, PREFECTURES, SYSTEM
from dashboard.charts.style import base_layout, text_color

# Okabe–Ito: blue = by the deadline, orange = after it, light grey = not yet.
ON_TIME, LATE, NOT_YET = "#0072B2", "#E69F00", "#EEEEEE"
SERIES_COLORS = {SYSTEM: "#0072B2", POOL: "#D55E00"}
MODEL_COLORS = {**dict(zip(MODELS, ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#999999"], strict=True)),
                "未登録": "#BBBBBB"}


def milestone_matrix(df: pd.DataFrame, names: dict[int, str], deadline: dt.date) -> go.Figure:
    """A prefecture × milestone grid: the achieved date in each cell, coloured by the deadline.

    df: one row per prefecture (top to bottom as given) with name and columns m0..m4 holding a date or None.
    """
    cols = [f"m{k}" for k in names]
    z, text = [], []
    for r in df.itertuples():
        zr, tr = [], []
        for c in cols:
            d = getattr(r, c)
            if d is None or pd.isna(d):
                zr.append(0)
                tr.append("")
            else:
                zr.append(2 if d <= deadline else 1)
                tr.append(d.isoformat())
        z.append(zr)
        text.append(tr)
    labels = [f"{k} {v}" for k, v in names.items()]
    fig = go.Figure(go.Heatmap(
        z=z[::-1], x=labels, y=list(df.name)[::-1], text=text[::-1], texttemplate="%{text}",
        textfont={"size": 11}, zmin=0, zmax=2, xgap=2, ygap=2, showscale=False,
        colorscale=[[0, NOT_YET], [1 / 3, NOT_YET], [1 / 3, LATE], [2 / 3, LATE], [2 / 3, ON_TIME], [1, ON_TIME]],
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
    ))
    # A legend for the three colours (heatmaps have none of their own).
    for label, color in ((f"期限（{deadline.isoformat()}）までに達成", ON_TIME), ("期限後に達成", LATE),
                         ("未達", NOT_YET)):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label, showlegend=True,
                                 marker={"symbol": "square", "size": 12, "color": color,
                                         "line": {"color": "#999999", "width": 1}}))
    fig.update_layout(legend={"orientation": "h", "y": 0, "yanchor": "top", "x": 0},
                      plot_bgcolor="white", xaxis={"showline": False}, yaxis={"showline": False})
    fig.update_xaxes(side="top", title=None, showgrid=False)
    fig.update_yaxes(title=None, showgrid=False)
    reached = [sum(getattr(r, c) is not None and not pd.isna(getattr(r, c)) for r in df.itertuples()) for c in cols]
    summary = "到達した都道府県の数：" + "、".join(f"{label} {k}" for label, k in zip(labels, reached, strict=True))
    return base_layout(fig, height=max(300, 21 * len(df) + 130), summary=summary)


def _vline(fig: go.Figure, x: dt.date, label: str, color: str, dash: str, y: float, side: str = "left") -> None:
    # add_vline's own annotation breaks on date axes; draw the line and its label separately.
    fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="paper",
                  line={"color": color, "dash": dash, "width": 2})
    fig.add_annotation(x=x, xref="x", y=y, yref="paper", text=label, showarrow=False, xanchor=side,
                       xshift=4 if side == "left" else -4, font={"color": text_color(color)}, bgcolor="rgba(255,255,255,0.8)")


def burnup(df: pd.DataFrame, names: dict[int, str], as_of: dt.date, deadline: dt.date,
           deadline_label: str, total: int = PREFECTURES) -> go.Figure:
    """Prefectures that reached each milestone over time (steps), against all 47, with the deadline.

    df: milestone, on, reached (cumulative, up to as_of).
    """
    fig = go.Figure()
    start = min(df["on"]) - dt.timedelta(days=30) if not df.empty else min(as_of, deadline) - dt.timedelta(days=365)
    for m in sorted(set(df.milestone) | set(SERIES_COLORS)):
        d = df[df.milestone == m]
        last = int(d.reached.iloc[-1]) if not d.empty else 0
        xs = [start, *d["on"], as_of]
        ys = [0, *d.reached.astype(int), last]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", line_shape="hv", name=f"{m} {names.get(m, '')}（{last}/{total}）",
            line={"color": SERIES_COLORS.get(m, "#555555"), "width": 3},
            hovertemplate="%{x|%Y-%m-%d}: %{y} 都道府県<extra>" + names.get(m, "") + "</extra>",
        ))
        fig.add_trace(go.Scatter(x=[as_of], y=[last], mode="markers+text", text=[f"{last}"],
                                 textposition="middle right", showlegend=False, hoverinfo="skip",
                                 marker={"color": SERIES_COLORS.get(m, "#555555"), "size": 9}))
    fig.add_hline(y=total, line={"color": "#555555", "dash": "dot", "width": 1.5})
    fig.add_annotation(x=0, xref="paper", y=total, text=f"全{total}都道府県", showarrow=False, yshift=10,
                       xanchor="left", font={"color": "#555555"})
    # Labels sit left of their lines, so neither runs off the plot's right edge.
    _vline(fig, deadline, f"{deadline_label}（{deadline.isoformat()}）", "#D55E00", "dash", 0.14, "right")
    if as_of != deadline:
        _vline(fig, as_of, f"{as_of.isoformat()} 時点", "#333333", "dot", 0.05, "right")
    end = max(as_of, deadline) + dt.timedelta(days=60)
    fig.update_xaxes(range=[start, end], tickformat="%Y-%m", title=None)
    fig.update_yaxes(range=[0, total + 4], title="到達した都道府県数", dtick=5)
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    summary = f"{as_of} 時点で到達した都道府県：" + "、".join(t.name for t in fig.data if t.showlegend is not False)
    return base_layout(fig, height=440, summary=summary)


def coverage_by_model(df: pd.DataFrame, models: list[str]) -> go.Figure:
    """Pool coverage of each prefecture, grouped by model (box with every prefecture as a point).

    df: summary.by_prefecture rows (name, model, coverage); a prefecture with no shortage municipality
    has no coverage and is left out, one with no model is 未登録.
    """
    df = df[df.coverage.notna()].assign(model=lambda d: d.model.fillna("未登録"))
    fig = go.Figure()
    for model in [*models, "未登録"]:
        d = df[df.model == model]
        if d.empty:
            continue
        fig.add_trace(go.Box(
            y=d.coverage, name=f"{model}（{len(d)}）", boxpoints="all", jitter=0.4, pointpos=0,
            marker={"color": MODEL_COLORS.get(model, "#777777"), "size": 8},
            line={"color": MODEL_COLORS.get(model, "#777777")}, fillcolor="rgba(0,0,0,0)",
            text=list(d.name), hovertemplate="%{text}: %{y:.1%}<extra></extra>",
        ))
    fig.update_yaxes(tickformat=".0%", range=[-0.02, 1.05], title="人材プールのカバー率")
    fig.update_xaxes(title="モデル（都道府県数）")
    fig.update_layout(showlegend=False)
    medians = [(t.name, float(pd.Series(t.y).median())) for t in fig.data]
    summary = "カバー率の中央値：" + "、".join(f"{name} {value:.0%}" for name, value in medians)
    return base_layout(fig, height=420, summary=summary)
