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
PLOTLY_CONFIG = {"topojsonURL": TOPOJSON_URL, "displaylogo": False, "locale": "ja",
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


def base_layout(fig: go.Figure, title: str | None = None, height: int = 520) -> go.Figure:
    fig.update_layout(
        title=title, height=height, font={"family": FONT, "size": 13},
        margin={"l": 10, "r": 10, "t": 50 if title else 10, "b": 10},
        separators=".,", hoverlabel={"font": {"family": FONT}},
    )
    return fig


def hide_basemap(fig: go.Figure) -> go.Figure:
    fig.update_geos(visible=False, fitbounds="locations", projection_type="mercator",
                    bgcolor="rgba(0,0,0,0)", showframe=False)
    return fig


def set_offline_topojson(url: str) -> None:
    """For kaleido (PNG export): point plotly at a local stub instead of the CDN."""
    pio.defaults.topojson = url
