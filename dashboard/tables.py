"""Tables as users see and download them: Japanese column names, rounded values."""

from __future__ import annotations

import pandas as pd

from core.policy import POOL, SYSTEM, milestone_label
from dashboard.metrics import NOT_COMPUTED


def per_capita(values: pd.Series) -> list:
    """人口1万人あたり職員数 for a table: 2 decimals, or 未算出 where the population file does not
    cover the prefecture (dashboard.queries.summary)."""
    return [NOT_COMPUTED if pd.isna(x) else round(float(x), 2) for x in values]


def national_table(df: pd.DataFrame, n: int, has_population: bool = False) -> pd.DataFrame:
    out = pd.DataFrame({
        "都道府県コード": df.prefecture_code,
        "都道府県": df.name,
        "地方": df.region,
        "市区町村数": df.municipalities,
        "回答数": df.surveyed,
        f"{n}人以下": df.shortage,
        f"{n}人以下の割合(%)": (df.shortage_share * 100).round(1),
        "1人以下": df.severe,
        "0人": df.zero,
        "職員数の中央値": df.median_staff,
        "前回比（団体）": df.shortage_change,
        "人材プール（人）": df.pool_talent,
        "プールのカバー率(%)": (df.coverage * 100).round(1),
        # Digital Agency indicators (real) on their own base date: see the notes of the download.
        "外部人材活用の割合(%)": (df.ext_talent_share * 100).round(1),
        "CIO補佐官等を任命した割合(%)": (df.cio_aide_share * 100).round(1),
        "全庁的な体制を構築した割合(%)": (df.org_wide_share * 100).round(1),
    }).reset_index(drop=True)
    if has_population:
        out.insert(out.columns.get_loc("職員数の中央値") + 1, "人口1万人あたり職員数", per_capita(df.staff_per_10k))
    return out


def indicator_table(df: pd.DataFrame, key: str, label: str) -> pd.DataFrame:
    """One Digital Agency indicator by prefecture (summary.by_prefecture rows): real figures only."""
    return pd.DataFrame({
        "都道府県コード": df.prefecture_code, "都道府県": df.name, "地方": df.region,
        "実施": df[f"{key}_done"], "回答（実施・未実施）": df[f"{key}_answered"],
        f"{label}(%)": (df[key] * 100).round(1),
    }).reset_index(drop=True)


def _answer(done) -> str:
    """A Digital Agency 実施/未実施 answer as the table wrote it (NULL: 調査無し, never 未実施)."""
    return "調査無し" if done is None or pd.isna(done) else ("実施" if done else "未実施")


def need_table(munis: pd.DataFrame, n: int) -> pd.DataFrame:
    """The municipalities most in need (dashboard.queries.indicators.most_in_need rows with need)."""
    d = munis[munis.need]
    return pd.DataFrame({
        "団体コード": d.lg_code, "都道府県": d.pref_name, "市区町村": d.name, "区分": d.kind,
        f"DX担当職員数（{n}人以下）": d.dx_staff,
        "外部人材活用": [_answer(x) for x in d.ext_talent], "全庁的な体制構築": [_answer(x) for x in d.org_wide],
    }).reset_index(drop=True)


# The Digital Agency table's sections, in its order (a section it adds later comes after these).
GOVERNMENT_SECTIONS = ("自治体DXの推進体制等", "自治体業務のDX", "住民サービスのDX")


def government_table(rows: pd.DataFrame, pref_name: str) -> pd.DataFrame:
    """One prefectural government's own answers (dashboard.queries.indicators.prefecture_governments
    rows of one prefecture), beside how many prefectures said 実施."""
    order = rows.category.map({c: i for i, c in enumerate(GOVERNMENT_SECTIONS)}).fillna(len(GOVERNMENT_SECTIONS))
    d = rows.assign(section=order).sort_values(["section", "indicator"], kind="stable")
    return pd.DataFrame({
        "分野": d.category, "指標": d.indicator, pref_name: [_answer(x) for x in d.done],
        "全国（実施した都道府県）": [f"{int(k)} / {int(m)}" for k, m in zip(d.done_prefs, d.answered_prefs, strict=True)],
    }).reset_index(drop=True)


