"""Filled in by a later issue."""

import streamlit as st

st.info("この画面は準備中です。")
