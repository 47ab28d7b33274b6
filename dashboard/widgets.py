"""Small Streamlit helpers shared by pages (the only dashboard module besides frame that calls st.)."""

from __future__ import annotations

import streamlit as st

from dashboard.notes import caption_md


def kpi(col, label: str, value: str, note: str | None = None, change: bool = False, help: str | None = None) -> None:
    """A KPI card. note is descriptive text (no arrow) unless change=True (a real change, lower is better)."""
    col.metric(label, value, note, delta_color="inverse" if change else "off",
               delta_arrow="auto" if change else "off", help=help, border=True)


def source_caption(text: str) -> None:
    st.caption(caption_md(text))
