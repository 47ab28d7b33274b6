"""都道府県: every municipality of one prefecture, who is short, and who the pool supports."""

import pandas as pd
import streamlit as st

from dashboard import formats, geo, prefecture_figures, scope, tables
from dashboard.charts import prefecture as charts
from dashboard.frame import page_setup, set_pref, write_view
from dashboard.memo import built
from dashboard.metrics import DEFINITIONS, need_condition, note, shortage_rule
from dashboard.notes import escape_md, source_text
from dashboard.queries import common
from dashboard.queries import prefecture as q
from dashboard.widgets import (
    chart,
    deck_buttons,
    kpi,
    kpi_cards,
    kpi_row,
    show_kpi,
    source_caption,
    table,
    table_downloads,
)

ctx = page_setup()
view = ctx.view
ss = st.session_state

# -- Header: 都道府県, from the sidebar's 地方 (the one 地方 control), kept in the URL as pref= ------
in_region = list(scope.in_region(ctx.prefectures, view.region).prefecture_code)  # 全国: all 47
region_moved = ss.get("pp_region_seen", view.region) != view.region  # the sidebar's 地方 changed here
ss["pp_region_seen"] = view.region
defaulted = view.pref is None
if defaulted or (region_moved and view.pref not in in_region):
    view = view.with_(pref=in_region[0])
    write_view(view)  # pref= goes into the URL at once, so the address names what is shown
pref = view.pref
pref_options = in_region if pref in in_region else [pref, *in_region]
if not ctx.first_run and ss.get("pp_pref") != pref:  # arrived by URL, bookmark, the national map or the sidebar
    ss["pp_pref"] = pref


def _on_pref() -> None:
    set_pref(ss["pp_pref"])


def _pick(code: str | None) -> None:
    if code:
        ss["pp_muni"] = code


def _on_map(key: str) -> None:
    points = (ss.get(key) or {}).get("selection", {}).get("points", [])
    if points:
        custom = points[0].get("customdata")
        _pick(points[0].get("location") or (custom[0] if isinstance(custom, list) else custom))


def _on_table(key: str, shown: list[str]) -> None:
    # Row numbers index the frame as it was sent (search applied, user sorting not).
    rows = (ss.get(key) or {}).get("selection", {}).get("rows", [])
    if rows and rows[0] < len(shown):
        _pick(shown[rows[0]])


pref_name = ctx.pref_name(pref)
st.title(f"{pref_name}の市区町村")
if defaulted:
    st.info(f"都道府県が選ばれていないため、{pref_name}を表示しています。下の「都道府県」で選んでください。")
h1, _ = st.columns([1, 2])
picked = h1.selectbox("都道府県", pref_options, key="pp_pref", on_change=_on_pref, format_func=ctx.pref_name,
                      index=pref_options.index(pref) if ctx.first_run else 0,
                      help=f"サイドバーの「地方」（いまは{scope.label(view.region)}）の都道府県から選べます。")
if ctx.first_run and picked != pref:  # from a browser whose session is gone: its pick (no on_change in a new session)
    set_pref(picked)
    st.rerun()
prev = common.previous_date(ctx.v, view.date, (pref,))  # the prefecture's own last survey
st.caption(f"調査基準日 {formats.date_label(view.date)}"
           + (f"（前回 {formats.date_label(prev)}）" if prev else "（前回の調査なし）")
           + f"　不足＝DX担当職員{view.n}人以下　人材の在籍・割当は {ctx.as_of} 時点")

# The view's KPIs, figures and tables, built once per view for every session (the watcher builds
# those of each prefecture's default view ahead); the variants below (filters, a municipality)
# through memo.built.
figs = prefecture_figures.figures(ctx.v, pref, view.date, prev, view.n, ctx.as_of, ctx.dates, ctx.has_population)
munis, history, row = figs.munis, figs.history, figs.row
fig_key = (ctx.v, view, ctx.as_of, pref)
names = figs.names

# -- KPIs (the same figures as the national page) -----------------------------------------
counts, pool, per_capita = figs.kpis
kpi_cards(counts, per_row=3)
kpi_row(pool, widths=[1, 1, 2])  # the system status needs the room
kpi_cards(per_capita, per_row=3)
source_caption(source_text(ctx.v, ("survey", "roster", "status"), view.date,
                           note("prefecture_kpis", n=view.n, as_of=ctx.as_of)))
if ss.get("pp_muni") not in names:
    ss["pp_muni"] = None

# -- Map -----------------------------------------------------------------------------------
st.subheader("市区町村の地図")
shapes = geo.municipality_shapes(ctx.v, pref)
map_key = f"pp_map_{pref}"
only_uncovered = bool(ss.get("pp_only_uncovered"))  # the table's 「要対応だけ表示」 filters the map too
# The notes come first so that the map's 出典 caption and PNG button sit right under it; the
# click hint is for the screen only, so it stays out of the caption the PNG footer repeats.
map_notes = ["地図の市区町村を選ぶと下に詳細を表示します。"]
if only_uncovered:
    map_notes.append("「要対応 ⚠ だけ表示」がオンのため、要対応の市区町村だけを色で示しています（灰色はそれ以外）。")