def need_prefecture_table(by_pref: pd.DataFrame) -> pd.DataFrame:
    """Counts by prefecture (dashboard.queries.indicators.need_by_prefecture rows)."""
    return pd.DataFrame({
        "都道府県コード": by_pref.prefecture_code, "都道府県": by_pref.name, "地方": by_pref.region,
        "市区町村数": by_pref.municipalities, "判定できた市区町村": by_pref.judged,
        "最も支援が必要": by_pref.need, "その割合(%)": (by_pref.need_share * 100).round(1),
    }).reset_index(drop=True)


def prefecture_table(df: pd.DataFrame, roles: list[str], date, prev, n: int, has_population: bool) -> pd.DataFrame:
    """One prefecture's municipalities (dashboard.queries.prefecture.municipalities) as users see them.

    要対応 = n 人以下 (shortage) with no talent assigned: the municipalities the pool does not cover."""
    cols = {
        "団体コード": df.lg_code,
        "市区町村": df.name,
        "ふりがな": df.name_kana,
        "区分": df.kind,
        "要対応": df.uncovered.map({True: f"⚠ {n}人以下・支援なし", False: ""}),
    }
    if has_population:
        cols["人口"] = df.population
    cols[f"DX担当職員（{date}）"] = df.dx_staff
    if prev is not None:
        cols[f"前回（{prev}）"] = df.prev_staff
        cols["増減"] = df.change
    cols["職員数の区分"] = df.tier
    cols["県内順位"] = df["rank"]
    # Per-municipality head counts follow the talent page's rule: 1 or 2 people show as 「3人未満」.
    for role in roles:
        cols[f"支援人材：{role}"] = [small_cell(x) for x in df[role]]
    cols["支援人材 計"] = [small_cell(x) for x in df.talent]
    return pd.DataFrame(cols).reset_index(drop=True)


def prefecture_kpi_table(pref: dict, nat: dict, status: dict | None, n: int, as_of,
                         has_population: bool = False) -> pd.DataFrame:
    """The prefecture's KPIs beside the national value (pref: a summary.by_prefecture row)."""
    def pct(x):
        return None if x is None or pd.isna(x) else round(float(x) * 100, 1)

    rows = [
        ("市区町村数", pref["municipalities"], nat["municipalities"], "団体"),
        ("回答した市区町村", pref["surveyed"], nat["surveyed"], "団体"),
        (f"{n}人以下（不足）", pref["shortage"], nat["shortage"], "団体"),
        (f"{n}人以下の割合", pct(pref["shortage_share"]), pct(nat["shortage_share"]), "%"),
        ("1人以下（深刻）", pref["severe"], nat["severe"], "団体"),
        ("1人以下の割合", pct(pref["severe_share"]), pct(nat["severe_share"]), "%"),
        ("0人", pref["zero"], nat["zero"], "団体"),
        ("職員数の中央値", pref["median_staff"], nat["median_staff"], "人"),
        (f"人材プール（{as_of} 在籍）", pref["pool_talent"], nat["pool_talent"], "人"),
        ("支援人材のいる不足自治体", pref["shortage_covered"], nat["shortage_covered"], "団体"),
        ("プールのカバー率", pct(pref["coverage"]), pct(nat["coverage"]), "%"),
        (f"地域DX推進体制（{as_of} 時点の到達段階）", status["name"] if status else "未着手",
         f"構築済み {nat['systems_built']} / {nat['prefectures']}", ""),
        ("到達日", status["achieved_on"].isoformat() if status else "", "", ""),
        ("モデル", (status["model"] if status else None) or pref.get("model") or "", "", ""),
    ]
    if has_population:
        capita = per_capita(pd.Series([pref["staff_per_10k"], nat["staff_per_10k"]]))
        rows.insert(8, ("人口1万人あたり職員数", *capita, "人"))
    return pd.DataFrame(rows, columns=["指標", pref["name"], "全国", "単位"])


