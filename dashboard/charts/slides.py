"""Chart builders for slides (presentation mode, PowerPoint, PNG): DataFrame in, figure out.

Sized for a 16:9 screen: 47 prefectures in three columns, large type, one message per chart.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.policy import DEADLINE, DEADLINE_LABEL
from core.policy import PREFECTURES as GOAL
from dashboard import formats
from dashboard.charts.style import FONT, base_layout, text_color
from dashboard.charts.summaries import first_last, high_low

# Okabe–Ito (colour-blind safe)
BLUE, ORANGE, VERMILION, GREEN, SKY, GREY = "#0072B2", "#E69F00", "#D55E00", "#009E73", "#56B4E9", "#999999"
# Readable from the back of a room: no text under 14 pt on a slide shown at 1280×720, where a CSS
# pixel is 1/96 inch, so 14 pt = 14 × 96 / 72 ≈ 18.7 px. Slide figures are drawn at the size they
# take on such a screen (presentation mode, and exports.deck's pictures), so px here are px there.
READABLE_PT = 14
MIN_FONT_PX = math.ceil(READABLE_PT * 96 / 72)  # 19
SLIDE_FONT = 20
SLIDE_HEIGHT = 560


def _raise_fonts(node, floor: int) -> None:
    """Every font size in a figure spec (tick, legend, annotation, text, colour bar …) at least floor."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                size = value["size"]
                if isinstance(size, int | float) and size < floor:
                    value["size"] = floor
                elif isinstance(size, list | tuple):
                    value["size"] = [max(x, floor) if isinstance(x, int | float) else x for x in size]
            _raise_fonts(value, floor)
    elif isinstance(node, list):
        for value in node:
            _raise_fonts(value, floor)


def slide_style(fig: go.Figure, height: int = SLIDE_HEIGHT, font_size: int = SLIDE_FONT) -> go.Figure:
    """A copy of fig with projector-sized type: font_size by default and no text under MIN_FONT_PX,
    wherever the figure came from (a map with its own tick or label sizes included). Plotly would
    shrink bar labels to fit a thin bar (constraintext) or a segment (uniformtext): not on a slide."""
    spec = fig.to_dict()
    _raise_fonts(spec, MIN_FONT_PX)
    for trace in spec.get("data", []):
        if trace.get("type") in ("bar", "funnel", "waterfall"):
            trace["constraintext"] = "none"
    out = go.Figure(spec)
    out.update_layout(height=height, font={"family": FONT, "size": max(font_size, MIN_FONT_PX)},
                      legend={"font": {"size": max(font_size, MIN_FONT_PX)}},
                      hoverlabel={"font": {"size": max(font_size, MIN_FONT_PX)}},
                      uniformtext={"minsize": MIN_FONT_PX, "mode": "show"})
    # Room for the larger tick labels wherever the figure is drawn (the page's theme or none).
    out.update_xaxes(automargin=True)
    out.update_yaxes(automargin=True)
    return out


def _text(kind: str, value) -> str:
    if kind == "share":
        return formats.share(value)
    if kind == "change":
        return formats.points(value)
    return formats.number(value, 1)


def _tickformat(kind: str) -> str:
    return {"share": ".0%", "change": ".1%"}.get(kind, ",.1f")