if shapes is None:
    map_notes.append("市区町村の境界が読み込まれていないため、役場の位置を点で表示しています"
                     "（点の大きさ＝職員数。0人・1人以下は黒い縁の大きな点）。")
if figs.far_islands:
    map_notes.append(escape_md(f"離島（{'、'.join(figs.far_islands)}）は地図の枠内に表示しています。"))
st.caption("  \n".join(map_notes))
if only_uncovered:
    only = frozenset(munis.lg_code[munis.uncovered])
    muni_map = built(charts.municipality_map, munis, history, view.n, shapes, prefecture_figures.outline(ctx.v, pref),
                     only, key=(*fig_key, only_uncovered))
else:
    muni_map = figs.map
chart(muni_map, map_key,
      source_text(ctx.v, ("survey", "roster", "boundaries"), view.date, note("prefecture_map")),
      f"prefecture_{pref}_map_{view.date}", title=f"{pref_name}の市区町村（DX担当職員数）",
      on_select=lambda: _on_map(map_key), selection_mode="points")

# -- Table ---------------------------------------------------------------------------------
st.subheader("市区町村の一覧")
roles = q.roles_of(munis)
s1, s2 = st.columns([3, 1], vertical_alignment="bottom")
needle = s1.text_input("市区町村名・ふりがなで検索", key="pp_search", placeholder="例：さっぽろ、札幌")
only = s2.toggle("要対応 ⚠ だけ表示", key="pp_only_uncovered")
shown = q.search(munis, needle, uncovered_only=only)
muni_table = figs.table if not needle and not only else built(
    tables.prefecture_table, shown, roles, view.date, prev, view.n, ctx.has_population, key=(*fig_key, "table", needle, only))
table_key = f"pp_table_{pref}"
table(muni_table, key=table_key, signed=("増減",), selection_mode="single-row",
      on_select=lambda codes=list(shown.lg_code): _on_table(table_key, codes),
      column_config={"要対応": st.column_config.TextColumn(pinned=True),
                     "市区町村": st.column_config.TextColumn(pinned=True)})
st.caption(f"{len(shown)} / {len(munis)} 団体を表示。要対応 ⚠ は{view.n}人以下で支援人材の割当がない市区町村。"
           "— は未回答または該当なし。行を選ぶと下に詳細を表示します。列名をクリックすると並べ替えられます。")
source_caption(source_text(ctx.v, ("survey", "roster", "population"), view.date,
                           note("prefecture_table", as_of=ctx.as_of)))

# -- Detail --------------------------------------------------------------------------------
st.subheader("市区町村の詳細")
lg = st.selectbox("市区町村", list(names), key="pp_muni", format_func=lambda c: f"{names[c]}（{c}）",
                  placeholder="地図・表で選ぶか、ここで選んでください")
if lg:
    m = munis.set_index("lg_code").loc[lg]
    d1, d2 = st.columns([2, 1])
    with d1:
        chart(built(charts.staff_history, history[history.lg_code == lg], view.n, m["name"], key=(*fig_key, lg)), "pp_history",
              source_text(ctx.v, ("survey",), None, note("staff_history", name=m["name"])),
              f"prefecture_{pref}_history_{lg}", title=f"{m['name']}のDX担当職員数の推移")
    kpi(d2, "県内順位（職員数の多い順）",
        "未回答" if pd.isna(m["rank"]) else f"{int(m['rank'])} 位 / {row['surveyed']} 団体")
    kpi(d2, f"DX担当職員（{view.date}）", "未回答" if m.isna()["dx_staff"] else f"{m['dx_staff']:g} 人",
        m["tier"])
    kpi(d2, "支援人材（割当中）", tables.people_text(m["talent"]),
        f"⚠ {view.n}人以下・支援なし" if m["uncovered"] else None)
    st.markdown("**割り当てられた人材**（役割と匿名IDのみ）")
    assigned = q.assignments(ctx.v, lg, ctx.as_of)
    if assigned.empty:
        st.text("割り当てられた人材はいません。")
    else:
        table(tables.assignment_table(assigned, ctx.as_of), key="pp_assigned")
    source_caption(source_text(ctx.v, ("roster",), None, note("assignments", as_of=ctx.as_of)))

# -- Trend and comparison ------------------------------------------------------------------
st.subheader("推移と比較")
c1, c2 = st.columns(2)
with c1:
    chart(figs.trend, "pp_trend",
          source_text(ctx.v, ("survey",), None, note("shortage_trend", n=view.n)),
          f"prefecture_{pref}_trend_n{view.n}",
          title=f"{pref_name}の不足自治体（{view.n}人以下）の割合の推移")
