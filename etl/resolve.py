"""Resolve a row's code and/or name to one of the 1,741 municipalities."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import numpy as np

from etl import memo, reference
from etl.codes import CodeError, check_digit, normalize_text, with_check_digit
from etl.columnar import Column, combine

_TEXT_CELLS = {str, type(None)}


class ResolveError(ValueError):
    """The row names no municipality, or more than one; the message is Japanese."""


@dataclass(frozen=True)
class Resolved:
    lg_code: str
    ward_code: str | None = None  # set when a designated-city ward was rolled up
    warning: str | None = None


class Resolver:
    """Lookup tables over the reference dimensions; build once with resolver()."""

    def __init__(self):
        munis = reference.municipality_rows()
        wards = reference.designated_ward_rows()
        prefs = reference.prefecture_rows(outlines=False)
        self.names = {m["lg_code"]: m["name"] for m in munis}
        self.pref_of = {m["lg_code"]: m["prefecture_code"] for m in munis}
        self.kind_of = {m["lg_code"]: m["kind"] for m in munis}
        self.ward_city = {w["ward_code"]: w["city_code"] for w in wards}
        self.ward_names = {w["ward_code"]: w["ward_name"] for w in wards}
        # (first day, last day) of the wards that did not always exist (None: open)
        self.ward_days = {w["ward_code"]: (w["valid_from"], w["valid_until"]) for w in wards
                          if w["valid_from"] is not None or w["valid_until"] is not None}
        self._city_wards: dict[str, set[str]] = defaultdict(set)
        for ward, city in self.ward_city.items():
            self._city_wards[city].add(ward)
        self.pref_names = {p["prefecture_code"]: p["name"] for p in prefs}
        self.pref_by_name: dict[str, str] = {}
        for p in prefs:
            self.pref_by_name[p["name"]] = p["prefecture_code"]
            self.pref_by_name[p["name_short"]] = p["prefecture_code"]
        self.by_pref_name: dict[tuple[str, str], str] = {}
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for code, pc, name in [(m["lg_code"], m["prefecture_code"], m["name"]) for m in munis] + [
                (w["ward_code"], w["prefecture_code"], w["ward_name"]) for w in wards]:
            self.by_pref_name[(pc, name)] = code
            self.by_name[name].append(code)
        # Kana lookups help search and name-only rows written in kana.
        self.kana = {m["lg_code"]: m["name_kana"] for m in munis}
        self._full_names = {name: code for name, code in self.pref_by_name.items() if name == self.pref_names[code]}

    def wards_of(self, city: str, on: dt.date) -> set[str]:
        """The ward codes of a designated city on the given day (empty for any other municipality)."""
        return {w for w in self._city_wards.get(city, ()) if self.ward_on(w, on)}

    def ward_on(self, code: str, on: dt.date) -> bool:
        """Whether the ward existed on the given day (浜松市's wards changed on 2024-01-01)."""
        return reference.in_effect(*self.ward_days.get(code, (None, None)), on)

    # -- prefectures ---------------------------------------------------------------------
    def prefecture(self, value: object) -> str | None:
        """'01', '1', '北海道', '東京' → '01'; '' → None. Raises ResolveError otherwise."""
        text = normalize_text(value)
        if not text:
            return None
        if text.isdigit():
            code = text[:2] if len(text) in (5, 6) else text.zfill(2)
            if code in self.pref_names:
                return code
        elif text in self.pref_by_name:
            return self.pref_by_name[text]
        raise ResolveError(f"都道府県「{text}」が分かりません")

    # -- municipalities ------------------------------------------------------------------
    def code(self, value: object, style: str | None = None, hint: str | None = None) -> str | None:
        """A written code → a known 6-digit code (municipality or ward). '' → None.

        style is what the whole column holds ('six' or 'five', see code_style), hint the
        prefecture code of the row: both settle 5-digit values that read either way.
        """
        text = normalize_text(value).replace("-", "")
        if not text:
            return None
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        if not text.isdigit():
            raise ResolveError(f"団体コード「{text}」は数字ではありません")
        if len(text) > 6:
            raise ResolveError(f"団体コード「{text}」は5桁または6桁ではありません")
        retired = reference.RETIRED_CODES.get(text.zfill(6)) or reference.RETIRED_CODES.get(
            with_check_digit(text.zfill(5)) if len(text) <= 5 else ""
        )
        if retired:
            old, into, when = retired
            raise ResolveError(f"団体コード「{text}」（{old}）は {when} の合併で廃止され、{into}になっています")
        cands: list[str] = []
        # A 6-digit code loses at most one leading zero (Excel integer), so 4 characters, or 5
        # that still start with '0', can only be a 5-digit code, whatever the column's style.
        if len(text) <= 5 and (style != "six" or len(text) < 5 or text.startswith("0")):
            cands.append(with_check_digit(text.zfill(5)))  # 5-digit code without check digit
        if len(text) >= 5 and style != "five":
            six = text.zfill(6)  # 6-digit code, perhaps with its leading zero dropped by Excel
            if check_digit(six[:5]) == int(six[5]):
                cands.append(six)
        known = [c for c in dict.fromkeys(cands) if c in self.names or c in self.ward_city]
        if len(known) > 1 and hint:
            known = [c for c in known if c[:2] == hint] or known
        if len(known) == 1:
            return known[0]
        if len(known) > 1:
            raise ResolveError(f"団体コード「{text}」は {known[0]} とも {known[1]} とも読めます。6桁で書いてください")
        six = text.zfill(6)
        if (len(text) == 6 or style == "six") and check_digit(six[:5]) != int(six[5]):
            raise ResolveError(
                f"団体コード「{text}」の検査数字が一致しません（{six[:5]} の検査数字は {check_digit(six[:5])}）"
            )
        raise ResolveError(f"団体コード「{text}」に当たる市区町村がありません")

    @staticmethod
    def code_style(values) -> str | None:
        """'six' when any code in the column has 6 digits, 'five' when any has 4, else None."""
        lengths = set()
        for v in values:
            t = normalize_text(v)
            if t.endswith(".0"):
                t = t[:-2]
            if t.isdigit():
                lengths.add(len(t))
        if 6 in lengths:
            return "six"
        if 4 in lengths:
            return "five"
        return None

    def _hint(self, pref: str | None, name: object) -> str | None:
        if pref:
            return pref
        text = normalize_text(name).replace(" ", "")
        bare, pref = self._strip_prefix(text, None)
        codes = self.by_name.get(bare, [])
        return pref or (codes[0][:2] if len(codes) == 1 else None)

    def _strip_prefix(self, name: str, pref: str | None) -> tuple[str, str | None]:
        """'北海道札幌市' → ('札幌市', '01'); '上川郡東川町' → ('東川町', pref)."""
        # A full prefecture name (3 or 4 characters; none is the start of another) in front.
        pname = name[:4] if name[:4] in self._full_names else name[:3]
        pcode = self._full_names.get(pname)
        if pcode and len(name) > len(pname):
            name, pref = name[len(pname):], pref or pcode
        if (pref, name) not in self.by_pref_name and name not in self.by_name:
            m = re.match(r"^.+?郡(.+[町村])$", name)
            if m:
                name = m.group(1)
        return name, pref

    def name(self, value: object, pref: str | None) -> Resolved:
        """Resolve a name (with its prefecture when known); ambiguous names are errors."""
        raw = normalize_text(value).replace(" ", "")
        name, pref = self._strip_prefix(raw, pref)
        if pref:
            code = self.by_pref_name.get((pref, name))
            if code:
                return self._rollup(code)
            former = reference.FORMER_NAMES.get((pref, name))
            if former:
                return Resolved(former, warning=f"「{raw}」は旧名称です。現在の「{self.names[former]}」（{former}）として読みました")
            others = [self.pref_names[self._pref(c)] for c in self.by_name.get(name, [])]
            hint = f"（{'、'.join(others)}にはあります）" if others else ""
            raise ResolveError(f"{self.pref_names[pref]}に「{raw}」という市区町村はありません{hint}")
        codes = self.by_name.get(name, [])
        if len(codes) == 1:
            return self._rollup(codes[0])
        if len(codes) > 1:
            prefs = "、".join(self.pref_names[self._pref(c)] for c in codes)
            raise ResolveError(f"団体名「{raw}」は複数の都道府県にあります（{prefs}）。団体コードか都道府県名を書いてください")
        raise ResolveError(f"「{raw}」という市区町村はありません")

    def _pref(self, code: str) -> str:
        return code[:2]

    def _rollup(self, code: str) -> Resolved:
        if code in self.ward_city:
            return Resolved(self.ward_city[code], ward_code=code)
        return Resolved(code)

    def row(self, code_value: object, pref_value: object, name_value: object, style: str | None = None) -> Resolved:
        """Resolve one row from whichever of code, prefecture and name it carries."""
        pref = self.prefecture(pref_value) if normalize_text(pref_value) else None
        code = self.code(code_value, style, self._hint(pref, name_value) if normalize_text(code_value) else None)
        if code is None:
            if not normalize_text(name_value):
                raise ResolveError("団体コードも団体名もありません")
            return self.name(name_value, pref)
        resolved = self._rollup(code)
        written = normalize_text(name_value).replace(" ", "")
        if pref and pref != code[:2]:
            raise ResolveError(f"団体コード「{code}」は{self.pref_names[code[:2]]}のコードですが、都道府県は「{normalize_text(pref_value)}」です")
        if written:
            expected = self.ward_names.get(code) or self.names[code]
            bare, _ = self._strip_prefix(written, pref)
            if expected not in (written, bare):
                former = reference.FORMER_NAMES.get((code[:2], bare))
                if former == code:
                    return Resolved(code, warning=f"「{written}」は旧名称です。現在の「{expected}」（{code}）として読みました")
                raise ResolveError(f"団体コード「{code}」は「{expected}」ですが、団体名は「{written}」です")
        return resolved


    def rows(self, code: Column, pref: Column, name: Column, style: str | None = None,
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """row() of every row of the three columns, once per distinct (code, prefecture, name) and
        remembered for the validation run (etl.memo: a survey repeats the same 1,741 each base
        date): arrays of lg_code, ward_code, warning and the ResolveError (or None). The same three
        columns (etl.columnar remembers them) give the same arrays: never change them in place."""
        return code.remembered(("resolved", self, pref, name, style), lambda: self._rows(code, pref, name, style))

    def _rows(self, code: Column, pref: Column, name: Column, style: str | None,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        combos = combine(code, pref, name)
        known = memo.table(Resolver.rows)
        if known is None:
            known = {}
        # The next survey holds the same three columns of cells: its whole table is remembered too
        # (text cells only, so that 1, 1.0 and True, which read differently, never share a key).
        whole = None
        if all(set(map(type, c.uniques)) <= _TEXT_CELLS for c in (code, pref, name)):
            firsts = combos.uniques
            layout = np.stack([code.codes[firsts], pref.codes[firsts], name.codes[firsts]]).tobytes()
            whole = ("whole", tuple(code.uniques), tuple(pref.uniques), tuple(name.uniques), style, layout)
            table = known.get(whole)
            if table is not None:
                rows = table[combos.codes]
                rows.flags.writeable = False
                return rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
        texts = [[normalize_text(u) for u in c.uniques] for c in (code, pref, name)]
        found = []
        for i in combos.uniques:
            key = (texts[0][code.codes[i]], texts[1][pref.codes[i]], texts[2][name.codes[i]], style)
            result = known.get(key)
            if result is None:
                try:
                    r = self.row(*key)
                    result = (r.lg_code, r.ward_code, r.warning, None)
                except ResolveError as exc:
                    result = (None, None, None, exc)
                known[key] = result
            found.append(result)
        table = np.empty((len(found), 4), dtype=object)
        for k, result in enumerate(found):
            table[k] = result
        if whole is not None:
            known[whole] = table
        rows = table[combos.codes]
        rows.flags.writeable = False
        return rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]


@cache
def resolver() -> Resolver:
    return Resolver()


__all__ = ["CodeError", "ResolveError", "Resolved", "Resolver", "resolver"]
