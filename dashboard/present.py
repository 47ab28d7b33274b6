"""Presentation mode (?present=1): one slide per screen, sized for a 1280×720 projector.

frame.page_setup() calls render() instead of the page, so every page gets it unchanged. The
slides are those of dashboard.slides (the same as the PowerPoint deck): the prefecture's deck
when a prefecture is chosen, else the nation's. The slide number is in the URL (slide=2), with
every filter, so a reload or a shared link opens the same slide.
"""

from __future__ import annotations

import streamlit as st

from core.store import SAMPLE_NOTICE
from dashboard import slides as decks
from dashboard.charts.slides import slide_style
from dashboard.charts.style import PLOTLY_CONFIG
from dashboard.notes import caption_md, escape_md
from dashboard.widgets import kpi

CHART_HEIGHT = 460
TABLE_ROW_PX = 22
# Static stylesheet (never any user text): hide the sidebar, header and toolbar, enlarge type.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.8rem 2.5rem 0.5rem 2.5rem !important; max-width: 100% !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.3rem; }
[data-testid="stMain"] h1 { font-size: 3rem !important; }
[data-testid="stMain"] h2 { font-size: 2.1rem !important; padding-top: 0.2rem !important; }
[data-testid="stMain"] [data-testid="stMetricValue"] p { font-size: 2.8rem !important; font-weight: 600; }
[data-testid="stMain"] [data-testid="stMetricLabel"] p { font-size: 1.25rem !important; }
[data-testid="stMain"] [data-testid="stMetricDelta"] p { font-size: 1.1rem !important; }
[data-testid="stCaptionContainer"] p { font-size: 0.95rem !important; }
.st-key-present_nav button p { font-size: 1.2rem !important; }
</style>
"""


def _go(number: int) -> None:
    st.session_state["view"] = st.session_state["view"].with_(slide=number)


def render(ctx) -> None:
    """Draw the current slide and the 前へ/次へ/終了 controls (the caller stops the script)."""
    from dashboard.frame import leave_present, write_view  # frame imports this module lazily

    st.html(CSS)
    deck = decks.deck_for(ctx.v, ctx.view, ctx.as_of, ctx.is_sample)
    total = len(deck.slides)
    number = min(max(ctx.view.slide, 1), total)
    if number != ctx.view.slide:  # a slide= beyond the deck: show the last one and say so in the URL
        write_view(ctx.view.with_(slide=number))
    slide = deck.slides[number - 1]

    for notice in st.session_state.pop("_notices", []):
        st.caption(notice)
    if decks.slide_is_sample(slide, deck.is_sample):
        st.markdown(f":orange[**{SAMPLE_NOTICE}**]　実在の自治体の状況ではありません")
    _body(deck, slide)
    st.caption(caption_md(slide.source))

    with st.container(key="present_nav"):
        prev_col, next_col, where, exit_col = st.columns([1, 1, 4, 1.6], vertical_alignment="center")
        prev_col.button("前へ", key="present_prev", on_click=_go, args=(number - 1,), disabled=number <= 1,
                        icon=":material/chevron_left:", width="stretch")
        next_col.button("次へ", key="present_next", on_click=_go, args=(number + 1,), disabled=number >= total,
                        icon=":material/chevron_right:", width="stretch")
        where.markdown(f"{number} / {total}　{escape_md(deck.title)}")
        exit_col.button("発表モードを終了", key="present_exit", on_click=leave_present,
                        icon=":material/close:", width="stretch")


def _body(deck: decks.Deck, slide: decks.Slide) -> None:
    if slide.kind == "title":
        st.title(escape_md(slide.title))
        st.header(escape_md(slide.subtitle))
        if deck.is_sample:
            st.markdown(f":orange[**この資料は{SAMPLE_NOTICE}で作成しています**]")
        return
    st.header(escape_md(slide.title))
    if slide.kind == "kpis":
        for start in range(0, len(slide.kpis), 3):
            cols = st.columns(3)
            for col, k in zip(cols, slide.kpis[start:start + 3], strict=False):
                kpi(col, k.label, k.value, k.note or None)
    elif slide.kind == "chart":
        fig = slide_style(slide.figure(), height=CHART_HEIGHT)
        # PLOTLY_CONFIG keeps the offline topojsonURL; the toolbar would only clutter a projector.
        st.plotly_chart(fig, config={**PLOTLY_CONFIG, "displayModeBar": False}, key=f"present_{slide.key}", theme=None)
    elif slide.kind == "table":
        rows = len(slide.table)
        st.dataframe(slide.table, hide_index=True, width="stretch", row_height=TABLE_ROW_PX,
                     height=(rows + 2) * TABLE_ROW_PX)  # the header row is taller than a body row
    elif slide.kind == "sources":
        st.markdown("\n".join(f"- {escape_md(line)}" for line in slide.lines))
