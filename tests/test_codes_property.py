"""Property tests of the 団体コード check digit, the code normaliser and the resolver."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from etl.codes import CodeError, check_digit, normalize_lg_code, with_check_digit
from etl.reference import designated_wards, municipalities
from etl.resolve import ResolveError, resolver

FIVE_DIGITS = st.text(alphabet="0123456789", min_size=5, max_size=5)
REAL_CODES = municipalities().lg_code.tolist()
WARD_CODES = designated_wards().ward_code.tolist()
KNOWN = set(REAL_CODES) | set(WARD_CODES)
ZENKAKU = str.maketrans("0123456789", "０１２３４５６７８９")
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def oracle_valid(code6: str) -> bool:
    """The published rule, written out independently: (11 − Σ dᵢ·wᵢ mod 11) mod 10, w = 6,5,4,3,2."""
    total = sum(int(d) * w for d, w in zip(code6[:5], (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10 == int(code6[5])


def pref_ok(code: str) -> bool:
    return 1 <= int(code[:2]) <= 47


def test_known_codes():
    assert [with_check_digit(c) for c in ("01100", "13101", "28221", "47382")] == [
        "011002", "131016", "282219", "473821"]
    assert check_digit("01100") == 2


def test_reference_has_1741_municipalities_and_the_wards_of_each_day():
    assert len(REAL_CODES) == len(set(REAL_CODES)) == 1741
    # japancode's 175, and 浜松市's 中央区 and 浜名区 of 2024-01-01, when its seven wards became three
    assert len(WARD_CODES) == len(set(WARD_CODES)) == 177
    assert len(designated_wards(on=dt.date(2023, 12, 31))) == 175
    since = designated_wards(on=dt.date(2024, 1, 1))
    assert len(since) == 171 and sorted(since.ward_code[since.city_code == "221309"]) == ["221376", "221384", "221392"]
    assert all(oracle_valid(c) for c in KNOWN)


@FAST
@given(FIVE_DIGITS)
def test_with_check_digit_passes_its_own_check(code5):
    code6 = with_check_digit(code5)
    assert len(code6) == 6 and code6[:5] == code5
    assert oracle_valid(code6)
    assert check_digit(code5) == int(code6[5])
    if pref_ok(code5):
        assert normalize_lg_code(code6) == code6
        assert normalize_lg_code(code5) == code6  # 5 digits = a code without its check digit
        assert normalize_lg_code(code6.translate(ZENKAKU)) == code6


@FAST
@given(FIVE_DIGITS, st.integers(0, 5), st.integers(0, 9))
def test_single_digit_change_is_detected_unless_the_result_is_valid(code5, position, digit):
    code6 = with_check_digit(code5)
    assume(code6[position] != str(digit))
    changed = code6[:position] + str(digit) + code6[position + 1:]
    if oracle_valid(changed):
        assert position < 5  # a changed check digit is always caught
        if pref_ok(changed):
            assert normalize_lg_code(changed) == changed
    elif pref_ok(changed):
        with pytest.raises(CodeError, match="検査数字が一致しません"):
            normalize_lg_code(changed)
    else:
        with pytest.raises(CodeError):
            normalize_lg_code(changed)


@FAST
@given(st.sampled_from(REAL_CODES), st.integers(0, 5), st.integers(0, 9))
def test_resolver_never_accepts_a_mistyped_real_code(code, position, digit):
    assume(code[position] != str(digit))
    changed = code[:position] + str(digit) + code[position + 1:]
    if not oracle_valid(changed):
        with pytest.raises(ResolveError, match="検査数字が一致しません"):
            resolver().code(changed)
    elif changed in KNOWN:
        assert resolver().code(changed) == changed  # another real code: valid, so it cannot be caught
    else:
        with pytest.raises(ResolveError, match="に当たる市区町村がありません"):
            resolver().code(changed)


def test_every_real_code_round_trips_in_every_written_form():
    res = resolver()
    for code in REAL_CODES + WARD_CODES:
        as_int = int(code)  # Excel drops the leading zero of 01..09
        forms = {
            "6-digit": res.code(code),
            "6-digit, style six": res.code(code, style="six"),
            "5-digit, style five": res.code(code[:5], style="five"),
            "5-digit, prefecture hint": res.code(code[:5], hint=code[:2]),
            "5-digit int, style five": res.code(int(code[:5]), style="five"),
            "int, style six": res.code(as_int, style="six"),
            "float, style six": res.code(float(as_int), style="six"),
            "int text '.0', style six": res.code(f"{as_int}.0", style="six"),
            "全角 6-digit": res.code(code.translate(ZENKAKU)),
            "全角 5-digit, style five": res.code(code[:5].translate(ZENKAKU), style="five"),
            "hyphenated": res.code(f"{code[:2]}-{code[2:]}"),
            "padded": res.code(f"  {code} "),
        }
        assert set(forms.values()) == {code}, (code, forms)
        assert normalize_lg_code(code) == code
        assert normalize_lg_code(code[:5]) == code
        assert normalize_lg_code(str(int(code[:5]))) == code  # 4 digits: 5-digit code, zero dropped


def test_five_character_values_without_hints_resolve_or_say_they_are_ambiguous():
    """Never a silent wrong guess: the right code, or a request to write all 6 digits."""
    res = resolver()
    ambiguous = set()
    for code in REAL_CODES:
        for written in {code[:5], str(int(code))}:
            try:
                assert res.code(written) == code, (code, written)
            except ResolveError as exc:
                assert "とも読めます。6桁で書いてください" in str(exc), exc
                ambiguous.add(written)
    # Only a handful read as two real codes, e.g. 12203: 市川市 122033 or 士別市 012203.
    assert "12203" in ambiguous and len(ambiguous) < 40, sorted(ambiguous)


@FAST
@given(st.sampled_from(REAL_CODES), st.sampled_from(["six", "five", None]))
def test_row_resolution_by_name_and_code_agree(code, style):
    res = resolver()
    pref_name = res.pref_names[code[:2]]
    name = res.names[code]
    written = code if style != "five" else code[:5]
    assert res.row(written, pref_name, name, style).lg_code == code
    assert res.row("", pref_name, name).lg_code == code
    assert res.row("", "", pref_name + name).lg_code == code
