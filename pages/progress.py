"""体制構築の進捗: how many prefectures had their regional DX system and talent pool by the FY2025 deadline."""

import streamlit as st

from core import policy
from core.policy import DEADLINE, DEADLINE_LABEL, MILESTONES, MODELS, POOL, SYSTEM
from dashboard import formats, kpis
from dashboard.charts import progress as charts
from dashboard.frame import page_setup
from dashboard.memo import built
from dashboard.notes import source_text
from dashboard.queries import progress as q
from dashboard.queries import summary
from dashboard.tables import lagging_table, milestone_matrix_table, milestone_wide, model_table
from dashboard.widgets import chart, kpi_cards, source_caption, table_downloads

ctx = page_setup()
view = ctx.view
as_of, deadline = ctx.as_of, DEADLINE
total = len(ctx.prefectures)
deadline_text = policy.deadline_text()

st.title("体制構築の進捗")
st.caption(f"地域DX推進体制と人材プール機能の構築状況 ─ {as_of.isoformat()} 時点、期限は{deadline_text}")

nat = summary.national(ctx.v, view.date, view.n, as_of)
by_pref = summary.by_prefecture(ctx.v, view.date, view.n, as_of)
status = q.milestones(ctx.v)
# Tables and figures follow from the version, the view and the date (see memo.built).
key = (ctx.v, view, as_of)

# -- KPIs (the same figures as the national page's) -------------------------------------------
kpi_cards(kpis.progress(nat, status, as_of), per_row=4)
source_caption(source_text(ctx.v, ("status",), None, f"{as_of.isoformat()} までに到達した都道府県の数（{total}のうち）"))

# -- Burn-up ---------------------------------------------------------------------------------------
st.subheader(f"到達した都道府県の推移（{as_of.isoformat()} 時点）")
burn = q.burnup(ctx.v, as_of)
chart(built(charts.burnup, burn, MILESTONES, as_of, deadline, DEADLINE_LABEL, total, key=key), "burnup",
      source_text(ctx.v, ("status",), None,
                  f"各日までに「{policy.milestone_label(SYSTEM)}」「{policy.milestone_label(POOL)}」に到達した都道府県数（{as_of.isoformat()} 時点）。"
                  f"破線は期限の{deadline_text}"),
      f"progress_burnup_{as_of}", title=f"到達した都道府県の推移（{as_of.isoformat()} 時点）")

# -- Milestone matrix ------------------------------------------------------------------------------
st.subheader(f"都道府県 × マイルストーン（{view.region or '全国'}）")
order = st.radio("並び順", ["jis", "progress"], horizontal=True, key="progress_order",
                 format_func=lambda k: "都道府県コード順" if k == "jis" else "進んでいる順")
wide = built(milestone_wide, status, ctx.prefectures, MILESTONES, as_of, order, key=(*key, order))
region_prefs = ctx.prefectures if view.region is None else ctx.prefectures[ctx.prefectures.region == view.region]
wide = wide[wide.prefecture_code.isin(region_prefs.prefecture_code)]
chart(built(charts.milestone_matrix, wide, MILESTONES, deadline, key=(*key, order)), "matrix",
      source_text(ctx.v, ("status",), None,
                  f"各セルは到達した日（{as_of.isoformat()} までのもの）。空欄は未到達"),
      f"progress_matrix_{as_of}", title=f"都道府県 × マイルストーン（{view.region or '全国'}）")
matrix = built(milestone_matrix_table, wide, MILESTONES, key=(*key, order))
with st.expander("表で見る・ダウンロード"):
    st.dataframe(matrix, hide_index=True, width="stretch")
notes = {"時点": as_of.isoformat(), "期限": deadline_text, "調査基準日": formats.date_label(view.date),
         "不足の基準": f"DX担当職員{view.n}人以下", "地方": view.region or "全国",
         "出典": source_text(ctx.v, ("status", "survey", "roster"), None)}

# -- Lagging prefectures ---------------------------------------------------------------------------
cutoff = min(deadline, as_of)
st.subheader("遅れている都道府県")
lag = built(lagging_table, by_pref[by_pref.prefecture_code.isin(region_prefs.prefecture_code)], deadline, as_of,
            view.n, key=key)
st.markdown(f"**{cutoff.isoformat()} までに「{policy.milestone_label(SYSTEM)}」または「{policy.milestone_label(POOL)}」に届いていない"
            f"都道府県：{len(lag)}**")
if lag.empty:
    st.success("該当する都道府県はありません。")
else:
    st.dataframe(lag, hide_index=True, width="stretch")
source_caption(source_text(ctx.v, ("status", "survey", "roster"), view.date,
                           f"期限（{deadline_text}）を過ぎていれば期限までに、過ぎていなければ今日までに未到達の都道府県。"
                           f"遅れ＝期限からの日数。不足＝DX担当職員{view.n}人以下"))
table_downloads(f"progress_{as_of}", {"マイルストーン": matrix, "遅れている都道府県": lag}, notes, notes["出典"].is_sample,
                key="dl_progress", csv_label="遅れている都道府県を CSV でダウンロード",
                xlsx_label="進捗表と遅れを Excel でダウンロード", csv_stem=f"progress_lagging_{as_of}",
                csv_sheet="遅れている都道府県")

# -- Models ----------------------------------------------------------------------------------------
st.subheader("モデル別の比較（全国）")
models = built(model_table, by_pref, MODELS, key=key)
st.dataframe(models, hide_index=True, width="stretch")
chart(built(charts.coverage_by_model, by_pref, MODELS, key=key), "models",
      source_text(ctx.v, ("status", "survey", "roster"), view.date,
                  f"モデルは体制構築の進捗ファイルの分類。カバー率＝人材が1人以上割り当てられた不足自治体 ÷ "
                  f"不足自治体（{view.n}人以下、人材は {as_of.isoformat()} 時点）。点は各都道府県"),
      f"progress_models_{view.date}_{as_of}", title="モデル別の比較：人材プールのカバー率（全国）")
