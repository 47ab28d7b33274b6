"""Shared look: Japanese font, colour-blind-safe scales, offline geo settings."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

FONT = "Noto Sans CJK JP, Noto Sans JP, Hiragino Sans, Yu Gothic, Meiryo, sans-serif"
# Sequential: cividis is built for colour-vision deficiencies. Diverging: ColorBrewer RdBu (CVD-safe).
SEQUENTIAL = "cividis_r"
DIVERGING = "RdBu_r"
# plotly's geo traces fetch <topojsonURL>world_110m.json even with the basemap hidden;
# the app serves a stub there (static/), so maps draw with no internet.
TOPOJSON_URL = "/app/static/"
# Pictures (PNG downloads, slides): the CSS size they are drawn at, and the pixel scale.
PICTURE_WIDTH, PICTURE_HEIGHT, PICTURE_SCALE = 1280, 720, 2
PLOTLY_CONFIG = {"topojsonURL": TOPOJSON_URL, "displaylogo": False, "locale": "ja",
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


def base_layout_spec(title: str | None = None, height: int = 520) -> dict:
    return {"title": {"text": title} if title else {}, "height": height, "font": {"family": FONT, "size": 13},
            "margin": {"l": 10, "r": 10, "t": 50 if title else 10, "b": 10},
            "separators": ".,", "hoverlabel": {"font": {"family": FONT}}}


def base_layout(fig: go.Figure, title: str | None = None, height: int = 520) -> go.Figure:
    fig.update_layout(base_layout_spec(title, height))
    return fig


# Geo layout for our own shapes: no world basemap, Mercator, zoomed to the drawn locations.
HIDDEN_BASEMAP = {"visible": False, "fitbounds": "locations", "projection": {"type": "mercator"},
                  "bgcolor": "rgba(0,0,0,0)", "showframe": False}


def hide_basemap(fig: go.Figure) -> go.Figure:
    fig.update_geos(HIDDEN_BASEMAP)
    return fig


def figure(data: list[dict], layout: dict, *, title: str | None = None, height: int = 520) -> go.Figure:
    """A figure from plain trace and layout dicts (base layout under layout), validated once.

    Much faster than building with add_trace / update_layout / add_vline, whose every call
    re-parses property paths: this is the path for figures drawn on a prefecture switch."""
    return go.Figure({"data": data, "layout": {**base_layout_spec(title, height), **layout}})


def threshold_line(axis: str, at: float, text: str, color: str) -> dict:
    """The shapes and annotations of plotly's add_vline (axis "x") / add_hline (axis "y") with a
    dashed line at `at` and its label (top right of the line / bottom right of the plot)."""
    if axis == "x":
        shape = {"type": "line", "x0": at, "x1": at, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain"}
        note = {"showarrow": False, "text": text, "x": at, "xanchor": "left", "xref": "x", "y": 1,
                "yanchor": "top", "yref": "y domain"}
    else:
        shape = {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": at, "y1": at, "yref": "y"}
        note = {"showarrow": False, "text": text, "x": 1, "xanchor": "right", "xref": "x domain", "y": at,
                "yanchor": "top", "yref": "y"}
    return {"shapes": [{**shape, "line": {"color": color, "dash": "dash"}}], "annotations": [note]}


def set_offline_topojson(url: str) -> None:
    """For kaleido (PNG export): point plotly at a local stub instead of the CDN."""
    pio.defaults.topojson = url
