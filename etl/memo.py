"""Results of pure one-cell functions, remembered for one validation run and then dropped.

Cells repeat: every survey holds the same 1,741 codes and names, a count column a few dozen
values, a header scan the same words. A run (one `etl.validate.validate`, or a whole
`etl.build.build`) remembers what it computed; when it ends the memory goes with it, because
cells can hold personal data (a roster's names) that must not outlive the validation in a
long-running server.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

_tables: contextvars.ContextVar[dict[object, dict] | None] = contextvars.ContextVar("etl_memo", default=None)
MAX_ENTRIES = 100_000  # per memo: a table that fills up starts again (bounds memory on hostile files)


# The hottest one-cell function (normalize_text, once per cell) uses a C-level LRU cache instead:
# it is kept while any run is in progress, in any thread, and emptied when the last one ends.
RUNS = 0  # runs in progress (outermost blocks), all threads
_lock = threading.Lock()
_caches: list = []


def lru(fn: Callable) -> Callable:
    """fn with a bounded cache that etl.memo empties when no run is in progress. Call it only while
    RUNS is non-zero (outside a run, call fn itself: nothing must be kept)."""
    cached = functools.lru_cache(maxsize=MAX_ENTRIES)(fn)
    _caches.append(cached)
    return cached


def lru_raising(fn: Callable[[str], T], error: type[Exception]) -> Callable[[str], T]:
    """lru for a reader of one text cell that may raise error: the error is remembered as well,
    and each call raises a new one with its message (a raised exception keeps a traceback)."""
    def outcome(value: str) -> T | Exception:
        try:
            return fn(value)
        except error as exc:
            return exc

    cached = lru(outcome)

    def call(value: str) -> T:
        found = cached(value)
        if isinstance(found, error):
            raise error(str(found))
        return found

    return call


@contextlib.contextmanager
def run() -> Iterator[None]:
    """Remember results until the block ends (a block inside another shares the outer one's)."""
    global RUNS
    if _tables.get() is not None:
        yield
        return
    token = _tables.set({})
    with _lock:
        RUNS += 1
    try:
        yield
    finally:
        _tables.reset(token)
        with _lock:
            RUNS -= 1
            if RUNS == 0:
                for cached in _caches:
                    cached.cache_clear()


_UNSEEN = object()


def remember(owner: object, key: object, compute: Callable[[], T]) -> T:
    """compute(), once per key in the current run's memo for owner (outside a run: computed each
    time, nothing kept). The result is shared by every caller with that key: never change it."""
    known = table(owner)
    if known is None:
        return compute()
    found = known.get(key, _UNSEEN)
    if found is _UNSEEN:
        found = known[key] = compute()
    return found


def table(owner: object) -> dict | None:
    """The current run's memo for owner (a function), or None outside a run (nothing is kept)."""
    tables = _tables.get()
    if tables is None:
        return None
    found = tables.get(owner)
    if found is None or len(found) >= MAX_ENTRIES:
        found = tables[owner] = {}
    return found
