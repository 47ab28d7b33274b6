"""Column-wise reading of cells: each distinct value of a column goes once through the function that
reads one cell (etl.values, etl.dates, etl.resolve …), and every row takes its result by index.

A survey column of 1,741 rows holds a few dozen distinct counts, and 100 surveys hold the same 1,741
codes and names, so the per-cell Python work scales with what is distinct, not with the rows. The
row-level checks (duplicates, sums, plausibility) then run on numpy arrays, and only the rows they
flag are turned into messages, by the same code that wrote them one row at a time, so every message
keeps its sheet, row, column and value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from etl import memo
from etl.frame import objects
from etl.report import Issue, Report

_TEXT_TYPES = {str, type(None)}


def _all_text(values: Sequence[object]) -> bool:
    return set(map(type, values)) <= _TEXT_TYPES


def _keys(values: Sequence[object]) -> np.ndarray:
    """Hash keys for cells that are not all text: (type, value), so that True, 1 and 1.0 stay apart
    (they read differently), and every NaN is one key; text and None are their own keys."""
    arr = objects(values)
    for i, v in enumerate(values):
        if v is not None and type(v) is not str:
            arr[i] = (type(v), "nan") if isinstance(v, float) and math.isnan(v) else (type(v), v)
    return arr


@dataclass(eq=False)  # compared and hashed as itself (a key of what was computed from it)
class Column:
    """The cells of one column as codes into its distinct values (first-seen order)."""

    codes: np.ndarray  # per row: index into uniques
    uniques: list[object]  # one raw cell per distinct value
    # what was computed from the cells (see remembered): a column read again is the same object
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, values: Sequence[object], remember: bool = False, text: bool = False) -> Column:
        """remember: the same cells (text only) give the same Column during a validation run
        (etl.memo), with what was computed from them: every survey repeats its 1,741 codes and
        names in the same order. Such a column is never changed in place. text: the caller knows
        that every cell is a str or None (a CSV's cells), so their types are not looked at."""
        text = text or _all_text(values)
        if not remember or not text:
            return cls._of(values, text)
        return memo.remember(Column.of, values if type(values) is tuple else tuple(values),
                             lambda: cls._read_only(cls._of(values, text)))

    @staticmethod
    def _read_only(column: Column) -> Column:
        column.codes.flags.writeable = False
        return column

    @classmethod
    def _of(cls, values: Sequence[object], text: bool) -> Column:
        """The distinct cells numbered in first-seen order, None (if any) last."""
        if len(values) == 0:
            return cls(np.zeros(0, dtype=np.intp), [])
        keys = values if text else _keys(values)
        seen = dict.fromkeys(keys)  # the first of equal keys, in first-seen order
        distinct = [k for k in seen if k is not None]
        if None in seen:
            distinct.append(None)
        index = {k: i for i, k in enumerate(distinct)}
        codes = np.fromiter(map(index.__getitem__, keys), dtype=np.intp, count=len(values))
        if text:
            uniques = distinct  # the first of equal cells
        else:  # the keys stand for the cells: take the cell of each key's first row
            # (a dict built from the rows in reverse keeps, for each key, the row seen last: the first)
            first = dict(zip(reversed(keys), range(len(values) - 1, -1, -1), strict=True))
            uniques = [values[first[k]] for k in distinct]
        return cls(codes, uniques)

    @classmethod
    def blank(cls, n: int) -> Column:
        """A column the table does not have: every cell None."""
        return cls(np.zeros(n, dtype=np.intp), [None] if n else [])

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, rows: np.ndarray) -> Column:
        """The cells of the given rows (positions), keeping only the distinct values they use."""
        if len(rows) == len(self.codes) and np.array_equal(rows, np.arange(len(rows))):
            return self  # every row, in order
        codes = self.codes[rows]
        used = np.zeros(len(self.uniques), dtype=bool)
        used[codes] = True
        remap = np.cumsum(used) - 1
        return Column(remap[codes], [u for u, keep in zip(self.uniques, used, strict=True) if keep])

    def raw(self, i: int) -> object:
        """The cell of row i (one of the equal cells, as written: for messages)."""
        return self.uniques[self.codes[i]]

    def remembered(self, key: object, compute: Callable[[], object]) -> object:
        """compute() once for this column (its result is shared: never change it in place)."""
        if key not in self._derived:
            found = self._derived[key] = compute()
            if isinstance(found, np.ndarray):
                found.flags.writeable = False
        return self._derived[key]

    def map(self, fn: Callable[[object], object]) -> np.ndarray:
        """fn of every cell, computed once per distinct value (an object array)."""
        return self.remembered(("map", fn), lambda: _spread([fn(u) for u in self.uniques], self.codes))

    def mask(self, fn: Callable[[object], bool]) -> np.ndarray:
        """A boolean array: fn of every cell, once per distinct value."""
        return self.remembered(("mask", fn), lambda: np.array([bool(fn(u)) for u in self.uniques], dtype=bool)[
            self.codes] if self.uniques else np.zeros(len(self.codes), dtype=bool))

    def attempt(self, fn: Callable[[object], object], errors: type[Exception] | tuple[type[Exception], ...],
                known: dict[str, tuple[object, Exception | None]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(fn of every cell, the exception it raised or None), once per distinct value; a row with an
        exception has None as its value. Only the given exception types are caught.
        known: text cell → (value, exception) from earlier columns (a validation run's memo table),
        added to; only text is kept there, as 1, 1.0 and True are equal keys but read differently."""
        if known is None:
            values, raised = self._attempt(fn, errors)
        else:
            values, raised = self._attempt_known(fn, errors, known)
        return _spread(values, self.codes), _spread(raised, self.codes)

    def _attempt_known(self, fn, errors, known) -> tuple[list[object], list[Exception | None]]:
        found = list(map(known.get, self.uniques))  # a text key never equals a cell of another type
        for k, outcome in enumerate(found):
            if outcome is None:
                cell = self.uniques[k]
                try:
                    outcome = (fn(cell), None)
                except errors as exc:
                    outcome = (None, exc)
                if type(cell) is str:
                    known[cell] = outcome
                found[k] = outcome
        return [v for v, _ in found], [e for _, e in found]

    def floats(self, fn: Callable[[object], float | None], errors: type[Exception] | tuple[type[Exception], ...],
               ) -> tuple[np.ndarray, np.ndarray]:
        """attempt for a number reader: a float64 array, NaN where fn gave None or raised."""
        values, raised = self._attempt(fn, errors)
        numbers = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        return numbers[self.codes] if values else np.zeros(len(self.codes)), _spread(raised, self.codes)

    def _attempt(self, fn, errors) -> tuple[list[object], list[Exception | None]]:
        values, raised = [], []
        for u in self.uniques:
            try:
                values.append(fn(u))
                raised.append(None)
            except errors as exc:
                values.append(None)
                raised.append(exc)
        return values, raised


def _spread(per_unique: list[object], codes: np.ndarray) -> np.ndarray:
    arr = np.empty(len(per_unique), dtype=object)
    for k, v in enumerate(per_unique):  # element by element: a value may itself be a tuple
        arr[k] = v
    return arr[codes] if len(per_unique) else np.empty(len(codes), dtype=object)


def transpose(rows: list[list[object]], width: int) -> list[tuple[object, ...]]:
    """The columns of equally wide rows (the reader pads every row to the header's width)."""
    if not rows:
        return [()] * width
    return list(zip(*rows, strict=True))


def combine(*columns: Column) -> Column:
    """One column whose distinct values are the distinct combinations of the given columns' cells
    (its uniques are the row positions where each combination first appears)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for c in columns:
        key = key * (len(c.uniques) + 1) + c.codes
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # the combinations in first-seen order
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return Column(rank[inverse.ravel()], first[order].tolist())


class Issues:
    """Issues of a row-by-row check gathered column by column, put back in the order the rows (and,
    within a row, the checks) come in, as a loop over the rows would have written them."""

    def __init__(self):
        self._found: list[tuple[int, int, int, Issue]] = []

    def add(self, position: int, step: int, issue: Issue) -> None:
        self._found.append((position, step, len(self._found), issue))

    def error(self, position: int, step: int, reason: str, **where) -> None:
        self.add(position, step, Issue("error", reason, **where))

    def warn(self, position: int, step: int, reason: str, **where) -> None:
        self.add(position, step, Issue("warning", reason, **where))

    def into(self, report: Report) -> None:
        report.issues += [i for *_, i in sorted(self._found, key=lambda f: f[:3])]
        self._found = []
