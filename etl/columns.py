"""Japanese column synonyms: which header label means which field."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from etl import memo
from etl.readers import label_key

# field → patterns over label_key(label). Order matters: a label is claimed by the first
# field that matches it. The survey's identity columns; its counts are matched by meaning
# (survey_columns below).
SURVEY = {
    "lg_code": r"^(全国地方公共団体|地方公共団体|団体|市区町村|市町村|自治体)?コード$|^lg_?code(_5)?$|^code$",
    "prefecture": r"^都道府県(名)?$|^pref(ecture)?(_name)?$",
    "name": r"^(団体|市区町村|市町村|自治体)名(称)?$|^name$|^city(_name)?$",
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


# -- the survey: columns by meaning ----------------------------------------------------------
# MIC workbooks put the staff counts in a block: a parent such as 「（８）DX推進担当課室・情報政策
# 担当課室の職員数」 over 「職員数（人）」/「計」, 「うち専任」/「うち、専任」, 「うち兼任」, sometimes over a
# row of units 「（人）」. Other blocks may also say 職員数 (e.g. the staff of the whole authority):
# the DX block is the one whose parent names DX推進 or 情報政策.
STAFF_PARENT = re.compile(r"(dx|情報政策|情報化|デジタル).*(職員|人員|人数)|^(dx)?担当職員数?$|^dx_staff$")
GENERIC_STAFF = re.compile(r"職員数|職員の数")
STAFF_TOTAL = re.compile(r"^(職員数?|人数|人員)?の?(計|合計|総数)?$")
DEDICATED = re.compile(r"^(うち)?専任(職員)?数?$|^dedicated$")
CONCURRENT = re.compile(r"^(うち)?(兼任|兼務)(職員)?数?$|^concurrent$")
CIO = re.compile(r"cio補佐官|^has_cio_aide$")
CIO_LEAF = re.compile(r"有無|任命|任用|設置|^$")
EXTERNAL = re.compile(r"外部(デジタル)?人材|^external(_talent)?$")
EXTERNAL_FLAG = re.compile(r"(活用|任用|有無)$")  # 「外部人材の活用」 ○/× (a count column says 人数)
DX_CONTEXT = re.compile(r"dx|情報政策|情報化")
IDENTITY = ("lg_code", "prefecture", "name")


def part_key(part: str) -> str:
    """One header part for matching: NFKC, lower case, no spaces, without the item number in front
    (（８）, 8., 問8) or the unit behind （人）, and 「うち、専任」 read as 「うち専任」."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", part)).lower()
    key = re.sub(r"^(問|設問)?\(?\d{1,2}\)?[.:、)]?(?=\D)", "", key)
    key = re.sub(r"\((人|名|団体|件|%)\)$", "", key)
    return key.replace("、", "").replace(",", "")


_part_key_remembered = memo.lru(part_key)


@dataclass
class SurveyColumns:
    found: dict[str, int] = field(default_factory=dict)  # field → column index
    unknown: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # ambiguous or unreadable staff columns


def survey_columns(labels: list[str], context: str = "") -> SurveyColumns:
    """Which survey field each column holds, by meaning (see STAFF_PARENT above).

    context is the text around the table (title rows, sheet name): a block headed only 職員数 is
    the DX staff block when the title says so and nothing else claims to be."""
    return _survey_columns(_meanings(labels), labels, context)


def _meanings(labels: list[str]) -> tuple:
    """What each label means (_label_meaning), remembered for the validation run: header candidates
    repeat (every file's first rows hold the same words)."""
    known = memo.table(_label_meaning)
    if known is None:
        return tuple(_label_meaning(tuple(getattr(label, "parts", (label,)))) for label in labels)
    out = []
    for label in labels:
        parts = tuple(getattr(label, "parts", (label,)))
        found = known.get(parts, _UNSEEN)
        if found is _UNSEEN:
            found = known[parts] = _label_meaning(parts)
        out.append(found)
    return tuple(out)


def _survey_columns(meanings: tuple, labels: list[str], context: str) -> SurveyColumns:
    """survey_columns from what each label means (labels only name the columns in messages)."""
    out = SurveyColumns()
    blocks: dict[str, dict[str, list[int]]] = {}  # DX staff parent → field → columns
    generic: dict[str, dict[str, list[int]]] = {}  # 職員数 blocks without DX in their header
    for j, meaning in enumerate(meanings):
        if meaning is None:
            continue
        idents, what, name, fld = meaning
        ident = next((f for f in idents if f not in out.found), None)
        if ident:
            out.found[ident] = j
        elif what == "claim":
            _claim(out, fld, j)
        elif what == "unknown":
            out.unknown.append(j)
        else:  # a column of a staff block
            (blocks if what == "block" else generic).setdefault(name, {}).setdefault(fld, []).append(j)
    if not blocks and len(generic) == 1 and (DX_CONTEXT.search(part_key(context)) or
                                             any(DX_CONTEXT.search(part_key(k)) for k in generic)):
        blocks, generic = generic, {}
    for cols in generic.values():
        out.unknown += [j for js in cols.values() for j in js]
    if not blocks and generic:
        names = "」「".join(generic)
        out.errors.append(f"「{names}」の列はありますが、DX推進・情報政策担当の職員数かどうか見出しから分かりません。"
                          "見出しを「DX推進担当課室・情報政策担当課室の職員数」のように書いてください")
    for fld in ("dx_staff", "dedicated", "concurrent"):
        cols = [(name, j) for name, roles in blocks.items() for j in roles.get(fld, [])]
        if fld in out.found:
            cols.insert(0, ("", out.found.pop(fld)))
        if len(cols) > 1:
            shown = "」「".join(str(labels[j]) for _, j in cols)
            out.errors.append(f"{FIELD_NAMES[fld]}の列が{len(cols)}つあります（「{shown}」）。"
                              "どれを使うか決められないため、1つにしてください")
        elif cols:
            out.found[fld] = cols[0][1]
    out.unknown.sort()
    return out


