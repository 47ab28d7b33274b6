"""The KPI cards: each set built once, here, from the summary figures, and shown alike by the page,
the slide (presentation mode, PowerPoint) and the exports."""

from __future__ import annotations

from dataclasses import dataclass

from core.policy import ACCELERATOR_TARGET, DEADLINE, DEADLINE_LABEL, DISPATCH, POOL, PREFECTURES, SYSTEM
from dashboard import formats


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


def national(nat: dict, n: int) -> tuple[Kpi, ...]:
    """The nation's six KPIs (nat: summary.national): the national page's and the national deck's."""
    prev = nat["prev_date"]
    return (
        Kpi(f"{n}人以下の市区町村", f"{formats.count(nat['shortage'])} 団体",
            f"回答 {formats.count(nat['surveyed'])} 団体の {formats.share(nat['shortage_share'])}"),
        Kpi("1人以下の市区町村", f"{formats.count(nat['severe'])} 団体", formats.share(nat["severe_share"])),
        Kpi("0人の市区町村", f"{formats.count(nat['zero'])} 団体", formats.share(nat["zero_share"])),
        Kpi(f"前回（{prev}）からの変化" if prev else "前回からの変化",
            formats.signed(nat["shortage_change"], unit=" 団体") if prev else "—",
            f"{formats.points(nat['shortage_share_change'])}（割合）" if prev else "前回の調査なし", change=bool(prev)),
        Kpi("地域DX推進体制を構築した都道府県", f"{nat['systems_built']} / {PREFECTURES}",
            f"人材プール機能を確保 {nat['pools_built']} / {PREFECTURES}"),
        accelerators(nat["accelerators"]),
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
    """The progress page's four KPIs: set-ups built, pools secured, dispatching begun (of all
    prefectures), and the days left to the deadline."""
    total = nat["prefectures"]
    counts = ((SYSTEM, "地域DX推進体制を構築", nat["systems_built"]), (POOL, "人材プール機能を確保", nat["pools_built"]),
              (DISPATCH, "人材派遣を開始", reached(status, DISPATCH, as_of)))
    days = days_to_deadline(as_of)
    return (
        *(Kpi(f"{label}（{m}）", f"{count} / {total}", f"あと {total - count} 都道府県") for m, label, count in counts),
        Kpi(DEADLINE_LABEL, DEADLINE.isoformat(), f"期限まで あと {days:,} 日" if days >= 0 else f"期限から {-days:,} 日経過"),
    )
