"""dashboard.cache: shared results, computed once per key, checked for changes under audit."""

from __future__ import annotations

import gc
import threading
import time
import weakref

import pandas as pd
import pytest

from dashboard import cache


def test_a_result_is_the_same_object_for_every_caller_and_computed_once():
    calls = []

    @cache.shared(4)
    def frame(v: str, dates: list) -> pd.DataFrame:
        calls.append((v, tuple(dates)))
        return pd.DataFrame({"x": [1, 2]})

    a, b = frame("v1", [1, 2]), frame("v1", [1, 2])
    assert a is b and calls == [("v1", (1, 2))]
    assert frame("v2", [1, 2]) is not a and len(calls) == 2


def test_the_least_recently_used_result_is_dropped_beyond_max_entries():
    calls = []

    @cache.shared(2)
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    for x in (1, 2, 1, 3, 1, 2):  # 2 is dropped when 3 comes (1 was used since), then computed again
        square(x)
    assert calls == [1, 2, 3, 2]


def test_a_resized_store_drops_its_least_recently_used_at_once_and_keeps_the_new_bound():
    store = cache.store("test.resize", 5, audit=False)
    for k in range(5):
        store.get_or_compute(k, lambda k=k: k)
    store.get_or_compute(0, lambda: "recomputed")  # 0 is now the most recently used
    store.resize(2)
    assert list(store.values) == [4, 0]
    store.get_or_compute(9, lambda: 9)
    assert list(store.values) == [0, 9]


def test_entries_held_when_the_heap_was_frozen_are_never_the_ones_dropped(nothing_kept):
    store = cache.store("test.kept", 3, audit=False)
    for k in range(3):
        store.get_or_compute(k, lambda k=k: k)
    assert cache.keep_frozen() >= 3  # 0, 1, 2 are in the frozen heap now
    for k in (3, 4):  # room for one more beside them (a quarter of 3, at least 1)
        store.get_or_compute(k, lambda k=k: k)
    assert set(store.values) == {0, 1, 2, 4}
    assert store.drop(lambda k: k == 0) == 1  # dropped by name: no longer kept
    store.get_or_compute(5, lambda: 5)
    assert set(store.values) == {1, 2, 5}
    store.resize(2, room=0)  # a smaller bound still keeps them
    assert set(store.values) == {1, 2}


def test_sessions_asking_for_a_missing_key_at_once_wait_for_one_computation():
    calls, started = [], threading.Event()

    @cache.shared(4)
    def slow(v: str) -> list:
        calls.append(v)
        started.set()
        time.sleep(0.3)
        return [v]

    results = []
    threads = [threading.Thread(target=lambda: results.append(slow("v"))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["v"]
    assert len(results) == 5 and all(r is results[0] for r in results)


def test_a_failed_computation_is_not_kept_and_the_next_caller_computes_again():
    calls = []

    @cache.shared(4)
    def flaky(v: str) -> str:
        calls.append(v)
        if len(calls) == 1:
            raise RuntimeError("warehouse busy")
        return v

    with pytest.raises(RuntimeError):
        flaky("v")
    assert flaky("v") == "v" and len(calls) == 2


def test_under_audit_a_caller_that_changes_a_shared_frame_fails(monkeypatch):
    monkeypatch.setenv(cache.AUDIT_ENV, "1")

    @cache.shared(4)
    def frame(v: str) -> pd.DataFrame:
        return pd.DataFrame({"x": [1, 2]})

    df = frame("v")
    derived = df[df.x > 1].assign(y=1)  # deriving a frame leaves the shared one as it was
    derived.loc[:, "x"] = 9
    assert frame("v") is df
    df.loc[0, "x"] = 5  # what a page must never do: every session would see 5
    with pytest.raises(cache.SharedValueChanged, match="frame"):
        frame("v")


def test_under_audit_a_changed_attr_or_dict_is_caught_too(monkeypatch):
    monkeypatch.setenv(cache.AUDIT_ENV, "1")

    @cache.shared(4)
    def figures(v: str) -> dict:
        df = pd.DataFrame({"x": [1]})
        df.attrs["roles"] = ["a"]
        return {"df": df, "bounds": (0, 1)}

    out = figures("v")
    out["df"].attrs["roles"].append("b")
    with pytest.raises(cache.SharedValueChanged):
        figures("v")


def test_results_of_earlier_versions_of_the_same_file_are_dropped_and_others_kept():
    @cache.shared(16)
    def frame(v: str, n: int) -> list:
        return [v, n]

    cache.clear_all()  # per-version stores filled by earlier tests in this process would be counted too
    old, new, other = "/w/a.duckdb:1:10:100", "/w/a.duckdb:2:20:100", "/w/b.duckdb:1:10:100"
    for v in (old, new, other):
        frame(v, 3)
    kept = frame(new, 3)
    assert cache.drop_superseded(new) == 1
    assert frame(new, 3) is kept  # still cached
    assert len(frame.cache.values) == 2 and all(k[0][0] != old for k in frame.cache.values)


def test_a_per_object_value_lives_as_long_as_its_object():
    """Keyed by id(): a value is found for its own object only, and goes when the object goes
    (its id may then be reused by another object, which must not see the value)."""
    per = cache.PerObject()
    frame, other = pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]})
    assert per.get_or_compute(frame, lambda: "mine") == "mine"
    assert per.get_or_compute(frame, lambda: "again") == "mine"
    assert per.get(other) is None and per.get(frame, part="signed") is None
    gone = weakref.ref(frame)
    del frame
    gc.collect()
    assert gone() is None and len(per) == 0