# -- 人材プール / 体制構築の進捗 ----------------------------------------------------------------

SMALL_CELL_TEXT = "3人未満"


def small_cell(count, threshold: int = 3):
    """A per-municipality head count for a table cell: the number (a number in a download, never
    text), 「3人未満」 for 1 or 2 people, None when unknown (see suppress_small)."""
    if count is None or pd.isna(count):
        return None
    count = int(count)
    return SMALL_CELL_TEXT if 0 < count < threshold else count


def suppress_small(count, threshold: int = 3) -> str:
    """A per-municipality head count as text: 1 or 2 people could be recognised, so they are hidden."""
    if count is None or pd.isna(count):
        return "—"
    count = int(count)
    return SMALL_CELL_TEXT if 0 < count < threshold else f"{count:,}"


def role_counts(mix: pd.DataFrame, roles, by: str = "role") -> pd.DataFrame:
    """Active talent per prefecture and category (wide, one column per category, zeros filled)."""
    if mix.empty:
        return pd.DataFrame(0, index=pd.Index([], name="prefecture_code"), columns=list(roles))
    wide = mix.pivot_table(index="prefecture_code", columns=by, values="talent", aggfunc="sum", fill_value=0)
    return wide.reindex(columns=list(roles), fill_value=0).astype(int)


def mix_counts(mix: pd.DataFrame, categories, by: str, codes, labels: dict[str, str]) -> pd.DataFrame:
    """全国 and then each prefecture in codes (by its label): active talent per category."""
    per_pref = role_counts(mix, categories, by=by)
    nation = per_pref.sum().to_frame("全国").T
    return pd.concat([nation, per_pref.reindex(list(codes), fill_value=0).rename(index=labels)]).astype(int)


def supply_need_table(pref: pd.DataFrame, roles_wide: pd.DataFrame, n: int) -> pd.DataFrame:
    """Pool by role against shortage, per prefecture (pref: summary.by_prefecture rows)."""
    roles = roles_wide.reindex(pref.prefecture_code, fill_value=0)
    out = pd.DataFrame({
        "都道府県コード": pref.prefecture_code.to_numpy(),
        "都道府県": pref.name.to_numpy(),
        "地方": pref.region.to_numpy(),
        "人材プール（人）": pref.pool_talent.astype(int).to_numpy(),
    })
    for role in roles.columns:
        out[role] = roles[role].to_numpy()
    out["うちアクセラレータ"] = pref.accelerators.astype(int).to_numpy()
    out[f"不足自治体（{n}人以下）"] = pref.shortage.astype(int).to_numpy()
    out["不足1団体あたり人材"] = pref.pool_per_shortage.round(2).to_numpy()
    out["支援あり不足自治体"] = pref.shortage_covered.astype(int).to_numpy()
    out["カバー率(%)"] = (pref.coverage * 100).round(1).to_numpy()
    return out


def uncovered_table(munis: pd.DataFrame) -> pd.DataFrame:
    """Shortage municipalities with no talent assigned (munis: talent.municipality_support rows)."""
    d = munis[munis.is_shortage & (munis.assigned_talent == 0)]
    return pd.DataFrame({
        "団体コード": d.lg_code, "都道府県": d.pref_name, "市区町村": d.name, "区分": d.kind,
        "DX担当職員数": d.dx_staff,
    }).reset_index(drop=True)


def municipality_support_table(munis: pd.DataFrame) -> pd.DataFrame:
    """Municipalities with assigned talent; head counts below 3 are shown as 「3人未満」."""
    d = munis[munis.assigned_talent > 0]
    return pd.DataFrame({
        "団体コード": d.lg_code, "都道府県": d.pref_name, "市区町村": d.name,
        "DX担当職員数": d.dx_staff, "不足自治体": d.is_shortage.map({True: "該当", False: ""}),
        "支援する人材": [small_cell(x) for x in d.assigned_talent],
    }).reset_index(drop=True)


