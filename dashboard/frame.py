"""The frame every page shares: the sidebar filters, the sample banner and URL state."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard import admission, db, warm
from dashboard.formats import date_label
from dashboard.metrics import metric, metrics
from dashboard.notes import banner_text
from dashboard.queries import common
from dashboard.queries import indicators as qi
from dashboard.state import MAX_N, PARAMS, ViewState, parse_params
from etl.reference import REGION_ORDER

log = logging.getLogger("dashboard")
ALL_REGIONS = "全国"
PAGE_ERROR = ("この画面の表示中に問題が起きました。条件を変えるか、時間をおいて再度お試しください。"
              "解決しない場合は管理者に連絡してください。")


@dataclass(frozen=True)
class Context:
    """What a page needs to draw itself."""

    v: str  # warehouse version: the first argument of every query
    view: ViewState
    dates: list[dt.date]
    prefectures: pd.DataFrame
    as_of: dt.date
    is_sample: bool  # some figure published now is synthetic (each chart's note says which)
    has_population: bool
    has_indicators: bool = False
    # the session's first run: a control seeded from the URL takes it as its default, so that a
    # browser whose session is gone keeps the change its next interaction sends (see _sidebar)
    first_run: bool = False

    @functools.cached_property
    def _pref_names(self) -> dict[str, str]:
        return dict(zip(self.prefectures.prefecture_code, self.prefectures.name, strict=True))

    def pref_name(self, code: str) -> str:
        return self._pref_names.get(code, code)


def _url_params() -> dict[str, str]:
    return {k: st.query_params[k] for k in PARAMS if k in st.query_params}


def _widget_values(view: ViewState) -> dict[str, object]:
    """The sidebar widgets' values (by key) that show the view."""
    return {"w_date": view.date, "w_n": view.n, "w_region": view.region or ALL_REGIONS, "w_metric": view.metric}


def _push_widgets(view: ViewState) -> None:
    st.session_state.update(_widget_values(view))


def build_context() -> Context:
    """Read the URL (or the session), draw the shared sidebar, write the URL back."""
    v = db.version()
    warm.rerun_started()  # the server's one watcher computes each new version's shared results ahead of sessions
    dates = common.base_dates(v)
    if not dates:
        raise db.WarehouseUnavailable("データ倉庫に調査データがありません。職員調査ファイルを読み込んでください")
    prefs = common.prefectures(v)
    has_pop = common.has_population(v)
    has_ind = bool(qi.base_dates(v))
    metric_keys = [m.key for m in metrics(has_population=has_pop, has_indicators=has_ind)]
    ss = st.session_state
    url = _url_params()
    first_run = "view" not in ss
    if first_run or (url and url != ss.get("_url_written")):
        view, notices = parse_params(url, dates, REGION_ORDER, set(prefs.prefecture_code), metric_keys)
        ss["view"], ss["_notices"] = view, notices
        if not first_run:  # the address changed under a running session: the widgets follow it
            _push_widgets(view)
    view: ViewState = ss["view"]

    if not view.present:
        view = _sidebar(view, dates, metric_keys, first_run)
    ss["view"] = view
    params = view.params()
    if params != url:
        st.query_params.from_dict(params)
    ss["_url_written"] = params
    return Context(v=v, view=view, dates=dates, prefectures=prefs, as_of=common.as_of_today(),
                   is_sample=common.is_sample(v), has_population=has_pop, has_indicators=has_ind,
                   first_run=first_run)


def _sidebar(view: ViewState, dates: list[dt.date], metric_keys: list[str], first_run: bool = False) -> ViewState:
    ss = st.session_state
    regions = [ALL_REGIONS, *REGION_ORDER]
    # On a session's first run the URL's view is the widgets' default, not a value written into
    # session state: a browser whose session is gone (expired after server.disconnectedSessionTTL,
    # or the server restarted) sends its widgets' values with its next interaction, and a written
    # value would undo the change the user just made. A fresh page sends none: the default holds.
    # Later, widget ids differ per page, so a page switch would reset these widgets to their
    # defaults: writing each value back (from the view when absent) carries it over.
    values = _widget_values(view)
    # given: the defaults of the first run (the view was just read from the URL: among the options)
    given = {k: v for k, v in values.items() if k not in ss} if first_run else {}
    for key, value in values.items():
        if key not in given:
            ss[key] = ss.get(key, value)
    if "w_date" not in given and ss.get("w_date") not in dates:
        ss["w_date"] = view.date
    if "w_metric" not in given and ss.get("w_metric") not in metric_keys:
        ss["w_metric"] = metric_keys[0]
    with st.sidebar:
        st.subheader("表示の条件")
        date = st.selectbox("調査基準日", dates, key="w_date", format_func=date_label,
                            index=dates.index(given["w_date"]) if "w_date" in given else 0)
        n = st.number_input("不足の基準（DX担当職員がこの人数以下）", min_value=0, max_value=MAX_N, step=1, key="w_n",
                            value=given.get("w_n", "min"))
        region = st.selectbox("地方", regions, key="w_region",
                              index=regions.index(given["w_region"]) if "w_region" in given else 0)
        key = st.selectbox("指標（地図の色）", metric_keys, key="w_metric", format_func=lambda k: metric(k).choice,
                           index=metric_keys.index(given["w_metric"]) if "w_metric" in given else 0)
        st.toggle("発表モード", key="w_present", on_change=enter_present,
                  help="サイドバーを隠し、1画面に1つの図を大きく表示します（プロジェクター向け、URL に present=1）")
    return view.with_(date=date, n=int(n), region=None if region == ALL_REGIONS else region, metric=key)


