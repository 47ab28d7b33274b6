"""Talent rosters: a prefecture's pool, with personal data dropped as it is read.

Names, e-mail addresses and phone numbers are used only to derive a salted hash
(person_id) and never leave this module: not in a table, a report or a message.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

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
from etl import columnar, columns, memo
from etl.codes import normalize_text
from etl.columnar import Column
from etl.dates import DateError, parse_date
from etl.frame import Frame, dates, objects
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
# What separates 支援先 items: one class rather than [、,，;；/／\n]+|\s+ (the same items once the
# empty strings between two separators are dropped, and one regex branch is cheaper to run).
SPLIT = re.compile(r"[、,，;；/／\n\s]+")
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


def _accelerator(value: object) -> bool:
    return bool(parse_flag(value))


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
    roster: dict[str, list] = {name: [] for name in ROSTER_COLUMNS}  # the rows that load, column by column
    assign: list[tuple] = []  # (person_id, lg_code, start_date, end_date) per loaded row and target
    people = _People()
    for table in tables:
        _validate_table(table, path, resolver, salt, prefecture, today, report, roster, assign, people)
    people.warn_overlaps(report)
    _one_prefecture(roster["prefecture_code"], resolver, report)
    report.tables["talent_roster"] = _column_frame(roster)
    report.tables["talent_assignment"] = _distinct_frame(assign, ASSIGN_COLUMNS)
    prefs = sorted(set(roster["prefecture_code"]))
    report.detail["都道府県"] = "、".join(resolver.pref_names[p] for p in prefs) or "なし"
    report.detail["個人情報の列"] = "読み込み時に破棄しました（仮名IDのみ保存）"
    return report


class _People:
    """Who has been seen so far (across sheets): the first row of each 人材番号, and every loaded period.

    Kept as ints and flat tuples rather than an object per person: most ids occur once, and a
    roster's worth of small long-lived containers would make the garbage collector walk them all."""

    def __init__(self):
        self.sheets: list[list] = []  # per sheet, its contact columns (氏名, メール, 電話 cells)
        self.first: dict[str, tuple[int, int, int]] = {}  # person_id → (row number, sheet, position) of its first row
        self.digests: dict[str, dict[str, str]] = {}  # person_id → its first row's contact digests, once compared
        self.periods: list[tuple[str, dt.date, dt.date | None, int, str | None]] = []  # (pid, start, end, row, sheet)

    def register(self, pids: list, positions: list[int], numbers: list[int], contacts: list) -> list[int]:
        """Remember the first row of each 人材番号 (positions: the rows of this sheet that have one, in
        file order; contacts: the sheet's contact columns). Returns the positions whose id was seen
        before, in this sheet or an earlier one: check_contacts compares those."""
        sheet = len(self.sheets)
        self.sheets.append(contacts)
        repeats = []
        for i in positions:
            if pids[i] in self.first:
                repeats.append(i)
            else:
                self.first[pids[i]] = (numbers[i], sheet, i)
        return repeats

    def check_contacts(self, pid: str, contacts: list, i: int, labels: dict[str, str], report: Report,
                       where: dict) -> None:
        """The same 人材番号 with other contact cells (row i of contacts) is one person, with a warning
        (never the values): the cells are compared as digests."""
        row, sheet, at = self.first[pid]
        first = self.digests.get(pid)
        if first is None:
            first = self.digests[pid] = _row_digests(self.sheets[sheet], at)
        mine = _row_digests(contacts, i)
        differs = [labels[f] for f, v in mine.items() if v and first.get(f) and first[f] != v]
        if row != where["row"] and differs:
            report.warn(f"人材番号が{row}行目と同じですが、{'・'.join(differs)}が違います。同じ人材として扱います"
                        "（連絡先の変更か、人材番号の誤りかを確かめてください）", value=PII_HIDDEN, **where)

    def add_periods(self, pids: list[str], starts: list[dt.date], ends: list[dt.date | None], rows: list[int],
                    sheet: str | None) -> None:
        self.periods += zip(pids, starts, ends, rows, itertools.repeat(sheet))

    def warn_overlaps(self, report: Report) -> None:
        """Two periods of one person that overlap: both load (the pool counts people, not rows)."""
        counts = collections.Counter(p[0] for p in self.periods)
        if len(counts) == len(self.periods):
            return  # nobody has two periods
        by_person: dict[str, list[tuple[dt.date, dt.date | None, int, str | None]]] = {}
        for pid, start, end, row, sheet in self.periods:
            if counts[pid] > 1:
                by_person.setdefault(pid, []).append((start, end, row, sheet))
        for periods in by_person.values():
            periods.sort(key=lambda p: (p[0], p[2]))
            latest: tuple[dt.date | None, int] | None = None  # (end reached so far, its row); None end = open
            for start, end, row, sheet in periods:
                if latest is not None and (latest[0] is None or latest[0] >= start):
                    until = f"{latest[0]}まで" if latest[0] else "終了日なし"
                    report.warn(f"同じ人材の在籍期間が{latest[1]}行目（{until}）と重なっています"
                                f"（この行は {start} から）", sheet=sheet, row=row, value=PII_HIDDEN)
                if latest is None or latest[0] is not None and (end is None or end > latest[0]):
                    latest = (end, row)