def ranked_columns(df: pd.DataFrame, column: str, label: str, kind: str = "share",
                   descending: bool = True, color: str = BLUE, missing: str | None = None,
                   columns: int = 3, average: float | None = None) -> go.Figure:
    """All prefectures ranked by column, side by side in `columns` columns so 47 bars fit a 16:9
    slide with labels at projector size (16 rows a column leave each label its own line).
    missing: the text written (at zero, without a bar) where the value is not computed;
    average: the national value, drawn as a dashed line in every column."""
    d = df[["name", column]].copy()
    d = d.sort_values(column, ascending=not descending, na_position="last").reset_index(drop=True)
    d["label"] = [f"{i + 1}. {name}" for i, name in enumerate(d.name)]
    per = math.ceil(len(d) / columns) if len(d) else 1
    parts = [d.iloc[i:i + per] for i in range(0, max(len(d), 1), per)]
    fig = make_subplots(rows=1, cols=len(parts), horizontal_spacing=0.11)
    values = d[column].astype(float)
    known = [*values.dropna(), *([float(average)] if average is not None and not pd.isna(average) else [])]
    top = max(known) if known else 1.0
    low = min(0.0, min(known)) if known else 0.0
    for col, part in enumerate(parts, start=1):
        fig.add_trace(go.Bar(
            x=part[column].fillna(0) if missing else part[column], y=part.label, orientation="h",
            marker={"color": color}, textposition="outside", cliponaxis=False, constraintext="none",
            text=[missing if missing and pd.isna(x) else _text(kind, x) for x in part[column]],
            hovertemplate="%{y}: %{text}<extra></extra>", showlegend=False,
        ), row=1, col=col)
        # Every column keeps the same number of rows, so bars line up across columns.
        # Reversed (first place on top), every label shown (plotly would skip every other one), one
        # row per label at MIN_FONT_PX.
        fig.update_yaxes(range=[per - 0.5, -0.5], tickmode="array", tickvals=list(part.label),
                         ticktext=list(part.label), tickfont={"size": MIN_FONT_PX}, ticklabelstandoff=4,
                         row=1, col=col)
        fig.update_xaxes(range=[low * 1.3, top * 1.45 if top > 0 else 1], tickformat=_tickformat(kind),
                         nticks=3, row=1, col=col)
        if kind == "share" and low == 0:  # no tick beyond 100%
            fig.update_xaxes(tickvals=[x / 2 for x in range(3)] if top > 0.5 else None, row=1, col=col)
    has_average = average is not None and not pd.isna(average)
    if has_average:
        for col in range(1, len(parts) + 1):
            axis = "x" if col == 1 else f"x{col}"
            domain = f"{axis.replace('x', 'y')} domain"
            fig.add_shape(type="line", x0=average, x1=average, xref=axis, y0=0, y1=1, yref=domain,
                          line={"color": "#262730", "width": 1.5, "dash": "dash"}, layer="below")  # under the value labels
            fig.add_annotation(x=average, xref=axis, y=1, yref=domain, yanchor="bottom",
                               text=f"全国 {_text(kind, average)}", showarrow=False, bgcolor="white")
    summary = high_low(d.name, d[column], lambda x: _text(kind, x), average, f"{label}：")
    base_layout(fig, height=SLIDE_HEIGHT, summary=summary)
    # One axis title for the three columns, top left, at the slide's body size; pad: CJK glyphs rise
    # above plotly's estimate of the line, and were cut at the figure's top edge. The 全国 labels sit
    # between it and the bars.
    fig.update_layout(bargap=0.3, margin={"t": 76 if has_average else 46},
                      title={"text": label, "x": 0, "xanchor": "left", "y": 1, "yanchor": "top", "yref": "container",
                             "font": {"size": SLIDE_FONT}, "pad": {"t": 8}})
    return fig


def trend(df: pd.DataFrame, label: str = "不足自治体の割合") -> go.Figure:
    """Shares over base dates, one line per series (columns: base_date, series, value, count, surveyed)."""
    fig = go.Figure()
    colors = [BLUE, ORANGE, GREEN, VERMILION]
    sides = label_sides(df)
    for i, (name, part) in enumerate(df.groupby("series", sort=False)):
        part = part.sort_values("base_date")
        fig.add_trace(go.Scatter(
            x=part.base_date, y=part.value, mode="lines+markers+text", name=str(name),
            line={"color": colors[i % len(colors)], "width": 3, "dash": "solid" if i == 0 else "dash"},
            marker={"size": 9, "symbol": ["circle", "diamond", "square", "triangle-up"][i % 4]},
            text=[formats.share(x) for x in part.value], textposition=[sides.get((name, d), "top center") for d in part.base_date],
            customdata=list(zip(part["count"], part.surveyed, strict=True)),
            hovertemplate="%{x|%Y-%m-%d}: %{text}（%{customdata[0]:,} / %{customdata[1]:,} 団体）<extra>"
                          + str(name) + "</extra>",
        ))
    values = df.value.astype(float)
    top = float(values.max()) if values.notna().any() else 1.0
    fig.update_yaxes(tickformat=".0%", range=[0, max(0.1, top * 1.25)], title={"text": label})
    fig.update_xaxes(tickformat="%Y-%m-%d", tickvals=sorted(df.base_date.unique()), title=None)
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    summary = "、".join(f"{name}は{first_last(part.base_date, part.value, formats.share)}"
                       for name, part in df.groupby("series", sort=False))
    return base_layout(fig, height=SLIDE_HEIGHT, summary=f"{label}：{summary}")


