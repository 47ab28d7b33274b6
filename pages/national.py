"""全国マップ: where municipalities lack DX staff, at a glance."""

import streamlit as st

from dashboard import formats, slides
from dashboard.frame import page_setup, set_pref
from dashboard.memo import built
from dashboard.metrics import metric
from dashboard.notes import caption_md, source_text
from dashboard.queries import summary
from dashboard.queries.common import has_municipal_boundaries
from dashboard.tables import national_table
from dashboard.widgets import chart, deck_buttons, kpi, table_downloads

ctx = page_setup()
view = ctx.view
m = metric(view.metric, view.n)

st.title("全国マップ")
st.caption(f"DX担当職員が{view.n}人以下の市区町村はどこに多いか ─ 調査基準日 {formats.date_label(view.date)}")

nat = summary.national(ctx.v, view.date, view.n, ctx.as_of)
by_pref = summary.by_prefecture(ctx.v, view.date, view.n, ctx.as_of)
shown = by_pref if view.region is None else by_pref[by_pref.region == view.region]

# -- KPIs ---------------------------------------------------------------------------------
row1, row2 = st.columns(3), st.columns(3)
kpi(row1[0], f"{view.n}人以下の市区町村", f"{formats.count(nat['shortage'])} 団体",
    f"回答 {formats.count(nat['surveyed'])} 団体の {formats.share(nat['shortage_share'])}")
kpi(row1[1], "1人以下の市区町村", f"{formats.count(nat['severe'])} 団体", formats.share(nat["severe_share"]))
kpi(row1[2], "0人の市区町村", f"{formats.count(nat['zero'])} 団体", formats.share(nat["zero_share"]))
prev = nat["prev_date"]
kpi(row2[0], f"前回（{prev}）からの変化" if prev else "前回からの変化",
    formats.signed(nat["shortage_change"], unit=" 団体") if prev else "—",
    f"{formats.points(nat['shortage_share_change'])}（割合）" if prev else "前回の調査なし", change=bool(prev))
kpi(row2[1], "地域DX推進体制を構築した都道府県", f"{nat['systems_built']} / 47",
    f"人材プール機能を確保 {nat['pools_built']} / 47")
kpi(row2[2], "自治体DXアクセラレータ（在任）", f"{formats.count(nat['accelerators'])} / 500 人",
    f"目標まで あと {formats.count(max(0, 500 - nat['accelerators']))} 人")
st.caption(caption_md(source_text(
    ctx.v, ("survey", "status", "roster"), view.date,
    f"不足＝DX担当職員{view.n}人以下、割合の分母は回答した市区町村。体制・アクセラレータは {ctx.as_of} 時点",
    ctx.is_sample)))

# -- Maps ---------------------------------------------------------------------------------
# The municipality map (1,741 shapes) is drawn only while its tab is open.
tab_pref, tab_muni = st.tabs(["都道府県別", "市区町村別"], key="map_tab", on_change="rerun")
with tab_pref:
    st.subheader(f"{m.label}（都道府県別）")
    c = built(slides.page_chart, "national", "map", ctx.v, view, ctx.as_of, ctx.is_sample)
    event = chart(c.figure, "pref_map", c.caption, c.png_name, ctx.is_sample, title=c.title,
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
        chart(c.figure, "muni_points" if as_points else "muni_map", c.caption, c.png_name, ctx.is_sample,
              title=c.title)

# -- Ranking ------------------------------------------------------------------------------
st.subheader(f"都道府県の順位：{m.label}")
order = st.radio("並び順", ["value", "jis"], horizontal=True, key="rank_order",
                 format_func=lambda k: "値の大きい順" if k == "value" else "都道府県コード順")
c = built(slides.page_chart, "national", "ranked", ctx.v, view, ctx.as_of, ctx.is_sample, order=order)
chart(c.figure, "ranked", c.caption, c.png_name, ctx.is_sample, title=c.title)

# -- Table and downloads ------------------------------------------------------------------
st.subheader("都道府県別の表")
table = national_table(shown, view.n, ctx.has_population)
st.dataframe(table, hide_index=True, width="stretch")
notes = {"調査基準日": formats.date_label(view.date), "不足の基準": f"DX担当職員{view.n}人以下",
         "地方": view.region or "全国",
         "出典": source_text(ctx.v, ("survey", "roster", "status"), None, None, False)}
table_downloads(f"national_{view.date}", {"都道府県別": table}, notes, ctx.is_sample, key="dl_national")
st.caption(caption_md(source_text(ctx.v, ("survey", "roster", "status"), view.date, m.definition, ctx.is_sample)))

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
