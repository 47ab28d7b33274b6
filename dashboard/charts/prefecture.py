"""Prefecture page charts: municipality map, staff history, shortage trend, distribution, peers."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from dashboard import formats
from dashboard.charts.style import HIDDEN_BASEMAP, LEGEND_BELOW, figure, threshold_line
from dashboard.charts.summaries import counts, first_last
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


def _focus(df: pd.DataFrame, far: pd.Series) -> dict:
    """Geo layout zoomed to the prefecture's core; far islands go to the inset (see _inset)."""
    if not far.any():
        return HIDDEN_BASEMAP
    core = df[~far]
    pad_lat = (core.lat.max() - core.lat.min()) * 0.15 + 0.05
    pad_lng = (core.lng.max() - core.lng.min()) * 0.15 + 0.05
    return {**HIDDEN_BASEMAP, "fitbounds": False,
            "lataxis": {"range": [core.lat.min() - pad_lat, core.lat.max() + pad_lat]},
            "lonaxis": {"range": [core.lng.min() - pad_lng, core.lng.max() + pad_lng]}}


def _inset_layout(islands: pd.DataFrame) -> tuple[dict, dict, dict]:
    """The main map's domain, the inset's, and where the islands' names go (paper coordinates).

    The inset takes a strip of its own beside the main map rather than a corner of it, so it never
    hides a municipality: a column at the right for islands strung north–south (伊豆・小笠原), a
    strip at the bottom for islands strung east–west (先島), with the names beside it."""
    tall = (islands.lat.max() - islands.lat.min()) > (islands.lng.max() - islands.lng.min())
    if tall:
        main = {"x": [0.0, 0.76], "y": [0.0, 1.0]}
        inset = {"x": [0.8, 1.0], "y": [0.34, 1.0]}
        note = {"x": 1.0, "xanchor": "right", "y": 0.32, "yanchor": "top"}  # grows left on a phone, never off
    else:
        main = {"x": [0.0, 1.0], "y": [0.3, 1.0]}
        inset = {"x": [0.0, 0.62], "y": [0.0, 0.26]}
        note = {"x": 0.64, "xanchor": "left", "y": 0.26, "yanchor": "top"}
    return main, inset, note


def _inset_view(islands: pd.DataFrame) -> dict:
    pad_lat = (islands.lat.max() - islands.lat.min()) * 0.12 + 0.15
    pad_lng = (islands.lng.max() - islands.lng.min()) * 0.12 + 0.15
    return {**HIDDEN_BASEMAP, "fitbounds": False, "showframe": True, "framecolor": OUTLINE_LINE, "framewidth": 1,
            "bgcolor": "white", "lataxis": {"range": [islands.lat.min() - pad_lat, islands.lat.max() + pad_lat]},
            "lonaxis": {"range": [islands.lng.min() - pad_lng, islands.lng.max() + pad_lng]}}


def _island_marks(islands: pd.DataFrame, colors: dict[str, str], severe: set[str]) -> dict:
    """The far islands' town halls in the inset, coloured by tier (at that scale polygons are specks)."""
    return {"type": "scattergeo", "geo": "geo2", "lon": islands.lng, "lat": islands.lat, "mode": "markers",
            "showlegend": False, "hovertemplate": "%{text}<extra></extra>", "text": islands.hover,
            "customdata": islands.lg_code,
            "marker": {"size": [12.0 if t in severe else 8.0 for t in islands.tier],
                       "color": [colors[t] for t in islands.tier],
                       "line": {"width": [2.0 if t in severe else 0.6 for t in islands.tier], "color": "#111111"}}}


def _island_note(islands: pd.DataFrame, where: dict) -> dict:
    """Beside the inset: each far island's name and staff, so a picture of the map names them."""
    lines = [f"{r.name} {_staff_text(r.dx_staff)}" for r in islands.itertuples()]
    return {"text": "<b>離島</b>（枠内）<br>縮尺は本図と異なる<br>" + "<br>".join(lines), "align": "left",
            "xref": "paper", "yref": "paper", "showarrow": False, "font": {"size": 11}, **where}


def _marker_size(staff: pd.Series) -> list[float]:
    """Town-hall points: 0 and ≤1 staff get the largest mark (SEVERE_SIZE, with a dark ring), so the
    municipalities that need help are never the smallest; the rest grow with their staff."""
    return [SEVERE_SIZE if not pd.isna(s) and s <= 1 else
            8.0 if pd.isna(s) else min(26.0, 6.0 + 3.0 * math.sqrt(float(s))) for s in staff]


SEVERE_SIZE = 18.0
SEVERE_LINE = {"width": 2.5, "color": "#111111"}  # the outline of 0 and ≤1 staff municipalities
OUTLINE_FILL, OUTLINE_LINE = "#F4F4F5", "#5A5D66"
DIMMED = "#E4E5E8"  # municipalities the 要対応 filter leaves out: drawn, not coloured
WORST_LABELS = 8  # the municipalities named on the map: the fewest staff first


