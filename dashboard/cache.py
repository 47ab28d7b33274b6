"""Query results held once per process and handed to every session as the same object.

st.cache_data pickles a result when it stores it and unpickles a copy on every call, which for
the 10–25 query results a page reads is most of what a warm rerun spends outside Streamlit
(issue 16 §1). These results are read-only by contract: pages and figure builders derive new
frames (pandas copy-on-write) and never assign into a cached one. DXGAP_CACHE_AUDIT=1 (the test
suite sets it) fingerprints each value when stored and checks it on every hit, so a caller that
changes a shared value fails its test instead of changing what other sessions see.

A key is computed once: when several sessions ask for the same missing key (every session after a
publish), one computes it and the others wait for its result.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from dashboard import db

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
AUDIT_ENV = "DXGAP_CACHE_AUDIT"
_caches: list[_Cache] = []


class SharedValueChanged(AssertionError):
    """A caller changed a value other sessions share (raised only under DXGAP_CACHE_AUDIT=1)."""


def canonical(value: object, frame: Callable[[pd.DataFrame | pd.Series], object] | None = None) -> object:
    """The content of a value, apart from how pandas lays it out in memory (a frame's blocks are
    consolidated in place by some reads, which changes its pickle but not its content): frames and
    series as frame_content gives them (or as `frame` lays them out), dicts, lists and tuples item
    by item, anything else as itself."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return frame(value) if frame is not None else frame_content(value)
    if isinstance(value, dict):
        return ("dict", [(k, canonical(v, frame)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [canonical(v, frame) for v in value])
    return value


def frame_content(value: pd.DataFrame | pd.Series) -> tuple:
    """A frame's (or series') columns, dtypes, index, values and attrs."""
    if isinstance(value, pd.DataFrame):
        return ("frame", list(value.columns), [str(t) for t in value.dtypes], _values(value.index),
                [_values(column) for _, column in value.items()], canonical(value.attrs))
    return ("series", value.name, str(value.dtype), _values(value.index), _values(value), canonical(value.attrs))


def _values(column: pd.Series | pd.Index) -> object:
    """A column's values as numpy holds them: an Arrow-backed column (text) pickles its chunks and
    its parent buffers, which differ between two reads of the same rows."""
    if isinstance(column, pd.RangeIndex):
        return (column.start, column.stop, column.step)
    if isinstance(column.dtype, np.dtype):
        return column.to_numpy()
    return column.to_numpy(dtype=object)


def digest(laid_out: object) -> bytes:
    """A hash of a canonical layout's pickle: equal digests, equal content."""
    return hashlib.blake2b(pickle.dumps(laid_out, protocol=pickle.HIGHEST_PROTOCOL), digest_size=20).digest()


def _fingerprint(value: object) -> bytes:
    return digest(canonical(value))


def _frozen(value: object) -> object:
    """A list argument (e.g. the base dates) as a tuple, so that it can be a key."""
    return tuple(value) if isinstance(value, list) else value


class _Cache:
    def __init__(self, name: str, max_entries: int, fn: Callable | None = None, audit: bool = True):
        self.name, self.max_entries, self.fn, self.audit = name, max_entries, fn, audit
        self.values: OrderedDict[Hashable, tuple[object, bytes | None]] = OrderedDict()
        self.computing: dict[Hashable, threading.Event] = {}
        self.lock = threading.Lock()
        # Entries in the frozen heap (keep_frozen), never dropped as least recently used; and the
        # places always left beside them for the others, which may take the store past max_entries
        self.kept: set[Hashable] = set()
        self.room = max(1, max_entries // 4)

    def _evict(self) -> None:
        """Drop the least recently used entries that are not kept, until the store holds
        max_entries, or its kept entries and `room` others. Kept ones met on the way are moved to
        the end (never dropped, their order does not matter). The lock is held."""
        limit = max(self.max_entries, len(self.kept) + self.room)
        while len(self.values) > limit:
            key = next(iter(self.values))
            if key in self.kept:
                self.values.move_to_end(key)
            else:
                del self.values[key]

    def get(self, args: tuple, kwargs: dict) -> object:
        key = (tuple(_frozen(a) for a in args), tuple(sorted((k, _frozen(v)) for k, v in kwargs.items())))
        return self.get_or_compute(key, lambda: self.fn(*args, **kwargs))

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        while True:
            with self.lock:
                if key in self.values:
                    self.values.move_to_end(key)
                    value, fingerprint = self.values[key]
                    break
                waiting = self.computing.get(key)
                if waiting is None:
                    done = self.computing[key] = threading.Event()
            if waiting is not None:  # another session computes it: use its result (or retry if it failed)
                waiting.wait()
                continue
            try:
                value = compute()
                fingerprint = _fingerprint(value) if self.audit and os.environ.get(AUDIT_ENV) == "1" else None
                with self.lock:
                    self.values[key] = (value, fingerprint)
                    self._evict()
            finally:
                with self.lock:
                    del self.computing[key]
                done.set()
            return value
        if fingerprint is not None and _fingerprint(value) != fingerprint:
            raise SharedValueChanged(f"{self.name}{key}: a caller changed the shared result")
        return value  # type: ignore[return-value]

    def clear(self) -> None:
        with self.lock:
            self.values.clear()
            self.kept.clear()

    def resize(self, max_entries: int, room: int | None = None) -> None:
        """Hold at most max_entries from now on (the least recently used dropped at once), or the
        kept entries and room others (default: a quarter of max_entries)."""
        with self.lock:
            self.max_entries, self.room = max_entries, room if room is not None else max(1, max_entries // 4)
            self._evict()

    def drop(self, stale: Callable[[Hashable], bool]) -> int:
        with self.lock:
            keys = [k for k in self.values if stale(k)]
            for k in keys:
                del self.values[k]
            self.kept.difference_update(keys)
        return len(keys)


def shared(max_entries: int) -> Callable[[F], F]:
    """Cache fn's results by its (hashable) arguments, at most max_entries, least recently used
    dropped first. Arguments are compared with Python's == (the warehouse version is one of them)."""
    def wrap(fn: F) -> F:
        cache = store(f"{fn.__module__}.{fn.__qualname__}", max_entries, fn)

        @functools.wraps(fn)
        def cached(*args, **kwargs):
            return cache.get(args, kwargs)

        cached.cache = cache  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]
    return wrap


def store(name: str, max_entries: int, fn: Callable | None = None, audit: bool = True) -> _Cache:
    """A keyed store of shared values (get_or_compute), cleared with the others by clear_all."""
    cache = _Cache(name, max_entries, fn, audit)
    _caches.append(cache)
    return cache


class PerObject:
    """Values derived from an object that cannot be a key (a frame), each kept exactly as long as
    its object lives: keyed by id(), which Python reuses only once the object is gone, and dropped
    by a weak reference's callback then. A store keyed by id() would have to hold the object itself
    to keep its id from being reused, and so kept every frame it had seen until pushed out, after
    the caches that showed them had let them go (issue 16 §2: 256 tables and their Arrow copies)."""

    def __init__(self) -> None:
        self._values: dict[tuple[int, Hashable], tuple[weakref.ref, object]] = {}

    def get(self, obj: object, part: Hashable = ()) -> object | None:
        found = self._values.get((id(obj), part))
        return found[1] if found is not None and found[0]() is obj else None

    def put(self, obj: object, value: T, part: Hashable = ()) -> T:
        key = (id(obj), part)

        def forget(ref: weakref.ref, key: tuple = key) -> None:
            if self._values.get(key, (None,))[0] is ref:
                self._values.pop(key, None)

        self._values[key] = (weakref.ref(obj, forget), value)
        return value

    def get_or_compute(self, obj: object, compute: Callable[[], T], part: Hashable = ()) -> T:
        """The value for obj (and part), computed on first use; two threads asking at once may
        both compute it (the values are equal)."""
        found = self.get(obj, part)
        return self.put(obj, compute(), part) if found is None else found  # type: ignore[return-value]

    def __len__(self) -> int:
        return len(self._values)


def keep_frozen() -> int:
    """Called as the heap is frozen (gc.freeze, dashboard/warm.settle_heap): the entries held now
    are kept until dropped by name (drop_superseded, drop) or clear. A frozen figure is a cycle
    (each plotly object points to its parent) that no collection frees until the next settle, so
    one pushed out by sessions' views stayed in memory beside the entries that replaced it, and a
    busy server grew by what its stores held (issue 16 §2 soak). Returns how many are kept."""
    return _set_kept(frozen=True)


def forget_kept() -> None:
    """Undo keep_frozen (the heap unfrozen): every store drops its least recently used again."""
    _set_kept(frozen=False)


def _set_kept(*, frozen: bool) -> int:
    kept = 0
    for c in _caches:
        with c.lock:
            c.kept = set(c.values) if frozen else set()
            kept += len(c.kept)
    return kept


def clear_all() -> None:
    """Forget every shared result (benchmarks of a cold page)."""
    for cache in _caches:
        cache.clear()


def _strings(key: object) -> Iterator[str]:
    if isinstance(key, str):
        yield key
    elif isinstance(key, tuple):
        for part in key:
            yield from _strings(part)


def drop_superseded(version: str) -> int:
    """Forget every result of an earlier version of the same warehouse file (a version is
    "<path>:<inode>:<mtime>:<size>", an argument of every query and figure): once a publish has
    been warmed, nothing asks for them again, and they would otherwise sit in the caches until
    pushed out. Returns how many were dropped."""
    def stale(key: Hashable) -> bool:
        return any(db.superseded(s, version) for s in _strings(key))

    return sum(c.drop(stale) for c in _caches)


def entries() -> int:
    return sum(len(c.values) for c in _caches)
