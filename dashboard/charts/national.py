"""National page charts: prefecture choropleth, ranked bars, municipality tiers."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import formats
from dashboard.charts.style import (
    HIDDEN_BASEMAP,
    LEGEND_BELOW,
    TEXT,
    base_layout,
    colorbar_below,
    figure,
    hide_basemap,
    threshold_line,
)
from dashboard.charts.summaries import counts, high_low
from dashboard.metrics import NOT_COMPUTED, Metric
from dashboard.tiers import tier_colors, tier_labels

# Dark means worse on every map, whichever way a metric runs (cividis is built for colour-vision
# deficiencies and its lightness rises from end to end). A change: improvement light blue, no change
# near white, worse dark red (ColorBrewer RdBu, colour-blind safe), so the darkest is the worst.
WORSE_HIGH, WORSE_LOW = "cividis_r", "cividis"
CHANGE_WORSE_HIGH = [[0.0, "#D1E5F0"], [0.5, "#F7F7F7"], [0.7, "#F4A582"], [0.85, "#D6604D"], [1.0, "#67001F"]]
OUTLINE = "#FFFFFF"
NAVY = "#0072B2"


def metric_text(m: Metric, value) -> str:
    if m.needs_population and (value is None or pd.isna(value)):
        return NOT_COMPUTED
    if m.kind == "share":
        return formats.share(value)
    if m.kind == "change":
        return formats.points(value)
    return formats.number(value, 2 if m.key == "pool_per_shortage" else 1)


def display_factor(m: Metric) -> float:
    """Shares and changes are drawn in percent (points), as their colour bars read."""
    return 100.0 if m.kind in ("share", "change") else 1.0


def colorscale(m: Metric) -> str | list:
    if m.kind == "change":
        return CHANGE_WORSE_HIGH if m.higher_is_worse else [[1 - x, c] for x, c in reversed(CHANGE_WORSE_HIGH)]
    return WORSE_HIGH if m.higher_is_worse else WORSE_LOW


def color_range(m: Metric, values: pd.Series, bounds: tuple[float, float] | None) -> dict:
    """zmin/zmax (display units): the fixed bounds of the metric over every base date when given,
    so one colour means one value whichever date is shown; a change is centred on 0."""
    known = values.dropna()
    lo, hi = bounds if bounds is not None else ((known.min(), known.max()) if len(known) else (0.0, 1.0))
    f = display_factor(m)
    if m.kind == "change":
        edge = max(abs(lo), abs(hi)) * f or 1.0
        return {"zmin": -edge, "zmax": edge, "zmid": 0}
    lo, hi = lo * f, hi * f
    return {"zmin": lo, "zmax": hi if hi > lo else lo + 1}


def tick_format(m: Metric) -> dict:
    if m.kind == "share":
        return {"tickformat": ".0f", "ticksuffix": "%"}
    if m.kind == "change":
        return {"tickformat": "+.1f"}
    return {"tickformat": ",.2f" if m.key == "pool_per_shortage" else ",.1f"}


def map_summary(df: pd.DataFrame, m: Metric, nation: float | None = None) -> str:
    return high_low(df.name, df[m.key], lambda x: metric_text(m, x), nation, f"{m.label}：")


def ranking_note(df: pd.DataFrame, m: Metric, k: int = 5) -> dict:
    """An annotation naming the prefectures with their values, highest first: all of them for up to
    2k prefectures (a region), else the top and the bottom k (for slides, which have no hover)."""
    d = df[["prefecture_code", "name", m.key]].dropna().sort_values(  # ties in JIS order
        [m.key, "prefecture_code"], ascending=[False, True]).reset_index(drop=True)
    lines = [f"{i + 1}. {r.name} {metric_text(m, getattr(r, m.key))}" for i, r in enumerate(d.itertuples())]
    if len(lines) > 2 * k:
        lines = [*lines[:k], "…", *lines[-k:]]
    # At the bottom right, over the Pacific: the top left holds the 沖縄県 inset.
    return {"text": f"<b>{m.label}の高い順</b><br>" + "<br>".join(lines), "x": 1, "y": 0.02, "xref": "paper",
            "yref": "paper", "xanchor": "right", "yanchor": "bottom", "align": "left", "showarrow": False,
            "bgcolor": "rgba(255,255,255,0.9)", "bordercolor": "#8A8D96", "borderwidth": 1, "borderpad": 6,
            "font": {"color": TEXT}}


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


def prefecture_choropleth(df: pd.DataFrame, geojson: str | dict, m: Metric, n: int, *,
                          bounds: tuple[float, float] | None = None, labels: pd.DataFrame | None = None,
                          nation: float | None = None, ranking: bool = False) -> go.Figure:
    """One shape per prefecture in df, coloured by m (dark = worse); hover shows the exact figures.

    bounds: the metric's range over every base date (summary.metric_bounds), so colours compare
    over time; labels: where to write each prefecture's name (geo.prefecture_label_points);
    nation: the national value, named in the summary; ranking: name the highest and lowest
    prefectures with their values on the map itself (slides have no hover).
    Built from plain dicts and validated once (style.figure): a map is rebuilt for every new view.
    """
    values = df[m.key].astype(float)
    f = display_factor(m)
    codes, hover = list(df.prefecture_code), _hover(df, m, n)
    z = list(values * f)
    colors = {"colorscale": colorscale(m), **color_range(m, values, bounds)}
    shape = {"type": "choropleth", "geojson": geojson, "featureidkey": "id",
             "marker": {"line": {"color": OUTLINE, "width": 0.6}}, "hovertemplate": "%{text}<extra></extra>"}
    data = [{**shape, **colors, "locations": codes, "z": z, "text": hover, "customdata": codes,
             "colorbar": colorbar_below(f"{m.label}（{m.unit}）", **tick_format(m))}]
    blank = [i for i, x in enumerate(values) if pd.isna(x)]
    if m.needs_population and blank:  # 未算出 in grey, never left out of the map
        data.append({**shape, "locations": [codes[i] for i in blank], "z": [0] * len(blank),
                     "colorscale": [[0, "#d9d9d9"], [1, "#d9d9d9"]], "showscale": False,
                     "text": [hover[i] for i in blank], "customdata": [codes[i] for i in blank]})
    layout: dict = {"geo": dict(HIDDEN_BASEMAP), "annotations": []}
    if labels is not None:
        at = labels[labels.prefecture_code.isin(df.prefecture_code) & labels.lon.notna()]
        inset = at[at.name_short == OKINAWA] if len(at) > 1 else at.iloc[0:0]
        main = at.drop(inset.index)
        # A click on a name opens the prefecture like a click on its shape (customdata = code).
        data.append({"type": "scattergeo", "lon": list(main.lon), "lat": list(main.lat), "mode": "text",
                     "text": list(main.name_short), "customdata": list(main.prefecture_code),
                     "textfont": {"size": 11, "color": TEXT, "shadow": "auto"}, "hoverinfo": "skip",
                     "showlegend": False})
        if len(main):
            layout["geo"] |= {**frame(main.west, main.south, main.east, main.north), "domain": {"x": [0, 1], "y": [0, 1]}}
        if len(inset):
            i = codes.index(inset.iloc[0].prefecture_code)
            traces, layout["geo2"] = okinawa_inset(inset.iloc[0], {**shape, **colors, "text": [hover[i]]}, z[i])
            data += traces
    if ranking:
        layout["annotations"].append(ranking_note(df, m))
    return figure(data, layout, height=680, summary=map_summary(df, m, nation))


OKINAWA = "沖縄"  # (name_short) drawn in an inset, as Japanese maps do, so the main islands fill the frame


def frame(west, south, east, north, pad: float = 0.04) -> dict:
    """Geo ranges around these bounds (series of part bounds: geo.prefecture_label_points)."""
    west, east, south, north = min(west), max(east), min(south), max(north)
    dx, dy = (east - west) * pad + 0.1, (north - south) * pad + 0.1
    return {"fitbounds": False, "lonaxis": {"range": [west - dx, east + dx]},
            "lataxis": {"range": [south - dy, north + dy]}}


def okinawa_inset(label, shape: dict, z: float) -> tuple[list[dict], dict]:
    """沖縄県 again in a framed inset at the top left (the Sea of Japan, empty on the map): its shape
    with the main map's colours (shape: the main trace's settings and this prefecture's hover text),
    its name, and its main islands framed. Returns (traces, the layout's geo2)."""
    code = label.prefecture_code
    traces = [
        {**shape, "locations": [code], "z": [z], "geo": "geo2", "showscale": False, "customdata": [code]},
        {"type": "scattergeo", "lon": [label.isles_west], "lat": [label.isles_north], "mode": "text",  # its name
         "text": [label.name_short], "geo": "geo2", "textposition": "bottom right",
         "textfont": {"size": 11, "color": TEXT}, "hoverinfo": "skip", "showlegend": False, "customdata": [code]},
    ]
    geo2 = {**HIDDEN_BASEMAP, **frame([label.isles_west], [label.isles_south], [label.isles_east], [label.isles_north]),
            "domain": {"x": [0.0, 0.3], "y": [0.74, 1.0]}, "showframe": True, "framecolor": "#8A8D96", "framewidth": 1}
    return traces, geo2


def ranked_bars(df: pd.DataFrame, m: Metric, order: str = "value", nation: float | None = None) -> go.Figure:
    """The prefectures as horizontal bars, by value or in JIS order, with the national value as a
    dashed line; the axis leaves room for every value label (none is clipped)."""
    d = df.copy()
    d = d.sort_values(m.key, ascending=True, na_position="first") if order == "value" else d.iloc[::-1]
    # 未算出 (per capita without full population coverage) is written at zero, without a bar
    x = d[m.key].fillna(0) if m.needs_population else d[m.key]
    fig = go.Figure(go.Bar(
        x=x, y=d.name, orientation="h", marker={"color": NAVY},
        text=[metric_text(m, x) for x in d[m.key]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{text}<extra></extra>", customdata=d.prefecture_code,
    ))
    known = [float(v) for v in [*x.dropna(), nation] if v is not None and not pd.isna(v)]
    hi, lo = max([0.0, *known]), min([0.0, *known])
    span = (hi - lo) or 1.0
    fig.update_xaxes(tickformat=".0%" if m.kind == "share" else (".1%" if m.kind == "change" else ",.1f"),
                     title=f"{m.label}（{m.unit}）", range=[lo - (0.22 * span if lo < 0 else 0), hi + 0.22 * span])
    fig.update_yaxes(title=None)
    if nation is not None and not pd.isna(nation):
        line = threshold_line("x", float(nation), f"全国 {metric_text(m, nation)}", TEXT)
        line["shapes"][0]["layer"] = "below"  # between the bars, never over a value label
        line["annotations"][0].update({"y": 1, "yanchor": "bottom", "xanchor": "center", "bgcolor": "white"})
        fig.update_layout(shapes=line["shapes"], annotations=line["annotations"])
    fig = base_layout(fig, height=max(320, 22 * len(d) + 100), summary=map_summary(df, m, nation))
    return fig.update_layout(margin={"t": 34})  # room for the 全国 label above the plot


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
    fig.update_layout(legend={**LEGEND_BELOW, "title": {"text": "DX担当職員数", "side": "top"}, "itemsizing": "constant"})
    fig.update_geos(visible=False, projection_type="mercator", lataxis_range=[24, 46], lonaxis_range=[122, 149])
    return base_layout(fig, height=620, summary=tier_summary(df, n))


def tier_summary(df: pd.DataFrame, n: int) -> str:
    """How many municipalities fall in each staff tier (df: municipality rows with tier)."""
    return f"{len(df):,}団体のDX担当職員数：" + counts((x, int((df.tier == x).sum())) for x in tier_labels(n))


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
        colorbar=colorbar_below("DX担当職員数（人）", tickvals=[i + 0.5 for i in range(k)], ticktext=labels),
        text=[f"<b>{r.pref_name}{r.name}</b><br>{r.kind}<br>DX担当職員: "
              f"{'未回答' if pd.isna(r.dx_staff) else f'{r.dx_staff:g} 人'}" for r in df.itertuples()],
        hovertemplate="%{text}<extra></extra>",
    ))
    return hide_basemap(base_layout(fig, height=620, summary=tier_summary(df, n)))
