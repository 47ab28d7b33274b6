"""The capacity benchmark's tooling (testing/capacity.py, driven by bench/capacity.py) on a real server, small and short:
its users' URLs are real views of the app, and one step measures reruns, a publish, CPU and RSS."""

from __future__ import annotations

import datetime as dt
import random
from urllib.parse import parse_qsl

import pytest

import testing
from dashboard.metrics import METRIC_KEYS
from dashboard.state import parse_params
from etl.reference import REGION_ORDER
from testing import capacity


def test_every_view_a_simulated_user_opens_is_a_valid_url_of_the_app():
    dates = capacity.base_dates(testing.sample_db())
    parsed_dates = [dt.date.fromisoformat(d) for d in dates]
    prefs = {f"{i:02d}" for i in range(1, 48)}
    user, pages, actions = capacity.User(random.Random(3), dates), set(), set()
    for _ in range(300):
        actions.add(user.next())
        pages.add(user.page)
        params = dict(parse_qsl(user.query()))
        _, notices = parse_params(params, parsed_dates, REGION_ORDER, prefs, METRIC_KEYS)
        assert notices == [], (user.page, params, notices)
        assert ("pref" in params) == (user.page == "prefecture")
    assert pages == {"", "prefecture", "talent", "progress", "data"}
    assert actions == {"page view", "prefecture switch", "filter change"}


@pytest.mark.server
def test_one_short_step_measures_reruns_a_publish_cpu_and_memory(warming):
    step = capacity.run_step(testing.sample_db(), n=3, duration=8, think=(1.0, 2.0), publishes=1)
    assert step.errors == [], step.errors
    assert step.publishes_ok == step.publishes == 1
    assert step.reruns >= 6  # 3 sessions, a rerun every 1–2 s for 8 s
    assert 0 < step.p50 <= step.p95 <= step.worst < capacity.RERUN_TIMEOUT
    assert step.cores > 0 and step.rss_idle > 50 * 2**20 and step.rss_end > 0
    assert step.passed == (step.p95 <= capacity.P95_TARGET)
    assert "N=3:" in step.row()


def test_reruns_away_from_publishes_leave_out_those_running_at_or_started_soon_after_one():
    after = capacity.AFTER_PUBLISH
    samples = [capacity.Sample(at, seconds, "page view") for at, seconds in [
        (0.0, 0.5),                 # before the publish: kept
        (99.0, 2.0),                # running when it landed at 100: left out
        (100.0 + after - 0.1, 0.2),  # started inside the window: left out
        (100.0 + after, 0.3),       # started as the window ends: kept
        (200.0, 0.4),               # long after: kept
    ]]
    assert capacity.away_from_publishes(samples, [100.0]) == [0.5, 0.3, 0.4]
    assert capacity.away_from_publishes(samples, []) == [s.seconds for s in samples]
