"""体制構築の進捗: how many prefectures had their regional DX system and talent pool by the FY2025 deadline."""

import streamlit as st

from core import policy
from core.policy import DEADLINE, DEADLINE_LABEL, MILESTONES, MODELS, POOL, SYSTEM
from dashboard import formats, goal, kpis, scope
from dashboard.charts import progress as charts
from dashboard.frame import page_setup
from dashboard.memo import built
from dashboard.metrics import note, shortage_rule
from dashboard.notes import escape_md, source_text
from dashboard.queries import progress as q
from dashboard.queries import summary
from dashboard.tables import lag_cutoff, lagging_table, milestone_matrix_table, milestone_wide, model_table
from dashboard.widgets import chart, kpi_cards, source_caption, table_downloads
from dashboard.widgets import table as show_table

ctx = page_setup()
view = ctx.view
as_of, deadline = ctx.as_of, DEADLINE
deadline_text = policy.deadline_text()

st.title("体制構築の進捗")
nat = summary.national(ctx.v, view.date, view.n, as_of)
# The result first once the deadline has passed (counted as of the deadline), then what has happened
# since; before it, the countdown (dashboard.goal, for any as-of date).
result = goal.lines(nat["goal"])
st.subheader(escape_md(result[0]))
st.markdown("\n\n".join(escape_md(line) for line in result[1:]))
if details := goal.since_details(nat["goal"]):
    st.markdown("\n".join(f"- {escape_md(line)}" for line in details))
st.caption(f"地域DX推進体制と人材プール機能の構築状況 ─ {as_of.isoformat()} 時点、期限は{deadline_text}")

by_pref = summary.by_prefecture(ctx.v, view.date, view.n, as_of)
status = q.milestones(ctx.v)
total = nat["prefectures"]
region_prefs = scope.in_region(ctx.prefectures, view.region)
# Tables and figures follow from the version, the view and the date (see memo.built).
key = (ctx.v, view, as_of)

# -- KPIs (the same figures as the national page's) -------------------------------------------
kpi_cards(kpis.progress(nat, status, as_of), per_row=4)
source_caption(source_text(ctx.v, ("status",), None, note("progress_kpis", as_of=as_of.isoformat(), total=total)))

# -- Burn-up ---------------------------------------------------------------------------------------
st.subheader(f"到達した都道府県の推移（{as_of.isoformat()} 時点）")
burn = q.burnup(ctx.v, as_of)
chart(built(charts.burnup, burn, MILESTONES, as_of, deadline, DEADLINE_LABEL, total, key=key), "burnup",
      source_text(ctx.v, ("status",), None, note("burnup", system=policy.milestone_label(SYSTEM),
                                                 pool=policy.milestone_label(POOL), as_of=as_of.isoformat(),
                                                 deadline=deadline_text)),
      f"progress_burnup_{as_of}", title=f"到達した都道府県の推移（{as_of.isoformat()} 時点）")

# -- Milestone matrix ------------------------------------------------------------------------------
st.subheader(f"都道府県 × マイルストーン（{scope.label(view.region)}）")
order = st.radio("並び順", ["jis", "progress"], horizontal=True, key="progress_order",
                 format_func=lambda k: "都道府県コード順" if k == "jis" else "進んでいる順")
wide = built(milestone_wide, status, ctx.prefectures, MILESTONES, as_of, order, key=(*key, order))
wide = wide[wide.prefecture_code.isin(region_prefs.prefecture_code)]
chart(built(charts.milestone_matrix, wide, MILESTONES, deadline, key=(*key, order)), "matrix",
      source_text(ctx.v, ("status",), None, note("matrix", as_of=as_of.isoformat())),
      f"progress_matrix_{as_of}", title=f"都道府県 × マイルストーン（{scope.label(view.region)}）")
matrix = built(milestone_matrix_table, wide, MILESTONES, key=(*key, order))
with st.expander("表で見る・ダウンロード"):
    show_table(matrix, key="matrix_table")
notes = {"時点": as_of.isoformat(), "期限": deadline_text, "調査基準日": formats.date_label(view.date),
         "不足の基準": shortage_rule(view.n), "地方": scope.label(view.region),
         "出典": source_text(ctx.v, ("status", "survey", "roster"), None)}

# -- Lagging prefectures ---------------------------------------------------------------------------
cutoff = lag_cutoff(deadline, as_of)
st.subheader("遅れている都道府県")
lag = built(lagging_table, by_pref[by_pref.prefecture_code.isin(region_prefs.prefecture_code)], deadline, as_of,
            view.n, key=key)
st.markdown(f"**{cutoff.isoformat()} までに「{policy.milestone_label(SYSTEM)}」または「{policy.milestone_label(POOL)}」に届いていない"
            f"都道府県：{len(lag)}**")
if lag.empty:
    st.success("該当する都道府県はありません。")
else:
    show_table(lag, key="lag_table")
source_caption(source_text(ctx.v, ("status", "survey", "roster"), view.date,
                           note("lagging", deadline=deadline_text, n=view.n)))
table_downloads(f"progress_{as_of}", {"マイルストーン": matrix, "遅れている都道府県": lag}, notes, notes["出典"].is_sample,
                key="dl_progress", csv_label="遅れている都道府県を CSV でダウンロード",
                xlsx_label="進捗表と遅れを Excel でダウンロード", csv_stem=f"progress_lagging_{as_of}",
                csv_sheet="遅れている都道府県")

# -- Models ----------------------------------------------------------------------------------------
st.subheader("モデル別の比較（全国）")
models = built(model_table, by_pref, MODELS, key=key)
show_table(models, key="models_table")
chart(built(charts.coverage_by_model, by_pref, MODELS, key=key), "models",
      source_text(ctx.v, ("status", "survey", "roster"), view.date, note("models", n=view.n, as_of=as_of.isoformat())),
      f"progress_models_{view.date}_{as_of}", title="モデル別の比較：人材プールのカバー率（全国）")
