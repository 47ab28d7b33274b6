"""The データ page's tables as users see them: load history, a load's warnings, two versions of one
base date compared, the kept versions, and the sources behind the published figures."""

from __future__ import annotations

import pandas as pd

from core.policy import DEFAULT_N
from core.store import SAMPLE_NOTICE
from dashboard.metrics import DEFINITIONS, metrics
from dashboard.notes import KIND_FIGURE, citation_of
from etl.report import ERROR, ISSUE_LABELS, KIND_LABELS

HISTORY_KIND_LABELS = {**KIND_LABELS, "rollback": "版の復元（ロールバック）"}
STATUS_LABELS = {"loaded": "公開", "rolled_back": "取り消し済み（ロールバック）"}


def history_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "番号": df.source_id,
        "日時": df.loaded_at,
        "種類": df.kind.map(lambda k: HISTORY_KIND_LABELS.get(k, k)),
        "ファイル": df.file_name,
        "実行者": df.loaded_by,
        "状態": df.status.map(lambda s: STATUS_LABELS.get(s, s)),
        "読み込んだ行": df.rows_read,
        "取り込んだ行": df.rows_loaded,
        "除外した行": df.rows_rejected,
        "警告": df.warnings,
        "内容": df.scope,
        "sha256": df.sha256,
    }).reset_index(drop=True)


def loads_with_issues(history: pd.DataFrame) -> pd.DataFrame:
    """The loads (history_table's input) that recorded warnings or rejected rows."""
    return history[(history.warnings.fillna(0) > 0) | (history.rows_rejected.fillna(0) > 0)]


def load_issues_table(df: pd.DataFrame) -> pd.DataFrame:
    """reject_log rows of one load, as the upload preview shows them."""
    out = df.rename(columns={"row_number": "row", "column_name": "column"})
    out["severity"] = out.severity.map({ERROR: "エラー", "warning": "警告"})
    return out.rename(columns=ISSUE_LABELS)


def compare_table(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """Changed municipalities: old, new, difference, and whether the shortage status flipped."""
    def how(row) -> str:
        if not row.in_old:
            return "後の版で追加"
        if not row.in_new:
            return "後の版にない"
        if pd.isna(row.old_staff) or pd.isna(row.new_staff):
            return "未回答 → 回答" if pd.isna(row.old_staff) else "回答 → 未回答"
        was, now = row.old_staff <= n, row.new_staff <= n
        if was != now:
            return f"不足（{n}人以下）になった" if now else f"不足（{n}人以下）でなくなった"
        return "増加" if row.diff > 0 else "減少"

    return pd.DataFrame({
        "団体コード": df.lg_code,
        "都道府県": df.pref_name,
        "市区町村": df.name,
        "前の版（人）": df.old_staff,
        "後の版（人）": df.new_staff,
        "差（人）": df["diff"],
        "変化": [how(r) for r in df.itertuples()] if len(df) else [],
    }).reset_index(drop=True)


def versions_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "現在": df.is_current.map({True: "●", False: ""}),
        "版 ID": df.version_id,
        "公開日時": df.created_at,
        "最後の取り込み": [f"#{int(s)} {HISTORY_KIND_LABELS.get(k, k)}「{f}」" if pd.notna(s) else "—"
                      for s, k, f in zip(df.last_source_id, df.last_kind, df.last_file_name, strict=True)],
        "実行者": df.last_loaded_by,
        "公開中の取り込み数": df.loads,
        "調査基準日": df.survey_dates,
    }).reset_index(drop=True)


def rollback_targets(versions: pd.DataFrame) -> list[str]:
    """The kept versions a rollback can go to: readable, and not the current state."""
    return [vid for vid, cur, ok in zip(versions.version_id, versions.is_current, versions.readable, strict=True)
            if not cur and ok]


NOT_LOADED = {
    "survey": "未読み込み",
    "indicators": "未読み込み（自治体DXの取組の指標は表示しません）",
    "roster": "未読み込み（人材プールの指標は 0 人になります）",
    "status": "未読み込み（体制構築の進捗は表示しません）",
    "population": "未読み込み（人口1万人あたりの指標は表示しません）",
    "boundaries": "未読み込み（市区町村は役場の位置の点で表示）",
    "prefecture_boundaries": "未読み込み（都道府県は japanmap パッケージの輪郭で表示）",
}
SOURCE_ORDER = ("survey", "roster", "status", "indicators", "indicators_prefecture", "population", "boundaries",
                "prefecture_boundaries")


def sources_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per kind of figure and citation (df: common.current_sources): what it is, whether it
    is real or synthetic, its source, credit line, licence, base dates and files."""
    rows = []
    for kind in SOURCE_ORDER:
        part = df[df.kind == kind]
        if part.empty:
            if kind in NOT_LOADED:
                rows.append((KIND_FIGURE[kind], NOT_LOADED[kind], "", "", "", "", "", ""))
            continue
        groups: dict[str, list] = {}
        for r in part.itertuples():
            groups.setdefault(citation_of(r).text(), []).append(r)
        for text, loads in groups.items():
            c = citation_of(loads[0])
            dates = sorted({pd.Timestamp(r.base_date).date().isoformat() for r in loads if pd.notna(r.base_date)})
            files = list(dict.fromkeys(r.file_name for r in sorted(loads, key=lambda r: -r.source_id)))
            sample = any(r.is_sample for r in loads)
            rows.append((KIND_FIGURE[kind], SAMPLE_NOTICE if sample else "実データ",
                         text if c.title or c.publisher else "（出典の登録なし）", c.credit or "", c.licence or "",
                         "、".join(dates), "、".join(files[:3]) + (f" ほか{len(files) - 3}件" if len(files) > 3 else ""),
                         "、".join(str(r.source_id) for r in loads[:10]) + (" …" if len(loads) > 10 else "")))
    return pd.DataFrame(rows, columns=["データ", "区分", "出典", "クレジット表示", "利用条件", "基準日", "ファイル（新しい順）",
                                       "取り込み番号"])


def definitions_table() -> pd.DataFrame:
    """Every term's definition (dashboard.metrics.DEFINITIONS); constants, so st.table may render it."""
    return pd.DataFrame(list(DEFINITIONS.items()), columns=["用語", "定義"]).set_index("用語")


def metrics_table(has_population: bool, has_indicators: bool) -> pd.DataFrame:
    """Every map and table metric the warehouse offers, with its definition at the default threshold."""
    head = f"地図・表の指標（基準{DEFAULT_N}人の例）"
    return pd.DataFrame([(m.label, m.definition) for m in metrics(DEFAULT_N, has_population, has_indicators)],
                        columns=[head, "定義"]).set_index(head)
