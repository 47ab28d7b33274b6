"""Column widths and number formats of the tables on screen (st.dataframe), from their content.

Streamlit's grid sizes a column from its first rows and cuts longer text with 「…」; these widths
fit the header and every cell (so nothing is truncated at 1440 px; a wide table scrolls instead),
and each number column gets one number of decimals, the most any of its values needs (so 3.0
sits above 0.5, never 3 above 0.5). tests/test_tables.py measures the texts with the grid's real
font in Chromium to check that the widths hold.
"""

from __future__ import annotations

import math
import unicodedata

import pandas as pd

# The grid's type (Streamlit's dataframe: 14 px, the header semi-bold) and its padding. Widths
# are estimated per character: CJK and full-width forms are one em, anything else at most 0.62 em.
FONT_PX = 14.0
WIDE_EM, NARROW_EM, HEADER_BOLD = 1.0, 0.62, 1.0
CELL_PAD, HEADER_PAD = 20, 40  # cell padding; the header adds its sort arrow and menu button
MIN_WIDTH = 56
MAX_DECIMALS = 2


def text_width(text: str, px: float = FONT_PX) -> float:
    """An upper estimate of text's width in pixels in the grid's font."""
    return sum((WIDE_EM if unicodedata.east_asian_width(c) in "WF" else NARROW_EM) for c in str(text)) * px


def decimals(values: pd.Series) -> int:
    """The decimals the column needs: the most any value has (up to MAX_DECIMALS)."""
    most = 0
    for x in pd.to_numeric(values, errors="coerce").dropna():
        for d in range(MAX_DECIMALS + 1):
            if math.isclose(round(float(x), d), float(x), abs_tol=1e-9):
                most = max(most, d)
                break
        else:
            return MAX_DECIMALS
    return most


def is_number(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def number_format(values: pd.Series, signed: bool = False) -> str:
    """A printf format with thousands separators and the column's decimals (e.g. "%,.1f")."""
    d = decimals(values)
    sign = "+" if signed else ""
    return f"%{sign},d" if d == 0 else f"%{sign},.{d}f"


def shown(value, fmt: str | None, placeholder: str = "—") -> str:
    """A cell as the grid shows it with this format (Python's rendering of the same printf)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return placeholder
    if fmt is None or isinstance(value, str):
        return str(value)
    digits = 0 if fmt.endswith("d") else int(fmt.split(".")[1][0])
    sign = "+" if "+" in fmt else ""
    return f"{float(value):{sign},.{digits}f}"


def display_texts(df: pd.DataFrame, formats: dict[str, str | None]) -> dict[str, list[str]]:
    """Every column's header and cells as shown (the texts the widths must hold)."""
    return {col: [str(col), *(shown(x, formats.get(col)) for x in df[col])] for col in df.columns}


def formats_of(df: pd.DataFrame, signed: tuple[str, ...] = ()) -> dict[str, str | None]:
    """The number format of each number column (None for text columns)."""
    return {col: number_format(df[col], col in signed) if is_number(df[col]) else None for col in df.columns}


def widths(df: pd.DataFrame, formats: dict[str, str | None]) -> dict[str, int]:
    """The pixel width of each column that holds its header and every cell as shown."""
    out = {}
    for col, texts in display_texts(df, formats).items():
        header = text_width(texts[0]) * HEADER_BOLD + HEADER_PAD
        cells = max((text_width(t) for t in texts[1:]), default=0) + CELL_PAD
        out[col] = max(MIN_WIDTH, math.ceil(max(header, cells)))
    return out


def column_config(df: pd.DataFrame, signed: tuple[str, ...] = ()) -> dict[str, dict]:
    """st.dataframe column_config for df: a width for every column, a number format for every
    number column (signed: columns of changes, shown with their sign)."""
    import streamlit as st  # the config objects only; this module computes without Streamlit

    formats = formats_of(df, signed)
    config = {}
    for col, width in widths(df, formats).items():
        if formats[col] is not None:
            config[col] = st.column_config.NumberColumn(width=width, format=formats[col])
        else:
            config[col] = st.column_config.Column(width=width)
    return config
