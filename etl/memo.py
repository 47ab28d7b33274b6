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
from collections.abc import Iterator

_tables: contextvars.ContextVar[dict[object, dict] | None] = contextvars.ContextVar("etl_memo", default=None)
MAX_ENTRIES = 100_000  # per memo: a table that fills up starts again (bounds memory on hostile files)


@contextlib.contextmanager
def run() -> Iterator[None]:
    """Remember results until the block ends (a block inside another shares the outer one's)."""
    if _tables.get() is not None:
        yield
        return
    token = _tables.set({})
    try:
        yield
    finally:
        _tables.reset(token)


def table(owner: object) -> dict | None:
    """The current run's memo for owner (a function), or None outside a run (nothing is kept)."""
    tables = _tables.get()
    if tables is None:
        return None
    found = tables.get(owner)
    if found is None or len(found) >= MAX_ENTRIES:
        found = tables[owner] = {}
    return found
