"""What a view covers: the rows of its region (or every prefecture), and the name of its scope."""

from __future__ import annotations

import pandas as pd


def in_region(rows: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """The rows (prefectures or municipalities, with a region column) of one 地方; all of them for 全国."""
    return rows if region is None else rows[rows.region == region]


def in_prefecture(rows: pd.DataFrame, code: str) -> pd.DataFrame:
    """The rows (municipalities, with a prefecture_code column) of one prefecture."""
    return rows[rows.prefecture_code == code]


def label(region: str | None, picked: list[str] | tuple[str, ...] = ()) -> str:
    """The scope in words: the picked prefectures' names, else the region, else 全国."""
    return "、".join(picked) if picked else (region or "全国")
