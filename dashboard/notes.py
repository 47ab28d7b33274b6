"""出典・定義 notes under charts and in exports. User-supplied text (file names) is escaped,
because st.caption renders Markdown."""

from __future__ import annotations

import re

import streamlit as st

from dashboard.formats import SAMPLE_NOTICE, date_label
from dashboard.queries import common

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
KIND_SOURCE = {
    "survey": "職員調査",
    "roster": "人材名簿",
    "status": "体制構築の進捗",
    "population": "人口",
    "boundaries": "境界",
}
LICENCE = {
    "boundaries": "出典：国土数値情報（行政区域データ）（国土交通省）を加工して作成（デジタル庁 policy-dashboard-assets、CC BY 4.0）",
    "population": "出典：総務省統計局 令和2年国勢調査 人口速報集計",
}


def escape_md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def source_text(v: str, kinds: tuple[str, ...], date=None, definition: str | None = None,
                is_sample: bool = False) -> str:
    """Plain text: 出典 (files by kind), 基準日, 定義, and the sample notice."""
    files = _files(v, date if "survey" in kinds else None)
    parts = []
    for kind in kinds:
        if files.get(kind):
            parts.append(f"{KIND_SOURCE[kind]}「{_shorten(files[kind])}」")
            if kind in LICENCE:
                parts.append(LICENCE[kind])
    text = "出典：" + "、".join(parts) if parts else "出典：（読み込まれたファイルなし）"
    if date is not None:
        text += f"／基準日：{date_label(date)}"
    if definition:
        text += f"／定義：{definition}"
    if is_sample:
        text += f"／{SAMPLE_NOTICE}"
    return text


@st.cache_resource(show_spinner=False, max_entries=64)
def _files(v: str, survey_date) -> dict[str, list[str]]:
    """Source file names by kind; the survey's are those of survey_date's base date when given.
    (Read-only: shared by every caller.)"""
    src = common.sources_by_kind(v)
    files = {k: list(f) for k, f in zip(src.kind, src.files, strict=True)}
    if survey_date is not None:
        files["survey"] = list(common.survey_sources(v, survey_date).file_name) or files.get("survey", [])
    return files


def _shorten(names: list[str], keep: int = 2) -> str:
    names = list(names)
    head = "、".join(names[:keep])
    return head if len(names) <= keep else f"{head} ほか{len(names) - keep}件"


def caption_md(text: str) -> str:
    return escape_md(text)