def _leave_legacy_pages_mode() -> None:
    """Streamlit treats a pages/ folder beside app.py as old-style (v1) pages until st.navigation
    has run once in the process, so the first visit to e.g. /data on a fresh server would run
    pages/data.py without app.py. Switch to st.navigation at once and rerun through app.py."""
    from streamlit import config
    from streamlit.runtime.pages_manager import PagesManager

    # AppTest resets the flag before every run and reruns the page file alone; a rerun there
    # would drop the widget events of that run, and page_setup already draws the frame.
    if PagesManager.uses_pages_directory and not config.get_option("global.appTest"):
        PagesManager.uses_pages_directory = False
        st.rerun()


def run_page(page) -> None:
    """Run the page st.navigation chose. A page bug must not show users a traceback: they get
    PAGE_ERROR and the server log keeps the exception. Under AppTest the exception is raised, so a
    crashing page fails its test (at.exception) instead of passing as a friendly message."""
    from streamlit import config

    try:
        with admission.admitted():
            page.run()
    except Exception:
        if config.get_option("global.appTest"):
            raise
        log.exception("page %s failed", getattr(page, "url_path", page))
        st.error(PAGE_ERROR)


# Streamlit draws captions at 60% opacity of the text colour: 3.9:1 on white, under WCAG AA's 4.5:1
# for small text (tests/test_accessibility.py measures the rendered colour).
PAGE_CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 1; color: #55575F; }
.st-key-page_lang { display: none; }
/* A KPI's value wraps instead of ending in 「…」 (a phone is narrower than 人材プール機能の確保). */
[data-testid="stMetricValue"] > div { white-space: normal; overflow-wrap: anywhere; }
/* … and so does its label (「地域DX推進体制を構築した都道府県（近畿）」 would end in 「…」). */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
</style>"""
# Streamlit serves its index.html with lang="en" and has no setting for it; this sets the page's
# language once the app has loaded, so screen readers read Japanese and the browser picks Japanese
# glyph forms (a test checks what Chromium then reports for the content, :lang(ja)).
LANG_SCRIPT = "<script>document.documentElement.lang = 'ja';</script>"


def page_chrome() -> None:
    """What every page (and presentation mode) has whatever it shows: the page language and the CSS."""
    st.html(PAGE_CSS)  # style only: Streamlit puts it in the event container, it takes no space
    with st.container(key="page_lang"):
        st.html(LANG_SCRIPT, unsafe_allow_javascript=True)


def page_setup() -> Context:
    """Called at the top of every page: the sidebar, the sample banner and URL state.

    The page (not app.py) draws the frame, so a page renders the same whether app.py runs it
    through st.navigation or a test harness runs the page file on its own.
    """
    _leave_legacy_pages_mode()
    page_chrome()
    try:
        ctx = build_context()
    except db.WarehouseUnavailable as exc:
        st.title("DX人材ギャップ・ダッシュボード")
        st.error(str(exc))
        st.stop()
    st.session_state["ctx"] = ctx
    if ctx.view.present:  # presentation mode replaces every page, so no page needs to know about it
        from dashboard import present

        present.render(ctx)
        st.stop()
    show_banner_and_notices(ctx)
    return ctx


def show_banner_and_notices(ctx: Context) -> None:
    banner = banner_text(ctx.v)  # which figures are synthetic and which are real (constant words only)
    if banner:
        st.warning(banner, icon="⚠️")
    for notice in st.session_state.pop("_notices", []):
        st.info(notice)


def set_pref(code: str | None) -> None:
    """Remember the chosen prefecture (the pref= parameter)."""
    st.session_state["view"] = st.session_state["view"].with_(pref=code)


def enter_present() -> None:
    """The sidebar toggle's callback: switch to presentation mode at the first slide."""
    ss = st.session_state
    ss["view"] = ss["view"].with_(present=True, slide=1)
    ss["w_present"] = False  # the toggle is shown (off) again after leaving


def leave_present() -> None:
    """The presenter's exit button: back to the normal view with the same filters."""
    ss = st.session_state
    ss["view"] = ss["view"].with_(present=False, slide=1)
    _push_widgets(ss["view"])  # the sidebar widgets were not drawn while presenting


def write_view(view: ViewState) -> None:
    """Replace the view mid-run (e.g. the presenter clamping slide=) and write it to the URL now."""
    ss = st.session_state
    ss["view"] = view
    params = view.params()
    st.query_params.from_dict(params)
    ss["_url_written"] = params
