"""全国マップ: where municipalities lack DX staff, at a glance."""

import streamlit as st

from dashboard import formats, geo, kpis, scope, slides
from dashboard.charts import need as need_charts
from dashboard.frame import page_setup, set_pref
from dashboard.memo import built
from dashboard.metrics import DEFINITIONS, INDICATOR_METRICS, metric, need_condition, note, shortage_rule
from dashboard.notes import caption_md, escape_md, partial_survey_text, source_text
from dashboard.queries import indicators as qi
from dashboard.queries import summary
from dashboard.queries.common import has_municipal_boundaries
from dashboard.tables import indicator_table, national_table, need_prefecture_table, need_table
from dashboard.widgets import chart, deck_buttons, kpi_cards, source_caption, table, table_downloads

ctx = page_setup()
view = ctx.view
m = metric(view.metric, view.n)

st.title("全国マップ")
st.caption(f"{slides.MAP_QUESTIONS[m.key].format(n=view.n)}（{scope.label(view.region)}）"
           f" ─ 調査基準日 {formats.date_label(view.date)}")

area = summary.area(ctx.v, view.date, view.n, ctx.as_of, view.region)  # the nation, or the chosen 地方
by_pref = summary.by_prefecture(ctx.v, view.date, view.n, ctx.as_of)
shown = scope.in_region(by_pref, view.region)
ind_date = qi.indicator_date_for(ctx.v, view.date)  # the Digital Agency table shown with this base date

# -- KPIs ---------------------------------------------------------------------------------
if partial := partial_survey_text(ctx.v, view.date):
    st.info(escape_md(partial))
kpi_cards(kpis.national(area, view.n, view.region), per_row=3)
st.caption(caption_md(source_text(ctx.v, ("survey", "status", "roster"), view.date,
                                  note("national_kpis", n=view.n, as_of=ctx.as_of))))


def indicator_date_note(key: str) -> None:
    """Say which indicator base date a Digital Agency map shows (never mixed silently)."""
    if ind_date is None:
        st.info(f"{formats.date_label(view.date)}以前の自治体DXの取組の表（デジタル庁）がないため、"
                f"「{metric(key).label}」は表示できません。調査基準日を{formats.date_label(qi.base_dates(ctx.v)[0])}"
                "以降にしてください。")
    elif ind_date != view.date:
        st.caption(f"この指標はデジタル庁の表の基準日 {formats.date_label(ind_date)} の値です"
                   f"（調査基準日 {formats.date_label(view.date)} 以前で最も新しい表）。")


# -- Maps ---------------------------------------------------------------------------------
# The municipality map (1,741 shapes) is drawn only while its tab is open.
tab_pref, tab_muni = st.tabs(["都道府県別", "市区町村別"], key="map_tab", on_change="rerun")
with tab_pref:
    st.subheader(f"{m.label}（都道府県別）")
    if m.source == "indicators":
        indicator_date_note(m.key)
    c = built(slides.page_chart, "national", "map", ctx.v, view, ctx.as_of, ctx.is_sample)
    event = chart(c.figure, "pref_map", c.caption, c.png_name, title=c.title,
                  on_select="rerun", selection_mode="points")
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points:
        code = points[0].get("location") or points[0].get("customdata")
        if code:
            set_pref(code)
            st.switch_page("pages/prefecture.py", query_params={**view.with_(pref=code).params()})
    names = dict(zip(shown.prefecture_code, shown.name, strict=True))
    pick = st.selectbox("都道府県を開く（地図をクリックしても開けます）", ["", *names],
                        format_func=lambda c: names.get(c, "選んでください"), key="open_pref")
    if pick:
        set_pref(pick)
        st.switch_page("pages/prefecture.py", query_params={**view.with_(pref=pick).params()})

if tab_muni.open:
    with tab_muni:
        as_points = not has_municipal_boundaries(ctx.v)
        if as_points:
            st.caption("市区町村の境界が読み込まれていないため、役場の位置を点で表示しています。")
        c = built(slides.page_chart, "national", "municipalities", ctx.v, view, ctx.as_of, ctx.is_sample)
        chart(c.figure, "muni_points" if as_points else "muni_map", c.caption, c.png_name, title=c.title)

# -- Ranking ------------------------------------------------------------------------------
st.subheader(f"都道府県の順位：{m.label}")
order = st.radio("並び順", ["value", "jis"], horizontal=True, key="rank_order",
                 format_func=lambda k: "値の大きい順" if k == "value" else "都道府県コード順")
c = built(slides.page_chart, "national", "ranked", ctx.v, view, ctx.as_of, ctx.is_sample, order=order)
chart(c.figure, "ranked", c.caption, c.png_name, title=c.title)

# -- Table and downloads ------------------------------------------------------------------
st.subheader("都道府県別の表")
pref_table = built(national_table, shown, view.n, ctx.has_population, key=(ctx.v, view, ctx.as_of, "table"))
table(pref_table, key="national_table", signed=("前回比（団体）",))
table_src = source_text(ctx.v, ("survey", "roster", "status", "indicators"), view.date, m.definition)
notes = {"調査基準日": formats.date_label(view.date), "不足の基準": shortage_rule(view.n),
         "地方": scope.label(view.region),
         "自治体DXの取組の基準日": formats.date_label(ind_date) if ind_date else "なし",
         "出典": table_src}
table_downloads(f"{scope.label(view.region)}_都道府県別_{view.date}", {"都道府県別": pref_table}, notes,
                table_src.is_sample, key="dl_national")
