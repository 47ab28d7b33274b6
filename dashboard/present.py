"""Presentation mode (?present=1): one slide per screen, sized for a 1280×720 projector.

frame.page_setup() calls render() instead of the page, so every page gets it unchanged. The
slides are those of dashboard.slides (the same as the PowerPoint deck): the prefecture's deck
when a prefecture is chosen, else the nation's. The slide number is in the URL (slide=2), with
every filter, so a reload or a shared link opens the same slide.

A presentation clicker sends →/PageDown/Space and ←/PageUp, and Esc leaves: Streamlit has no key
events, so a small static script (KEYS_JS, no user text in it) listens on the page and clicks the
前へ/次へ/終了 buttons, which keep every filter in the URL. It needs no network.

Every text on a slide is at least 14 pt at 1280×720 (charts.slides.MIN_FONT_PX, here 1.2rem = 19.2 px).
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
LEAD_PX = 34  # each line of a slide's lead (the answer in words) takes this much from its chart
# Static stylesheet (never any user text): hide the sidebar, header and toolbar, enlarge type; the
# smallest text (captions, KPI notes, table cells) is 1.2rem = 19.2 px, over 14 pt at 1280×720.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.6rem 2.5rem 0.3rem 2.5rem !important; max-width: 100% !important; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.55rem; }
[data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.3rem; }
[data-testid="stMain"] h1 { font-size: 2.8rem !important; padding-bottom: 0.3rem !important; }
[data-testid="stMain"] h2 { font-size: 2rem !important; padding: 0.1rem 0 0.45rem 0 !important; }
[data-testid="stMain"] [data-testid="stMetricValue"] p { font-size: 2.6rem !important; font-weight: 600; }
[data-testid="stMain"] [data-testid="stMetricLabel"] p { font-size: 1.25rem !important; }
[data-testid="stMain"] [data-testid="stMetricDelta"] p { font-size: 1.2rem !important; white-space: normal; }
[data-testid="stCaptionContainer"] p { font-size: 1.2rem !important; line-height: 1.35; }
.st-key-present_title_kpis [data-testid="stMetricValue"] p { font-size: 2.7rem !important; }
.st-key-present_title_kpis [data-testid="stMetric"] { padding: 0.4rem 1.1rem; }
.st-key-present_lead p { font-size: 1.3rem; margin-bottom: 0; }
.st-key-present_lead p strong { font-size: 1.6rem; }
.st-key-present_table table { font-size: 1.2rem !important; }
.st-key-present_table th, .st-key-present_table td { font-size: 1.2rem !important; padding: 0.1rem 0.6rem !important;
  line-height: 1.3 !important; }
.st-key-present_nav button p, .st-key-present_nav [data-testid="stIconMaterial"] { font-size: 1.2rem !important; }
</style>
"""
# The clicker's keys: →, PageDown and Space go forward, ← and PageUp back, Esc leaves. Installed once
# per browser page; it only acts while the presenter's buttons are on the page, never in a text field.
KEYS_JS = """
<script>
(() => {
  if (window.__dxgapPresenterKeys) return;
  window.__dxgapPresenterKeys = true;
  const KEYS = {ArrowRight: "present_next", PageDown: "present_next", " ": "present_next",
                ArrowLeft: "present_prev", PageUp: "present_prev", Escape: "present_exit"};
  document.addEventListener("keydown", (event) => {
    const key = KEYS[event.key];
    if (!key || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    const button = document.querySelector(".st-key-" + key + " button");
    if (!button) return;
    event.preventDefault();  // no page scroll, and Space does not also press the focused button
    if (!button.disabled) button.click();
  }, true);
})();
</script>
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
    if slide.kind != "sources":  # that slide lists every source itself
        st.caption(caption_md(slide.source))  # the definition is in the speaker notes and on the last slide

    with st.container(key="present_nav"):
        prev_col, next_col, where, exit_col = st.columns([1, 1, 4, 1.6], vertical_alignment="center")
        prev_col.button("前へ", key="present_prev", on_click=_go, args=(number - 1,), disabled=number <= 1,
                        icon=":material/chevron_left:", width="stretch")
        next_col.button("次へ", key="present_next", on_click=_go, args=(number + 1,), disabled=number >= total,
                        icon=":material/chevron_right:", width="stretch")
        where.markdown(f"{number} / {total}　{escape_md(deck.title)}")
        exit_col.button("発表モードを終了", key="present_exit", on_click=leave_present,
                        icon=":material/close:", width="stretch", help="Esc キーでも終了します")
    st.html(KEYS_JS, unsafe_allow_javascript=True)


def _body(deck: decks.Deck, slide: decks.Slide) -> None:
    if slide.kind == "title":
        st.title(escape_md(slide.title))
        st.header(escape_md(slide.subtitle))
        if deck.is_sample:
            st.markdown(f":orange[**この資料は{SAMPLE_NOTICE}で作成しています**]")
        with st.container(key="present_title_kpis"):
            _kpis(slide.kpis, per_row=2)
        return
    st.header(escape_md(slide.title))
    if slide.lead:
        with st.container(key="present_lead"):
            st.markdown("\n\n".join([f"**{escape_md(slide.lead[0])}**", *map(escape_md, slide.lead[1:])]))
    if slide.kind == "kpis":
        _kpis(slide.kpis, per_row=3)
    elif slide.kind == "chart":
        fig = slide_style(slide.figure(), height=CHART_HEIGHT - LEAD_PX * len(slide.lead))
        # PLOTLY_CONFIG keeps the offline topojsonURL; the toolbar would only clutter a projector.
        # theme=None: drawn as specified, as the deck's picture of it is (Streamlit's theme would set
        # its own, smaller axis type).
        st.plotly_chart(fig, config={**PLOTLY_CONFIG, "displayModeBar": False}, key=f"present_{slide.key}",
                        theme=None)
    elif slide.kind == "table":
        with st.container(key="present_table"):
            st.table(table_style(slide.table))
    elif slide.kind == "sources":
        st.markdown("\n".join(f"- {escape_md(line)}" for line in slide.lines))


def _kpis(cards, per_row: int) -> None:
    for start in range(0, len(cards), per_row):
        cols = st.columns(per_row)
        for col, k in zip(cols, cards[start:start + per_row], strict=False):
            kpi(col, k.label, k.value, k.note or None)


def table_style(table):
    """A table slide's page with its numbers right-aligned (the municipality names stay left)."""
    numeric = [c for c in table.columns if c.startswith(decks.NUMERIC_COLUMNS)]
    # !important: st.table writes an inline text-align on every cell, which a plain rule would lose to.
    right = "right !important"
    return (table.style.hide(axis="index").set_properties(subset=numeric, **{"text-align": right})
            .set_table_styles({c: [{"selector": "th", "props": [("text-align", right)]}] for c in numeric}))