with c2:
    chart(figs.distribution, "pp_dist",
          source_text(ctx.v, ("survey",), view.date, note("distribution")),
          f"prefecture_{pref}_distribution_{view.date}",
          title=f"{pref_name}と全国のDX担当職員数の分布")

st.markdown(f"**似た都道府県との比較**（{q.similar_title(ctx.has_population)}）")
p1, p2 = st.columns([3, 2])
with p1:  # the caption covers the table beside the chart too
    chart(figs.peer_chart, "pp_peers",
          source_text(ctx.v, ("survey", "roster", "population"), view.date, note("peers", similarity=q.similarity_words(ctx.has_population))),
          f"prefecture_{pref}_peers_{view.date}", title=f"{pref_name}と似た都道府県との比較")
table(figs.peer_table, key="pp_peer_table", where=p2)

# -- Cross view: few staff AND no external talent AND no organisation-wide set-up ------------------
if ctx.has_indicators:
    st.subheader(f"最も支援が必要な市区町村（職員{view.n}人以下・外部人材活用なし・全庁的な体制なし）")
    if figs.need is None:
        st.info(f"{formats.date_label(view.date)}以前の自治体DXの取組の表（デジタル庁）がないため、この一覧は作れません。")
    else:
        ind_date = figs.need.indicator_date
        st.caption(f"職員数は調査基準日 {formats.date_label(view.date)}、外部人材活用・全庁的な体制構築はデジタル庁の表の"
                   f"基準日 {formats.date_label(ind_date)} の値です。{DEFINITIONS['最も支援が必要な市区町村']}")
        need_src = source_text(ctx.v, ("survey", "indicators", "boundaries"), view.date, note("need", n=view.n))
        n1, n2 = st.columns([1, 2])
        show_kpi(n1, figs.need.kpi)
        need_rows = figs.need.rows
        table(need_rows, key="pp_need_list", where=n2)
        chart(figs.need.map, f"pp_need_map_{pref}", need_src,
              f"prefecture_{pref}_need_map_{view.date}_n{view.n}", title=f"{pref_name}で最も支援が必要な市区町村")
        table_downloads(f"{pref_name}_最も支援が必要な市区町村_{view.date}_{view.n}人以下", {"最も支援が必要": need_rows},
                        {"都道府県": pref_name, "調査基準日（職員数）": formats.date_label(view.date),
                         "自治体DXの取組の基準日": formats.date_label(ind_date),
                         "条件": need_condition(view.n), "出典": need_src},
                        need_src.is_sample, key="dl_pp_need", csv_label="一覧を CSV でダウンロード",
                        xlsx_label="一覧を Excel でダウンロード")

# -- The prefectural government's own answers (the Digital Agency's 都道府県比較, real data) --------
if figs.government is not None:
    st.subheader(f"{pref_name}自身の取組（都道府県としての回答）")
    st.caption(f"デジタル庁の表の基準日 {formats.date_label(figs.government.indicator_date)} の値です。")
    table(figs.government.table, key="pp_government")
    gov_src = source_text(ctx.v, ("indicators_prefecture",), view.date, note("government"))
    source_caption(gov_src)
    table_downloads(f"{pref_name}_都道府県としての回答_{figs.government.indicator_date}",
                    {"都道府県としての回答": figs.government.table},
                    {"都道府県": pref_name, "自治体DXの取組の基準日": formats.date_label(figs.government.indicator_date),
                     "出典": gov_src}, gov_src.is_sample, key="dl_pp_government",
                    csv_label="表を CSV でダウンロード", xlsx_label="表を Excel でダウンロード")

# -- Downloads -----------------------------------------------------------------------------
st.subheader("ダウンロード")
full = figs.full_table
notes = {"都道府県": pref_name, "調査基準日": formats.date_label(view.date),
         "前回の基準日": formats.date_label(prev) if prev else "なし",
         "不足の基準": shortage_rule(view.n), "人材の集計日": str(ctx.as_of),
         "出典": source_text(ctx.v, ("survey", "roster", "status", "population", "boundaries"), view.date),
         "定義": note("prefecture_download")}
kpi_table = figs.kpi_table
table_downloads(f"{pref_name}_市区町村_{view.date}", {"市区町村": full, "都道府県の指標": kpi_table}, notes, notes["出典"].is_sample,
                key="dl_prefecture", csv_label="CSV をダウンロード（市区町村）",
                xlsx_label="Excel をダウンロード（市区町村・指標・注記）")
source_caption(source_text(ctx.v, ("survey", "roster", "status"), view.date, None))

# -- Slides for a council ------------------------------------------------------------------
st.subheader("発表資料（PowerPoint）")
st.caption(f"今の条件（基準日・不足の基準）で、{pref_name}の1枚に1つの問いと図のスライドを作ります。"
           "図ごとの PNG は各図の下のボタンからダウンロードできます。")
deck_buttons(ctx, pref=pref, key="deck_pref")
