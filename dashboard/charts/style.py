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
# No mode bar: plotly's own toolbar is English, and its camera saves a picture without the 出典 or
# the sample notice. The PNG button under every chart (widgets.chart) is the export.
PLOTLY_CONFIG = {"topojsonURL": TOPOJSON_URL, "displaylogo": False, "displayModeBar": False, "locale": "ja"}

# Text on charts: dark enough on white for WCAG AA (4.5:1) at any size (tests/test_accessibility.py).
# Figures carry this template themselves and pages draw them with theme=None, so the screen, the PNG
# and the slide look alike (Streamlit's own chart theme greys ticks to #808495, 3.8:1).
TEXT, MUTED_TEXT, BACKGROUND = "#262730", "#4A4D57", "#FFFFFF"
# Accent colours for lines and marks (Okabe–Ito) are too light for text on white; a label in an
# accent's colour is written in its darker twin (≥ 4.5:1 on white: tests/test_accessibility_browser.py).
ACCENT_TEXT = {"#D55E00": "#A84A00", "#009E73": "#00785A", "#E69F00": "#8F5F00", "#56B4E9": "#1F6E9C",
               "#CC79A7": "#9C4A78", "#8A8D96": "#5F626B"}


def text_color(color: str) -> str:
    """The colour to write a label in that goes with a line or mark of this colour."""
    return ACCENT_TEXT.get(color.upper(), color)


_AXIS = {"gridcolor": "#E3E4E8", "linecolor": "#8A8D96", "zerolinecolor": "#B8BBC2", "tickcolor": "#8A8D96",
         "tickfont": {"color": TEXT}, "title": {"font": {"color": TEXT}}, "automargin": True}
TEMPLATE = {"layout": {
    "font": {"family": FONT, "color": TEXT}, "paper_bgcolor": BACKGROUND, "plot_bgcolor": BACKGROUND,
    "xaxis": _AXIS, "yaxis": _AXIS, "legend": {"font": {"color": TEXT}},
    "geo": {"bgcolor": BACKGROUND}, "hoverlabel": {"font": {"family": FONT}},
    "colorway": ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#666666"],
}}
# Figures name the template, registered (validated) once: a template given as a dict is validated
# again in every figure, 40 ms of a map's build (issue 16 profile); the figure's JSON is the same.
TEMPLATE_NAME = "dxgap"
pio.templates[TEMPLATE_NAME] = go.layout.Template(TEMPLATE)


def base_layout_spec(title: str | None = None, height: int = 520) -> dict:
    return {"template": TEMPLATE_NAME, "title": {"text": title} if title else {}, "height": height,
            "font": {"family": FONT, "size": 13, "color": TEXT},
            "margin": {"l": 10, "r": 10, "t": 50 if title else 10, "b": 10},
            "separators": ".,", "hoverlabel": {"font": {"family": FONT}}}


def colorbar_below(title: str, **more) -> dict:
    """A horizontal colour bar under a map: the map keeps the full width (on a phone too, where a bar
    at the side would squeeze it), and the title above the bar carries the unit."""
    return {"title": {"text": title, "side": "top", "font": {"color": TEXT}}, "orientation": "h",
            "x": 0.5, "xanchor": "center", "y": -0.02, "yanchor": "top", "len": 0.9, "thickness": 14,
            "tickfont": {"color": TEXT}, "outlinewidth": 0, **more}


LEGEND_BELOW = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.02, "yanchor": "top",
                "font": {"color": TEXT}}


def base_layout(fig: go.Figure, title: str | None = None, height: int = 520, *, summary: str | None = None) -> go.Figure:
    """fig with the shared look; summary: the chart's one-line text alternative (see summary_of)."""
    fig.update_layout(base_layout_spec(title, height))
    if summary is not None:
        fig.update_layout(meta={"summary": summary})
    return fig


def summary_of(fig: go.Figure) -> str | None:
    """The one-line text summary a chart builder computed from its data (layout.meta.summary): the
    page shows it with the chart, for screen readers and for anyone who cannot read the colours."""
    meta = fig.layout.meta
    return meta.get("summary") if isinstance(meta, dict) else None


# Geo layout for our own shapes: no world basemap, Mercator, zoomed to the drawn locations.
HIDDEN_BASEMAP = {"visible": False, "fitbounds": "locations", "projection": {"type": "mercator"},
                  "bgcolor": "rgba(0,0,0,0)", "showframe": False}


def hide_basemap(fig: go.Figure) -> go.Figure:
    fig.update_geos(HIDDEN_BASEMAP)
    return fig


def figure(data: list[dict], layout: dict, *, title: str | None = None, height: int = 520,
           summary: str | None = None) -> go.Figure:
    """A figure from plain trace and layout dicts (base layout under layout), validated once.

    Much faster than building with add_trace / update_layout / add_vline, whose every call
    re-parses property paths: this is the path for figures drawn on a prefecture switch."""
    meta = {"meta": {"summary": summary}} if summary is not None else {}
    return go.Figure({"data": data, "layout": {**base_layout_spec(title, height), **layout, **meta}})


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