def talent_list_table(df: pd.DataFrame) -> pd.DataFrame:
    """Active talent of one prefecture: anonymous id and role, nothing else."""
    return pd.DataFrame({"匿名ID": df.person_id, "役割": df.role}).reset_index(drop=True)


def mix_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts per row (全国, prefectures) and category, with each row's total and shares."""
    out = counts.copy()
    total = out.sum(axis=1)
    for col in counts.columns:
        out[f"{col}(%)"] = (counts[col] / total.where(total > 0) * 100).round(1)
    out.insert(0, "合計（人）", total)
    return out.rename_axis("区分").reset_index()


def _date_text(d) -> str:
    return "" if d is None or pd.isna(d) else pd.Timestamp(d).date().isoformat()


def milestone_wide(status: pd.DataFrame, prefs: pd.DataFrame, names: dict[int, str], as_of,
                   order: str = "jis") -> pd.DataFrame:
    """One row per prefecture: model and the date each milestone was reached by as_of (m0..m4, None if not).

    order "jis" keeps the JIS code order; "progress" puts the furthest and earliest first.
    """
    reached = status[status.achieved_on.notna() & (status.achieved_on <= as_of)]
    firsts = reached.groupby(["prefecture_code", "milestone"]).achieved_on.min().unstack()
    out = prefs[["prefecture_code", "name"]].copy()
    models = status.dropna(subset=["model"]).groupby("prefecture_code").model.first()
    out["model"] = out.prefecture_code.map(models)
    for k in names:
        col = firsts[k] if k in firsts.columns else pd.Series(dtype=object)
        out[f"m{k}"] = [None if pd.isna(d) else d for d in out.prefecture_code.map(col)]
    cols = [f"m{k}" for k in names]
    out["reached"] = out[cols].notna().sum(axis=1)
    out["top"] = [max((k for k in names if r[f"m{k}"] is not None), default=-1) for _, r in out.iterrows()]
    if order == "progress":
        top_date = [r[f"m{r.top}"] if r.top >= 0 else None for _, r in out.iterrows()]
        out["_d"] = pd.to_datetime(pd.Series(top_date, index=out.index, dtype=object))
        out = out.sort_values(["top", "_d", "prefecture_code"], ascending=[False, True, True],
                              na_position="last").drop(columns="_d")
    return out.reset_index(drop=True)