def label_sides(df: pd.DataFrame) -> dict[tuple[object, object], str]:
    """(series, base_date) → where its value label goes: above the point when the value is at least
    the other series' mean on that date, else below. Two close lines then keep their labels apart
    on every date, whichever is higher where (a fixed side per series put both labels between the
    lines wherever the second one was above the first)."""
    values = df.pivot_table(index="base_date", columns="series", values="value", aggfunc="first", sort=False)
    sides = {}
    for date, row in values.iterrows():
        for name, value in row.items():
            others = row.drop(name).dropna()
            below = pd.notna(value) and len(others) > 0 and value < others.mean()
            sides[name, date] = "bottom center" if below else "top center"
    return sides


def _deadline(fig: go.Figure, top: float) -> None:
    fig.add_shape(type="line", x0=DEADLINE, x1=DEADLINE, y0=0, y1=top, yref="y",
                  line={"color": VERMILION, "width": 2, "dash": "dash"})
    fig.add_annotation(x=DEADLINE, y=top, yref="y", text=f"{DEADLINE_LABEL}<br>（{DEADLINE.isoformat()}）",
                       showarrow=False, xanchor="right", yanchor="top", xshift=-6,
                       font={"color": text_color(VERMILION)})


def burnup(df: pd.DataFrame, as_of: dt.date) -> go.Figure:
    """Prefectures that reached milestones 2 (体制) and 3 (人材プール), cumulative, against 47 by
    the FY2025 deadline. df: one row per prefecture with system_on and pool_on (dates or NaT)."""
    fig = go.Figure()
    stamp = pd.Timestamp(as_of)
    dates = pd.concat([pd.to_datetime(df.system_on), pd.to_datetime(df.pool_on)]).dropna()
    start = (dates.min() if len(dates) else pd.Timestamp(DEADLINE) - pd.Timedelta(days=730)) - pd.Timedelta(days=60)
    end = max(stamp, pd.Timestamp(DEADLINE)) + pd.Timedelta(days=60)
    deadline = pd.Timestamp(DEADLINE)
    for column, name, color in (("system_on", "地域DX推進体制を構築（マイルストーン2）", BLUE),
                                ("pool_on", "人材プール機能を確保（マイルストーン3）", GREEN)):
        reached = pd.to_datetime(df[column]).dropna().sort_values()
        reached = reached[reached <= stamp]
        xs = [start, *reached, stamp]
        ys = [0, *range(1, len(reached) + 1), len(reached)]
        count = f"{len(reached)} / {GOAL}"
        by_deadline = int((reached <= deadline).sum())
        if stamp > deadline:  # the result at the deadline first, then where it stands now
            count = f"期限時点 {by_deadline} → {stamp:%Y-%m-%d} 時点 {count}"
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": color, "width": 3, "shape": "hv"},
                                 name=f"{name}：{count}", hovertemplate="%{x|%Y-%m-%d}: %{y} 都道府県<extra></extra>"))
        if stamp > deadline:  # marked on the line at the deadline
            fig.add_trace(go.Scatter(x=[deadline], y=[by_deadline], mode="markers", showlegend=False,
                                     hovertemplate=f"{DEADLINE_LABEL}時点: %{{y}} 都道府県<extra></extra>",
                                     marker={"color": color, "size": 13, "line": {"color": "white", "width": 2}}))
    fig.add_shape(type="line", x0=start, x1=end, y0=GOAL, y1=GOAL, line={"color": GREY, "width": 2, "dash": "dot"})
    fig.add_annotation(x=start, y=GOAL, text=f"目標 {GOAL} 都道府県", showarrow=False, xanchor="left",
                       yanchor="bottom", font={"color": "#555"})
    _deadline(fig, GOAL + 5)
    fig.update_yaxes(range=[0, GOAL + 6], tickvals=list(range(0, GOAL, 10)), title={"text": "到達した都道府県の数"})
    fig.update_xaxes(range=[start, end], tickformat="%Y-%m", title=None)
    fig.update_layout(legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0})
    return base_layout(fig, height=SLIDE_HEIGHT, summary=f"{as_of} 時点で" + "、".join(t.name for t in fig.data if t.name))


