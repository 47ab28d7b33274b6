"""前回比 when a survey covers only some prefectures: a one-prefecture survey between two national
ones is never the nation's 前回, a prefecture compares with its own last survey, and a prefecture
missing from either date has no change (never 0 − its previous count)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

import testing
from core.policy import POOL, SYSTEM
from core.store import DB_ENV
from dashboard import db, kpis
from dashboard.queries import common, summary
from dashboard.queries import prefecture as q

AS_OF = dt.date(2026, 12, 1)
BEFORE, BETWEEN, AFTER = dt.date(2024, 4, 1), dt.date(2024, 10, 1), dt.date(2025, 4, 1)  # sample's, 鳥取県's, sample's
TOTTORI, TOKYO = "31", "13"


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    """(the sample warehouse, a copy with 鳥取県's 19 municipalities surveyed on BETWEEN too, that survey)."""
    folder = tmp_path_factory.mktemp("previous")
    path = testing.copy_db(testing.sample_db(), folder / "wh")
    survey = testing.prefecture_survey(folder, "survey_31.csv", 5, 1)  # counts (i + 5) % 7
    testing.run_etl("load", "survey", survey, "--db", path, "--base-date", BETWEEN.isoformat(), check=True)
    return testing.sample_db(), path, survey


def version_of(path, monkeypatch) -> str:
    monkeypatch.setenv(DB_ENV, str(path))
    return db.version()


def shortage_count(path, date: dt.date, pref: str | None, n: int = 3) -> tuple[int, int]:
    """(surveyed, staff ≤ n) of one prefecture (or all) on date, counted straight from staff_survey."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT count(s.dx_staff), count(*) FILTER (WHERE s.dx_staff <= ?) FROM staff_survey s "
            "JOIN municipalities m USING (lg_code) WHERE s.base_date = ? AND (? IS NULL OR m.prefecture_code = ?)",
            [n, date, pref, pref]).fetchone()


def test_the_previous_survey_of_a_view(warehouses, monkeypatch):
    v = version_of(warehouses[1], monkeypatch)
    assert common.base_dates(v)[-3:] == [BEFORE, BETWEEN, AFTER]
    assert common.previous_date(v, AFTER) == BEFORE  # the nation's: 鳥取県 alone is not a 前回 of all 47
    assert common.previous_date(v, AFTER, (TOTTORI,)) == BETWEEN  # 鳥取県's own last survey
    assert common.previous_date(v, AFTER, (TOKYO,)) == BEFORE
    assert common.previous_date(v, BETWEEN) == BEFORE  # what BETWEEN covers (鳥取県) was last surveyed then
    assert common.previous_date(v, BETWEEN, (TOKYO,)) == BEFORE  # not answered on BETWEEN: its last survey
    assert common.previous_date(v, common.base_dates(v)[0]) is None


def test_a_one_prefecture_survey_leaves_the_nations_change_alone(warehouses, monkeypatch):
    plain, with_tottori, _ = warehouses
    keys = ("prev_surveyed", "prev_shortage", "shortage_change", "shortage_share_change", "prev_date")
    before = {k: summary.national(version_of(plain, monkeypatch), AFTER, 3, AS_OF)[k] for k in keys}
    after = {k: summary.national(version_of(with_tottori, monkeypatch), AFTER, 3, AS_OF)[k] for k in keys}
    assert after == before
    assert before["prev_date"] == BEFORE and before["prev_surveyed"] == 1741
    surveyed, short = shortage_count(plain, AFTER, None)
    prev_surveyed, prev_short = shortage_count(plain, BEFORE, None)
    assert before["shortage_change"] == short - prev_short
    assert before["shortage_share_change"] == pytest.approx(short / surveyed - prev_short / prev_surveyed)


def test_on_a_one_prefecture_date_only_that_prefecture_is_compared(warehouses, monkeypatch):
    path = warehouses[1]
    v = version_of(path, monkeypatch)
    rows = summary.by_prefecture(v, BETWEEN, 3, AS_OF).set_index("prefecture_code")
    surveyed, short = shortage_count(path, BETWEEN, TOTTORI)
    prev_surveyed, prev_short = shortage_count(path, BEFORE, TOTTORI)
    assert surveyed == 19 and rows.loc[TOTTORI, "shortage_change"] == short - prev_short
    # the other 46 were not surveyed on BETWEEN: no change, where 0 − their previous count was shown
    others = rows.drop(index=TOTTORI)
    assert others.shortage_change.isna().all() and others.shortage_share_change.isna().all()
    assert others.prev_shortage.isna().all()
    nat = summary.national(v, BETWEEN, 3, AS_OF)
    assert (nat["surveyed"], nat["paired_surveyed"], nat["prev_surveyed"]) == (19, 19, prev_surveyed)
    assert nat["shortage_change"] == short - prev_short
    assert nat["shortage_share_change"] == pytest.approx(short / surveyed - prev_short / prev_surveyed)
    # a 地方 without a survey on BETWEEN has nothing to compare; 中国 has 鳥取県's
    assert summary.area(v, BETWEEN, 3, AS_OF, "関東")["shortage_change"] is None
    assert summary.area(v, BETWEEN, 3, AS_OF, "中国")["shortage_change"] == short - prev_short
    kpi = kpis.change_kpi(summary.area(v, BETWEEN, 3, AS_OF, "関東"), BEFORE, "（関東）")
    assert (kpi.value, kpi.note, kpi.change) == ("—", "前回と同じ都道府県の回答なし", False)


def test_a_prefecture_table_compares_with_its_own_last_survey(warehouses, monkeypatch):
    _, path, survey = warehouses
    v = version_of(path, monkeypatch)
    prev = common.previous_date(v, AFTER, (TOTTORI,))
    munis = q.municipalities(v, TOTTORI, AFTER, prev, 3, AS_OF)
    staff = pd.read_csv(survey, dtype={"団体コード": str}).set_index("団体コード")["DX担当職員数"]
    assert dict(zip(munis.lg_code, munis.prev_staff, strict=True)) == {c: float(staff[c]) for c in munis.lg_code}
    assert (munis.change == munis.dx_staff - munis.prev_staff).all()


def test_a_comparison_over_part_of_todays_answers_says_so(warehouses, monkeypatch):
    """With no earlier survey covering every prefecture answered today, the marts compare the
    prefectures both dates have, and the KPI says how many answers that is."""
    path = warehouses[1]
    v = version_of(path, monkeypatch)
    nat = summary.national(v, AFTER, 3, AS_OF)
    with duckdb.connect() as con:
        con.execute("ATTACH ? AS w (READ_ONLY)", [str(path)])
        con.execute("USE w")
        got = con.execute("SELECT paired_surveyed, shortage_change FROM shortage_summary(?, ?, 3, ?, ?, ?) "
                          "WHERE area_code = '00'", [AFTER, BETWEEN, AS_OF, SYSTEM, POOL]).fetchone()
    surveyed, short = shortage_count(path, AFTER, TOTTORI)
    prev_surveyed, prev_short = shortage_count(path, BETWEEN, TOTTORI)
    assert got == (19, short - prev_short)  # 鳥取県 only, against its 19 answers on BETWEEN
    kpi = kpis.change_kpi(nat | {"paired_surveyed": 19, "shortage_change": got[1]}, BETWEEN, "")
    assert kpi.note.endswith("前回と同じ都道府県（回答 19 団体）で比較") and kpi.change


def test_a_trend_draws_the_nation_only_on_nationwide_surveys(warehouses, monkeypatch):
    from dashboard import slides

    v = version_of(warehouses[1], monkeypatch)
    dates = common.base_dates(v)
    assert common.nationwide_dates(v) == frozenset(dates) - {BETWEEN}
    tottori = q.shortage_trend(v, TOTTORI, dates, 3, AS_OF).set_index("base_date")
    surveyed, short = shortage_count(warehouses[1], BETWEEN, TOTTORI)
    assert tottori.pref_share[BETWEEN] == pytest.approx(short / surveyed)
    assert pd.isna(tottori.national_share[BETWEEN])  # 鳥取県's 19 are not the nation's point
    assert tottori.national_share.drop(index=BETWEEN).notna().all()
    tokyo = q.shortage_trend(v, TOKYO, dates, 3, AS_OF).set_index("base_date")
    assert pd.isna(tokyo.pref_share[BETWEEN]) and tokyo.pref_share.drop(index=BETWEEN).notna().all()
    # the deck's trend slide: each line only where it has a survey
    rows = slides._trend_rows(v, 3, AS_OF, TOKYO)
    assert BETWEEN not in {d.date() for d in rows.base_date}
    rows = slides._trend_rows(v, 3, AS_OF, TOTTORI)
    assert [(d.date(), s) for d, s in zip(rows.base_date, rows.series, strict=True) if d.date() == BETWEEN] == \
        [(BETWEEN, "鳥取県")]


def test_the_national_page_says_when_a_base_date_is_not_a_national_survey(warehouses):
    path = warehouses[1]
    at = testing.app_test(path, params={"date": BETWEEN.isoformat()})
    assert not at.exception
    infos = [i.value for i in at.info]
    assert any("は全国の調査ではありません（回答は 鳥取県）" in i for i in infos), infos
    assert any("前回（2024-04-01）からの変化" in m.label for m in at.metric)
    at = testing.app_test(path, params={"date": AFTER.isoformat()})
    assert not at.exception
    assert not any("全国の調査ではありません" in i.value for i in at.info)
