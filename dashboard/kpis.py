"""The KPI cards: each set built once, here, from the summary figures, and shown alike by the page,
the slide (presentation mode, PowerPoint) and the exports."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.policy import (
    ACCELERATOR_TARGET,
    DEADLINE,
    DEADLINE_LABEL,
    DISPATCH,
    MILESTONES,
    SYSTEM,
)
from dashboard import formats, goal, tables
from dashboard.goal import Goal
from dashboard.metrics import NOT_COMPUTED, metric
from dashboard.notes import escape_md
from dashboard.queries.indicators import need_counts


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    note: str = ""
    help: str | None = None
    change: bool = False  # the note is a real change (an arrow; lower is better), not descriptive text


def accelerators(count: float) -> Kpi:
    """In office against the national target (only the nation has a gap to the target)."""
    return Kpi("自治体DXアクセラレータ（在任）", f"{formats.count(count)} / {ACCELERATOR_TARGET} 人",
               f"目標まで あと {formats.count(max(0, ACCELERATOR_TARGET - count))} 人")


def change_kpi(nat: dict, prev, where: str) -> Kpi:
    """The change since the previous survey (prev: the view's, summary.previous_date). The marts
    compare only the prefectures that answered on both dates; the note says so when that leaves
    some of today's answers out."""
    label = (f"前回（{prev}）からの変化" if prev else "前回からの変化") + where
    if not prev:
        return Kpi(label, "—", "前回の調査なし")
    if pd.isna(nat["shortage_change"]):
        return Kpi(label, "—", "前回と同じ都道府県の回答なし")
    note = f"{formats.points(nat['shortage_share_change'])}（割合）"
    if nat["paired_surveyed"] < nat["surveyed"]:
        note += f"　前回と同じ都道府県（回答 {formats.count(nat['paired_surveyed'])} 団体）で比較"
    return Kpi(label, formats.signed(nat["shortage_change"], unit=" 団体"), note, change=True)


def national(nat: dict, n: int, region: str | None = None) -> tuple[Kpi, ...]:
    """The six KPIs of the nation (nat: summary.national), the national page's and the national
    deck's; or of one 地方 (region, nat: summary.area for it), each label naming it."""
    prev = nat["prev_date"]
    where = f"（{region}）" if region else ""
    if region:  # the 500 target is national: a 地方 gets its count, not a gap
        accel = Kpi(f"自治体DXアクセラレータ（在任）{where}", f"{formats.count(nat['accelerators'])} 人",
                    f"目標 {ACCELERATOR_TARGET}人は全国の値")
    else:
        accel = accelerators(nat["accelerators"])
    return (
        Kpi(f"{n}人以下の市区町村{where}", f"{formats.count(nat['shortage'])} 団体",
            f"回答 {formats.count(nat['surveyed'])} 団体の {formats.share(nat['shortage_share'])}"),
        Kpi(f"1人以下の市区町村{where}", f"{formats.count(nat['severe'])} 団体", formats.share(nat["severe_share"])),
        Kpi(f"0人の市区町村{where}", f"{formats.count(nat['zero'])} 団体", formats.share(nat["zero_share"])),
        change_kpi(nat, prev, where),
        system_goal(nat["goal"], where),
        accel,
    )


def system_goal(g: Goal, where: str = "") -> Kpi:
    """The regional set-ups built, against all prefectures of the scope (where: 「（近畿）」 for a 地方):
    as of the deadline once it has passed (with what happened since), else as of today with the
    countdown (dashboard.goal)."""
    s, p = g.system, g.pool
    if g.passed:
        since = f"・期限後 +{len(s.since)}" if s.since else ""
        return Kpi(f"地域DX推進体制（{DEADLINE_LABEL}時点）{where}", f"{s.at_deadline} / {s.total}",
                   f"未達 {s.unmet_at_deadline}{since}／人材プール機能 {p.at_deadline} / {p.total}",
                   help=" ".join(goal.lines(g)))
    return Kpi(f"地域DX推進体制を構築した都道府県{where}", f"{s.now} / {s.total}",
               f"あと {s.unmet_now} 都道府県／人材プール機能 {p.now} / {p.total}", help=goal.headline(g))


def headline(nat: dict, n: int) -> tuple[Kpi, ...]:
    """The national deck's title slide: the shortage, its severe part, the FY2025 goal and the pools' reach."""
    return (
        Kpi(f"DX担当職員{n}人以下", f"{formats.count(nat['shortage'])} 団体",
            f"回答 {formats.count(nat['surveyed'])} 団体の {formats.share(nat['shortage_share'])}"),
        Kpi("1人以下", f"{formats.count(nat['severe'])} 団体", formats.share(nat["severe_share"])),
        system_goal(nat["goal"]),
        Kpi("人材プールのカバー率", formats.share(nat["coverage"]),
            f"支援あり {formats.count(nat['shortage_covered'])} / 不足 {formats.count(nat['shortage'])} 団体"),
    )


# -- 人材プール ----------------------------------------------------------------------------------

def pool_coverage(rows) -> dict[str, float | int | None]:
    """Pool figures of a set of prefectures (summary.by_prefecture rows): talent in the pools,
    accelerators, shortage municipalities, those with at least one talent assigned, and the coverage
    = covered ÷ shortage (None without shortage municipalities)."""
    shortage, covered = int(rows.shortage.sum()), int(rows.shortage_covered.sum())
    return {"pool": rows.pool_talent.sum(), "accelerators": int(rows.accelerators.sum()), "shortage": shortage,
            "covered": covered, "coverage": covered / shortage if shortage else None, "uncovered": shortage - covered}


def talent(rows, n: int, scope: str, pool_on, nationwide: bool) -> tuple[Kpi, ...]:
    """The talent page's four KPIs for the prefectures in rows (scope: their name, e.g. 全国)."""
    f = pool_coverage(rows)
    target_help = f"自治体DXアクセラレータ（全国の目標は{ACCELERATOR_TARGET}人）"
    if nationwide:  # the target is national, so only the nation gets a gap
        accel = Kpi("アクセラレータ（在任）", f"{formats.count(f['accelerators'])} / {ACCELERATOR_TARGET} 人",
                    f"目標まで あと {formats.count(max(0, ACCELERATOR_TARGET - f['accelerators']))} 人", help=target_help)
    else:
        accel = Kpi("アクセラレータ（在任）", f"{formats.count(f['accelerators'])} 人", f"目標 {ACCELERATOR_TARGET}人は全国の値",
                    help=target_help)
    return (
        Kpi(f"人材プール（{scope}）", f"{formats.count(f['pool'])} 人", f"{pool_on} 時点"),
        accel,
        Kpi("不足自治体のカバー率", formats.share(f["coverage"]),
            f"支援あり {formats.count(f['covered'])} / 不足 {formats.count(f['shortage'])} 団体"),
        Kpi("支援のない不足自治体", f"{formats.count(f['uncovered'])} 団体", f"DX担当職員{n}人以下で人材の割当なし"),
    )


# -- 体制構築の進捗 --------------------------------------------------------------------------------

def days_to_deadline(as_of) -> int:
    """Days from as_of to the deadline (negative once it has passed)."""
    return (DEADLINE - as_of).days


def reached(status, milestone: int, as_of) -> int:
    """Prefectures that had reached a milestone by as_of (status: queries.progress.milestones rows)."""
    done = status[(status.milestone == milestone) & status.achieved_on.notna()]
    return int(done[done.achieved_on <= as_of].prefecture_code.nunique())


def progress(nat: dict, status, as_of) -> tuple[Kpi, ...]:
    """The progress page's four KPIs: set-ups built and pools secured (of all prefectures), dispatching
    begun, and the deadline. Before the deadline they count down (「あと N 都道府県」); once it has
    passed they state the result as of the deadline and what happened since (dashboard.goal)."""
    g: Goal = nat["goal"]
    total = nat["prefectures"]
    days = days_to_deadline(as_of)
    dispatch = Kpi(f"人材派遣を開始（{DISPATCH}）", f"{reached(status, DISPATCH, as_of)} / {total}", f"{as_of} 時点")
    if g.passed:
        parts = tuple(Kpi(f"{p.name}（{DEADLINE_LABEL}時点）", f"{p.at_deadline} / {p.total}",
                          f"未達 {p.unmet_at_deadline}・期限後に{p.verb} {len(p.since)}（{as_of} 時点 {p.now} / {p.total}）")
                      for p in g.parts)
        return (*parts, dispatch, Kpi(DEADLINE_LABEL, DEADLINE.isoformat(), f"期限から {-days:,} 日経過"))
    parts = tuple(Kpi(f"{p.name}を{p.verb}（{p.milestone}）", f"{p.now} / {p.total}", f"あと {p.unmet_now} 都道府県")
                  for p in g.parts)
    return (*parts, dispatch, Kpi(DEADLINE_LABEL, DEADLINE.isoformat(), f"期限まで あと {days:,} 日"))


# -- 最も支援が必要な市区町村 (the cross view) ------------------------------------------------------

def need(munis, n: int) -> tuple[Kpi, ...]:
    """The cross view's three KPIs for a set of queries.indicators.most_in_need rows."""
    c = need_counts(munis, n)
    return (
        Kpi("最も支援が必要な市区町村", f"{formats.count(c['need'])} 団体",
            f"判定できた {formats.count(c['judged'])} 団体の {formats.share(c['need_share'])}"),
        Kpi(f"{n}人以下かつ外部人材活用なし", f"{formats.count(c['few_no_ext'])} 団体", "外部人材活用が未実施（調査無しを除く）"),
        Kpi(f"{n}人以下かつ全庁的な体制なし", f"{formats.count(c['few_no_org'])} 団体", "全庁的な体制構築が未実施（調査無しを除く）"),
    )


def need_in_prefecture(here, everyone, n: int, pref_name: str) -> Kpi:
    """One prefecture's count of municipalities most in need, its share beside the nation's."""
    c, nation = need_counts(here, n), need_counts(everyone, n)
    return Kpi(f"{pref_name}で最も支援が必要", f"{formats.count(c['need'])} 団体",
               f"判定できた {formats.count(c['judged'])} 団体の {formats.share(c['need_share'])}"
               f"（全国 {formats.share(nation['need_share'])}）")


# -- 都道府県 ------------------------------------------------------------------------------------

def prefecture(row: dict, nat: dict, status: dict | None, n: int, pref_name: str,
               has_population: bool) -> tuple[tuple[Kpi, ...], tuple[Kpi, ...], tuple[Kpi, ...]]:
    """The prefecture page's KPIs beside the nation's, in three rows: the shortage counts; the pool,
    its coverage and the regional set-up; the staff per 10,000 residents (only with population).
    row: a summary.by_prefecture row; status: queries.prefecture.reached_milestone."""
    def vs_nation(label: str, key: str) -> Kpi:  # count and share, the national share beside it
        return Kpi(label, f"{formats.count(row[key])} 団体",
                   f"{formats.share(row[key + '_share'])}（全国 {formats.share(nat[key + '_share'])}）",
                   help=f"全国 {formats.count(nat[key])} 団体 / 回答 {formats.count(nat['surveyed'])} 団体。"
                        f"{pref_name}は回答 {formats.count(row['surveyed'])} 団体")

    counts = (vs_nation(f"{n}人以下の市区町村", "shortage"), vs_nation("1人以下の市区町村", "severe"),
              vs_nation("0人の市区町村", "zero"))
    pool = (
        Kpi("人材プール（在籍）", f"{formats.count(row['pool_talent'])} 人", f"全国 {formats.count(nat['pool_talent'])} 人"),
        Kpi("プールのカバー率", formats.share(row["coverage"]), f"全国 {formats.share(nat['coverage'])}",
            help=f"人材が1人以上割り当てられた不足自治体 ÷ 不足自治体：{formats.count(row['shortage_covered'])} / "
                 f"{formats.count(row['shortage'])} 団体（全国 {formats.count(nat['shortage_covered'])} / "
                 f"{formats.count(nat['shortage'])} 団体）"),
        # Milestone names and models come from the status file: escaped, as metric text is Markdown.
        Kpi("地域DX推進体制（到達した段階）", escape_md(status["name"]) if status else "未着手",
            (f"{status['achieved_on']}・{escape_md(status['model'] or 'モデル未定')}" if status else "到達した段階なし")
            + f"／全国 構築済み {nat['systems_built']}/{nat['prefectures']}",
            help=f"到達した最も新しい段階、その到達日と体制のモデル。全国は{MILESTONES[SYSTEM]}まで到達した都道府県の数"),
    )
    per_capita: tuple[Kpi, ...] = ()
    if has_population:
        here, nation = tables.per_capita(pd.Series([row["staff_per_10k"], nat["staff_per_10k"]]))
        per_capita = (Kpi("人口1万人あたり職員数", f"{here} 人" if here != NOT_COMPUTED else NOT_COMPUTED,
                          f"全国 {nation}" + (" 人" if nation != NOT_COMPUTED else ""),
                          help=metric("staff_per_10k").definition),)
    return counts, pool, per_capita


def prefecture_goal(row: dict, as_of) -> Kpi:
    """One prefecture's regional set-up against the FY2025 goal (row: a summary.by_prefecture row):
    whether it was built by the deadline once that has passed, else the countdown."""
    system_on = None if pd.isna(row.get("system_on")) else pd.Timestamp(row["system_on"]).date()
    pool = f"人材プール機能 {goal.part_status(row.get('pool_on'), as_of)}"
    if as_of > DEADLINE:
        built = system_on is not None and system_on <= DEADLINE
        return Kpi(f"地域DX推進体制（{DEADLINE_LABEL}時点）", "構築済み" if built else "未達",
                   f"{goal.part_status(system_on, as_of)}／{pool}")
    built = system_on is not None and system_on <= as_of
    return Kpi("地域DX推進体制", "構築済み" if built else "未構築", f"{goal.part_status(system_on, as_of)}／{pool}")


def prefecture_headline(row: dict, nat: dict, n: int, as_of) -> tuple[Kpi, ...]:
    """The prefecture deck's title slide: its shortage beside the nation's, the goal and the pool's reach."""
    return (
        Kpi(f"DX担当職員{n}人以下", f"{formats.count(row['shortage'])} / {formats.count(row['surveyed'])} 団体",
            f"{formats.share(row['shortage_share'])}（全国 {formats.share(nat['shortage_share'])}）"),
        Kpi("1人以下", f"{formats.count(row['severe'])} 団体",
            f"{formats.share(row['severe_share'])}（全国 {formats.share(nat['severe_share'])}）"),
        prefecture_goal(row, as_of),
        Kpi("人材プールのカバー率", formats.share(row["coverage"]),
            f"支援あり {formats.count(row['shortage_covered'])} / 不足 {formats.count(row['shortage'])} 団体"),
    )


def prefecture_slide(row: dict, nat: dict, n: int, ms, as_of) -> tuple[Kpi, ...]:
    """The prefecture deck's KPI slide (row: a summary.by_prefecture row; ms: its milestones)."""
    reached = ms[pd.to_datetime(ms.achieved_on) <= pd.Timestamp(as_of)]
    if reached.empty:
        status, detail = "未着手", "マイルストーン未到達"
    else:
        top = reached.iloc[-1]
        status = f"段階 {int(top.milestone)} / {max(MILESTONES)}"
        detail = f"{top.milestone_name}（{pd.Timestamp(top.achieved_on):%Y-%m-%d}）"
    return (
        Kpi(f"{n}人以下の市区町村", f"{formats.count(row['shortage'])} / {formats.count(row['surveyed'])} 団体",
            f"{formats.share(row['shortage_share'])}（全国 {formats.share(nat['shortage_share'])}）"),
        Kpi("1人以下の市区町村", f"{formats.count(row['severe'])} 団体",
            f"{formats.share(row['severe_share'])}（全国 {formats.share(nat['severe_share'])}）"),
        Kpi("0人の市区町村", f"{formats.count(row['zero'])} 団体",
            f"{formats.share(row['zero_share'])}（全国 {formats.share(nat['zero_share'])}）"),
        Kpi("DX担当職員数の中央値", f"{formats.number(row['median_staff'])} 人",
            f"全国 {formats.number(nat['median_staff'])} 人"),
        Kpi("人材プール（在籍）", f"{formats.count(row['pool_talent'])} 人",
            f"不足自治体のカバー率 {formats.share(row['coverage'])}（全国 {formats.share(nat['coverage'])}）"),
        Kpi("地域DX推進体制", status, detail),
    )