def coverage_bars(df: pd.DataFrame) -> go.Figure:
    """Shortage municipalities with and without pool support, as shares (columns: label, covered, shortage).
    The figures are written above each bar, not inside its segments, which can be too thin to read."""
    d = df.iloc[::-1]
    shortage = d.shortage.astype(float)
    covered = d.covered.astype(float)
    share = covered / shortage.where(shortage > 0)
    fig = go.Figure()
    for name, count, part, color in (("人材の支援あり", covered, share, BLUE),
                                     ("支援なし", shortage - covered, 1 - share, ORANGE)):
        fig.add_trace(go.Bar(
            y=list(range(len(d))), x=part, orientation="h", name=name, marker={"color": color}, width=0.45,
            customdata=[formats.count(c) for c in count],
            text=list(d.label), hovertemplate="%{text} " + name + ": %{customdata} 団体（%{x:.1%}）<extra></extra>",
            textposition="none",
        ))
    for i, (label, c, n, sh) in enumerate(zip(d.label, covered, shortage, share, strict=True)):
        # Above its bar (bars are 0.45 of a category high, centred on the category's index).
        fig.add_annotation(x=0, y=i + 0.26, xanchor="left", yanchor="bottom", showarrow=False,
                           text=f"{label}：支援あり {formats.count(c)} / 不足 {formats.count(n)} 団体（{formats.share(sh)}）")
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                                               "traceorder": "normal"})
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title={"text": "不足自治体に占める割合"})
    fig.update_yaxes(showticklabels=False, range=[-0.5, len(d) - 0.2])
    summary = "、".join(f"{r.label}は不足自治体 {formats.count(r.shortage)} 団体のうち {formats.count(r.covered)} 団体"
                       f"（{formats.share(r.covered / r.shortage if r.shortage else None)}）に人材の支援あり"
                       for r in df.itertuples())
    return base_layout(fig, height=SLIDE_HEIGHT, summary=summary)


def milestone_timeline(df: pd.DataFrame, names: dict[int, str], as_of: dt.date) -> go.Figure:
    """One prefecture's milestones 0–4 on a time axis, with the FY2025 deadline.
    df: milestone, achieved_on. Reached by as_of = filled, dated later = 予定, none = 未到達."""
    stamp = pd.Timestamp(as_of)
    dates = pd.to_datetime(df.achieved_on).dropna()
    start = (dates.min() if len(dates) else pd.Timestamp(DEADLINE) - pd.Timedelta(days=730)) - pd.Timedelta(days=90)
    end = max(stamp, pd.Timestamp(DEADLINE), dates.max() if len(dates) else stamp) + pd.Timedelta(days=120)
    when = dict(zip(df.milestone.astype(int), pd.to_datetime(df.achieved_on), strict=True))
    labels = [f"{k} {names[k]}" for k in sorted(names)]
    fig = go.Figure()
    groups = {"到達": ([], [], []), "予定": ([], [], []), "未到達": ([], [], [])}
    for k, label in zip(sorted(names), labels, strict=True):
        d = when.get(k)
        if d is None or pd.isna(d):
            groups["未到達"][0].append(end - pd.Timedelta(days=60))
            groups["未到達"][1].append(label)
            groups["未到達"][2].append("未到達")
        else:
            key = "到達" if d <= stamp else "予定"
            groups[key][0].append(d)
            groups[key][1].append(label)
            groups[key][2].append(f"{d:%Y-%m-%d}" + ("" if key == "到達" else "（予定）"))
    styles = {"到達": ("circle", BLUE), "予定": ("circle-open", BLUE), "未到達": ("x-thin-open", VERMILION)}
    for key, (xs, ys, texts) in groups.items():
        if not xs:
            continue
        symbol, color = styles[key]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", name=key, text=texts, textposition="middle right",
                                 marker={"symbol": symbol, "size": 16, "color": color, "line": {"width": 2, "color": color}},
                                 hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.add_shape(type="line", x0=DEADLINE, x1=DEADLINE, y0=-0.5, y1=len(labels) - 0.5,
                  line={"color": VERMILION, "width": 2, "dash": "dash"})
    fig.add_annotation(x=DEADLINE, y=len(labels) - 0.5, text=f"{DEADLINE_LABEL}（{DEADLINE.isoformat()}）",
                       showarrow=False, xanchor="right", yanchor="bottom", font={"color": text_color(VERMILION)})
    fig.update_yaxes(categoryorder="array", categoryarray=labels, range=[-0.5, len(labels) - 0.2], title=None)
    fig.update_xaxes(range=[start, end], tickformat="%Y-%m", title=None)
    fig.update_layout(legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0})
    summary = "、".join(f"{key} {len(group[1])}" for key, group in groups.items() if group[1]) + f"（{as_of} 時点）"
    return base_layout(fig, height=SLIDE_HEIGHT, summary=f"マイルストーン0〜4のうち{summary}")