DATE_COLUMNS = {"start_date", "end_date"}


def _column_frame(data: dict[str, list]) -> Frame:
    """The rows given column by column (equal lists) as a Frame: dates as datetime64, the rest as
    the Python values they are (text, None, bools)."""
    return Frame({name: dates(values) if name in DATE_COLUMNS else objects(values) for name, values in data.items()})


def _distinct_frame(rows: list[tuple], names: list[str]) -> Frame:
    """The rows (tuples) as a Frame, each distinct row once, in the order of its first (a dict keeps
    the first of equal rows)."""
    columns_ = list(zip(*dict.fromkeys(rows), strict=True)) or [()] * len(names)
    return _column_frame(dict(zip(names, columns_, strict=True)))


def _one_prefecture(codes: list[str], resolver: Resolver, report: Report) -> None:
    """A roster replaces its prefecture's whole pool, so one file holds one prefecture (codes: the
    prefecture of each loaded row)."""
    counts = sorted(collections.Counter(codes).items())
    if len(counts) > 1:
        found = "、".join(f"{resolver.pref_names[c]} {n}行" for c, n in counts)
        report.error(f"1つの名簿に複数の都道府県の人材があります（{found}）。名簿はその都道府県の人材プール全体を"
                     "置き換えるため、都道府県ごとのファイルに分けて取り込んでください")


# Why a row does not load: the checks in the order they run. A row stops at the first it fails and
# reports that one (or every unreadable cell of it); _LOADS while it passes.
(_LOADS, _BAD_PREF, _NO_PREF, _OTHER_PREF, _NO_IDENTITY, _UNREAD, _NO_START, _LATE_START, _EARLY_END,
 _DUPLICATE, _BAD_TARGET) = range(11)
# The cells read through a function, in this order: field → (reader, the errors that reject a cell)
_READERS = {"role": (normalize_role, ValueProblem), "employment_form": (normalize_employment, ValueProblem),
            "start_date": (parse_date, DateError), "end_date": (parse_date, DateError),
            "is_accelerator": (_accelerator, ValueProblem)}


