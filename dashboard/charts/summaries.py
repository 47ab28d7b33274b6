"""One-line text summaries of charts, computed from the data the chart draws: the text alternative
shown with every chart (「最も高いのは高知県 62.3%、最も低いのは東京都 10.1%（全国 44.0%）」)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd


def high_low(names: Iterable[str], values: Iterable, text: Callable[[float], str],
             nation: float | None = None, what: str = "") -> str:
    """「{what}最も高いのは A x、最も低いのは B y（全国 z）」 over the values that are known."""
    pairs = [(n, float(v)) for n, v in zip(names, values, strict=True) if v is not None and not pd.isna(v)]
    if not pairs:
        return f"{what}値のある地域はありません"
    top = max(pairs, key=lambda p: p[1])
    low = min(pairs, key=lambda p: p[1])
    out = f"{what}最も高いのは{top[0]} {text(top[1])}、最も低いのは{low[0]} {text(low[1])}"
    if nation is not None and not pd.isna(nation):
        out += f"（全国 {text(float(nation))}）"
    return out


def counts(pairs: Iterable[tuple[str, int]], unit: str = "団体") -> str:
    """「0人 20団体・1人以下（0超） 151団体・…」 for the labels that occur."""
    return "・".join(f"{label} {int(n):,}{unit}" for label, n in pairs if n)


def first_last(dates, values, text: Callable[[float], str]) -> str:
    """「2021-04-01 の a から 2025-04-01 の b」 over the known values in date order."""
    known = [(pd.Timestamp(d), float(v)) for d, v in zip(dates, values, strict=True)
             if v is not None and not pd.isna(v)]
    if not known:
        return "値がありません"
    known.sort()
    (d0, v0), (d1, v1) = known[0], known[-1]
    if d0 == d1:
        return f"{d1:%Y-%m-%d} の {text(v1)}"
    return f"{d0:%Y-%m-%d} の {text(v0)} から {d1:%Y-%m-%d} の {text(v1)}"