st.caption(caption_md(table_src))

# -- The Digital Agency indicators (real data) ----------------------------------------------
if ctx.has_indicators:
    st.subheader("自治体DXの推進体制（デジタル庁の公表データ）")
    ind_keys = list(INDICATOR_METRICS)
    ind_key = st.radio("指標", ind_keys, horizontal=True, key="ind_metric", format_func=lambda k: metric(k).label,
                       index=ind_keys.index(view.metric) if view.metric in ind_keys else 0)
    indicator_date_note(ind_key)
    if ind_date is not None:
        c = built(slides.page_chart, "national", "map", ctx.v, view.with_(metric=ind_key), ctx.as_of, ctx.is_sample)
        chart(c.figure, "indicator_map", c.caption, c.png_name, title=c.title)
        ind_table = built(indicator_table, shown, ind_key, metric(ind_key).label, key=(ctx.v, view, ctx.as_of, ind_key))
        with st.expander("表で見る・ダウンロード"):
            table(ind_table, key="indicator_table")
        ind_src = slides.metric_source(ctx.v, metric(ind_key), view.date)
        table_downloads(f"{scope.label(view.region)}_{metric(ind_key).label}_{ind_date}", {metric(ind_key).label[:31]: ind_table},
                        {"基準日": formats.date_label(ind_date), "地方": scope.label(view.region),
                         "定義": metric(ind_key).definition, "出典": ind_src},
                        ind_src.is_sample, key="dl_indicator")

# -- Cross view: few staff AND no external talent AND no organisation-wide set-up ------------------
if ctx.has_indicators:
    st.subheader(f"最も支援が必要な市区町村（職員{view.n}人以下・外部人材活用なし・全庁的な体制なし）")
    if ind_date is None:
        st.info(f"{formats.date_label(view.date)}以前の自治体DXの取組の表がないため、この一覧は作れません。")
    else:
        need = built(scope.in_region, qi.most_in_need(ctx.v, view.date, view.n, ind_date), view.region,
                     key=(ctx.v, view.date, view.n, ind_date, view.region))
        need_pref = built(qi.need_by_prefecture, need, shown, key=(ctx.v, view, ctx.as_of, ind_date, "need_pref"))
        st.caption(f"職員数は調査基準日 {formats.date_label(view.date)}、外部人材活用・全庁的な体制構築はデジタル庁の表の"
                   f"基準日 {formats.date_label(ind_date)} の値です。{DEFINITIONS['最も支援が必要な市区町村']}")
        need_src = source_text(ctx.v, ("survey", "indicators"), view.date, note("need", n=view.n))
        kpi_cards(kpis.need(need, view.n), per_row=3)
        source_caption(need_src)
        tab_count, tab_list, tab_map = st.tabs(["都道府県別の数", "一覧", "地図"], key="need_tab", on_change="rerun")
        with tab_count:
            chart(built(need_charts.need_bars, need_pref, key=(ctx.v, view, ind_date, "need_bars")), "need_bars",
                  need_src, f"national_need_by_prefecture_{view.date}_n{view.n}",
                  title=f"最も支援が必要な市区町村の数（{scope.label(view.region)}）")
        with tab_list:
            need_rows = built(need_table, need, view.n, key=(ctx.v, view, ind_date, "need_rows"))
            table(need_rows, key="need_list")
            st.caption(f"{len(need_rows):,} 団体")
            need_notes = {"調査基準日（職員数）": formats.date_label(view.date),
                          "自治体DXの取組の基準日": formats.date_label(ind_date),
                          "条件": need_condition(view.n),
                          "出典": need_src}
            table_downloads(f"{scope.label(view.region)}_最も支援が必要な市区町村_{view.date}_{view.n}人以下",
                            {"最も支援が必要": need_rows,
                             "都道府県別": built(need_prefecture_table, need_pref, key=(ctx.v, view, ind_date, "need_pref"))},
                            need_notes, need_src.is_sample, key="dl_need", csv_label="一覧を CSV でダウンロード",
                            xlsx_label="Excel をダウンロード（一覧・都道府県別・注記）")
        if tab_map.open:
            with tab_map:
                shapes = geo.municipality_shapes(ctx.v) if has_municipal_boundaries(ctx.v) else None
                ref = shapes.subset(need.lg_code) if shapes else None
                chart(built(need_charts.need_map, need, ref, view.n, key=(ctx.v, view, ind_date, "need_map")),
                      "need_map", source_text(ctx.v, ("survey", "indicators", "boundaries"), view.date, note("need_map")),
                      f"national_need_map_{view.date}_n{view.n}",
                      title=f"最も支援が必要な市区町村（{scope.label(view.region)}）")

# -- Slides for a council ---------------------------------------------------------------------
st.subheader("発表資料（PowerPoint）")
st.caption("今の条件（基準日・不足の基準・地方・指標）で、1枚に1つの問いと図のスライドを作ります。"
           "サイドバーの「発表モード」で、同じスライドを画面に大きく表示できます。")
deck_buttons(ctx, key="deck_national")
pref_names = dict(zip(ctx.prefectures.prefecture_code, ctx.prefectures.name, strict=True))
codes = list(pref_names)
pref = st.selectbox("都道府県の資料", codes, index=codes.index(view.pref) if view.pref in pref_names else 0,
                    format_func=pref_names.get, key="deck_pref_code")
deck_buttons(ctx, pref=pref, key="deck_pref")
