"""体制構築の進捗: how many prefectures had their regional DX system and talent pool by the FY2025 deadline."""

import streamlit as st

from core import policy
from core.policy import POOL, SYSTEM
from dashboard import formats, progress_figures, scope
from dashboard.frame import page_setup
from dashboard.metrics import note, shortage_rule
from dashboard.notes import escape_md, source_text
from dashboard.widgets import chart, kpi_cards, source_caption, table_downloads
from dashboard.widgets import table as show_table

ctx = page_setup()
view = ctx.view
as_of = ctx.as_of
deadline_text = policy.deadline_text()

st.title("体制構築の進捗")
# Everything below follows from the version, the view and the date: built once and shared
# (dashboard.progress_figures), as the watcher prepares the default view after a publish.
figs = progress_figures.figures(ctx.v, view.date, view.n, view.region, as_of)
# The result first once the deadline has passed (counted as of the deadline), then what has happened
# since; before it, the countdown (dashboard.goal, for any as-of date).
st.subheader(escape_md(figs.result[0]))
st.markdown("\n\n".join(escape_md(line) for line in figs.result[1:]))
if figs.since:
    st.markdown("\n".join(f"- {escape_md(line)}" for line in figs.since))
st.caption(f"地域DX推進体制と人材プール機能の構築状況 ─ {as_of.isoformat()} 時点、期限は{deadline_text}")

# -- KPIs (the same figures as the national page's) -------------------------------------------
kpi_cards(figs.kpis, per_row=4)
source_caption(source_text(ctx.v, ("status",), None, note("progress_kpis", as_of=as_of.isoformat(), total=figs.total)))

# -- Burn-up ---------------------------------------------------------------------------------------
st.subheader(f"到達した都道府県の推移（{as_of.isoformat()} 時点）")
chart(figs.burnup, "burnup",
      source_text(ctx.v, ("status",), None, note("burnup", system=policy.milestone_label(SYSTEM),
                                                 pool=policy.milestone_label(POOL), as_of=as_of.isoformat(),
                                                 deadline=deadline_text)),
      f"progress_burnup_{as_of}", title=f"到達した都道府県の推移（{as_of.isoformat()} 時点）")

# -- Milestone matrix ------------------------------------------------------------------------------
st.subheader(f"都道府県 × マイルストーン（{scope.label(view.region)}）")
order = st.radio("並び順", list(progress_figures.ORDERS), horizontal=True, key="progress_order",
                 format_func=lambda k: "都道府県コード順" if k == "jis" else "進んでいる順")
matrix = progress_figures.matrix(ctx.v, view.region, as_of, order)
chart(matrix.chart, "matrix",
      source_text(ctx.v, ("status",), None, note("matrix", as_of=as_of.isoformat())),
      f"progress_matrix_{as_of}", title=f"都道府県 × マイルストーン（{scope.label(view.region)}）")
with st.expander("表で見る・ダウンロード"):
    show_table(matrix.table, key="matrix_table")
notes = {"時点": as_of.isoformat(), "期限": deadline_text, "調査基準日": formats.date_label(view.date),
         "不足の基準": shortage_rule(view.n), "地方": scope.label(view.region),
         "出典": source_text(ctx.v, ("status", "survey", "roster"), None)}

# -- Lagging prefectures ---------------------------------------------------------------------------
st.subheader("遅れている都道府県")
lag = figs.lagging
st.markdown(f"**{figs.cutoff.isoformat()} までに「{policy.milestone_label(SYSTEM)}」または「{policy.milestone_label(POOL)}」に届いていない"
            f"都道府県：{len(lag)}**")
if lag.empty:
    st.success("該当する都道府県はありません。")
else:
    show_table(lag, key="lag_table")
source_caption(source_text(ctx.v, ("status", "survey", "roster"), view.date,
                           note("lagging", deadline=deadline_text, n=view.n)))
table_downloads(f"progress_{as_of}", {"マイルストーン": matrix.table, "遅れている都道府県": lag}, notes,
                notes["出典"].is_sample, key="dl_progress", csv_label="遅れている都道府県を CSV でダウンロード",
                xlsx_label="進捗表と遅れを Excel でダウンロード", csv_stem=f"progress_lagging_{as_of}",
                csv_sheet="遅れている都道府県")

# -- Models ----------------------------------------------------------------------------------------
st.subheader("モデル別の比較（全国）")
show_table(figs.models, key="models_table")
chart(figs.models_chart, "models",
      source_text(ctx.v, ("status", "survey", "roster"), view.date, note("models", n=view.n, as_of=as_of.isoformat())),
      f"progress_models_{view.date}_{as_of}", title="モデル別の比較：人材プールのカバー率（全国）")
