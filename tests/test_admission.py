"""dashboard.admission: page runs take turns; a run never waits longer than the turn's limit."""

from __future__ import annotations

import threading

import pytest

from dashboard import admission


def hold(turns: admission.Turns, log: list, name: str, entered: threading.Event, leave: threading.Event) -> None:
    with turns.turn() as taken:
        log.append((name, taken))
        entered.set()
        leave.wait(30)
    log.append((name, "out"))


def test_a_run_waits_until_the_one_before_it_is_done():
    turns = admission.Turns(1, wait=30)
    log: list = []
    first_in, first_out, second_in, never = (threading.Event() for _ in range(4))
    first = threading.Thread(target=hold, args=(turns, log, "first", first_in, first_out))
    second = threading.Thread(target=hold, args=(turns, log, "second", second_in, never))
    first.start()
    first_in.wait(10)
    second.start()
    assert not second_in.wait(0.5), "the second run started while the first held the only place"
    first_out.set()
    assert second_in.wait(10)
    never.set()
    first.join(10), second.join(10)
    assert log == [("first", True), ("first", "out"), ("second", True), ("second", "out")]


def test_two_places_let_two_runs_in_and_the_third_waits():
    turns = admission.Turns(2, wait=30)
    log: list = []
    leave = threading.Event()
    inside = [threading.Event() for _ in range(3)]
    threads = [threading.Thread(target=hold, args=(turns, log, str(i), inside[i], leave)) for i in range(3)]
    for i in (0, 1):
        threads[i].start()
        assert inside[i].wait(10)
    threads[2].start()
    assert not inside[2].wait(0.5)
    leave.set()
    assert inside[2].wait(10)
    for t in threads:
        t.join(10)
    assert sorted(x for x in log if x[1] is True) == [("0", True), ("1", True), ("2", True)]


def test_a_run_that_waited_too_long_runs_without_a_place():
    turns = admission.Turns(1, wait=0.2)
    log: list = []
    first_in, first_out, second_in, second_out = (threading.Event() for _ in range(4))
    first = threading.Thread(target=hold, args=(turns, log, "first", first_in, first_out))
    first.start()
    first_in.wait(10)
    second = threading.Thread(target=hold, args=(turns, log, "second", second_in, second_out))
    second.start()
    assert second_in.wait(10), "a held place must not stop a run for good"
    assert log[:2] == [("first", True), ("second", False)]
    second_out.set()  # the run without a place ends first: it must not give back the place it never took
    second.join(10)
    first_out.set()
    first.join(10)
    # the run without a place gave none back: the one place is free again, and only one
    with turns.turn() as a:
        with turns.turn() as b:
            assert (a, b) == (True, False)


class Stopped(BaseException):
    """Like st.rerun and st.stop, which end a run with a BaseException."""


def test_a_run_ended_by_rerun_or_stop_gives_its_place_back():
    turns = admission.Turns(1, wait=0.2)
    with pytest.raises(Stopped):
        with turns.turn() as taken:
            assert taken
            raise Stopped
    with turns.turn() as taken:
        assert taken, "the place was not given back"


def test_no_limit_lets_every_run_in():
    turns = admission.Turns(None)
    with turns.turn() as a, turns.turn() as b:
        assert (a, b) == (False, False)


@pytest.mark.parametrize(("raw", "places"), [("", admission.DEFAULT_RUNS), ("2", 2), (" 4 ", 4), ("0", None),
                                              ("many", admission.DEFAULT_RUNS), ("-1", admission.DEFAULT_RUNS)])
def test_the_setting(raw, places):
    assert admission.places(raw) == places
