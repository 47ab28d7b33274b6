"""Cell values: counts, flags and the many ways of writing "not surveyed"."""

from __future__ import annotations

from etl.codes import normalize_text

# '－' (全角 minus), '-', '―' (horizontal bar), 'ー', '' and 調査無し all mean not surveyed.
NOT_SURVEYED = {"", "-", "－", "―", "‐", "ー", "—", "−", "調査無し", "調査なし", "未回答", "無回答", "n/a", "na"}
TRUE_WORDS = {"○", "◯", "〇", "有", "あり", "有り", "はい", "1", "true", "yes", "y", "対象", "該当"}
FALSE_WORDS = {"×", "✕", "無", "なし", "無し", "いいえ", "0", "false", "no", "n", "非該当"}


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is Japanese."""


def parse_count(value: object) -> float | None:
    """A staff count: non-negative number, possibly fractional; not-surveyed marks → None."""
    if isinstance(value, bool):
        raise ValueProblem("人数が数値ではありません")
    if isinstance(value, int | float) and value == value:
        number = float(value)
    else:
        text = normalize_text(value).replace(",", "").replace("人", "")
        if text.lower() in NOT_SURVEYED:
            return None
        try:
            number = float(text)
        except ValueError:
            raise ValueProblem(f"人数「{text}」は数値ではありません") from None
    if number < 0:
        raise ValueProblem(f"人数がマイナスです（{number:g}）")
    if number != number or number in (float("inf"),):
        raise ValueProblem("人数が数値ではありません")
    return round(number, 2)


def parse_flag(value: object) -> bool | None:
    text = normalize_text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS or text == "":
        return False
    if text in NOT_SURVEYED:
        return None
    raise ValueProblem(f"「{text}」は有無（○/×）として読めません")


def cell_text(value: object, limit: int = 80) -> str:
    """A cell as short text for a report."""
    text = normalize_text(value)
    return text if len(text) <= limit else text[:limit] + "…"
