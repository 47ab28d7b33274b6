"""団体コード (local government code) normalisation and check digits."""

from __future__ import annotations

import re
import unicodedata

from core.policy import PREFECTURES
from etl import memo

_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(code5: str) -> int:
    """Check digit of a 5-digit code: (11 - Σ dᵢ·wᵢ mod 11) mod 10."""
    total = sum(int(d) * w for d, w in zip(code5, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def with_check_digit(code5: str) -> str:
    return code5 + str(check_digit(code5))


class CodeError(ValueError):
    """A code that cannot be a 団体コード; the message is Japanese and user-facing."""


def normalize_text(value: object) -> str:
    """NFKC (全角→半角 digits, spaces) and trimmed; None/NaN become ''."""
    if type(value) is str:
        if value.isascii() and value.isprintable() and " " not in value:
            return value  # codes and numbers: NFKC leaves printable ASCII as it is, and nothing to trim
        # within a validation run, each text is normalised once (etl.memo empties the cache after)
        return _normalize_remembered(value) if memo.RUNS else _normalize(value)
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            value = int(value)
    return _normalize(str(value))


def _normalize(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


_SPACES = re.compile(r"\s+")
_normalize_remembered = memo.lru(_normalize)


def normalize_lg_code(value: object) -> str | None:
    """Return the 6-digit lg_code, or None when the cell is empty.

    Accepts 5 digits (no check digit) or 6 digits, with leading zeros dropped by Excel
    (4 or 5 digits then), 全角 digits and numbers read as floats.
    Raises CodeError when the value is not a code or its check digit is wrong.
    """
    text = normalize_text(value).replace("-", "")
    if not text:
        return None
    if not text.isdigit():
        raise CodeError(f"団体コード「{text}」は数字ではありません")
    if len(text) in (4, 5) and _pref_ok(text.zfill(5)):
        # 5-digit code without check digit (or 4 after Excel dropped the zero).
        code5 = text.zfill(5)
        return with_check_digit(code5)
    if len(text) in (5, 6) and _pref_ok(text.zfill(6)):
        code6 = text.zfill(6)
        if check_digit(code6[:5]) != int(code6[5]):
            raise CodeError(
                f"団体コード「{text}」の検査数字が一致しません"
                f"（正しくは {with_check_digit(code6[:5])}）"
            )
        return code6
    raise CodeError(f"団体コード「{text}」は5桁または6桁ではありません")


def _pref_ok(code: str) -> bool:
    return 1 <= int(code[:2]) <= PREFECTURES


def normalize_prefecture_code(value: object) -> str | None:
    """'1', '01', '01000', '010006' → '01'. Returns None when not a prefecture code."""
    text = normalize_text(value)
    if not text.isdigit():
        return None
    if len(text) in (5, 6):
        text = text[:2]
    if len(text) > 2 or not 1 <= int(text) <= PREFECTURES:
        return None
    return text.zfill(2)
