"""Compute a published warehouse's shared results before sessions ask for them.

Every cached result keys on the warehouse version, so after a publish (and on a fresh server) each
view's first rerun computes its queries and figures. One thread per server watches the served
file; when a new version appears it computes, in the background, what the views a shared link
opens first need: the default threshold's results for the latest base date, the national map
and ranking, the talent and progress pages. Then, only while no session is rerunning, it builds the
rest one unit at a time: the default threshold's earlier base dates, each prefecture page (a switch
of prefecture built five figures while the user waited: 3.6× the page's static twin), then the
other thresholds' results. Under load that pass waits: a thread has no priority, and warming
every threshold and prefecture page at once after each publish (~7 s of the one GIL) was a
quarter of a busy server's samples (issue 16 §2 profile at 35 sessions, two publishes a minute);
two replicas held 20 sessions at p95 ≤ 1 s with this order and 10 with that one (one run each,
same evening). Sessions use the new version at once (a publish is seen at their next
interaction); a result a session needs before the thread reaches it is computed once and shared
(dashboard.cache). The earlier version's results are dropped as soon as a new version is seen.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator

from core.policy import DEFAULT_N
from dashboard import cache, db, geo, memo, prefecture_figures, progress_figures, scope, slides, talent_figures
from dashboard.memo import built
from dashboard.metrics import METRIC_KEYS
from dashboard.notes import banner_text
from dashboard.queries import common, national, prefecture, progress, summary, talent
from dashboard.queries import indicators as qi
from dashboard.state import MAX_N, ViewState

log = logging.getLogger("dashboard")
POLL_SECONDS = 1.0
IDLE_SECONDS = 0.5  # the low-priority pass builds only after this long without a rerun starting
# Reruns that began on the earlier version are over this long after the new one is warmed (a page
# run waits at most 5 s for its turn, dashboard.admission, and takes seconds): the earlier DuckDB
# instance, with a buffer pool of its own, is closed then, busy or not (the idle pass, after which
# the rest is cleaned up, never comes while sessions keep the server busy).
CLOSE_EARLIER_AFTER = 30.0
ENV = "DXGAP_WARM"  # "0": no watcher (each view computes its results on first use)
_last_rerun = 0.0  # time.monotonic() when a session's rerun last started


def enabled() -> bool:
    """On in a served app; off under AppTest (a test's script runs have no server to warm for)."""
    from streamlit import config

    return os.environ.get(ENV, "1") != "0" and not config.get_option("global.appTest")


def rerun_started() -> None:
    """Each rerun calls this: starts the server's watcher once, and tells it the server is busy."""
    global _last_rerun
    _last_rerun = time.monotonic()
    if _watcher is None and enabled():
        start()


def wait_idle(stop: threading.Event | None) -> bool:
    """Block until no rerun has started for IDLE_SECONDS; False when stopped meanwhile. A Python
    thread has no priority, and a figure built under a session's rerun delays it (one GIL)."""
    while (quiet := time.monotonic() - _last_rerun) < IDLE_SECONDS:
        if stop is not None and stop.wait(IDLE_SECONDS - quiet):
            return False
    return stop is None or not stop.is_set()


def thresholds() -> list[int]:
    """The default threshold first, then the others (the order sessions are likely to ask)."""
    return [DEFAULT_N, *(n for n in range(MAX_N + 1) if n != DEFAULT_N)]


def warm(v: str, as_of: dt.date, stop: threading.Event | None = None) -> bool:
    """Compute what the views a shared link opens first read, for version v: the latest base date's
    shared results of the default threshold (pools counted on as_of), and the figures of the
    national page, the talent and progress pages. The other base dates are left to the idle pass
    (or to the first session that asks): building all of them here (~2 s of the GIL on the sample)
    competed with the sessions' own first views in the seconds after each publish, and a capacity
    step of 50 sessions went from p95 2.3 s to 1.1 s without them (probe runs, same hour).
    Returns False when stopped before the figures (a newer version was published meanwhile)."""
    dates = common.base_dates(v)
    common.prefectures(v), common.current_sources(v), common.has_population(v)
    common.has_municipal_boundaries(v), banner_text(v), qi.base_dates(v)
    geo.prefecture_shapes(v), geo.prefecture_label_points(v)
    talent.pool_mix(v, as_of), talent.pool_over_time(v, as_of), progress.milestones(v), progress.burnup(v, as_of)
    shared_results(v, dates[-1], DEFAULT_N, as_of)
    return default_views(v, dates, as_of, stop)


def shared_results(v: str, date: dt.date, n: int, as_of: dt.date) -> None:
    """The query results every page of one (base date, threshold) view reads."""
    summary.national(v, date, n, as_of)
    prefecture._all_municipalities(v, date, common.previous_date(v, date), n, as_of)
    prefecture._peer_rows(v, date, n, as_of)
    national.municipalities_at(v, date, n)
    talent.municipality_support(v, date, n, as_of)


def default_views(v: str, dates: list[dt.date], as_of: dt.date, stop: threading.Event | None) -> bool:
    """The figures of the views shared links open first (the latest base date, the default
    threshold): the national map and ranking, the talent and progress pages. False when stopped."""
    date = dates[-1]
    prefecture._all_staff_history(v)
    for key in METRIC_KEYS:
        summary.metric_bounds(v, key, DEFAULT_N, as_of)
    if stop is not None and stop.is_set():
        return False
    national_figures(v, ViewState(date=date), as_of)
    talent_view(v, date, as_of)
    progress_view(v, date, as_of)
    return True


def idle_units(v: str, as_of: dt.date) -> Iterator[Callable[[], object]]:
    """What the low-priority pass builds, in order: the default threshold's shared results of the
    base dates before the latest (newest first), each prefecture page of the default threshold (the
    latest base date first, then the others, newest first), then the shared results of every other
    threshold (each base date, newest first)."""
    dates = common.base_dates(v)
    has_population = common.has_population(v)
    for date in reversed(dates[:-1]):
        yield functools.partial(shared_results, v, date, DEFAULT_N, as_of)
    for date in reversed(dates):
        for code in common.prefectures(v).prefecture_code:
            yield functools.partial(prefecture_figures.figures, v, code, date, common.previous_date(v, date, (code,)),
                                    DEFAULT_N, as_of, dates, has_population)
    for date in reversed(dates):
        for n in thresholds()[1:]:
            yield functools.partial(shared_results, v, date, n, as_of)


# Figures of the default views (national map and ranking, talent page, progress page and its
# matrix in either order), with room for a few more.
DEFAULT_VIEW_FIGURES = 8


def prebuilt_figures(v: str) -> int:
    """How many figures (memo.built entries) the warm and the idle pass build for version v."""
    return len(common.base_dates(v)) * len(common.prefectures(v)) + DEFAULT_VIEW_FIGURES


def idle_pass(v: str, as_of: dt.date, stop: threading.Event | None = None) -> int:
    """Build idle_units one at a time, each only once no session has started a rerun for
    IDLE_SECONDS; returns how many were built. Under load nothing here is built ahead: each result
    is then computed when a session first asks for it (once, shared), instead of competing with
    the sessions for the one GIL on results that may never be asked for before the next publish."""
    done = 0
    for build in idle_units(v, as_of):
        if not wait_idle(stop):
            return done
        build()
        done += 1
    return done


def talent_view(v: str, date: dt.date, as_of: dt.date) -> None:
    """The talent page as a link opens it: every prefecture, the pool counted today."""
    codes = tuple(common.prefectures(v).prefecture_code)
    talent_figures.figures(v, date, DEFAULT_N, as_of, as_of, codes, scope.label(None), True)


def progress_view(v: str, date: dt.date, as_of: dt.date) -> None:
    """The progress page as a link opens it: every prefecture, the matrix in either order."""
    progress_figures.figures(v, date, DEFAULT_N, None, as_of)
    for order in progress_figures.ORDERS:
        progress_figures.matrix(v, None, as_of, order)


def national_figures(v: str, view: ViewState, as_of: dt.date) -> None:
    """The national page's map and ranking for view, built as that page builds them (the same
    memo keys): every session opening the shared link asks for these first."""
    is_sample = common.is_sample(v)
    built(slides.page_chart, "national", "map", v, view, as_of, is_sample)
    built(slides.page_chart, "national", "ranked", v, view, as_of, is_sample, order="value")


class Watcher(threading.Thread):
    """Polls the served file; warms each new version once (stopping a warm that a newer one overtakes)."""

    def __init__(self) -> None:
        super().__init__(name="dxgap-warm", daemon=True)
        self.seen: str | None = None
        self.warmed: dict[str, float] = {}  # version -> seconds its warm took (the last few)
        self.prebuilt: dict[str, int] = {}  # version -> units its low-priority pass built
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                v = db.version()
            except db.WarehouseUnavailable:
                v = None
            if v is not None and v != self.seen:
                self.seen = v
                self._warm(v)
            self.stopping.wait(POLL_SECONDS)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop between two views and wait: a daemon thread killed inside DuckDB at interpreter exit
        aborts the process ("FATAL: exception not rethrown")."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout)

    def _warm(self, v: str) -> None:
        newer = threading.Event()
        watch = threading.Thread(target=self._watch_for_newer, args=(v, newer), daemon=True)
        watch.start()
        t0 = time.perf_counter()
        epoch = memo.new_epoch()
        as_of = common.as_of_today()
        # The earlier version's results go first: only reruns already under way still read them
        # (each rerun starts on the served version), and the new results then reuse their memory
        # instead of piling on top of it (the soak's RSS rose in steps after each publish). Its
        # figures are cycles (a plotly object points to its parent) in the frozen heap, freed by the
        # settle after the idle pass: a settle here, at once, freed them before the new version was
        # built, but its full collection stalled every session at the moment they all recompute
        # (one process held 35 sessions at p95 ≤ 1 s with it, 50 without; issue 16 §2).
        dropped = cache.drop_superseded(v)
        try:
            memo.size_for(prebuilt_figures(v))
            finished = warm(v, as_of, stop=newer)
            current = self._current(v)  # not overtaken by a newer publish meanwhile
            dropped += cache.drop_superseded(v) if current else 0  # what reruns under way recomputed
            _keep_last(self.warmed, v, time.perf_counter() - t0)
            log.info("warmed %s%s in %.1f s; %d results of earlier versions dropped", v,
                     "" if finished else " (stopped: a newer version)", self.warmed[v], dropped)
            if current:
                closer = threading.Timer(CLOSE_EARLIER_AFTER, self._close_earlier, args=(v,))
                closer.daemon = True
                closer.start()
                t1 = time.perf_counter()
                _keep_last(self.prebuilt, v, idle_pass(v, as_of, stop=newer))
                # Reruns that began on the earlier version ended long ago: its DuckDB instance goes,
                # and the views' parts that only the earlier versions drew; then the heap is settled.
                closed = parts = frozen = 0
                if not newer.is_set():
                    closed, parts = db.close_superseded(v), memo.drop_parts_unused_since(epoch)
                    memo.measure_parts(prebuilt_figures(v))
                    frozen = settle_heap()
                log.info("prebuilt %s: %d units in %.1f s; %d earlier connections closed, %d parts dropped, "
                         "%d objects frozen", v, self.prebuilt[v], time.perf_counter() - t1, closed, parts, frozen)
        except Exception as exc:  # noqa: BLE001 (a broken publish: the pages show their own message for it)
            log.warning("warming %s stopped: %s: %s", v, type(exc).__name__, exc)
        finally:
            newer.set()

    @classmethod
    def _close_earlier(cls, v: str) -> None:
        if cls._current(v):  # a newer publish's own warm closes what it supersedes
            closed = db.close_superseded(v)
            log.info("%s: %d earlier connections closed", v, closed)

    @staticmethod
    def _current(v: str) -> bool:
        try:
            return db.version() == v
        except db.WarehouseUnavailable:
            return False

    def _watch_for_newer(self, v: str, newer: threading.Event) -> None:
        while not newer.wait(POLL_SECONDS):
            if self.stopping.is_set():
                newer.set()
                break
            try:
                if db.version() != v:
                    newer.set()
            except db.WarehouseUnavailable:
                newer.set()


def settle_heap() -> int:
    """Collect the garbage, then hide what is left from the cyclic collector (gc.freeze); returns
    how many objects were frozen. A warm server tracks ~500,000 objects (the built-ahead figures
    and frames), and a full collection walked them all with the GIL held: 0.4–0.6 s, about every
    10 s in the busy minutes after a publish (issue 16 §2, gc callbacks in a 50-session step).
    Called once a version is built ahead and the server is quiet; later collections see only what
    was made since. The earlier freeze is undone first, so that a superseded version's objects
    caught in reference cycles are freed here (acyclic ones go as soon as they are dropped)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    cache.keep_frozen()
    return gc.get_freeze_count()


def _keep_last(record: dict, v: str, value: object, last: int = 8) -> None:
    """record[v] = value, keeping the last few versions only."""
    record[v] = value
    while len(record) > last:
        record.pop(next(iter(record)))


_watcher: Watcher | None = None
_lock = threading.Lock()


def log_to_stderr() -> None:
    """The server's log (stderr) gets the dashboard's INFO lines, such as when a version was warmed
    and prebuilt: Python's fallback handler prints warnings and errors only."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def start() -> Watcher:
    """The server's one watcher, started on first use."""
    global _watcher
    with _lock:
        if _watcher is None:
            log_to_stderr()
            _watcher = Watcher()
            _watcher.start()
            atexit.register(_watcher.stop)  # runs before the interpreter kills daemon threads
        return _watcher
