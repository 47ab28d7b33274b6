"""The FY2025 goal as of a date: every prefecture builds a 地域DX推進体制 (milestone 2) with a
人材プール機能 (milestone 3) by 令和7年度末 (core.policy.DEADLINE).

Before the deadline the dashboard counts down (「あと N 都道府県」); once it has passed it states the
result first, counted as of the deadline (「令和7年度末（2026-03-31）時点：地域DX推進体制 40/47、未達 7」),
then what has happened since. Every page, slide and KPI that mentions the goal takes its words from
here, with the as-of date as an argument, so both sides of the deadline can be shown for any day.
Input: summary.by_prefecture rows (name, system_on, pool_on: the first date each milestone was
reached, possibly after as_of or NULL).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from core.policy import DEADLINE, DEADLINE_LABEL, POOL, SYSTEM, deadline_text

# What each counted milestone is called when the goal is stated, and the verb of reaching it.
PARTS = {SYSTEM: ("地域DX推進体制", "構築"), POOL: ("人材プール機能", "確保")}


@dataclass(frozen=True)
class Part:
    """One counted milestone of the goal, as of a date."""

    milestone: int
    name: str  # 地域DX推進体制 / 人材プール機能
    verb: str  # 構築 / 確保
    total: int  # prefectures
    at_deadline: int  # reached on or before the deadline (and on or before as_of)
    now: int  # reached on or before as_of
    since: tuple[tuple[dt.date, str], ...]  # (date, prefecture) reached after the deadline, up to as_of

    @property
    def unmet_at_deadline(self) -> int:
        return self.total - self.at_deadline

    @property
    def unmet_now(self) -> int:
        return self.total - self.now


@dataclass(frozen=True)
class Goal:
    as_of: dt.date
    system: Part
    pool: Part

    @property
    def passed(self) -> bool:
        """The deadline is behind as_of (on the deadline day itself the countdown still shows 0 days)."""
        return self.as_of > DEADLINE

    @property
    def days(self) -> int:
        """Days left to the deadline, or days since it once it has passed."""
        return abs((DEADLINE - self.as_of).days)

    @property
    def parts(self) -> tuple[Part, Part]:
        return self.system, self.pool


def _dates(values) -> pd.Series:
    return pd.to_datetime(pd.Series(list(values), dtype=object)).dt.date


def _part(rows: pd.DataFrame, column: str, milestone: int, as_of: dt.date) -> Part:
    on = _dates(rows[column])
    names = list(rows["name"])
    reached = [(d, name) for d, name in zip(on, names, strict=True) if pd.notna(d) and d <= as_of]
    since = tuple(sorted((d, name) for d, name in reached if d > DEADLINE))
    name, verb = PARTS[milestone]
    return Part(milestone, name, verb, len(rows), len(reached) - len(since), len(reached), since)


def of(rows: pd.DataFrame, as_of: dt.date) -> Goal:
    """The goal as of as_of, from summary.by_prefecture rows (all prefectures)."""
    return Goal(as_of, _part(rows, "system_on", SYSTEM, as_of), _part(rows, "pool_on", POOL, as_of))


# -- Words -----------------------------------------------------------------------------------------

def headline(g: Goal) -> str:
    """The result first once the deadline has passed; the countdown before it."""
    s = g.system
    if g.passed:
        return f"{deadline_text()}時点：{s.name} {s.at_deadline}/{s.total}、未達 {s.unmet_at_deadline}"
    return (f"{deadline_text()}まで あと {g.days:,} 日：{s.name} {s.now}/{s.total}（{g.as_of.isoformat()} 時点）、"
            f"あと {s.unmet_now} 都道府県")


def pool_line(g: Goal) -> str:
    p = g.pool
    if g.passed:
        return f"{p.name} {p.at_deadline}/{p.total}、未達 {p.unmet_at_deadline}（同じく{DEADLINE_LABEL}時点）"
    return f"{p.name} {p.now}/{p.total}、あと {p.unmet_now} 都道府県"


def since_line(g: Goal) -> str | None:
    """What has happened since the deadline, in one line (None before it): how many reached each
    part after it, and where that leaves the count as of as_of."""
    if not g.passed:
        return None
    s, p = g.system, g.pool
    return (f"その後 {g.as_of.isoformat()} までに：{s.name} +{len(s.since)}（計 {s.now}/{s.total}）、"
            f"{p.name} +{len(p.since)}（計 {p.now}/{p.total}）")


def since_details(g: Goal) -> tuple[str, ...]:
    """Who reached each part after the deadline, by date (nothing before the deadline)."""
    if not g.passed:
        return ()
    return tuple(f"期限後に{p.name}を{p.verb}：" + "、".join(f"{d.isoformat()} {name}" for d, name in p.since)
                 for p in g.parts if p.since)


def lines(g: Goal) -> tuple[str, ...]:
    """The headline, the pool line and (after the deadline) what has happened since, in short."""
    return tuple(x for x in (headline(g), pool_line(g), since_line(g)) if x)


def question(g: Goal) -> str:
    """The national progress slide's question: future tense only before the deadline."""
    if g.passed:
        return f"{DEADLINE_LABEL}の目標（全都道府県で地域DX推進体制）は達成されたか"
    return f"{DEADLINE_LABEL}までに全都道府県で地域DX推進体制が整うか"


# -- One prefecture --------------------------------------------------------------------------------

def part_status(achieved, as_of: dt.date) -> str:
    """One prefecture's milestone in words as of as_of, e.g. 「2023-02-21（期限内）」, 「2026-06-10（期限から71日後）」,
    「未達（期限から245日経過）」 or, before the deadline, 「未達（期限まで あと 120 日）」."""
    d = None if achieved is None or pd.isna(achieved) else pd.Timestamp(achieved).date()
    if d is not None and d <= as_of:
        if d <= DEADLINE:
            return f"{d.isoformat()}（期限内）"
        return f"{d.isoformat()}（期限から{(d - DEADLINE).days:,}日後）"
    if as_of > DEADLINE:
        return f"未達（期限から{(as_of - DEADLINE).days:,}日経過）"
    return f"未達（期限まで あと {(DEADLINE - as_of).days:,} 日）"


def prefecture_lines(row: dict, as_of: dt.date) -> tuple[str, ...]:
    """One prefecture's result (row: a summary.by_prefecture row). After the deadline: whether each
    part was reached by it, then what has happened since; before it: the countdown."""
    parts = ((PARTS[SYSTEM][0], row.get("system_on")), (PARTS[POOL][0], row.get("pool_on")))

    def by(on, day) -> str:  # the dates are on the slide's timeline
        d = None if on is None or pd.isna(on) else pd.Timestamp(on).date()
        return "達成" if d is not None and d <= day else "未達"

    if as_of <= DEADLINE:
        return (f"{deadline_text()}まで あと {(DEADLINE - as_of).days:,} 日（{as_of.isoformat()} 時点）："
                + "、".join(f"{name} {by(on, as_of)}" for name, on in parts),)
    first = f"{deadline_text()}時点：" + "、".join(f"{name} {by(on, DEADLINE)}" for name, on in parts)
    late = [f"{name} {part_status(on, as_of)}" for name, on in parts if by(on, DEADLINE) == "未達"]
    return (first, f"期限後（{as_of.isoformat()} まで）：" + "、".join(late)) if late else (first,)
