"""Talent rosters: a prefecture's pool, with personal data dropped as it is read.

Names, e-mail addresses and phone numbers are used only to derive a salted hash
(person_id) and never leave this module: not in a table, a report or a message.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from core.policy import (
    DISPATCHED,
    EMPLOYMENT_FORMS,
    ENGINEER,
    FIXED_TERM,
    JOINT_HIRE,
    OTHER_FORM,
    OUTSOURCED,
    PRIVATE_DISPATCH,
    PRODUCER,
    PROJECT_MANAGER,
    ROLES,
    SERVICE_DESIGNER,
    SIDE_JOB,
)
from etl import columnar, columns
from etl.codes import normalize_text
from etl.columnar import Column
from etl.dates import DateError, parse_date
from etl.readers import read_or_reject, read_tables, take_table
from etl.report import Report
from etl.resolve import ResolveError, Resolver
from etl.values import ValueProblem, cell_text, parse_flag

# The words people write for each role and employment form, besides its own name (role words are
# compared as _key gives them: no spaces or ・, lower case).
_ROLE_WORDS = {
    PRODUCER: ("producer", "pd", "dxプロデューサー", "ビジネスプロデューサー"),
    PROJECT_MANAGER: ("プロジェクトマネジャー", "pm", "projectmanager"),
    SERVICE_DESIGNER: ("sd", "servicedesigner", "デザイナー", "uxデザイナー"),
    ENGINEER: ("itエンジニア", "engineer", "データサイエンティスト", "システムエンジニア", "se"),
}
_FORM_WORDS = {
    JOINT_HIRE: ("共同任用",),
    DISPATCHED: ("人材派遣", PRIVATE_DISPATCH, "出向"),  # the model's name, written as the form
    OUTSOURCED: ("委託", "準委任"),
    SIDE_JOB: ("兼業副業", "副業", "兼業", "副業・兼業", "副業兼業"),
    FIXED_TERM: ("任期付", "任期付き職員", "任期付き"),
    OTHER_FORM: ("",),
}
ROLE_SYNONYMS = {word: role for role in ROLES for word in (role, *_ROLE_WORDS[role])}
EMPLOYMENT_SYNONYMS = {word: form for form in EMPLOYMENT_FORMS for word in (form, *_FORM_WORDS[form])}
SPLIT = re.compile(r"[、,，;；/／\n]+|\s+")
PII_HIDDEN = "（個人情報のため表示しません）"
ROSTER_COLUMNS = ["person_id", "prefecture_code", "role", "employment_form", "start_date", "end_date", "is_accelerator"]
ASSIGN_COLUMNS = ["person_id", "lg_code", "start_date", "end_date"]


def person_id(salt: str, prefecture_code: str, parts: list[str]) -> str:
    """Pseudonymous id: a salted SHA-256 of the identifying cells, shortened."""
    text = "\x1f".join([salt, prefecture_code, *parts])
    return "T" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _key(text: str) -> str:
    text = normalize_text(text)
    if text.isascii() and " " not in text:  # normalize_text left no other space: nothing to remove
        return text.lower()
    return _KEY_DROPPED.sub("", text).lower()


_KEY_DROPPED = re.compile(r"[\s・･]")


def normalize_role(value: object) -> str:
    text = normalize_text(value)
    role = ROLE_SYNONYMS.get(_key(text))
    if role is None:
        raise ValueProblem(f"役割「{text}」はスキル標準の役割（{'、'.join(ROLES)}）に対応付けられません")
    return role


def normalize_employment(value: object) -> str:
    text = normalize_text(value)
    form = EMPLOYMENT_SYNONYMS.get(text) or EMPLOYMENT_SYNONYMS.get(_key(text).replace("・", ""))
    if form is None:
        raise ValueProblem(f"雇用形態「{text}」は分類（{'、'.join(EMPLOYMENT_FORMS)}）に対応付けられません")
    return form


# The one documented file-name pattern that names a prefecture: roster_01.csv, roster_47.xlsx.
# Any other number in a name (roster_2024-04-01.csv, 名簿_第2版.csv) says nothing about it.
NAME_PATTERN = re.compile(r"roster_(0[1-9]|[1-3]\d|4[0-7])\.(csv|xlsx)", re.IGNORECASE)


def prefecture_from_name(path: Path) -> str | None:
    m = NAME_PATTERN.fullmatch(Path(path).name)
    return m.group(1) if m else None


def validate_roster(path: Path, resolver: Resolver, salt: str, prefecture: str | None = None,
                    today: dt.date | None = None) -> Report:
    report = Report("roster", path.name)
    today = today or dt.date.today()
    tables = read_or_reject(report, read_tables, path, columns.scorer(columns.ROSTER))
    if tables is None:
        return report
    roster, assign = [], []
    people = _People()
    for table in tables:
        _validate_table(table, path, resolver, salt, prefecture, today, report, roster, assign, people)
    people.warn_overlaps(report)
    _one_prefecture(roster, resolver, report)
    report.tables["talent_roster"] = _frame(roster, ROSTER_COLUMNS)
    report.tables["talent_assignment"] = _distinct_frame(assign, ASSIGN_COLUMNS)
    prefs = sorted({r[1] for r in roster})
    report.detail["都道府県"] = "、".join(resolver.pref_names[p] for p in prefs) or "なし"
    report.detail["個人情報の列"] = "読み込み時に破棄しました（仮名IDのみ保存）"
    return report


class _People:
    """Who has been seen so far (across sheets): digests of contact cells and periods per person_id."""

    def __init__(self):
        # person_id → (row, digests of its contact cells, or how to compute them: most ids occur once)
        self.contacts: dict[str, tuple[int, dict[str, str] | Callable[[], dict[str, str]]]] = {}
        self.periods: dict[str, list[tuple[dt.date, dt.date | None, int, str | None]]] = {}

    def check_contacts(self, pid: str, contact: Callable[[], dict[str, str]], labels: dict[str, str],
                       report: Report, where: dict) -> None:
        """The same 人材番号 with other contact cells is one person, with a warning (never the values).
        contact gives the digests of this row's contact cells; it is called only for an id seen before."""
        first = self.contacts.setdefault(pid, (where["row"], contact))
        if first[1] is contact:
            return
        if callable(first[1]):
            first = self.contacts[pid] = (first[0], first[1]())
        mine = contact()
        differs = [labels[f] for f, v in mine.items() if v and first[1].get(f) and first[1][f] != v]
        if first[0] != where["row"] and differs:
            report.warn(f"人材番号が{first[0]}行目と同じですが、{'・'.join(differs)}が違います。同じ人材として扱います"
                        "（連絡先の変更か、人材番号の誤りかを確かめてください）", value=PII_HIDDEN, **where)

    def add_period(self, pid: str, start: dt.date, end: dt.date | None, row: int, sheet: str | None) -> None:
        self.periods.setdefault(pid, []).append((start, end, row, sheet))

    def warn_overlaps(self, report: Report) -> None:
        """Two periods of one person that overlap: both load (the pool counts people, not rows)."""
        for periods in self.periods.values():
            if len(periods) < 2:
                continue
            periods.sort(key=lambda p: (p[0], p[2]))
            latest: tuple[dt.date | None, int] | None = None  # (end reached so far, its row); None end = open
            for start, end, row, sheet in periods:
                if latest is not None and (latest[0] is None or latest[0] >= start):
                    until = f"{latest[0]}まで" if latest[0] else "終了日なし"
                    report.warn(f"同じ人材の在籍期間が{latest[1]}行目（{until}）と重なっています"
                                f"（この行は {start} から）", sheet=sheet, row=row, value=PII_HIDDEN)
                if latest is None or latest[0] is not None and (end is None or end > latest[0]):
                    latest = (end, row)


