"""Japanese column synonyms: which header label means which field."""

from __future__ import annotations

import re

from etl.readers import label_key

# field → patterns over label_key(label). Order matters: a label is claimed by the first
# field that matches it, so the specific fields (専任, 兼任) come before the general one (合計).
SURVEY = {
    "lg_code": r"^(全国地方公共団体|地方公共団体|団体|市区町村|市町村|自治体)?コード$|^lg_?code(_5)?$|^code$",
    "prefecture": r"^都道府県(名)?$|^pref(ecture)?(_name)?$",
    "name": r"^(団体|市区町村|市町村|自治体)名(称)?$|^name$|^city(_name)?$",
    "dedicated": r"専任|^dedicated$",
    "concurrent": r"兼任|兼務|^concurrent$",
    "external_talent": r"外部人材|^external(_talent)?$",
    "has_cio_aide": r"cio補佐官|^has_cio_aide$",
    "dx_staff": r"職員数(合計|計)?$|職員数.*(合計|計)$|^(dx)?担当職員(数)?$|^dx_staff$",
}

ROSTER = {
    "person_ref": r"^(人材|職員)?(番号|id|no\.?)$|^person_(ref|id)$",
    "person_name": r"氏名|名前|^name$|^full_?name$",
    "email": r"メール|^e?-?mail",
    "phone": r"電話|携帯|^tel|^phone",
    "prefecture": r"^都道府県(名|コード)?$|^pref(ecture)?(_code|_name)?$",
    "role": r"^(役割|人材区分|区分|職種|ロール|スキル|スキル区分|role)$",
    "employment_form": r"雇用形態|契約形態|任用形態|^employment(_form)?$",
    "start_date": r"開始日|着任日|任用日|^start(_date)?$",
    "end_date": r"終了日|退任日|離任日|^end(_date)?$",
    "is_accelerator": r"アクセラレータ|^is_accelerator$",
    "assigned": r"支援先|派遣先|担当(市町村|自治体)|^assigned",
}
PII_FIELDS = ("person_name", "email", "phone")

STATUS = {
    "prefecture_code": r"^都道府県コード$|^prefecture_code$|^pref_code$",
    "prefecture": r"^都道府県(名)?$|^prefecture(_name)?$",
    "milestone": r"マイルストーン|段階|^milestone$",
    "achieved_on": r"達成日|到達日|^日付$|^achieved_on$|^date$",
    "model": r"モデル|類型|^model$",
    "note": r"備考|メモ|^note$",
}

POPULATION = {
    "area_code": r"^area_?code$|^(地域|市区町村|全国地方公共団体|団体)コード$|^cat01_code$",
    "area_name": r"^area_?name$|^(地域|市区町村|団体)名$",
    "population": r"^population$|^(総)?人口(総数)?$|^人口\(人\)$",
}


def match_columns(labels: list[str], spec: dict[str, str]) -> tuple[dict[str, int], list[int]]:
    """Map fields to column indexes. Returns (field → index, indexes of unknown labels)."""
    found: dict[str, int] = {}
    unknown: list[int] = []
    for j, label in enumerate(labels):
        key = label_key(label)
        if not key:
            continue
        field = next((f for f, pat in spec.items() if f not in found and re.search(pat, key)), None)
        if field is None:
            unknown.append(j)
        else:
            found[field] = j
    return found, unknown


def scorer(spec: dict[str, str]):
    """Header score for read_tables: how many fields the labels name."""
    return lambda labels: len(match_columns(labels, spec)[0])
