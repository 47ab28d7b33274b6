"""Tables as users see and download them: Japanese column names, rounded values."""

from __future__ import annotations

import pandas as pd


def national_table(df: pd.DataFrame, n: int) -> pd.DataFrame:
    return pd.DataFrame({
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
    }).reset_index(drop=True)