_UNSEEN = object()


def _label_meaning(label_parts: tuple[str, ...]) -> tuple[tuple[str, ...], str, str | None, str | None] | None:
    """What one header label can mean, whatever the other labels are: (the identity fields its text
    matches, in order, taken by the first still free; then what it is otherwise: "claim" a field,
    "unknown", or a column (field) of a "block" / "generic" staff block named name). None: no text."""
    key = _part_key_remembered if memo.RUNS else part_key  # the same parts in many labels
    shown = [(p, k) for p in label_parts if (k := key(p))]
    parts = [k for _, k in shown]
    if not parts:
        return None
    joined = "".join(parts)
    idents = tuple(f for f in IDENTITY if re.search(SURVEY[f], joined))
    if any(CIO.search(p) for p in parts):
        leaf = "".join(p for p in parts if not CIO.search(p))
        return (idents, "claim", None, "has_cio_aide") if CIO_LEAF.search(leaf) else (idents, "unknown", None, None)
    ext = next((i for i, p in enumerate(parts) if EXTERNAL.search(p)), None)
    if ext is not None:
        leaf = "".join(parts[ext:])
        return idents, "claim", None, "external_flag" if EXTERNAL_FLAG.search(leaf) else "external_talent"
    parent = next((i for i, p in enumerate(parts) if STAFF_PARENT.search(p)), None)
    what = "block"
    if parent is None:
        if DEDICATED.search(joined) or CONCURRENT.search(joined):  # a flat 専任 / 兼任 column (CSV)
            return idents, "claim", None, "dedicated" if DEDICATED.search(joined) else "concurrent"
        parent = next((i for i, p in enumerate(parts) if GENERIC_STAFF.search(p)), None)
        what = "generic"
    role = _staff_role(parts, parent) if parent is not None else None
    if role is None:
        return idents, "unknown", None, None
    return idents, what, shown[parent][0], role


FIELD_NAMES = {"dx_staff": "DX担当職員数（合計）", "dedicated": "専任", "concurrent": "兼任"}


def _staff_role(parts: list[str], parent: int) -> str | None:
    """dx_staff, dedicated or concurrent for a column of a staff block, None for another column."""
    leaf = "".join(parts[parent + 1:])
    text = leaf or re.sub(STAFF_PARENT, "", parts[parent], count=1)
    if re.search(r"専任", text) and not re.search(r"兼任|兼務", text):
        return "dedicated"
    if re.search(r"兼任|兼務", text):
        return "concurrent"
    if not leaf or STAFF_TOTAL.fullmatch(leaf):
        return "dx_staff"
    return None


def _claim(out: SurveyColumns, fld: str, j: int) -> None:
    if fld in out.found:
        out.unknown.append(j)
    else:
        out.found[fld] = j


def survey_score(labels: list[str]) -> int:
    """Header score for read_tables: the survey fields the labels name (a 職員数 block counts).
    It depends only on what each label means, so it is remembered for the run by those meanings
    (every data row scanned for a header means the same: nothing)."""
    meanings = _meanings(labels)

    def score() -> int:
        cols = _survey_columns(meanings, labels, "dx")
        return len(cols.found) + bool(cols.errors)

    return memo.remember(survey_score, meanings, score)


# The most survey_score can be, given how many labels have text (read_tables skips header rows that
# cannot beat the best found). Each label sets at most one field; the one error counted comes only
# with a label that sets none (a 職員数 block without DX, or two columns of one count), so the score
# is at most the number of labels with text.
survey_score.bound = lambda labelled: labelled


def match_columns(labels: list[str], spec: dict[str, str]) -> tuple[dict[str, int], list[int]]:
    """Map fields to column indexes. Returns (field → index, indexes of unknown labels)."""
    found: dict[str, int] = {}
    unknown: list[int] = []
    patterns = tuple(spec.items())
    for j, label in enumerate(labels):
        key = label_key(label)
        if not key:
            continue
        field = next((f for f in _fields_matching(key, patterns) if f not in found), None)
        if field is None:
            unknown.append(j)
        else:
            found[field] = j
    return found, unknown


def _fields_matching(key: str, patterns: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The fields whose pattern matches a label, in the order of the spec (remembered for the
    validation run: the same words in every file)."""
    return memo.remember(_fields_matching, (key, patterns), lambda: tuple(
        f for f, pat in patterns if re.search(pat, key)) if _any_field(patterns).search(key) else ())


@functools.cache
def _any_field(patterns: tuple[tuple[str, str], ...]) -> re.Pattern:
    """One pattern that matches where any field's does: most labels scanned (data rows) match none."""
    return re.compile("|".join(f"(?:{pat})" for _, pat in patterns))


def scorer(spec: dict[str, str]):
    """Header score for read_tables: how many fields the labels name. Its bound, given how many
    labels have text (no more fields than the spec has, nor than such labels), lets read_tables
    skip rows that cannot win without building their labels."""
    def score(labels: list[str]) -> int:
        return len(match_columns(labels, spec)[0])

    score.bound = lambda labelled: min(len(spec), labelled)
    return score