@dataclasses.dataclass
class _Rows:
    """One table's rows while they are checked: per row (lists by position), what the checks found."""

    numbers: list[int]  # row numbers in the file
    stop: np.ndarray  # int8 per row: _LOADS, or the check that stopped the row
    pcs: list  # prefecture code (of the rows the prefecture did not stop)
    pids: list  # person_id (None where the row stopped before it had one)
    repeats: set[int] = dataclasses.field(default_factory=set)  # rows whose 人材番号 came before
    firsts: dict[int, int] = dataclasses.field(default_factory=dict)  # a duplicate's position → row number of the first
    # position → its 支援先 codes, or why its first item that is not one is not
    targets: dict[int, tuple[str, ...] | _NotTarget] = dataclasses.field(default_factory=dict)

    def live(self) -> list[int]:
        """The positions of the rows that passed every check so far."""
        return np.flatnonzero(self.stop == _LOADS).tolist()

    def reported(self) -> list[int]:
        """The positions of the rows with something to report, in file order."""
        return sorted(self.repeats.union(np.flatnonzero(self.stop).tolist()))


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

    # Each distinct cell is read once (etl.columnar). The checks then run a column at a time, each
    # on the rows the earlier ones let through (as a loop over the rows would), and only the rows
    # with something to report are visited one by one, in file order, to write it.
    n = len(table.rows)
    cells = columnar.transpose(table.rows, len(table.columns))

    def column(field: str) -> Column:
        return Column.of(cells[found[field]]) if field in found else Column.blank(n)

    pref_cells = column("prefecture")
    written, pref_failed = pref_cells.attempt(resolver.prefecture, ResolveError)
    refs = [_key(c) for c in cells[found["person_ref"]]] if "person_ref" in found else [""] * n
    # Personal data is read only where it is needed (no 人材番号, or one seen twice), hashed, and dropped.
    contacts = [cells[found[f]] if f in found else ("",) * n for f in columns.PII_FIELDS]
    read = {}  # field → (values, the exceptions or None, the column) per row
    for field, (fn, errors) in _READERS.items():
        col = column(field)
        read[field] = (*_attempt(col, fn, errors), col)
    starts, ends = read["start_date"][0].tolist(), read["end_date"][0].tolist()

    rows = _prefectures(table.row_numbers, written, pref_failed, "prefecture" in found, fixed_pref)
    with_ref = _person_ids(rows, salt, refs, contacts)
    rows.repeats = set(people.register(rows.pids, with_ref, rows.numbers, contacts))
    unread = np.any([raised != None for _, raised, _ in read.values()], axis=0)  # noqa: E711 (elementwise)
    rows.stop[(rows.stop == _LOADS) & unread] = _UNREAD
    _check_dates(rows, starts, ends, today + dt.timedelta(days=366))
    _check_duplicates(rows, starts)
    _check_targets(rows, column("assigned"), resolver)

    contact_labels = {f: label(f) for f in columns.PII_FIELDS}
    stops = rows.stop.tolist()
    for i in rows.reported():
        where = {"sheet": sheet, "row": rows.numbers[i]}
        why = stops[i]
        if why in (_BAD_PREF, _NO_PREF, _OTHER_PREF):
            raw = cell_text(pref_cells.raw(i))
            if why == _BAD_PREF:
                report.error(str(pref_failed[i]), column=label("prefecture"), value=raw, **where)
            elif why == _NO_PREF:
                report.error("都道府県が空です", column=label("prefecture"), value=raw, **where)
            else:  # never load one prefecture's people into another's pool
                report.error(f"都道府県「{raw}」が、指定した都道府県（{resolver.pref_names[rows.pcs[i]]}）"
                             "と違います。ほかの都道府県の人材プールを置き換えないよう、取り込みません",
                             column=label("prefecture"), value=raw, **where)
            continue
        if i in rows.repeats:  # compared as digests: the cells themselves are not kept
            people.check_contacts(rows.pids[i], contacts, i, contact_labels, report, where)
        if why == _NO_IDENTITY:
            report.error("人材番号・氏名・メールアドレスがすべて空です", **where)
        elif why == _UNREAD:
            for field, (_, raised, col) in read.items():
                if raised[i] is not None:
                    report.error(str(raised[i]), column=label(field), value=cell_text(col.raw(i)), **where)
        elif why == _NO_START:
            report.error("開始日が空です", column=label("start_date"), **where)
        elif why == _LATE_START:
            report.error(f"開始日 {starts[i]} は1年以上先の日付です", column=label("start_date"), value=str(starts[i]),
                         **where)
        elif why == _EARLY_END:
            report.error(f"終了日 {ends[i]} が開始日 {starts[i]} より前です", column=label("end_date"),
                         value=str(ends[i]), **where)
        elif why == _DUPLICATE:
            report.error(f"同じ人材・同じ開始日の行が重複しています（{rows.firsts[i]}行目と同じ）", value=PII_HIDDEN,
                         **where)
        elif why == _BAD_TARGET:
            report.error(rows.targets[i].reason, column=label("assigned"), value=rows.targets[i].value, **where)
    _load(rows, read, starts, ends, sheet, roster, assign, people)