def worst(df: pd.DataFrame, k: int = WORST_LABELS) -> pd.DataFrame:
    """The municipalities named on the map: 0 or ≤1 staff, fewest first, then the most populous."""
    d = df[df.dx_staff.le(1)]
    order = d.assign(_pop=d.population.fillna(0) if "population" in d else 0)
    return order.sort_values(["dx_staff", "_pop", "lg_code"], ascending=[True, False, True]).head(k).drop(columns="_pop")


def _staff_text(s) -> str:
    return "未回答" if pd.isna(s) else f"{s:g}人"


def map_summary(df: pd.DataFrame, n: int, shown: pd.DataFrame) -> str:
    tiers = [(label, int((shown.tier == label).sum())) for label in tier_labels(n)]
    named = worst(shown, 3)
    out = ("要対応の" if len(shown) < len(df) else "") + f"{len(shown):,}団体：" + counts(tiers)
    if not named.empty:
        out += "。職員が最も少ないのは" + "、".join(f"{r.name} {_staff_text(r.dx_staff)}" for r in named.itertuples())
    return out


def municipality_map(df: pd.DataFrame, history: pd.DataFrame, n: int, shapes: Shapes | None = None,
                     outline: tuple[str | dict, str] | None = None, only: frozenset[str] | None = None) -> go.Figure:
    """The prefecture's municipalities coloured by staff tier, on the prefecture's outline.

    - With boundaries (shapes, dashboard.geo): polygons, one trace per tier (so the legend names
      them), labelled with the staff count; without: points at the town hall. 0 and ≤1 staff stand
      out by a dark outline (polygons) or the largest ringed mark (points), and the worst ones are
      named on the map (worst).
    - outline: (GeoJSON or its URL, prefecture code): the prefecture drawn under everything.
    - Far islands (far_islands: 東京都's 伊豆・小笠原, 沖縄県's 先島) are drawn again in an inset
      with their names, so a picture of the map includes them.
    - only: the lg_codes to colour (the table's 要対応 filter); the others are drawn in grey.
    Every municipality trace carries lg_code as customdata, so a selection names the municipality.
    """
    colors = tier_colors(n)
    far = far_islands(df)
    df = df.assign(hover=hover_texts(df, history), far=far)
    picked = df if only is None else df[df.lg_code.isin(only)]
    dimmed = df[~df.lg_code.isin(picked.lg_code)]
    ids = shapes.ids if shapes else frozenset()
    main = _focus(df, far)
    geos = ["geo", "geo2"] if far.any() else ["geo"]
    data: list[dict] = []
    if outline is not None:
        for g in geos:  # the prefecture under its municipalities (in the inset too: the islands' coast)
            data.append({"type": "choropleth", "geojson": outline[0], "locations": [outline[1]], "z": [0],
                         "featureidkey": "id", "colorscale": [[0, OUTLINE_FILL], [1, OUTLINE_FILL]], "showscale": False,
                         "marker": {"line": {"width": 1.6, "color": OUTLINE_LINE}}, "hoverinfo": "skip",
                         "showlegend": False, "geo": g})
    polygons = picked[picked.lg_code.isin(ids)]
    points = picked[~picked.lg_code.isin(ids)]
    faded = dimmed[dimmed.lg_code.isin(ids)]
    if not faded.empty:
        data.append({"type": "choropleth", "geojson": shapes.subset(faded.lg_code), "locations": faded.lg_code,
                     "z": [0] * len(faded), "featureidkey": "id", "colorscale": [[0, DIMMED], [1, DIMMED]],
                     "showscale": False, "name": "要対応以外", "showlegend": True,
                     "marker": {"line": {"width": 0.5, "color": "white"}}, "text": faded.hover,
                     "hovertemplate": "%{text}<extra></extra>", "customdata": faded.lg_code})
    # Severe tiers last, so their dark outlines are drawn over their neighbours' white ones.
    labels = tier_labels(n)
    severe = set(labels[:2])
    for rank, label in enumerate(labels):
        d = polygons[polygons.tier == label]
        if d.empty:
            continue
        data.append({
            "type": "choropleth", "geojson": shapes.subset(d.lg_code), "locations": d.lg_code,
            "z": [0] * len(d), "featureidkey": "id", "colorscale": [[0, colors[label]], [1, colors[label]]],
            "showscale": False, "showlegend": True, "name": f"{label}（{len(d)}）", "legendgroup": label,
            "legendrank": rank, "marker": {"line": SEVERE_LINE if label in severe else {"width": 0.5, "color": "white"}},
            "text": d.hover, "hovertemplate": "%{text}<extra></extra>", "customdata": d.lg_code,
        })
    data.sort(key=lambda t: t.get("name", "").split("（")[0] in severe)  # stable: outline, others, severe
    # Labels on the main map only: the far islands lie outside its frame and are named beside the inset.
    named = worst(picked[~picked.far])
    counted = polygons[~polygons.lg_code.isin(named.lg_code) & polygons.dx_staff.notna() & ~polygons.far]
    if not counted.empty:  # staff counts as labels on the polygons
        data.append({
            "type": "scattergeo", "lon": counted.lng, "lat": counted.lat, "mode": "text", "showlegend": False,
            "hoverinfo": "skip", "text": [f"{s:g}" for s in counted.dx_staff],
            "textfont": {"size": 10, "color": "#222222", "shadow": "auto"}, "customdata": counted.lg_code,
        })
    for label in sorted(labels, key=lambda x: x in severe):  # severe marks drawn last, on top
        d = points[points.tier == label]
        if d.empty:
            continue
        data.append({
            "type": "scattergeo", "lon": d.lng, "lat": d.lat, "mode": "markers", "name": f"{label}（{len(d)}）",
            "legendrank": labels.index(label),
            "legendgroup": label,
            "showlegend": bool(polygons.empty or not (polygons.tier == label).any()),
            "marker": {"size": _marker_size(d.dx_staff), "color": colors[label], "opacity": 0.95,
                       "line": SEVERE_LINE if label in severe else {"width": 0.6, "color": "#333333"}},
            "text": d.hover, "hovertemplate": "%{text}<extra></extra>", "customdata": d.lg_code,
        })
    if not named.empty:  # the worst named on the map, with their staff
        data.append({
            "type": "scattergeo", "lon": named.lng, "lat": named.lat, "mode": "text", "showlegend": False,
            "text": [f"<b>{r.name}</b> {_staff_text(r.dx_staff)}" for r in named.itertuples()],
            "textposition": "top center", "textfont": {"size": 12, "color": "#111111", "shadow": "auto"},
            "hoverinfo": "skip", "customdata": named.lg_code,
        })
    layout = {"legend": {**LEGEND_BELOW, "title": {"text": "DX担当職員数", "side": "top"}, "itemsizing": "constant"},
              "clickmode": "event+select", "geo": main}
    summary = map_summary(df, n, picked)
    if far.any():
        data.append(_island_marks(picked[picked.far], colors, severe))
        main_domain, inset_domain, note = _inset_layout(df[far])
        layout["geo"] = {**main, "domain": main_domain}
        layout["geo2"] = {**_inset_view(df[far]), "domain": inset_domain}
        layout["annotations"] = [_island_note(df[far], note)]
        summary += "。離島（枠内）：" + "、".join(f"{r.name} {_staff_text(r.dx_staff)}" for r in df[far].itertuples())
    return figure(data, layout, height=620, summary=summary)


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
    }, height=340, summary=f"{name}のDX担当職員数は{first_last(hist.base_date, hist.dx_staff, _staff_text)}")


