"""Prefecture page charts: municipality map, staff history, shortage trend, distribution, peers."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from dashboard import formats
from dashboard.charts.style import HIDDEN_BASEMAP, figure, threshold_line
from dashboard.tables import people_text
from dashboard.tiers import tier_colors, tier_labels

if TYPE_CHECKING:
    from dashboard.geo import Shapes

BLUE, ORANGE, GREY, VERMILION = "#0072B2", "#E69F00", "#666666", "#D55E00"  # Okabe–Ito
HIST_CAP = 20  # staff counts above this share one bin, so a few large cities do not flatten the rest


def _staff(x) -> str:
    return "未回答" if x is None or x != x else f"{x:g} 人"  # x != x: NaN


def _short_date(d) -> str:
    return d.strftime("%Y-%m-%d")


def hover_texts(df: pd.DataFrame, history: pd.DataFrame) -> list[str]:
    """Name, kind, staff on each base date and assigned talent, one string per row of df."""
    # Plain lists, not itertuples/groupby: this runs on every rerun for up to 179 rows × dates.
    lines: dict[str, list[str]] = {}
    for code, date, staff in zip(history.lg_code.tolist(), history.base_date.tolist(),
                                 history.dx_staff.tolist(), strict=True):
        lines.setdefault(code, []).append(f"{_short_date(date)}: {_staff(staff)}")
    return ["<br>".join([f"<b>{name}</b>（{kind}）", *lines.get(code, []), f"支援人材（割当中）: {people_text(talent)}"])
            for code, name, kind, talent in zip(df.lg_code.tolist(), df.name.tolist(), df.kind.tolist(),
                                                df.talent.tolist(), strict=True)]


def far_islands(df: pd.DataFrame, factor: float = 3.0) -> pd.Series:
    """True for municipalities far from the prefecture's core (東京都's islands, 沖縄県's 先島):
    town halls farther from the median position than factor × the 75th-percentile distance.
    The map opens on the rest, so the core is not shrunk to a corner."""
    lat0, lng0 = df.lat.median(), df.lng.median()
    dist = ((df.lat - lat0) ** 2 + ((df.lng - lng0) * math.cos(math.radians(lat0))) ** 2) ** 0.5
    return dist > factor * dist.quantile(0.75)


def _focus(df: pd.DataFrame) -> dict:
    """Geo layout zoomed to the prefecture; far islands are left outside the first view (users
    can pan to them)."""
    far = far_islands(df)
    if not far.any():
        return HIDDEN_BASEMAP
    core = df[~far]
    pad_lat = (core.lat.max() - core.lat.min()) * 0.15 + 0.05
    pad_lng = (core.lng.max() - core.lng.min()) * 0.15 + 0.05
    return {**HIDDEN_BASEMAP, "fitbounds": False,
            "lataxis": {"range": [core.lat.min() - pad_lat, core.lat.max() + pad_lat]},
            "lonaxis": {"range": [core.lng.min() - pad_lng, core.lng.max() + pad_lng]}}


def _marker_size(staff: pd.Series) -> list[float]:
    return [6.0 if pd.isna(s) else min(28.0, 6.0 + 4.0 * math.sqrt(max(float(s), 0.0))) for s in staff]


def municipality_map(df: pd.DataFrame, history: pd.DataFrame, n: int, shapes: Shapes | None = None) -> go.Figure:
    """The prefecture's municipalities coloured by staff tier, zoomed to the prefecture (far islands
    outside the first view, see far_islands).

    With boundaries (shapes, dashboard.geo): polygons, one trace per tier (so the legend names
    them), labelled with the staff count. Without: points at the town hall, sized by staff.
    Every trace carries lg_code as customdata, so a selection names the municipality.
    """
    colors = tier_colors(n)
    df = df.assign(hover=hover_texts(df, history))
    ids = shapes.ids if shapes else frozenset()
    polygons = df[df.lg_code.isin(ids)]
    points = df[~df.lg_code.isin(ids)]
    data: list[dict] = []
    for label in tier_labels(n):
        d = polygons[polygons.tier == label]
        if d.empty:
            continue
        data.append({
            "type": "choropleth", "geojson": shapes.subset(d.lg_code), "locations": d.lg_code,
            "z": [0] * len(d), "featureidkey": "id", "colorscale": [[0, colors[label]], [1, colors[label]]],
            "showscale": False, "showlegend": True, "name": f"{label}（{len(d)}）", "legendgroup": label,
            "marker": {"line": {"width": 0.5, "color": "white"}},
            "text": d.hover, "hovertemplate": "%{text}<extra></extra>", "customdata": d.lg_code,
        })
    if not polygons.empty:  # staff counts as labels on the polygons
        data.append({
            "type": "scattergeo", "lon": polygons.lng, "lat": polygons.lat, "mode": "text", "showlegend": False,
            "hoverinfo": "skip", "text": ["" if pd.isna(s) else f"{s:g}" for s in polygons.dx_staff],
            "textfont": {"size": 9, "color": "#222"}, "customdata": polygons.lg_code,
        })
    for label in tier_labels(n):
        d = points[points.tier == label]
        if d.empty:
            continue
        data.append({
            "type": "scattergeo", "lon": d.lng, "lat": d.lat, "mode": "markers", "name": f"{label}（{len(d)}）",
            "legendgroup": label, "showlegend": bool(polygons.empty or not (polygons.tier == label).any()),
            "marker": {"size": _marker_size(d.dx_staff), "color": colors[label], "opacity": 0.9,
                       "line": {"width": 0.6, "color": "#333"}},
            "text": d.hover, "hovertemplate": "%{text}<extra></extra>", "customdata": d.lg_code,
        })
    layout = {"legend": {"title": {"text": "DX担当職員数"}, "itemsizing": "constant"},
              "clickmode": "event+select", "geo": _focus(df)}
    return figure(data, layout, height=620)


def staff_history(hist: pd.DataFrame, n: int, name: str) -> go.Figure:
    """One municipality's staff on every base date, against the shortage threshold."""
    x = pd.to_datetime(hist.base_date)
    top = max([n + 1.0, *[float(s) for s in hist.dx_staff.dropna()]])
    return figure([{
        "type": "scatter", "x": x, "y": hist.dx_staff, "mode": "lines+markers+text", "name": name,
        "line": {"color": BLUE, "width": 3}, "marker": {"size": 9},
        "text": ["未回答" if pd.isna(s) else f"{s:g}" for s in hist.dx_staff], "textposition": "top center",
        "hovertemplate": "%{x|%Y-%m-%d}: %{y} 人<extra></extra>",
    }], {
        **threshold_line("y", n, f"不足の基準（{n}人以下）", VERMILION),
        "yaxis": {"title": {"text": "DX担当職員数（人）"}, "rangemode": "tozero", "range": [0, top * 1.25]},
        "xaxis": {"title": {"text": "調査基準日"}, "tickformat": "%Y-%m-%d", "tickvals": x},
    }, height=340)


