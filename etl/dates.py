"""Dates as Japanese files write them: 西暦 and 和暦 (令和5年4月1日, R5.4.1)."""

from __future__ import annotations

import datetime as dt
import re

from etl.codes import normalize_text

_ERAS = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988, "昭和": 1925, "S": 1925}
_WAREKI = re.compile(r"(令和|平成|昭和|[RHS])\s*(元|\d{1,2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
_SEIREKI = re.compile(r"((?:19|20)\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")


class DateError(ValueError):
    """A date that cannot be read; the message is Japanese."""


def find_date(text: str) -> dt.date | None:
    """The first date written anywhere in text (和暦 or 西暦), or None."""
    text = normalize_text(text)
    m = _WAREKI.search(text)
    if m:
        era, year, month, day = m.groups()
        y = _ERAS[era] + (1 if year == "元" else int(year))
        return _make(y, int(month), int(day), m.group(0))
    m = _SEIREKI.search(text)
    if m:
        return _make(int(m[1]), int(m[2]), int(m[3]), m.group(0))
    return None


def _make(y: int, m: int, d: int, raw: str) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError as exc:
        raise DateError(f"日付「{raw}」は存在しない日付です") from exc


def parse_date(value: object) -> dt.date | None:
    """A cell as a date: datetime, 和暦/西暦 text or YYYYMMDD. '' → None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = normalize_text(value)
    if not text:
        return None
    if re.fullmatch(r"\d{8}", text):
        return _make(int(text[:4]), int(text[4:6]), int(text[6:]), text)
    found = find_date(text)
    if found is None:
        raise DateError(f"「{text}」は日付として読めません（例: 2023-04-01、令和5年4月1日）")
    return found


def wareki(d: dt.date) -> str:
    """2023-04-01 → 令和5年4月1日 (令和元年 for 2019)."""
    if d >= dt.date(2019, 5, 1):
        era, base = "令和", 2018
    elif d >= dt.date(1989, 1, 8):
        era, base = "平成", 1988
    else:
        era, base = "昭和", 1925
    n = d.year - base
    return f"{era}{'元' if n == 1 else n}年{d.month}月{d.day}日"
