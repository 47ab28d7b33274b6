"""A few page runs at a time in one server process; the others wait their turn.

Streamlit runs each session's script in a thread of its own, and all of them share one GIL with
the server's event loop, which reads and writes every websocket. After a publish each session's
next view is new, and under 50 sessions with two publishes a minute some twenty runs were drawing
at once: each got a twentieth of the interpreter, and so did the event loop and the watcher
computing the results most of those runs waited for, so the whole burst finished late together
(issue 16 §2: reruns of 4–10 s while the server used barely one core). Admitted in turn, the runs
of a burst end one after another, and what they share is computed first.

A run waits at most WAIT_SECONDS for its turn, then runs anyway: a long run (a large upload being
validated) cannot hold everyone up, and a run that waits for a result another run is computing
can never wait forever. Downloads built on click (exports) run on Streamlit's own thread, outside.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

ENV = "DXGAP_PAGE_RUNS"  # how many page runs at a time (an integer ≥ 1); 0: no limit
DEFAULT_RUNS = 2  # two cores: one run's query (DuckDB, without the GIL) beside another's drawing
WAIT_SECONDS = 5.0


def places(raw: str | None = None) -> int | None:
    """How many runs at a time: ENV when it is a whole number (0: None, no limit), else DEFAULT_RUNS."""
    raw = os.environ.get(ENV, "") if raw is None else raw
    if not raw.strip().isdigit():
        return DEFAULT_RUNS
    return int(raw) or None


class Turns:
    """At most `places` holders at a time (None: no limit); a holder waits at most `wait` seconds."""

    def __init__(self, places: int | None, wait: float = WAIT_SECONDS):
        self.wait = wait
        self._places = threading.BoundedSemaphore(places) if places else None

    @contextlib.contextmanager
    def turn(self) -> Iterator[bool]:
        """Yields whether a place was taken (False: no limit, or waited `wait` seconds in vain)."""
        taken = self._places is not None and self._places.acquire(timeout=self.wait)
        try:
            yield taken
        finally:
            if taken:
                self._places.release()


_turns = Turns(places())


def admitted() -> contextlib.AbstractContextManager[bool]:
    """Hold the server's turn while a page runs (released by st.rerun, st.stop and errors too)."""
    return _turns.turn()