def shortage_trend(trend: pd.DataFrame, pref_name: str, n: int) -> go.Figure:
    """The prefecture's shortage share on every base date against the national line. A line joins
    the dates it has a value for (a prefecture not surveyed on a date, the nation on a survey of a
    few prefectures), so no other survey cuts it."""
    x = pd.to_datetime(trend.base_date)
    return figure([
        {"type": "scatter", "x": x, "y": trend.pref_share, "name": pref_name, "mode": "lines+markers",
         "connectgaps": True, "line": {"color": BLUE, "width": 3},
         "hovertemplate": "%{x|%Y-%m-%d}: %{y:.1%}<extra>" + pref_name + "</extra>"},
        {"type": "scatter", "x": x, "y": trend.national_share, "name": "全国", "mode": "lines+markers",
         "connectgaps": True, "line": {"color": GREY, "width": 2, "dash": "dash"},
         "hovertemplate": "%{x|%Y-%m-%d}: %{y:.1%}<extra>全国</extra>"},
    ], {
        "yaxis": {"title": {"text": f"{n}人以下の割合"}, "tickformat": ".0%", "rangemode": "tozero"},
        "xaxis": {"title": {"text": "調査基準日"}, "tickformat": "%Y-%m-%d", "tickvals": x},
        "legend": {"orientation": "h", "y": -0.25},
    }, height=380, summary=f"{n}人以下の割合は、{pref_name}が{first_last(trend.base_date, trend.pref_share, formats.share)}、"
                           f"全国が{first_last(trend.base_date, trend.national_share, formats.share)}")


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
    }, height=380, summary=f"DX担当職員{n}人以下は、{pref_name}で回答の{_share_at_most(pref_staff, n)}、"
                           f"全国で{_share_at_most(national_staff, n)}。中央値は{pref_name} "
                           f"{_staff_text(pref_staff.median())}、全国 {_staff_text(national_staff.median())}")


def _share_at_most(staff: pd.Series, n: int) -> str:
    known = staff.dropna()
    return formats.share(float((known <= n).mean()) if len(known) else None)


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
        "legend": {"orientation": "h", "y": -0.2}}, height=380,
        summary=f"{n}人以下の割合：" + "、".join(f"{r.name} {formats.share(r.shortage_share)}" for r in df.itertuples()))