def _load(rows: _Rows, read: dict, starts: list, ends: list, sheet: str | None, roster: dict[str, list],
          assign: list[tuple], people: _People) -> None:
    """The rows that passed every check, in file order: into the roster's columns, the assignments
    (one per target) and the people's periods."""
    loads = rows.live()
    loaded = {"person_id": rows.pids, "prefecture_code": rows.pcs, "role": read["role"][0],
              "employment_form": read["employment_form"][0], "start_date": starts, "end_date": ends,
              "is_accelerator": read["is_accelerator"][0]}
    for name, values in loaded.items():
        roster[name] += _take(values, loads)
    people.add_periods(_take(rows.pids, loads), _take(starts, loads), _take(ends, loads), _take(rows.numbers, loads),
                       sheet)
    assign += ((rows.pids[i], code, starts[i], ends[i]) for i in loads for code in rows.targets[i])


def _attempt(col: Column, fn: Callable[[object], object], errors: type[Exception]) -> tuple[np.ndarray, np.ndarray]:
    """col.attempt(fn, errors), with fn's outcome for each text cell remembered for the validation run
    (etl.memo): rosters repeat the same dates, roles and forms. Outside a run: col.attempt itself."""
    return col.attempt(fn, errors, known=memo.table((_attempt, fn)))


def _take(values, positions: list[int]) -> list:
    """values (a list or an object array) at the given positions (increasing), as a list."""
    if len(positions) == len(values):  # every row
        return values.tolist() if isinstance(values, np.ndarray) else list(values)
    if isinstance(values, np.ndarray):
        return values[positions].tolist() if positions else []
    return [values[i] for i in positions]


def _prefectures(numbers: list[int], written: np.ndarray, failed: np.ndarray, has_column: bool,
                 fixed: str | None) -> _Rows:
    """Each row's prefecture: the one fixed for the file (--prefecture, or the file name) or the one
    its column names. A row stops when its cell cannot be read, when it has none, or when it names
    another prefecture than the fixed one."""
    n = len(numbers)
    stop = np.zeros(n, dtype=np.int8)
    if has_column:
        stop[failed != None] = _BAD_PREF  # noqa: E711 (elementwise)
    else:
        written = np.full(n, None, dtype=object)
    pcs = np.full(n, fixed, dtype=object) if fixed else written
    stop[(stop == _LOADS) & (pcs == None)] = _NO_PREF  # noqa: E711 (elementwise)
    other = written.astype(bool) & (written != pcs)
    stop[(stop == _LOADS) & other] = _OTHER_PREF
    return _Rows(list(numbers), stop, pcs.tolist(), [None] * n)


def _person_ids(rows: _Rows, salt: str, refs: list[str], contacts: list) -> list[int]:
    """Each live row's person_id: from its 人材番号 (refs, as _key reads them) when it has one, else
    from its contact cells; a row with neither stops. Returns the positions of the rows with a 人材番号."""
    live, pids, pcs = rows.live(), rows.pids, rows.pcs
    with_ref = [i for i in live if refs[i]]
    for i in with_ref:  # 人材番号, when there is one, is the person: a changed e-mail or phone is the same person
        pids[i] = person_id(salt, pcs[i], ["人材番号", refs[i]])
    for i in live:
        if not refs[i]:
            contact = [_key(c[i]) for c in contacts]
            if any(contact):
                pids[i] = person_id(salt, pcs[i], ["", *contact])
            else:
                rows.stop[i] = _NO_IDENTITY
    return with_ref


def _check_dates(rows: _Rows, starts: list, ends: list, latest: dt.date) -> None:
    """A live row stops when its start is blank or more than a year ahead, or its end comes before it."""
    stop = rows.stop
    for i in rows.live():
        start, end = starts[i], ends[i]
        if start is None:
            stop[i] = _NO_START
        elif start > latest:
            stop[i] = _LATE_START
        elif end and end < start:
            stop[i] = _EARLY_END


