"""The rows a survey or roster validation accepts, column by column, without pandas.

A build of surveys and rosters never imports pandas: importing it (with pyarrow) costs the build's
process about a fifth of a second of CPU, two thirds of what pandas takes to read a 100× build's files. DuckDB appends these
columns as they are (a registered dict of numpy arrays, etl.warehouse), and to_pandas gives a
DataFrame where one is shown (the upload page's preview) or compared (tests).

Column types, as DuckDB reads them: float64 (NaN is NULL), datetime64[D] (NaT is NULL), and object
arrays of str, bool or None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import numpy as np


class Frame:
    """Equal-length named columns (numpy arrays), in order; attrs: notes about the rows (a survey
    sheet's base date and where it came from), as pandas' DataFrame.attrs."""

    __slots__ = ("_data", "attrs")

    def __init__(self, data: dict[str, np.ndarray], attrs: dict | None = None):
        lengths = {len(v) for v in data.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: { {k: len(v) for k, v in data.items()} }")
        self._data = dict(data)
        self.attrs = dict(attrs or {})

    @classmethod
    def blank(cls, columns: Sequence[str]) -> Frame:
        """No rows, with these columns."""
        return cls({name: np.empty(0, dtype=object) for name in columns})

    @classmethod
    def concat(cls, frames: Sequence[Frame]) -> Frame:
        """The rows of every frame, in order (the columns of the first). A frame without rows adds
        nothing, so its untyped columns do not make the others' object columns; a single frame is
        returned as it is, attrs and all."""
        frames = [f for f in frames if len(f)] or list(frames[:1])
        if len(frames) == 1:
            return frames[0]
        names = frames[0].columns
        return cls({name: np.concatenate([f[name] for f in frames]) for name in names})

    @property
    def columns(self) -> list[str]:
        return list(self._data)

    @property
    def empty(self) -> bool:  # as DataFrame.empty: the warehouse asks either
        return len(self) == 0

    def __len__(self) -> int:
        return len(next(iter(self._data.values()))) if self._data else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[name]

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def items(self) -> Iterator[tuple[str, np.ndarray]]:
        return iter(self._data.items())

    def with_column(self, name: str, values: np.ndarray) -> Frame:
        return Frame({**self._data, name: values}, self.attrs)

    def to_pandas(self):
        """The same rows as a DataFrame: dates as datetime.date objects (None where missing), and
        object columns kept as objects (pandas would infer its str type)."""
        import pandas as pd

        data = {}
        for name, values in self._data.items():
            if values.dtype.kind == "M":
                values = values.astype(object)  # datetime.date, None for NaT
            data[name] = pd.Series(values, dtype=object) if values.dtype == object else values
        frame = pd.DataFrame(data, columns=self.columns)
        frame.attrs = dict(self.attrs)
        return frame

    def equals(self, other: object) -> bool:
        """The same columns, dtypes and values (NaN equal to NaN, NaT to NaT)."""
        if not isinstance(other, Frame) or self.columns != other.columns or len(self) != len(other):
            return False
        for name, mine in self._data.items():
            theirs = other[name]
            if mine.dtype != theirs.dtype:
                return False
            if mine.dtype.kind in "fM":
                if not np.array_equal(mine, theirs, equal_nan=True):
                    return False
            elif mine.tolist() != theirs.tolist():
                return False
        return True

    def __eq__(self, other: object) -> bool:
        return self.equals(other)

    __hash__ = None  # mutable attrs: not a dict key

    def __repr__(self) -> str:
        return f"Frame({len(self)} rows: {', '.join(self.columns)})"


def objects(values: Sequence[object]) -> np.ndarray:
    """The values as an object array, one element each (numpy does not look into them)."""
    return np.fromiter(values, dtype=object, count=len(values))


_EPOCH = dt.date(1970, 1, 1).toordinal()
_NAT = np.datetime64("NaT", "D").astype(np.int64)


def dates(values: Sequence[dt.date | None]) -> np.ndarray:
    """datetime.date cells (None where missing) as a datetime64[D] column (NaT where missing). Days
    are counted from the dates' ordinals: numpy's own conversion of date objects takes 20 times as long."""
    days = np.fromiter((_NAT if d is None else d.toordinal() - _EPOCH for d in values), dtype=np.int64,
                       count=len(values))
    return days.view("datetime64[D]")


def as_pandas(frame):
    """A report's table as a DataFrame (a Frame converted; a DataFrame as it is)."""
    return frame.to_pandas() if isinstance(frame, Frame) else frame


def distinct(frame, column: str) -> list[object]:
    """The distinct values of a column that are not missing (None, NaN or NaT), in any order; a
    Frame's dates as datetime.date."""
    if not isinstance(frame, Frame):  # a DataFrame: pandas knows its own missing values (NaN, NaT, NA)
        return list(frame[column].dropna().unique())
    values = frame[column]
    if values.dtype.kind == "f":
        return np.unique(values[~np.isnan(values)]).tolist()
    if values.dtype.kind == "M":
        return np.unique(values[~np.isnat(values)]).tolist()
    return [v for v in set(values.tolist()) if v is not None]
