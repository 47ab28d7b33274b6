"""出典・定義 notes under charts and in exports, from the citations stored with each load.

source_text(v, kinds, date, definition) names the real source of every kind of figure a chart
uses — publisher, title, update date and base date, e.g.
「デジタル庁『自治体DXの取組に関するダッシュボード』（2024-07-12更新、総務省 令和5年度 行政情報化推進状況調査、
基準日 2023-04-01）」 — never a file name. It returns a SourceText: the text, which knows whether
any of those figures is synthetic (then it ends with the sample notice). A chart made only from
real data carries no sample notice: the caption, the PNG footer (widgets.chart), the slide and the
CSV/XLSX notes all follow SourceText.is_sample.

Kinds: survey (職員数, on the view's base date), indicators (自治体DXの取組, on the latest indicator
base date on or before it), roster, status, population, boundaries (municipal), prefecture_boundaries.
Citation text comes from load_log and may hold user text: captions escape it (st.caption renders
Markdown).
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from core.store import SAMPLE_NOTICE
from dashboard.cache import shared
from dashboard.formats import date_label
from dashboard.metrics import PUBLISHED_FIGURE
from dashboard.queries import common
from dashboard.queries import indicators as qi
from etl.citations import ORIGINS, Citation

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
# What each kind of source is, as the figure it gives (the banner and multi-source notes name it).
KIND_FIGURE = {
    "survey": "職員数",
    "roster": "人材プール",
    "status": "体制構築の進捗",
    "indicators": "自治体DXの取組",
    "indicators_prefecture": "自治体DXの取組（都道府県）",
    "population": "人口",
    "boundaries": "市区町村の境界",
    "prefecture_boundaries": "都道府県の境界",
}
DATED = ("survey", "indicators", "indicators_prefecture")


class SourceText(str):
    """A 出典 note (plain text); is_sample says whether any figure it cites is synthetic."""

    is_sample: bool

    def __new__(cls, text: str, is_sample: bool = False) -> SourceText:
        obj = super().__new__(cls, text)
        obj.is_sample = is_sample
        return obj


def escape_md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def citation_of(row) -> Citation:
    """A load_log row (current_sources) as a Citation."""
    def val(x):
        return None if x is None or (not isinstance(x, str) and pd.isna(x)) else x

    updated = val(row.source_updated)
    return Citation(val(row.source_publisher), val(row.source_title),
                    pd.Timestamp(updated).date() if updated is not None else None, val(row.source_note),
                    val(row.source_credit), val(row.source_licence))


def _kind_rows(v: str, kind: str, date: dt.date | None) -> pd.DataFrame:
    src = common.current_sources(v)
    rows = src[src.kind == kind]
    if kind in DATED and date is not None:
        rows = rows[pd.to_datetime(rows.base_date).dt.date == date]
    return rows


@shared(1024)
def kind_citation(v: str, kind: str, date: dt.date | None = None) -> tuple[str, bool] | None:
    """(citation text, is_sample) of the loads behind one kind (on date, for dated kinds);
    None when nothing of that kind is published. Once per warehouse version: each note of a view
    asks again (5 ms each from the load log). A shared store, not functools.lru_cache: after a
    publish every session's next rerun asks at once, and lru_cache lets each of them compute it
    (a tenth of a busy server's samples in the seconds after a publish, issue 16 §2)."""
    rows = _kind_rows(v, kind, date)
    if rows.empty:
        return None
    texts = []
    for r in rows.itertuples():
        c = citation_of(r)
        if c.title is None and c.publisher is None:  # a load from before citations were kept
            c = Citation(title=f"{KIND_FIGURE.get(kind, kind)}（出典の登録なし）")
        text = c.text(date if kind in ("indicators", "indicators_prefecture") else None)
        if text not in texts:
            texts.append(text)
    return "、".join(texts), bool(rows.is_sample.any())


def source_text(v: str, kinds: tuple[str, ...], date: dt.date | None = None,
                definition: str | None = None) -> SourceText:
    """出典 (each kind's real source), 基準日, 定義, and the sample notice when any cited figure is
    synthetic. date is the survey base date of the view; indicators are cited on their own base
    date (the latest on or before it), named inside their citation.

    Computed once per warehouse version and arguments (v names the published file, so a publish
    gives new notes): a page cites its sources in every caption, and rebuilding each from the
    load log took about a third of a warm rerun (issue 16 §1 profile)."""
    return _source_text(v, tuple(kinds), date, definition)


@shared(4096)
def _source_text(v: str, kinds: tuple[str, ...], date: dt.date | None, definition: str | None) -> SourceText:
    parts, sample = [], False
    cited = []
    for kind in kinds:
        when = qi.indicator_date_for(v, date) if kind in ("indicators", "indicators_prefecture") else date
        if kind in ("indicators", "indicators_prefecture") and when is None:
            cited.append((kind, "（この基準日以前のデータなし）" if date else "（読み込まれていません）", False))
            continue
        found = kind_citation(v, kind, when if kind in DATED else None)
        if found:
            cited.append((kind, *found))
    grouped: dict[str, list[str]] = {}  # one citation for several kinds (e.g. the sample) is said once
    for kind, text, is_sample in cited:
        sample = sample or is_sample
        grouped.setdefault(text, []).append(KIND_FIGURE.get(kind, kind))
    for text, figures in grouped.items():
        # Name the figures when a note cites several sources or a synthetic one: the reader sees
        # which figure is synthetic and which is real.
        named = len(grouped) > 1 or any(is_sample for _, t, is_sample in cited if t == text)
        parts.append(f"{'・'.join(figures)}＝{text}" if named else text)
    text = "出典：" + "、".join(parts) if parts else "出典：（読み込まれたデータなし）"
    if date is not None and ("survey" in kinds or not any(k in DATED for k in kinds)):
        label = "職員数の基準日" if any(k.startswith("indicators") for k in kinds) else "基準日"
        text += f"／{label}：{date_label(date)}"
    if definition:
        text += f"／定義：{definition}"
    if sample and SAMPLE_NOTICE not in text:
        text += f"／{SAMPLE_NOTICE}"
    return SourceText(text, sample)


def dated_source_text(v: str, kind: str, dates, definition: str | None = None) -> SourceText:
    """出典 of a figure drawn over several base dates (a trend): the citation of every base date, each
    said once with the base dates it covers, e.g. 「出典：職員数＝A（基準日 2021-04-01、2022-04-01）、
    B（基準日 2023-04-01）」, and the sample notice when any of them is synthetic."""
    cited: dict[str, list[dt.date]] = {}
    sample = False
    for d in dates:
        found = kind_citation(v, kind, d)
        if found:
            cited.setdefault(found[0], []).append(d)
            sample = sample or found[1]
    parts = [f"{text}（基準日 {'、'.join(d.isoformat() for d in ds)}）" for text, ds in cited.items()]
    text = f"出典：{KIND_FIGURE.get(kind, kind)}＝" + "、".join(parts) if parts else "出典：（読み込まれたデータなし）"
    if definition:
        text += f"／定義：{definition}"
    if sample and SAMPLE_NOTICE not in text:
        text += f"／{SAMPLE_NOTICE}"
    return SourceText(text, sample)


# The banner's words for each kind: what the figure is, and for real data whose it is (ORIGINS).
_BANNER_WHAT = {"survey": "職員数", "roster": "人材プール", "status": "体制構築の進捗",
                "indicators": "自治体DXの取組", "indicators_prefecture": "自治体DXの取組", "population": "人口",
                "boundaries": "地図の境界", "prefecture_boundaries": "地図の境界"}
BANNER_FIGURE = {kind: f"{what}（{ORIGINS[kind]}）" if kind in ORIGINS else what for kind, what in _BANNER_WHAT.items()}


@shared(16)
def sample_kinds(v: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(synthetic, real) figures published now, in words for the banner."""
    src = common.current_sources(v)
    kinds = src.groupby("kind", sort=False).is_sample.any()
    order = list(BANNER_FIGURE)
    ranked = sorted(kinds.index, key=lambda k: order.index(k) if k in order else len(order))
    synthetic = tuple(dict.fromkeys(BANNER_FIGURE.get(k, k) for k in ranked if kinds[k]))
    real = tuple(f for f in dict.fromkeys(BANNER_FIGURE.get(k, k) for k in ranked if not kinds[k]) if f not in synthetic)
    return synthetic, real


@shared(16)
def banner_text(v: str) -> str | None:
    """Which figures on screen are synthetic and which are real; None when none is synthetic."""
    synthetic, real = sample_kinds(v)
    if not synthetic:
        return None
    text = (f"{SAMPLE_NOTICE}を含みます。架空の数値：{'・'.join(synthetic)}（公表値 ─ {PUBLISHED_FIGURE}"
            " ─ に合わせて作った架空のデータで、実際の自治体の状況ではありません）。")
    if real:
        text += f"実データ：{'・'.join(real)}（各図の出典を参照）。"
    return text


def partial_survey_text(v: str, date: dt.date) -> str | None:
    """What a national view on a base date that not every prefecture answered is made of (None on
    a nationwide survey, common.nationwide_dates): 全国 figures there are those prefectures' only."""
    if date in common.nationwide_dates(v):
        return None
    answered = common.surveyed_prefectures(v).get(date, frozenset())
    prefs = common.prefectures(v)
    names = list(prefs.name[prefs.prefecture_code.isin(answered)])
    who = "、".join(names) if len(names) <= 5 else f"{len(names)} 都道府県"
    return (f"調査基準日 {date_label(date)} は全国の調査ではありません（回答は {who or 'なし'}）。"
            "この日の全国・地方の値と地図は、回答のあった都道府県だけから計算しています。"
            "前回比は、この日と前回の両方に回答のある都道府県で比べています。")


def caption_md(text: str) -> str:
    return escape_md(text)


def footer_text(caption: str | None, is_sample: bool) -> str:
    """The footer a chart's picture carries: its 出典 caption, and the sample notice when it applies."""
    text = caption or ""
    if is_sample and SAMPLE_NOTICE not in text:
        text = f"{text}／{SAMPLE_NOTICE}" if text else SAMPLE_NOTICE
    return text
