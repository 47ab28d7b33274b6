"""URL state: parsing, fallbacks with notices, and the round trip."""

import datetime as dt

from dashboard.state import ViewState, parse_params
from etl.reference import REGION_ORDER

DATES = [dt.date(2021, 4, 1), dt.date(2022, 4, 1), dt.date(2023, 4, 1)]
PREFS = {f"{i:02d}" for i in range(1, 48)}


def parse(params):
    return parse_params(params, DATES, REGION_ORDER, PREFS)


def test_defaults_are_latest_date_and_three():
    view, notices = parse({})
    assert view == ViewState(date=dt.date(2023, 4, 1), n=3)
    assert notices == []


def test_round_trip_reproduces_the_view():
    view = ViewState(date=dt.date(2022, 4, 1), n=2, region="近畿", metric="severe_share", pref="28", present=True)
    again, notices = parse(view.params())
    assert again == view and notices == []


def test_bad_parameters_fall_back_with_japanese_notices():
    view, notices = parse({"date": "2099-01-01", "n": "abc", "region": "火星", "metric": "x", "pref": "99"})
    assert view == ViewState(date=dt.date(2023, 4, 1), n=3)
    assert len(notices) == 5
    assert "date=2099-01-01" in notices[0] and "調査基準日にない" in notices[0]
    assert "n=abc" in notices[1]
    assert "region=火星" in notices[2]
    assert "pref=99" in notices[4]


def test_pref_accepts_one_digit_and_malformed_date():
    view, notices = parse({"pref": "1", "date": "2023/04/01"})
    assert view.pref == "01"
    assert "YYYY-MM-DD" in notices[0]
