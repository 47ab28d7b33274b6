"""DX人材ギャップ・ダッシュボード: navigation and the frame every page shares."""

from __future__ import annotations

import logging

import streamlit as st

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
page = st.navigation(PAGES)
try:
    page.run()
except Exception:  # a page bug must not show a traceback to users; the server log keeps it
    logging.getLogger("dashboard").exception("page %s failed", page.url_path)
    st.error("この画面の表示中に問題が起きました。条件を変えるか、時間をおいて再度お試しください。"
             "解決しない場合は管理者に連絡してください。")
