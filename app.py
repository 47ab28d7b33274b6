"""DX人材ギャップ・ダッシュボード: navigation and the frame every page shares."""

from __future__ import annotations

import streamlit as st

from dashboard.frame import run_page

st.set_page_config(page_title="DX人材ギャップ・ダッシュボード", page_icon="🗾", layout="wide")

PAGES = [
    st.Page("pages/national.py", title="全国マップ", default=True),  # served at /
    st.Page("pages/prefecture.py", title="都道府県", url_path="prefecture"),
    st.Page("pages/talent.py", title="人材プール", url_path="talent"),
    st.Page("pages/progress.py", title="体制構築の進捗", url_path="progress"),
    st.Page("pages/data.py", title="データ", url_path="data"),
]

# Each page starts with dashboard.frame.page_setup(): the shared sidebar, the sample banner
# and the URL state (see that function for why the page draws them).
# A page bug shows users a friendly error (the log keeps it); under AppTest it fails the test.
run_page(st.navigation(PAGES))