def _frame(rows: list[tuple], names: list[str]) -> pd.DataFrame:
    """Rows (tuples) as a frame whose column types pandas infers as from records."""
    if not rows:
        return pd.DataFrame(columns=names)
    return pd.DataFrame(rows, columns=names)


def _distinct_frame(rows: list[tuple], names: list[str]) -> pd.DataFrame:
    """_frame(rows).drop_duplicates(), with the repeats dropped from the tuples first (a dict keeps
    the first of equal rows, as drop_duplicates does): hashing tuples is cheaper than a frame's rows."""
    return _frame(list(dict.fromkeys(rows)), names)


def _one_prefecture(roster: list[tuple], resolver: Resolver, report: Report) -> None:
    """A roster replaces its prefecture's whole pool, so one file holds one prefecture."""
    counts = sorted(collections.Counter(r[1] for r in roster).items())
    if len(counts) > 1:
        found = "、".join(f"{resolver.pref_names[c]} {n}行" for c, n in counts)
        report.error(f"1つの名簿に複数の都道府県の人材があります（{found}）。名簿はその都道府県の人材プール全体を"
                     "置き換えるため、都道府県ごとのファイルに分けて取り込んでください")


def _validate_table(table, path, resolver, salt, prefecture, today, report, roster, assign, people):
    sheet = table.sheet
    found, unknown = columns.match_columns(table.columns, columns.ROSTER)
    take_table(report, table, unknown)
    for field, label in (("role", "役割"), ("start_date", "開始日")):
        if field not in found:
            report.error(f"必須の列「{label}」が見つかりません", sheet=sheet)
            return
    identity = [f for f in ("person_ref", *columns.PII_FIELDS) if f in found]
    if not identity:
        report.error("人材を区別する列（人材番号、氏名、メールアドレスのいずれか）がありません", sheet=sheet)
        return
    fixed_pref = prefecture
    if fixed_pref is None and "prefecture" not in found:
        fixed_pref = prefecture_from_name(path)
        if fixed_pref is None:
            report.error("都道府県が分かりません。「都道府県」の列を置くか、都道府県を指定してください（--prefecture 01）。"
                         "ファイル名から読むのは roster_01.csv（roster_ と2桁の都道府県コード）の形だけです", sheet=sheet)
            return
        report.warn(f"都道府県をファイル名から{resolver.pref_names[fixed_pref]}と判断しました", sheet=sheet)
    if not table.rows:
        report.error("見出し行の下にデータ行がありません", sheet=sheet)
        return

    def label(field):
        return table.columns[found[field]] if field in found else field

    # Each distinct cell is read once (etl.columnar); the loop below only looks the results up.
    n = len(table.rows)
    cells = columnar.transpose(table.rows, len(table.columns))

    def column(field: str) -> Column:
        return Column.of(cells[found[field]]) if field in found else Column.blank(n)

    pref_cells = column("prefecture")
    written_pref, pref_failed = pref_cells.attempt(resolver.prefecture, ResolveError)
    refs = column("person_ref").map(_key).tolist()
    # Personal data is read only where it is needed (no 人材番号, or one seen twice), hashed, and dropped.
    contacts = [cells[found[f]] if f in found else ("",) * n for f in columns.PII_FIELDS]
    read = {}
    unread = np.zeros(n, dtype=bool)  # rows with a cell that cannot be read
    for field, fn, errors in (("role", normalize_role, ValueProblem), ("employment_form", normalize_employment, ValueProblem),
                              ("start_date", parse_date, DateError), ("end_date", parse_date, DateError),
                              ("is_accelerator", _accelerator, ValueProblem)):
        col = column(field)
        values, raised = col.attempt(fn, errors)
        read[field] = (values.tolist(), raised, col)
        unread |= raised != None  # noqa: E711 (elementwise)
    roles, forms, starts, ends, accelerators = (read[f][0] for f in ROSTER_COLUMNS[2:])
    assigned = column("assigned")
    written_pref, pref_failed = written_pref.tolist(), pref_failed.tolist()
    unread, assigned_codes = unread.tolist(), assigned.codes.tolist()  # lists: faster to index one by one

    seen: dict[tuple, int] = {}
    targets_of: dict[tuple, list[str] | tuple[str, str]] = {}  # (assigned cell, prefecture) → its targets
    items: dict[tuple[str, str], str | tuple[str, str]] = {}  # (name or code, prefecture) → lg_code or why not
    contact_labels = {f: label(f) for f in columns.PII_FIELDS}
    latest = today + dt.timedelta(days=366)
    has_pref = "prefecture" in found
    for i, number in enumerate(table.row_numbers):
        if has_pref and pref_failed[i] is not None:
            report.error(str(pref_failed[i]), column=label("prefecture"), value=cell_text(pref_cells.raw(i)),
                         sheet=sheet, row=number)
            continue
        written = written_pref[i] if has_pref else None
        pc = fixed_pref or written
        if pc is None:
            report.error("都道府県が空です", column=label("prefecture"), value=cell_text(pref_cells.raw(i)),
                         sheet=sheet, row=number)
            continue
        if written and written != pc:  # never load one prefecture's people into another's pool
            report.error(f"都道府県「{cell_text(pref_cells.raw(i))}」が、指定した都道府県（{resolver.pref_names[pc]}）"
                         "と違います。ほかの都道府県の人材プールを置き換えないよう、取り込みません",
                         column=label("prefecture"), value=cell_text(pref_cells.raw(i)), sheet=sheet, row=number)
            continue
        # Personal data is reduced to a hash here and dropped; nothing below sees it.
        ref = refs[i]
        if ref:  # 人材番号, when there is one, is the person: a changed e-mail or phone is the same person
            pid = person_id(salt, pc, ["人材番号", ref])
            # compared as digests: the cells themselves are not kept
            contact = functools.partial(_row_digests, contacts, i)
            if pid in people.contacts:
                people.check_contacts(pid, contact, contact_labels, report, {"sheet": sheet, "row": number})
            else:  # the first row of this id (what check_contacts would do, without the call)
                people.contacts[pid] = (number, contact)
        else:
            contact = [_key(c[i]) for c in contacts]
            if not any(contact):
                report.error("人材番号・氏名・メールアドレスがすべて空です", sheet=sheet, row=number)
                continue
            pid = person_id(salt, pc, ["", *contact])
        if unread[i]:
            for field, (_, raised, col) in read.items():
                if raised[i] is not None:
                    report.error(str(raised[i]), column=label(field), value=cell_text(col.raw(i)), sheet=sheet, row=number)
            continue
        start, end = starts[i], ends[i]
        if start is None:
            report.error("開始日が空です", column=label("start_date"), sheet=sheet, row=number)
            continue
        if start > latest:
            report.error(f"開始日 {start} は1年以上先の日付です", column=label("start_date"), value=str(start),
                         sheet=sheet, row=number)
            continue
        if end and end < start:
            report.error(f"終了日 {end} が開始日 {start} より前です", column=label("end_date"), value=str(end),
                         sheet=sheet, row=number)
            continue
        key = (pid, start)
        if key in seen:
            report.error(f"同じ人材・同じ開始日の行が重複しています（{seen[key]}行目と同じ）", value=PII_HIDDEN,
                         sheet=sheet, row=number)
            continue
        seen[key] = number
        cell_key = (assigned_codes[i], pc)
        targets = targets_of.get(cell_key)
        if targets is None:
            targets = targets_of[cell_key] = _targets(assigned.raw(i), pc, resolver, items)
        if isinstance(targets, tuple):  # (reason, the item): the first name or code that cannot be a target
            report.error(targets[0], column=label("assigned"), value=targets[1], sheet=sheet, row=number)
            continue
        people.add_period(pid, start, end, number, sheet)
        roster.append((pid, pc, roles[i], forms[i], start, end, accelerators[i]))
        for code in targets:
            assign.append((pid, code, start, end))


