"""National page charts: prefecture choropleth, ranked bars, municipality tiers."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import formats
from dashboard.charts.style import DIVERGING, SEQUENTIAL, base_layout, hide_basemap
from dashboard.metrics import NOT_COMPUTED, Metric
from dashboard.tiers import tier_colors, tier_labels


def metric_text(m: Metric, value) -> str:
    if m.needs_population and (value is None or pd.isna(value)):
        return NOT_COMPUTED
    if m.kind == "share":
        return formats.share(value)
    if m.kind == "change":
        return formats.points(value)
    return formats.number(value, 2 if m.key == "pool_per_shortage" else 1)


def _hover(df: pd.DataFrame, m: Metric, n: int) -> list[str]:
    if m.source == "indicators":  # a real-data map shows real figures only, never the sample's
        return [f"<b>{r.name}</b>（{r.region}）<br>{m.label}: {metric_text(m, getattr(r, m.key))}<br>"
                f"実施 {formats.count(getattr(r, m.key + '_done'))} / 回答 {formats.count(getattr(r, m.key + '_answered'))} "
                "団体（調査無しを除く）" for r in df.itertuples()]
    out = []
    for r in df.itertuples():
        lines = [
            f"<b>{r.name}</b>（{r.region}）",
            f"{m.label}: {metric_text(m, getattr(r, m.key))}",
            f"{n}人以下: {formats.count(r.shortage)} / 回答 {formats.count(r.surveyed)} 団体"
            f"（{formats.share(r.shortage_share)}）",
            f"1人以下: {formats.count(r.severe)}　0人: {formats.count(r.zero)}",
            f"職員数の中央値: {formats.number(r.median_staff)} 人",
            f"人材プール: {formats.count(r.pool_talent)} 人",
        ]
        out.append("<br>".join(lines))
    return out


def prefecture_choropleth(df: pd.DataFrame, geojson: str | dict, m: Metric, n: int) -> go.Figure:
    """One shape per prefecture in df, coloured by m; hover shows the exact figures."""
    values = df[m.key].astype(float)
    diverging = m.kind == "change"
    bound = float(values.abs().max()) if diverging and values.notna().any() else None
    colorbar = {"title": {"text": m.label.replace("（", "<br>（")},
                "tickformat": ".0%" if m.kind == "share" else (".1%" if diverging else ",.1f")}
    fig = go.Figure(go.Choropleth(
        geojson=geojson, locations=df.prefecture_code, z=values, featureidkey="id",
        colorscale=DIVERGING if diverging else SEQUENTIAL,
        zmin=-bound if bound else None, zmax=bound if bound else None, zmid=0 if diverging else None,
        marker={"line": {"color": "white", "width": 0.6}}, colorbar=colorbar,
        text=_hover(df, m, n), hovertemplate="%{text}<extra></extra>",
        customdata=df.prefecture_code,
    ))
    blank = df[values.isna()]
    if m.needs_population and not blank.empty:  # 未算出 in grey, never left out of the map
        fig.add_trace(go.Choropleth(
            geojson=geojson, locations=blank.prefecture_code, z=[0] * len(blank), featureidkey="id",
            colorscale=[[0, "#d9d9d9"], [1, "#d9d9d9"]], showscale=False,
            marker={"line": {"color": "white", "width": 0.6}},
            text=_hover(blank, m, n), hovertemplate="%{text}<extra></extra>", customdata=blank.prefecture_code,
        ))
    return hide_basemap(base_layout(fig, height=620))


def ranked_bars(df: pd.DataFrame, m: Metric, order: str = "value") -> go.Figure:
    """The prefectures as horizontal bars, by value or in JIS order."""
    d = df.copy()
    d = d.sort_values(m.key, ascending=True, na_position="first") if order == "value" else d.iloc[::-1]
    # 未算出 (per capita without full population coverage) is written at zero, without a bar
    x = d[m.key].fillna(0) if m.needs_population else d[m.key]
    fig = go.Figure(go.Bar(
        x=x, y=d.name, orientation="h", marker={"color": "#0072B2"},
        text=[metric_text(m, x) for x in d[m.key]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{text}<extra></extra>", customdata=d.prefecture_code,
    ))
    fig.update_xaxes(tickformat=".0%" if m.kind == "share" else (".1%" if m.kind == "change" else ",.1f"),
                     title=m.label)
    fig.update_yaxes(title=None)
    return base_layout(fig, height=max(320, 22 * len(d) + 80))


def municipality_points(df: pd.DataFrame, n: int) -> go.Figure:
    """1,741 points at each municipality's lat/lng, coloured by staff tier."""
    colors = tier_colors(n)
    fig = go.Figure()
    for label in tier_labels(n):
        d = df[df.tier == label]
        fig.add_trace(go.Scattergeo(
            lon=d.lng, lat=d.lat, mode="markers", name=f"{label}（{len(d):,}）",
            marker={"size": 5, "color": colors[label], "line": {"width": 0.3, "color": "#333"}},
            text=[f"<b>{r.pref_name}{r.name}</b><br>{r.kind}<br>DX担当職員: "
                  f"{'未回答' if pd.isna(r.dx_staff) else f'{r.dx_staff:g} 人'}" for r in d.itertuples()],
            hovertemplate="%{text}<extra></extra>",
        ))
    fig.update_layout(legend={"title": {"text": "DX担当職員数"}, "itemsizing": "constant"})
    fig.update_geos(visible=False, projection_type="mercator", lataxis_range=[24, 46], lonaxis_range=[122, 149])
    return base_layout(fig, height=620)


def municipality_choropleth(df: pd.DataFrame, geojson: str | dict, n: int) -> go.Figure:
    """Municipality polygons coloured by tier (once boundaries are loaded)."""
    colors = tier_colors(n)
    labels = tier_labels(n)
    code_of = {label: i for i, label in enumerate(labels)}
    z = df.tier.map(code_of).astype(float)
    k = len(labels)
    scale = []
    for i, label in enumerate(labels):
        scale += [[i / k, colors[label]], [(i + 1) / k, colors[label]]]
    fig = go.Figure(go.Choropleth(
        geojson=geojson, locations=df.lg_code, z=z, featureidkey="id", zmin=0, zmax=k,
        colorscale=scale, marker={"line": {"width": 0.2, "color": "white"}},
        colorbar={"title": {"text": "DX担当職員数"}, "tickvals": [i + 0.5 for i in range(k)], "ticktext": labels},
        text=[f"<b>{r.pref_name}{r.name}</b><br>{r.kind}<br>DX担当職員: "
              f"{'未回答' if pd.isna(r.dx_staff) else f'{r.dx_staff:g} 人'}" for r in df.itertuples()],
        hovertemplate="%{text}<extra></extra>",
    ))
    return hide_basemap(base_layout(fig, height=620))
