"""人材プール: where the pools are thin against the shortage, and which shortage municipalities nobody supports."""

import streamlit as st

from core.policy import ACCELERATOR_TARGET
from dashboard import formats, scope, talent_figures
from dashboard.frame import page_setup
from dashboard.metrics import COVERAGE, note, shortage_rule
from dashboard.notes import escape_md, source_text
from dashboard.queries import talent as q
from dashboard.tables import talent_list_table
from dashboard.widgets import chart, kpi_cards, source_caption, table_downloads
from dashboard.widgets import table as show_table

ctx = page_setup()
view = ctx.view

st.title("人材プール")
st.caption(f"都道府県の人材プールは、DX担当職員が{view.n}人以下の市区町村をどこまで支えているか"
           f" ─ 調査基準日 {formats.date_label(view.date)}")

# -- What to show: the pool's date (separate from the survey base date) and the prefectures -------
region_prefs = scope.in_region(ctx.prefectures, view.region)
names = dict(zip(region_prefs.prefecture_code, region_prefs.name, strict=True))
first = q.roster_start(ctx.v)
c1, c2 = st.columns([1, 3])
pool_on = c1.date_input("人材プールの時点", value=ctx.as_of, max_value=ctx.as_of,
                        min_value=min(first, ctx.as_of) if first else None, key="talent_pool_on",
                        help="在籍人数・カバー率はこの日に在籍・支援していた人材で数えます（既定は今日）")
picked = c2.multiselect(
    f"都道府県（空欄なら{scope.label(view.region)}のすべて）", list(names), format_func=names.get,
    default=[view.pref] if view.pref in names else [], key=f"talent_prefs_{view.region or 'all'}",
    placeholder=f"{scope.label(view.region)}のすべて")
codes = picked or list(names)
scope_label = scope.label(view.region, [names[c] for c in picked])

pool_when = note("pool_on", pool_on=pool_on.isoformat())
nationwide = codes == list(ctx.prefectures.prefecture_code)
figs = talent_figures.figures(ctx.v, view.date, view.n, ctx.as_of, pool_on, tuple(codes), scope_label, nationwide)

# -- KPIs ----------------------------------------------------------------------------------------
kpi_cards(figs.kpis, per_row=4)
source_caption(source_text(ctx.v, ("survey", "roster"), view.date, note("talent_kpis", n=view.n, pool_when=pool_when)))

# -- Supply and need -------------------------------------------------------------------------------
st.subheader("人材の供給と不足自治体（都道府県別）")
chart(figs.supply_chart, "supply_need",
      source_text(ctx.v, ("survey", "roster"), view.date, note("supply_need", n=view.n, pool_when=pool_when)),
      f"talent_supply_need_{view.date}_{pool_on}",
      title=f"人材の供給と不足自治体（{scope_label}）")
show_table(figs.supply_table, key="supply_table")
notes = {"調査基準日": formats.date_label(view.date), "不足の基準": shortage_rule(view.n),
         "人材プールの時点": pool_on.isoformat(), "対象": scope_label, "カバー率": COVERAGE,
         "出典": source_text(ctx.v, ("survey", "roster"), None)}
table_downloads(f"talent_pool_{pool_on}", {"供給と不足": figs.supply_table}, notes, notes["出典"].is_sample,
                key="dl_supply")

# -- Coverage --------------------------------------------------------------------------------------
st.subheader("人材プールのカバー率")
chart(figs.coverage_map, "coverage_map",
      source_text(ctx.v, ("survey", "roster"), view.date, note("coverage_map", n=view.n, pool_when=pool_when)),
      f"talent_coverage_map_{view.date}_{pool_on}", title=f"人材プールのカバー率（{scope_label}）")

uncovered, support = figs.uncovered, figs.support
st.markdown(f"**支援のない不足自治体：{len(uncovered):,} 団体**（{escape_md(scope_label)}）")
if uncovered.empty:
    st.success("支援のない不足自治体はありません。")
else:
    show_table(uncovered, key="uncovered_table", height=320)
table_downloads(f"uncovered_{view.date}_{pool_on}", {"支援のない不足自治体": uncovered, "支援先（人数）": support},
                notes, notes["出典"].is_sample, key="dl_uncovered", csv_label="一覧を CSV でダウンロード",
                xlsx_label="一覧を Excel でダウンロード")
source_caption(source_text(ctx.v, ("survey", "roster"), view.date, note("uncovered", n=view.n, pool_on=pool_on)))

with st.expander(f"支援を受けている市区町村と人数（{len(support):,} 団体）"):
    show_table(support, key="support_table", height=320)
    st.caption("人数が1人または2人の市区町村は「3人未満」と表示します（理由は下の「個人情報の扱い」）。")

# -- Mix -------------------------------------------------------------------------------------------
st.subheader("人材の構成")
tab_role, tab_form = st.tabs(["役割", "雇用形態"])
for tab, (key, by, _, _) in zip((tab_role, tab_form), talent_figures.MIXES, strict=True):
    with tab:
        what = "役割（スキル標準）" if by == "role" else "雇用形態"
        chart(figs.mixes[key].chart, key,
              source_text(ctx.v, ("roster",), None, note("mix", what=what, pool_when=pool_when)),
              f"talent_{key}_{pool_on}", title=f"人材の構成：{what}（{scope_label}）")
        with st.expander("表で見る"):
            show_table(figs.mixes[key].table, key=f"{key}_table")

# -- Accelerators and the pool over time (quarter-ends up to today) ----------------------------
st.subheader("自治体DXアクセラレータ（全国）")
chart(figs.accelerators, "accelerators",
      source_text(ctx.v, ("roster",), None, note("accelerators", as_of=ctx.as_of, target=ACCELERATOR_TARGET)),
      f"talent_accelerators_{ctx.as_of}", title="自治体DXアクセラレータ（全国）")

st.subheader(f"人材プールの推移（{scope_label}）")
chart(figs.pool_trend, "pool_trend",
      source_text(ctx.v, ("roster",), None, note("pool_trend")),
      f"talent_pool_trend_{ctx.as_of}", title=f"人材プールの推移（{scope_label}）")

# -- One prefecture's talent, anonymously ----------------------------------------------------------
if len(picked) == 1:
    people = talent_list_table(q.active_talent(ctx.v, picked[0], pool_on))
    with st.expander(f"{names[picked[0]]}の在籍人材（匿名ID と役割のみ、{len(people):,} 人）"):
        show_table(people, key="people_table", height=300)

st.subheader("個人情報の扱い")
st.markdown(
    "- 人材は **役割と匿名ID** だけで扱います。氏名・メールアドレス・電話番号は名簿の読み込み時に破棄し、"
    "データ倉庫にも画面にもダウンロードにも含まれません。\n"
    "- 市区町村ごとの人数は、**3人未満のときは「3人未満」** と表示します。小さな町村では、"
    "「この町を支援している人材は1人」と分かるだけで、その人が誰かを特定できてしまうおそれがあるためです。\n"
    "- 都道府県単位の集計（役割別・雇用形態別の人数）はそのまま表示します。")
