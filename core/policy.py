"""The policy facts the dashboard measures against (DESIGN §1), each defined once, here.

Everything else (the ETL's validators, the queries and marts, the charts, the pages, the slides)
imports them; tests/test_architecture.py fails when one is typed again anywhere else.
"""

from __future__ import annotations

import datetime as dt

PREFECTURES = 47  # every prefecture is to build a 地域DX推進体制 with its municipalities
ACCELERATOR_TARGET = 500  # 自治体DXアクセラレータ: appointees nationwide
DEADLINE = dt.date(2026, 3, 31)  # the end of FY2025
DEADLINE_LABEL = "令和7年度末"
DEFAULT_N = 3  # 不足自治体: DX staff at or below this (the 3-or-fewer figure of the policy documents)

# Milestones of a prefecture's 地域DX推進体制, in order.
MILESTONES: dict[int, str] = {
    0: "認識共有・機運醸成",
    1: "全体方針の決定",
    2: "推進体制の構築",
    3: "人材プール機能の確保",
    4: "市町村への人材派遣開始",
}
SYSTEM, POOL, DISPATCH = 2, 3, 4  # the milestones counted nationally: set-up built, pool secured, dispatching

# The MIC スキル標準 roles, in their usual order.
ROLES: tuple[str, ...] = ("プロデューサー", "プロジェクトマネージャー", "サービスデザイナー", "エンジニア")
PRODUCER, PROJECT_MANAGER, SERVICE_DESIGNER, ENGINEER = ROLES

# How pool talent is employed.
EMPLOYMENT_FORMS: tuple[str, ...] = ("共同採用", "派遣", "業務委託", "兼業・副業", "任期付職員", "その他")
JOINT_HIRE, DISPATCHED, OUTSOURCED, SIDE_JOB, FIXED_TERM, OTHER_FORM = EMPLOYMENT_FORMS

# How a prefecture organises its pool (the model prefectures: 愛媛, 広島, 熊本, 長野).
MODELS: tuple[str, ...] = ("協働宣言", "共同採用", "民間人材派遣", "共同調達", "その他")
DECLARATION, JOINT_HIRING, PRIVATE_DISPATCH, JOINT_PROCUREMENT, OTHER_MODEL = MODELS


def deadline_text() -> str:
    """「令和7年度末（2026-03-31）」"""
    return f"{DEADLINE_LABEL}（{DEADLINE.isoformat()}）"


def milestone_label(number: int) -> str:
    """「2 推進体制の構築」"""
    return f"{number} {MILESTONES[number]}"
