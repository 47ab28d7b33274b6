"""The cross view: municipalities with few DX staff AND no external talent AND no organisation-wide
set-up (dashboard.queries.indicators.most_in_need rows), as a map layer and counts by prefecture."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import formats
from dashboard.charts.style import LEGEND_BELOW, base_layout, colorbar_below, hide_basemap
from dashboard.charts.summaries import counts

NEED, OTHER, UNJUDGED = "最も支援が必要", "該当しない", "判定できない（未回答・調査無し）"
# Okabe–Ito vermilion for the municipalities in need; greys for the rest (colour-vision safe).
COLORS = {NEED: "#D55E00", OTHER: "#D9E3EC", UNJUDGED: "#F2F2F2"}


def status(munis: pd.DataFrame) -> pd.Series:
    return pd.Series([NEED if need else OTHER if judged else UNJUDGED
                      for need, judged in zip(munis.need, munis.judged, strict=True)], index=munis.index)


def _yes_no(x) -> str:
    return "調査無し" if x is None or pd.isna(x) else ("実施" if x else "未実施")


def _hover(munis: pd.DataFrame, n: int) -> list[str]:
    return [f"<b>{r.pref_name}{r.name}</b><br>DX担当職員: {'未回答' if pd.isna(r.dx_staff) else f'{r.dx_staff:g} 人'}"
            f"（基準 {n}人以下）<br>外部人材活用: {_yes_no(r.ext_talent)}<br>全庁的な体制構築: {_yes_no(r.org_wide)}"
            for r in munis.itertuples()]


def need_map(munis: pd.DataFrame, geojson: str | dict | None, n: int) -> go.Figure:
    """Municipalities in need in vermilion over the others (polygons, or town-hall points when
    boundaries are not loaded)."""
    labels = status(munis)
    order = [NEED, OTHER, UNJUDGED]
    summary = counts((label, int((labels == label).sum())) for label in order)
    if geojson is not None:
        code = {label: i for i, label in enumerate(order)}
        scale = []
        for i, label in enumerate(order):
            scale += [[i / 3, COLORS[label]], [(i + 1) / 3, COLORS[label]]]
        fig = go.Figure(go.Choropleth(
            geojson=geojson, locations=munis.lg_code, z=labels.map(code).astype(float), featureidkey="id",
            zmin=0, zmax=3, colorscale=scale, marker={"line": {"width": 0.2, "color": "white"}},
            colorbar=colorbar_below("区分（団体数）", tickvals=[0.5, 1.5, 2.5],
                                    ticktext=[f"{lab}（{int((labels == lab).sum()):,}）" for lab in order]),
            text=_hover(munis, n), hovertemplate="%{text}<extra></extra>"))
        return hide_basemap(base_layout(fig, height=620, summary=summary))
    fig = go.Figure()
    for label in reversed(order):  # the ones in need drawn last, on top
        d = munis[labels == label]
        fig.add_trace(go.Scattergeo(
            lon=d.lng, lat=d.lat, mode="markers", name=f"{label}（{len(d):,}）", text=_hover(d, n),
            hovertemplate="%{text}<extra></extra>",
            marker={"size": 7 if label == NEED else 4, "color": COLORS[label], "line": {"width": 0.3, "color": "#555"}}))
    fig.update_layout(legend={**LEGEND_BELOW, "title": {"text": "区分", "side": "top"}, "itemsizing": "constant"})
    fig.update_geos(visible=False, projection_type="mercator", fitbounds="locations")
    return base_layout(fig, height=620, summary=summary)


def need_bars(by_pref: pd.DataFrame) -> go.Figure:
    """Municipalities in need per prefecture (by_pref: indicators.need_by_prefecture rows), most first."""
    d = by_pref.sort_values(["need", "prefecture_code"], ascending=[True, False])
    text = [f"{formats.count(r.need)}（判定 {formats.count(r.judged)} 団体の {formats.share(r.need_share)}）"
            for r in d.itertuples()]
    fig = go.Figure(go.Bar(x=d.need, y=d.name, orientation="h", marker={"color": COLORS[NEED]}, text=text,
                           textposition="outside", cliponaxis=False, customdata=d.prefecture_code,
                           hovertemplate="%{y}: %{text}<extra></extra>"))
    top = max(1.0, float(d.need.max()) if len(d) else 1.0)
    fig.update_xaxes(title="最も支援が必要な市区町村（団体）", range=[0, top * 1.6])  # room for the labels
    fig.update_yaxes(title=None)
    most = d.sort_values(["need", "prefecture_code"], ascending=[False, True]).head(3)
    summary = (f"最も支援が必要な市区町村は計 {formats.count(d.need.sum())} 団体。多いのは"
               + "、".join(f"{r.name} {formats.count(r.need)}" for r in most.itertuples()) + " 団体")
    return base_layout(fig, height=max(320, 22 * len(d) + 80), summary=summary)