def shortage_trend(trend: pd.DataFrame, pref_name: str, n: int) -> go.Figure:
    """The prefecture's shortage share on every base date against the national line."""
    x = pd.to_datetime(trend.base_date)
    return figure([
        {"type": "scatter", "x": x, "y": trend.pref_share, "name": pref_name, "mode": "lines+markers",
         "line": {"color": BLUE, "width": 3},
         "hovertemplate": "%{x|%Y-%m-%d}: %{y:.1%}<extra>" + pref_name + "</extra>"},
        {"type": "scatter", "x": x, "y": trend.national_share, "name": "全国", "mode": "lines+markers",
         "line": {"color": GREY, "width": 2, "dash": "dash"},
         "hovertemplate": "%{x|%Y-%m-%d}: %{y:.1%}<extra>全国</extra>"},
    ], {
        "yaxis": {"title": {"text": f"{n}人以下の割合"}, "tickformat": ".0%", "rangemode": "tozero"},
        "xaxis": {"title": {"text": "調査基準日"}, "tickformat": "%Y-%m-%d", "tickvals": x},
        "legend": {"orientation": "h", "y": -0.25},
    }, height=380)


def staff_distribution(pref_staff: pd.Series, national_staff: pd.Series, pref_name: str, n: int) -> go.Figure:
    """Share of municipalities by staff count, the prefecture against the nation (未回答 left out)."""
    data = []
    for values, name, color in ((national_staff, "全国", GREY), (pref_staff, pref_name, BLUE)):
        v = values.dropna().clip(upper=HIST_CAP)
        data.append({
            "type": "histogram", "x": v, "name": f"{name}（{len(v):,} 団体）", "histnorm": "percent",
            "marker": {"color": color}, "xbins": {"start": -0.5, "end": HIST_CAP + 0.5, "size": 1},
            "hovertemplate": "%{x} 人前後: %{y:.1f}%<extra>" + name + "</extra>",
        })
    return figure(data, {
        **threshold_line("x", n + 0.5, f"← {n}人以下", VERMILION),
        "barmode": "group", "bargap": 0.15, "legend": {"orientation": "h", "y": -0.25},
        "xaxis": {"title": {"text": f"DX担当職員数（人、{HIST_CAP}人以上は右端にまとめる）"}, "dtick": 2},
        "yaxis": {"title": {"text": "市区町村の割合（%）"}},
    }, height=380)


def peer_comparison(df: pd.DataFrame, n: int) -> go.Figure:
    """Shortage share and pool coverage: the prefecture, its 3 most similar peers and the nation.

    df: name, shortage_share, coverage (one row per bar group, in display order).
    """
    bar = {"type": "bar", "x": df.name, "textposition": "outside", "cliponaxis": False,
           "hovertemplate": "%{x}: %{text}<extra>%{fullData.name}</extra>"}
    return figure([
        {**bar, "y": df.shortage_share, "name": f"{n}人以下の割合", "marker": {"color": BLUE},
         "text": [formats.share(x) for x in df.shortage_share]},
        {**bar, "y": df.coverage, "name": "プールのカバー率", "marker": {"color": ORANGE},
         "text": [formats.share(x) for x in df.coverage]},
    ], {"yaxis": {"tickformat": ".0%", "range": [0, 1.1]}, "barmode": "group",
        "legend": {"orientation": "h", "y": -0.2}}, height=380)