def _check_duplicates(rows: _Rows, starts: list) -> None:
    """A live row stops when an earlier live row has the same person and start (rows.firsts: its row)."""
    live = rows.live()
    if len({rows.pids[i] for i in live}) == len(live):
        return  # every person once: no (person, start) repeats
    seen: dict[tuple, int] = {}  # (person_id, start) → row number of the first such row
    for i in live:
        key = (rows.pids[i], starts[i])
        if key in seen:
            rows.stop[i] = _DUPLICATE
            rows.firsts[i] = seen[key]
        else:
            seen[key] = rows.numbers[i]


def _check_targets(rows: _Rows, assigned: Column, resolver: Resolver) -> None:
    """Each live row's 支援先 (rows.targets), read once per distinct (cell, prefecture) in the order
    they first come; a row stops at an item that cannot be one of its prefecture's municipalities."""
    live = rows.live()
    keys = list(zip(assigned.codes[live].tolist(), [rows.pcs[i] for i in live], strict=True))
    items: dict[str, dict[str, str | _NotTarget]] = {}  # prefecture → name or code → lg_code or why not
    found = {key: _targets(assigned.uniques[key[0]], key[1], resolver, items) for key in dict.fromkeys(keys)}
    rows.targets = dict(zip(live, map(found.__getitem__, keys), strict=True))
    if any(isinstance(t, _NotTarget) for t in found.values()):
        for i in live:
            if isinstance(rows.targets[i], _NotTarget):
                rows.stop[i] = _BAD_TARGET


def _row_digests(columns_: list, i: int) -> dict[str, str]:
    """_digests of row i's contact cells (columns_: the contact columns)."""
    return _digests([c[i] for c in columns_])


def _digests(cells: list[object]) -> dict[str, str]:
    """Digests of a row's contact cells (氏名, メール, 電話), as _key reads them."""
    keys = [_key(c) for c in cells]
    return dict(zip(columns.PII_FIELDS, (hashlib.sha256(k.encode("utf-8")).hexdigest() if k else "" for k in keys),
                    strict=True))


def _targets(value, pref, resolver, items: dict) -> tuple[str, ...] | _NotTarget:
    """The assigned-municipality cell: names or codes separated by 、 , ; / or spaces. Returns the
    codes (a tuple: tuples of text are no work for the garbage collector), or why the first item
    that cannot be a municipality of the prefecture is not one.
    items remembers each name or code read, per prefecture (prefecture → item → code or why not)."""
    known = items.get(pref)
    if known is None:
        known = items[pref] = {}
    out = []
    # SPLIT splits at every space, so normalize_text's collapsing and trimming of spaces changes
    # nothing here: text that NFKC leaves as it is needs no normalising (most cells, each distinct)
    text = value if type(value) is str and unicodedata.is_normalized("NFKC", value) else normalize_text(value)
    for item in SPLIT.split(text):
        if not item:
            continue
        code = known.get(item)
        if code is None:
            code = known[item] = _target(item, pref, resolver)
        if isinstance(code, _NotTarget):
            return code
        out.append(code)
    return tuple(out) if len(out) < 2 else tuple(dict.fromkeys(out))


class _NotTarget(NamedTuple):
    """A 支援先 item that is not a municipality of the roster's prefecture."""

    reason: str
    value: str  # the item, as a report quotes it


def _target(item: str, pref: str, resolver: Resolver) -> str | _NotTarget:
    try:
        if item.isdigit():
            code = resolver.code(item)
            code = resolver.ward_city.get(code, code)
        else:
            code = resolver.name(item, None if item.startswith(tuple(resolver.pref_names.values())) else pref).lg_code
    except ResolveError as exc:
        return _NotTarget(f"支援先「{item}」: {exc}", cell_text(item))
    if code[:2] != pref:
        return _NotTarget(f"支援先「{item}」は{resolver.pref_names[code[:2]]}の市区町村で、"
                          f"この名簿の都道府県（{resolver.pref_names[pref]}）ではありません", cell_text(item))
    return code
