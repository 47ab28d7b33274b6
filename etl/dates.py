"""Dates as Japanese files write them: 西暦 and 和暦 (令和5年4月1日, R5.4.1)."""

from __future__ import annotations

import datetime as dt
import re

from etl import memo
from etl.codes import normalize_text

_ERAS = {"令和": "令和", "R": "令和", "平成": "平成", "H": "平成", "昭和": "昭和", "S": "昭和"}
# Each era: the year before its first year, its first and last day (令和 has no end yet).
_ERA_SPAN = {
    "令和": (2018, dt.date(2019, 5, 1), None),
    "平成": (1988, dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    "昭和": (1925, dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
}
_WAREKI = re.compile(r"(令和|平成|昭和|(?<![A-Za-z])[RHS])\s*(元|\d{1,2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
_SEIREKI = re.compile(r"((?:19|20)\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
# Around a date in a title row: what says it is the base date, and what says it is not.
BASE_WORDS = re.compile(r"基準日|基準|現在|時点")
NOT_BASE_WORDS = re.compile(r"作成|公表|更新|発行|印刷|出力|提出|公開|掲載|改訂|修正|差替|締切|期限|回答日")


class DateError(ValueError):
    """A date that cannot be read; the message is Japanese."""


def _mentions(text: str) -> list[re.Match]:
    """Every 和暦 or 西暦 date written in text, in order."""
    found = sorted([*_WAREKI.finditer(text), *_SEIREKI.finditer(text)], key=lambda m: m.start())
    out: list[re.Match] = []
    for m in found:
        if not out or m.start() >= out[-1].end():
            out.append(m)
    return out


def _date_of(m: re.Match) -> dt.date:
    if m.re is _WAREKI:
        era, year, month, day = m.groups()
        return _wareki_date(_ERAS[era], 1 if year == "元" else int(year), int(month), int(day), m.group(0).strip())
    return _make(int(m[1]), int(m[2]), int(m[3]), m.group(0).strip())


def _wareki_date(era: str, n: int, month: int, day: int, raw: str) -> dt.date:
    base, first, last = _ERA_SPAN[era]
    if n < 1:
        raise DateError(f"日付「{raw[:100]}」はありえない和暦です（{era}は元年から）")
    d = _make(base + n, month, day, raw)
    if d < first:
        raise DateError(f"日付「{raw[:100]}」はありえない和暦です（{era}は{wareki(first)}から）")
    if last and d > last:
        raise DateError(f"日付「{raw[:100]}」はありえない和暦です（{era}は{wareki(last)}まで）")
    return d


def find_date(text: str) -> dt.date | None:
    """The first date written anywhere in text (和暦 or 西暦), or None."""
    found = _mentions(normalize_text(text))
    return _date_of(found[0]) if found else None


def base_date_in(lines: list[str]) -> tuple[dt.date, str] | None:
    """The base date written in title rows (or a sheet or file name), with the line it came from.

    A date next to 作成・公表・更新 … is never the base date; one next to 基準日・現在・時点 is
    preferred. Two different candidates of the same standing are ambiguous: DateError."""
    preferred: dict[dt.date, str] = {}
    plain: dict[dt.date, str] = {}
    for line in lines:
        text = normalize_text(line)
        found = _mentions(text)
        for k, m in enumerate(found):
            before = text[found[k - 1].end() if k else 0 : m.start()]
            after = text[m.end() : found[k + 1].start() if k + 1 < len(found) else len(text)]
            near = re.search(r"([^\s()、,。:]*)\s*:?\s*$", before)[1] + " " + re.match(r"\s*([^\s()、,。]*)", after)[1]
            if NOT_BASE_WORDS.search(near) or (NOT_BASE_WORDS.search(text) and not BASE_WORDS.search(text)):
                continue
            target = preferred if BASE_WORDS.search(near) else plain
            target.setdefault(_date_of(m), text)
    for found_dates in (preferred, plain):
        if len(found_dates) > 1:
            shown = "、".join(str(d) for d in sorted(found_dates))
            raise DateError(f"基準日になりうる日付が複数あります（{shown}）。どれが基準日か決められないため、"
                            "基準日を指定してください（--base-date）")
        if found_dates:
            day, line = next(iter(found_dates.items()))
            return day, line
    return None


def _make(y: int, m: int, d: int, raw: str) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError as exc:
        raise DateError(f"日付「{raw[:100]}」は存在しない日付です") from exc


def parse_date(value: object) -> dt.date | None:
    """A cell as a date: datetime, 和暦/西暦 text or YYYYMMDD. '' → None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if type(value) is not str or not memo.RUNS:
        return _parse_text(value)
    return _parse_remembered(value)  # a roster repeats its dates


def _parse_text(value: object) -> dt.date | None:
    text = normalize_text(value)
    if not text:
        return None
    if re.fullmatch(r"\d{8}", text):
        return _make(int(text[:4]), int(text[4:6]), int(text[6:]), text)
    found = find_date(text)
    if found is None:
        raise DateError(f"「{text[:100]}」は日付として読めません（例: 2023-04-01、令和5年4月1日）")
    return found


_parse_remembered = memo.lru_raising(_parse_text, DateError)


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
