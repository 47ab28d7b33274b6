"""dashboard.warm: a published warehouse's shared results are computed before sessions ask."""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time

import pytest

import testing
from core.store import DB_ENV
from dashboard import db, memo, warm
from dashboard.memo import built
from dashboard.queries import common, prefecture, summary
from dashboard.state import MAX_N, ViewState

AS_OF = dt.date(2026, 12, 1)


pytestmark = pytest.mark.usefixtures("nothing_kept")  # a watcher's settle keeps every store's entries


@pytest.fixture()
def served(tmp_path, monkeypatch):
    """A private warehouse copy, served (every cached result keys on its version)."""
    path = testing.copy_db(testing.sample_db(), tmp_path / "wh")
    monkeypatch.setenv(DB_ENV, str(path))
    return path


@pytest.fixture(scope="module")
def warmed(tmp_path_factory):
    """A warehouse copy served and warmed once for the tests that only read."""
    path = testing.copy_db(testing.sample_db(), tmp_path_factory.mktemp("wh"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(DB_ENV, str(path))
        v = db.version()
        finished = warm.warm(v, AS_OF)
        yield v, finished


def count_queries(monkeypatch) -> list[str]:
    """The SQL run from now on (db.query still runs each one)."""
    ran, real = [], db.query

    def counted(v, sql, params=()):
        ran.append(sql)
        return real(v, sql, params)

    for module in (summary, prefecture, common):
        monkeypatch.setattr(module, "query", counted)
    return ran


@pytest.mark.slow
def test_after_a_warm_the_latest_dates_default_threshold_is_answered_without_a_query(warmed, monkeypatch):
    v, finished = warmed
    assert finished
    dates = common.base_dates(v)
    ran = count_queries(monkeypatch)

    def ask(date):
        summary.area(v, date, 3, AS_OF, "関東")
        prefecture.municipalities(v, "31", date, common.previous_date(v, date), 3, AS_OF)
        prefecture.peers(v, "31", date, 3, AS_OF)

    ask(dates[-1])
    assert ran == []
    # ... the earlier base dates and the other thresholds are left to the idle pass, or to the
    # first session that asks
    ask(dates[-2])
    assert len(ran) >= 1
    ran.clear()
    summary.national(v, dates[-1], MAX_N, AS_OF)
    assert len(ran) == 1


@pytest.mark.slow
def test_a_views_shared_results_are_what_its_pages_read(warmed, monkeypatch):
    v, _ = warmed
    date = common.base_dates(v)[0]
    warm.shared_results(v, date, 5, AS_OF)
    ran = count_queries(monkeypatch)
    summary.area(v, date, 5, AS_OF, "関東")
    prefecture.municipalities(v, "31", date, common.previous_date(v, date), 5, AS_OF)
    prefecture.peers(v, "31", date, 5, AS_OF)
    assert ran == []


@pytest.mark.slow
def test_the_national_map_of_the_default_view_is_built_by_the_warm(warmed):
    from dashboard import slides

    v, _ = warmed
    view = ViewState(date=common.base_dates(v)[-1])
    builds = []

    def page_chart(*args, **kwargs):  # what a page's call would run if the figure were missing
        builds.append(args)
        return slides.page_chart(*args, **kwargs)

    page_chart.__module__, page_chart.__qualname__ = slides.page_chart.__module__, slides.page_chart.__qualname__
    chart = built(page_chart, "national", "map", v, view, AS_OF, common.is_sample(v))
    assert builds == [] and chart.figure.data[0].locations[0] == "01"
    built(page_chart, "national", "map", v, view.with_(n=5), AS_OF, common.is_sample(v))
    assert len(builds) == 1


@pytest.mark.slow
def test_the_watcher_warms_the_served_version_and_then_each_publish(served, tmp_path, monkeypatch):
    # the idle pass has its own tests: here it builds nothing, so that it ends at once
    monkeypatch.setattr(warm, "idle_units", lambda v, as_of: iter(()))
    watcher = warm.Watcher()
    watcher.start()
    try:
        check_watcher(watcher, served, tmp_path)
    finally:
        watcher.stop()
    assert not watcher.is_alive()


def check_watcher(watcher: warm.Watcher, served, tmp_path) -> None:
    deadline = time.monotonic() + 120
    first = db.version()
    while first not in watcher.warmed and time.monotonic() < deadline:
        time.sleep(0.2)
    assert first in watcher.warmed
    new_file = testing.prefecture_survey(tmp_path, "survey_0_001.csv", 0, 1)
    testing.run_etl("load", "survey", new_file, "--db", served, "--base-date", "2024-10-01", check=True)
    second = db.version()
    assert second != first
    while second not in watcher.warmed and time.monotonic() < deadline:
        time.sleep(0.2)
    assert second in watcher.warmed
    # the new base date is among the warmed views, and the first version's results are gone
    assert dt.date(2024, 10, 1) in common.base_dates(second)
    versions = {key[0][0] for key in summary.national.cache.values}
    assert second in versions and first not in versions
    # once its idle pass is done, the first version's DuckDB connection (its own instance) is closed
    while second not in watcher.prebuilt and time.monotonic() < deadline:
        time.sleep(0.2)
    assert db.held_versions() == [second]


@pytest.mark.slow
def test_a_busy_server_closes_the_earlier_version_soon_after_a_publish(served, tmp_path, monkeypatch):
    """Sessions keep the server busy, so the idle pass never runs: the earlier version's DuckDB
    instance is closed CLOSE_EARLIER_AFTER seconds after the new version is warmed all the same."""
    monkeypatch.setattr(warm, "CLOSE_EARLIER_AFTER", 1.0)
    monkeypatch.setattr(warm, "wait_idle", lambda stop: not stop.wait(300))  # busy until stopped
    watcher = warm.Watcher()
    watcher.start()
    try:
        deadline = time.monotonic() + 120
        first = db.version()
        while first not in watcher.warmed and time.monotonic() < deadline:
            time.sleep(0.2)
        new_file = testing.prefecture_survey(tmp_path, "survey_0_001.csv", 0, 1)
        testing.run_etl("load", "survey", new_file, "--db", served, "--base-date", "2024-10-01", check=True)
        second = db.version()
        db.connection(first)  # a rerun that began before the publish still reads the first version
        while second not in watcher.warmed and time.monotonic() < deadline:
            time.sleep(0.2)
        assert first in db.held_versions()
        while first in db.held_versions() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert db.held_versions() == [second] and second not in watcher.prebuilt
    finally:
        watcher.stop()


@pytest.mark.slow
def test_the_idle_pass_builds_the_earlier_dates_every_prefecture_page_then_the_other_thresholds(
        warmed, monkeypatch):
    """The default threshold's results of the earlier base dates, each prefecture page of the
    default threshold (the latest date first), then the other thresholds' results, asking for the
    entries a page reads (the same memo keys). Builds are recorded instead of drawn (235 real page
    builds take ~25 s)."""
    from dashboard import prefecture_figures

    v, _ = warmed
    dates = common.base_dates(v)
    builds, results, real = [], [], prefecture_figures.build

    def build(*args):
        builds.append(args[1:3])
        return args[1:3]

    build.__module__, build.__qualname__ = real.__module__, real.__qualname__
    monkeypatch.setattr(prefecture_figures, "build", build)
    monkeypatch.setattr(warm, "shared_results", lambda *args: results.append(args[1:3]))
    codes = list(common.prefectures(v).prefecture_code)
    others = [n for n in range(MAX_N + 1) if n != 3]
    assert warm.idle_pass(v, AS_OF) == len(dates) - 1 + 47 * len(dates) + len(others) * len(dates)
    assert builds == [(code, date) for date in reversed(dates) for code in codes]
    assert results == ([(date, 3) for date in reversed(dates[:-1])]
                       + [(date, n) for date in reversed(dates) for n in others])
    for date in dates:
        prev = common.previous_date(v, date)
        for code in codes:
            figs = prefecture_figures.figures(v, code, date, prev, 3, AS_OF, dates, common.has_population(v))
            assert figs == (code, date)
    assert len(builds) == 47 * len(dates)


def test_the_idle_pass_waits_while_sessions_rerun(monkeypatch):
    stop = threading.Event()
    monkeypatch.setattr(warm, "_last_rerun", 0.0)
    assert warm.wait_idle(stop)  # nobody reran lately
    warm.rerun_started()
    t0 = time.monotonic()
    assert warm.wait_idle(stop)
    assert time.monotonic() - t0 >= warm.IDLE_SECONDS * 0.9
    # sessions keep rerunning: it keeps waiting, until a newer version stops it
    busy = threading.Thread(target=lambda: [warm.rerun_started() or time.sleep(0.05) for _ in range(30)])
    busy.start()
    threading.Timer(1.0, stop.set).start()
    t0 = time.monotonic()
    assert not warm.wait_idle(stop)
    assert time.monotonic() - t0 >= 0.9
    busy.join()


@pytest.mark.slow
def test_the_warm_asks_for_the_talent_page_that_a_link_opens(warmed, monkeypatch):
    """The watcher's entry is the one the page reads: the same arguments, hence the same memo key."""
    import inspect
    from pathlib import Path

    from dashboard import talent_figures

    v, _ = warmed
    calls, real = [], talent_figures.figures

    def figures(*args, **kwargs):
        calls.append(inspect.signature(real).bind(*args, **kwargs).args)
        return real(*args, **kwargs)

    monkeypatch.setattr(talent_figures, "figures", figures)
    at = testing.app_test(Path(db.path_of(v)), page="pages/talent.py")
    assert not at.exception
    warm.talent_view(v, common.base_dates(v)[-1], common.as_of_today())
    assert len(calls) == 2 and calls[0] == calls[1]
    assert calls[0][-2:] == ("全国", True)


@pytest.mark.slow
def test_the_warm_asks_for_the_progress_page_that_a_link_opens(warmed, monkeypatch):
    """The same memo keys as the page's: its view, and its matrix in the order a link opens it."""
    import inspect
    from pathlib import Path

    from dashboard import progress_figures

    v, _ = warmed
    calls: dict[str, list[tuple]] = {"figures": [], "matrix": []}
    for name in calls:
        real = getattr(progress_figures, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls[_name].append(inspect.signature(_real).bind(*args, **kwargs).args)
            return _real(*args, **kwargs)

        monkeypatch.setattr(progress_figures, name, spy)
    at = testing.app_test(Path(db.path_of(v)), page="pages/progress.py")
    assert not at.exception
    page = {name: list(got) for name, got in calls.items()}
    warm.progress_view(v, common.base_dates(v)[-1], common.as_of_today())
    assert page["figures"] == calls["figures"][1:] and page["matrix"][0] in calls["matrix"][1:]
    assert page["matrix"][0][-1] == progress_figures.ORDERS[0]


@pytest.mark.slow
def test_a_new_version_drops_the_earlier_ones_results_before_it_is_warmed(served, tmp_path, monkeypatch):
    """Dropped first, the new results reuse the old ones' memory (the soak's RSS rose in a step
    after each publish while both were held)."""
    first = db.version()
    summary.national(first, common.base_dates(first)[-1], 3, AS_OF)
    held = []

    def versions_held() -> set[str]:  # of this warehouse file (other tests' stay in the process's caches)
        return {key[0][0] for key in summary.national.cache.values if key[0][0].startswith(f"{served}:")}

    def warm_now(v, as_of, stop=None):
        held.append(versions_held())
        summary.national(v, common.base_dates(v)[-1], 3, as_of)
        return 1

    monkeypatch.setattr(warm, "warm", warm_now)
    monkeypatch.setattr(warm, "idle_pass", lambda v, as_of, stop=None: 0)
    new_file = testing.prefecture_survey(tmp_path, "survey_0_001.csv", 0, 1)
    testing.run_etl("load", "survey", new_file, "--db", served, "--base-date", "2024-10-01", check=True)
    second = db.version()
    assert versions_held() == {first}
    monkeypatch.setattr(memo._keyed, "max_entries", memo._keyed.max_entries)  # restored for the next tests
    watcher = warm.Watcher()
    watcher._warm(second)
    assert held == [set()] and versions_held() == {second} and second in watcher.warmed
    # the figure store holds what the server builds ahead, and a bounded number of session views
    assert memo._keyed.max_entries == 47 * len(common.base_dates(second)) + warm.DEFAULT_VIEW_FIGURES \
        + memo.SESSION_VIEWS


def test_the_parts_store_holds_the_parts_built_ahead_and_room_for_the_session_views(monkeypatch):
    """Sized from the parts the built-ahead views hold once an idle pass is done (views share
    parts), then for the next version's views at the same rate."""
    store = memo._by_content
    monkeypatch.setattr(memo, "_parts_per_view", memo._parts_per_view)
    monkeypatch.setattr(store, "values", collections.OrderedDict())
    monkeypatch.setattr(store, "max_entries", store.max_entries)
    monkeypatch.setattr(memo._keyed, "max_entries", memo._keyed.max_entries)
    for i in range(95):  # the parts of 10 views built ahead
        store.get_or_compute(("part", i), lambda i=i: i)
    memo.measure_parts(10)
    room = memo.SESSION_VIEWS * memo.BY_CONTENT_PER_VIEW
    assert store.max_entries == 95 + room and len(store.values) == 95
    memo.size_for(20)  # a publish added views
    assert store.max_entries == 190 + room and memo._keyed.max_entries == 20 + memo.SESSION_VIEWS


def test_the_watchers_lines_reach_the_server_log_once():
    """INFO lines (warmed, prebuilt) go to stderr, each once, in a process that starts the watcher."""
    import subprocess
    import sys

    code = ("from dashboard import warm; warm.log_to_stderr(); warm.log_to_stderr(); "
            "warm.log.info('prebuilt v: 3 units in 0.1 s')")
    proc = subprocess.run([sys.executable, "-c", code], cwd=testing.ROOT, capture_output=True, text=True,
                          timeout=60, check=True)
    assert proc.stderr.count("INFO dashboard: prebuilt v: 3 units") == 1


def test_connections_are_held_for_the_served_version_and_the_one_before(served, tmp_path):
    """A publish opens a new DuckDB instance; the one before stays for reruns under way, older ones
    go (each holds its own buffer pool), and close_superseded drops all but the served one."""
    seen = [db.version()]
    db.connection(seen[0])
    for serial in (1, 2):
        survey = testing.prefecture_survey(tmp_path, f"survey_{serial}.csv", serial, serial)
        testing.run_etl("load", "survey", survey, "--db", served, "--base-date", "2024-10-01", check=True)
        seen.append(db.version())
        assert db.query(seen[-1], "SELECT count(*) AS n FROM staff_survey WHERE base_date = '2024-10-01'").n[0] > 0
    mine = [v for v in db.held_versions() if v in seen]
    assert mine == seen[1:]
    assert db.close_superseded(seen[-1]) == 1
    assert [v for v in db.held_versions() if v in seen] == [seen[-1]]


def test_sessions_asking_for_a_new_versions_source_notes_at_once_compute_each_once(served, monkeypatch):
    """After a publish every session's next rerun asks for the same 出典 notes at the same moment:
    each kind's citation is read from the load log once, and the others wait for it."""
    from dashboard import notes

    v = db.version()
    date = common.base_dates(v)[-1]
    read, real = [], notes._kind_rows

    def slow_kind_rows(v, kind, date):
        read.append((kind, date))
        time.sleep(0.05)  # the overlap a busy server gives the sessions' reruns
        return real(v, kind, date)

    monkeypatch.setattr(notes, "_kind_rows", slow_kind_rows)
    kinds = ("survey", "roster", "status")
    barrier = threading.Barrier(6)
    texts = []

    def session():
        barrier.wait()
        texts.append(notes.source_text(v, kinds, date))

    threads = [threading.Thread(target=session) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(read) == sorted({(k, date if k == "survey" else None) for k in kinds})
    assert len(texts) == 6 and len(set(texts)) == 1 and texts[0].startswith("出典：")


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_settling_the_heap_freezes_it_and_frees_the_cycles_of_the_freeze_before():
    import gc
    import weakref

    try:
        before = Node()
        gone = weakref.ref(before)
        assert warm.settle_heap() > 0 and gc.get_freeze_count() > 0
        del before  # a cycle made before the freeze: frozen, so no collection sees it …
        gc.collect()
        assert gone() is not None
        warm.settle_heap()  # … until the next settle undoes the freeze first
        assert gone() is None
    finally:
        gc.unfreeze()
