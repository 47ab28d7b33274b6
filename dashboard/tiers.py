"""Staff tiers for municipality maps: 0 / ≤1 / ≤N / more, and 未回答 (never shown as 0)."""

from __future__ import annotations

import math

import pandas as pd

UNANSWERED = "未回答"
# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
_COLORS = ["#D55E00", "#E69F00", "#F0E442", "#0072B2", "#BBBBBB"]


def tier_labels(n: int) -> list[str]:
    top = f"2〜{n}人" if n >= 2 else None
    labels = ["0人", "1人以下（0超）", top, f"{n}人超", UNANSWERED]
    return [x for x in labels if x]


def tier_colors(n: int) -> dict[str, str]:
    labels = tier_labels(n)
    colors = _COLORS if len(labels) == 5 else [_COLORS[0], _COLORS[1], _COLORS[3], _COLORS[4]]
    return dict(zip(labels, colors, strict=True))


def tier(staff: float | None, n: int) -> str:
    if staff is None or (isinstance(staff, float) and math.isnan(staff)):
        return UNANSWERED
    labels = tier_labels(n)
    if staff == 0:
        return labels[0]
    if staff <= 1:
        return labels[1]
    if staff <= n:
        return labels[2] if n >= 2 else labels[-2]
    return labels[-2]


def tiers(staff: pd.Series, n: int) -> pd.Series:
    return pd.Series([tier(None if pd.isna(x) else float(x), n) for x in staff], index=staff.index, dtype="object")