def _accelerator(value: object) -> bool:
    return bool(parse_flag(value))


def _row_digests(columns_: list, i: int) -> dict[str, str]:
    """_digests of row i's contact cells (columns_: the contact columns)."""
    return _digests([c[i] for c in columns_])


def _digests(cells: list[object]) -> dict[str, str]:
    """Digests of a row's contact cells (氏名, メール, 電話), as _key reads them."""
    keys = [_key(c) for c in cells]
    return dict(zip(columns.PII_FIELDS, (hashlib.sha256(k.encode("utf-8")).hexdigest() if k else "" for k in keys),
                    strict=True))


def _targets(value, pref, resolver, items: dict) -> list[str] | tuple[str, str]:
    """The assigned-municipality cell: names or codes separated by 、 , ; / or spaces. Returns the
    codes, or (reason, value) for the first item that cannot be a municipality of the prefecture.
    items remembers each name or code read for a prefecture."""
    out = []
    for item in (t for t in SPLIT.split(normalize_text(value)) if t):
        code = items.get((item, pref))
        if code is None:
            code = items[(item, pref)] = _target(item, pref, resolver)
        if isinstance(code, tuple):
            return code
        out.append(code)
    return list(dict.fromkeys(out))


def _target(item: str, pref: str, resolver: Resolver) -> str | tuple[str, str]:
    try:
        if item.isdigit():
            code = resolver.code(item)
            code = resolver.ward_city.get(code, code)
        else:
            code = resolver.name(item, None if item.startswith(tuple(resolver.pref_names.values())) else pref).lg_code
    except ResolveError as exc:
        return f"支援先「{item}」: {exc}", cell_text(item)
    if code[:2] != pref:
        return (f"支援先「{item}」は{resolver.pref_names[code[:2]]}の市区町村で、"
                f"この名簿の都道府県（{resolver.pref_names[pref]}）ではありません", cell_text(item))
    return code
