"""Cell values: counts, flags and the many ways of writing "not surveyed"."""

from __future__ import annotations

import re

from etl import memo
from etl.codes import normalize_text

# '－' (全角 minus), '-', '―' (horizontal bar), 'ー', '' and 調査無し all mean not surveyed.
NOT_SURVEYED = {"", "-", "－", "―", "‐", "ー", "—", "−", "調査無し", "調査なし", "未回答", "無回答", "n/a", "na"}
TRUE_WORDS = {"○", "◯", "〇", "有", "あり", "有り", "はい", "1", "true", "yes", "y", "対象", "該当"}
FALSE_WORDS = {"×", "✕", "無", "なし", "無し", "いいえ", "0", "false", "no", "n", "非該当"}


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is Japanese."""


# What a person writes for a count: digits, a decimal point, and for large counts thousands
# separators in the right places (1,234,567). Not 1_0 (Python's float reads it as 10), 1,5 (a
# decimal comma, or a typo), 1e2, inf, nan or 4a.
_COUNT = re.compile(r"(\d+|\d{1,3}(,\d{3})+)(\.\d+)?")
_UNIT = re.compile(r"\s*人$")


def parse_count(value: object) -> float | None:
    """A staff count: non-negative number, possibly fractional; not-surveyed marks → None.

    Accepts 全角 digits, 「3人」 and 1,234,567; rejects anything else a person would not write."""
    if type(value) is str and memo.RUNS:  # every survey writes the same few dozen counts
        return _count_remembered(value)
    return _parse_count(value)


def _parse_count(value: object) -> float | None:
    if isinstance(value, bool):
        raise ValueProblem("人数が数値ではありません")
    if isinstance(value, float) and value != value:
        return None  # a blank cell that went through pandas
    if isinstance(value, int | float):
        number = float(value)
        if number in (float("inf"), float("-inf")):
            raise ValueProblem("人数が数値ではありません")
    else:
        text = normalize_text(value)
        if text.lower() in NOT_SURVEYED:
            return None
        digits = _UNIT.sub("", text)
        negative = digits.startswith("-") and _COUNT.fullmatch(digits[1:])
        if not negative and not _COUNT.fullmatch(digits):
            raise ValueProblem(f"人数「{cell_text(text)}」は数値ではありません"
                               "（使えるのは数字・小数点・3桁ごとのカンマと「人」だけです）")
        number = float(digits.replace(",", ""))
    if number < 0:
        raise ValueProblem(f"人数がマイナスです（{number:g}）")
    return round(number, 2)


_count_remembered = memo.lru_raising(_parse_count, ValueProblem)


def parse_flag(value: object) -> bool | None:
    text = normalize_text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS or text == "":
        return False
    if text in NOT_SURVEYED:
        return None
    raise ValueProblem(f"「{cell_text(text)}」は有無（○/×）として読めません")


def cell_text(value: object, limit: int = 80) -> str:
    """A cell as short text for a report."""
    text = normalize_text(value)
    return text if len(text) <= limit else text[:limit] + "…"
