"""Filled in by a later issue."""

import streamlit as st

from dashboard.frame import page_setup

page_setup()
st.info("この画面は準備中です。")