def milestone_matrix_table(matrix: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """The prefecture × milestone matrix as text dates (blank = not reached)."""
    out = pd.DataFrame({"都道府県コード": matrix.prefecture_code, "都道府県": matrix.name,
                        "モデル": matrix.model.fillna("未登録")})
    for k, v in names.items():
        out[f"{k} {v}"] = [_date_text(d) for d in matrix[f"m{k}"]]
    return out.reset_index(drop=True)


def lag_status(achieved, deadline, as_of) -> tuple[str, int | None]:
    """How late one milestone is: (text, days past the deadline or None)."""
    if achieved is not None and not pd.isna(achieved) and achieved <= as_of:
        if achieved <= deadline:
            return f"{achieved.isoformat()} 達成（期限内）", None
        days = (achieved - deadline).days
        return f"{achieved.isoformat()} 達成（{days:,}日遅れ）", days
    if as_of > deadline:
        days = (as_of - deadline).days
        return f"未達（期限から{days:,}日経過）", days
    return f"未達（期限まで あと{(deadline - as_of).days:,}日）", None


def lag_cutoff(deadline, as_of):
    """A prefecture is late when it has not reached a milestone by the deadline once it has passed,
    or by today (as_of) before then."""
    return min(deadline, as_of)


def lagging_table(pref: pd.DataFrame, deadline, as_of, n: int) -> pd.DataFrame:
    """Prefectures without milestone 2 or 3 by the deadline (or by as_of before it), with shortage figures."""
    cutoff = lag_cutoff(deadline, as_of)
    rows = []
    for r in pref.itertuples():
        dates = {}
        for col in ("system_on", "pool_on"):
            d = getattr(r, col)
            d = None if d is None or pd.isna(d) else pd.Timestamp(d).date()
            dates[col] = d if d is not None and d <= as_of else None
        late = [c for c, d in dates.items() if d is None or d > cutoff]
        if not late:
            continue
        s2, d2 = lag_status(dates["system_on"], deadline, as_of)
        s3, d3 = lag_status(dates["pool_on"], deadline, as_of)
        rows.append({
            "都道府県コード": r.prefecture_code, "都道府県": r.name,
            milestone_label(SYSTEM): s2, milestone_label(POOL): s3,
            "遅れ（日）": max([d for d in (d2, d3) if d is not None], default=None),
            f"不足自治体（{n}人以下）": int(r.shortage),
            "不足の割合(%)": round(r.shortage_share * 100, 1) if pd.notna(r.shortage_share) else None,
            "1人以下": int(r.severe),
            "人材プール（人）": int(r.pool_talent),
            "カバー率(%)": round(r.coverage * 100, 1) if pd.notna(r.coverage) else None,
            "モデル": r.model if isinstance(r.model, str) else "未登録",
        })
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["遅れ（日）"] = pd.to_numeric(out["遅れ（日）"]).astype("Int64")
    unmet = (out[milestone_label(SYSTEM)].str.startswith("未達").astype(int)
             + out[milestone_label(POOL)].str.startswith("未達").astype(int))
    out = out.assign(_u=unmet).sort_values(["_u", "遅れ（日）", "都道府県コード"], ascending=[False, False, True],
                                          na_position="last")
    return out.drop(columns="_u").reset_index(drop=True)


def model_table(pref: pd.DataFrame, models) -> pd.DataFrame:
    """Per model: its prefectures and their pooled coverage (shortage municipalities with talent ÷ all)."""
    d = pref.assign(model=pref.model.fillna("未登録"))
    rows = []
    for model in [*models, "未登録"]:
        g = d[d.model == model]
        if g.empty:
            continue
        shortage, covered = int(g.shortage.sum()), int(g.shortage_covered.sum())
        rows.append({
            "モデル": model, "都道府県数": len(g),
            "人材プール（人）": int(g.pool_talent.sum()), "不足自治体": shortage, "支援あり": covered,
            "カバー率(%)": round(covered / shortage * 100, 1) if shortage else None,
            "カバー率の中央値(%)": round(g.coverage.median() * 100, 1) if g.coverage.notna().any() else None,
            "都道府県": "、".join(g.name),
        })
    return pd.DataFrame(rows)


def prefecture_peer_table(df: pd.DataFrame) -> pd.DataFrame:
    """dashboard.queries.prefecture.peers as users see it: the values the similarity is measured on
    (population only when loaded), then the pool coverage (shares in %)."""
    out = pd.DataFrame({
        "都道府県": df.name,
        "人口（万人）": (pd.to_numeric(df.population) / 10_000).round(1),
        "市区町村数": df.municipalities.astype(int),
        "不足の割合(%)": (df.shortage_share * 100).round(1),
        "カバー率(%)": (df.coverage * 100).round(1),
    }).reset_index(drop=True)
    return out if out["人口（万人）"].notna().any() else out.drop(columns="人口（万人）")



def assignment_table(df: pd.DataFrame, as_of) -> pd.DataFrame:
    """dashboard.queries.prefecture.assignments as users see it: role and pseudonymous id only."""
    return pd.DataFrame({
        "役割": df.role,
        "人材番号（匿名ID）": df.person_id,
        "状態": df.active.map({True: f"割当中（{as_of}）", False: "終了・開始前"}),
    }).reset_index(drop=True)


def people_text(count) -> str:
    """「N 人」, or 「3人未満」 for 1 or 2 people (see suppress_small)."""
    text = suppress_small(count)
    return text if text in (SMALL_CELL_TEXT, "—") else f"{text} 人"
