"""The FY2025 goal as of a date (dashboard.goal): the countdown before 令和7年度末, the result at it
and what happened since after it, on a small table of prefectures with fixed dates."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.policy import DEADLINE
from dashboard import goal, kpis

D = dt.date
# Five prefectures: on time, late (after the deadline), late after the as-of date (not yet), never.
ROWS = pd.DataFrame({
    "name": ["甲県", "乙県", "丙県", "丁県", "戊県"],
    "system_on": [D(2024, 5, 1), D(2026, 3, 31), D(2026, 6, 10), D(2027, 1, 5), None],
    "pool_on": [D(2025, 1, 1), D(2026, 9, 1), None, None, None],
})
BEFORE, ON, AFTER = D(2025, 12, 1), DEADLINE, D(2026, 12, 1)


def test_counts_at_the_deadline_and_since():
    g = goal.of(ROWS, AFTER)
    assert g.passed and g.days == (AFTER - DEADLINE).days
    assert (g.system.at_deadline, g.system.now, g.system.total) == (2, 3, 5)  # the deadline day counts as on time
    assert g.system.since == ((D(2026, 6, 10), "丙県"),)  # 丁県's date is after as_of: not yet
    assert (g.pool.at_deadline, g.pool.now, g.pool.since) == (1, 2, ((D(2026, 9, 1), "乙県"),))


def test_result_first_after_the_deadline():
    g = goal.of(ROWS, AFTER)
    assert goal.lines(g) == (
        "令和7年度末（2026-03-31）時点：地域DX推進体制 2/5、未達 3",
        "人材プール機能 1/5、未達 4（同じく令和7年度末時点）",
        "その後 2026-12-01 までに：地域DX推進体制 +1（計 3/5）、人材プール機能 +1（計 2/5）",
    )
    assert goal.since_details(g) == ("期限後に地域DX推進体制を構築：2026-06-10 丙県", "期限後に人材プール機能を確保：2026-09-01 乙県")
    assert goal.question(g) == "令和7年度末の目標（全都道府県で地域DX推進体制）は達成されたか"


@pytest.mark.parametrize("as_of", [BEFORE, ON])
def test_countdown_before_and_on_the_deadline(as_of):
    g = goal.of(ROWS, as_of)
    days = (DEADLINE - as_of).days
    built = int(sum(d is not None and d <= as_of for d in ROWS.system_on))
    assert not g.passed and goal.since_line(g) is None and goal.since_details(g) == ()
    assert goal.headline(g) == (f"令和7年度末（2026-03-31）まで あと {days:,} 日：地域DX推進体制 {built}/5"
                                f"（{as_of.isoformat()} 時点）、あと {5 - built} 都道府県")
    assert goal.question(g).endswith("整うか")


def test_no_countdown_or_future_question_after_the_deadline():
    g = goal.of(ROWS, AFTER)
    words = [*goal.lines(g), *goal.since_details(g), goal.question(g)]
    cards = [*kpis.progress({"goal": g, "prefectures": 5}, pd.DataFrame(columns=["milestone", "achieved_on",
                                                                                   "prefecture_code"]), AFTER),
             kpis.system_goal(g)]
    words += [f"{c.label} {c.value} {c.note}" for c in cards]
    assert not [w for w in words if "あと" in w or "整うか" in w], words


def test_national_kpi_follows_the_rule_on_both_sides():
    before, after = kpis.system_goal(goal.of(ROWS, BEFORE)), kpis.system_goal(goal.of(ROWS, AFTER))
    assert (before.label, before.value, before.note) == ("地域DX推進体制を構築した都道府県", "1 / 5",
                                                         "あと 4 都道府県／人材プール機能 1 / 5")
    assert (after.label, after.value, after.note) == ("地域DX推進体制（令和7年度末時点）", "2 / 5",
                                                      "未達 3・期限後 +1／人材プール機能 1 / 5")


@pytest.mark.parametrize("achieved,as_of,expected", [
    (D(2024, 5, 1), AFTER, "2024-05-01（期限内）"),
    (D(2026, 6, 10), AFTER, "2026-06-10（期限から71日後）"),
    (None, AFTER, "未達（期限から245日経過）"),
    (D(2027, 1, 5), AFTER, "未達（期限から245日経過）"),  # planned, not reached yet
    (None, BEFORE, "未達（期限まで あと 120 日）"),
])
def test_one_milestone_of_one_prefecture(achieved, as_of, expected):
    assert goal.part_status(achieved, as_of) == expected


def test_one_prefecture_before_and_after():
    row = {"system_on": D(2026, 6, 10), "pool_on": None}
    assert goal.prefecture_lines(row, AFTER) == (
        "令和7年度末（2026-03-31）時点：地域DX推進体制 未達、人材プール機能 未達",
        "期限後（2026-12-01 まで）：地域DX推進体制 2026-06-10（期限から71日後）、人材プール機能 未達（期限から245日経過）",
    )
    assert goal.prefecture_lines({"system_on": D(2024, 5, 1), "pool_on": D(2025, 1, 1)}, AFTER) == (
        "令和7年度末（2026-03-31）時点：地域DX推進体制 達成、人材プール機能 達成",)
    assert goal.prefecture_lines(row, BEFORE) == (
        "令和7年度末（2026-03-31）まで あと 120 日（2025-12-01 時点）：地域DX推進体制 未達、人材プール機能 未達",)
