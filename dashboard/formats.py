"""Labels and number formats shown to users (Japanese)."""

from __future__ import annotations

import datetime as dt
import math

from etl.dates import wareki


def date_label(d: dt.date) -> str:
    """令和5年4月1日 (2023-04-01)"""
    return f"{wareki(d)}（{d.isoformat()}）"


def count(n: float | int | None) -> str:
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "—"
    return f"{int(round(n)):,}"


def share(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x * 100:.{digits}f}%"


def number(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:,.{digits}f}"


def signed(x: float | None, digits: int = 0, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:+,.{digits}f}{unit}"


def points(x: float | None) -> str:
    """A change in share, in percentage points."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x * 100:+.1f}ポイント"
