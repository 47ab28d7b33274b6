"""人材プール and 体制構築の進捗 through AppTest: every figure on the pages is checked against
direct SQL on the warehouse file, and the table builders against the same SQL on other dates."""

from __future__ import annotations

import base64
import datetime as dt
import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.state.common import user_key_from_element_id

import testing
from core.policy import DEADLINE, MILESTONES
from dashboard.queries.talent import quarter_ends
from dashboard.tables import SMALL_CELL_TEXT, lagging_table, suppress_small

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

TALENT, PROGRESS = "pages/talent.py", "pages/progress.py"
ROLES = ["プロデューサー", "プロジェクトマネージャー", "サービスデザイナー", "エンジニア"]
LATEST = "2025-04-01"
ERROR_TEXT = "この画面の表示中に問題が起きました"


@pytest.fixture(scope="module")
def db():
    return testing.sample_db()


@pytest.fixture(scope="module")
def today():
    return dt.date.today()


def sql(db, text, params=None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(text, params or []).fetchall()


def run(db, page, params=None):
    at = testing.app_test(db, page=page, params=params or {"date": LATEST, "n": "3"})
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if ERROR_TEXT in e.value], "the page raised (see the log)"
    return at


def metrics(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def figures(at) -> dict[str, dict]:
    """Each plotly chart's figure JSON by its widget key."""
    return {user_key_from_element_id(c.proto.id): json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def decode(values):
    """plotly 7 ships numeric arrays as base64 typed arrays."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def table_with(at, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with a {column} column"
    return found[0]


# -- both pages render ----------------------------------------------------------------------

@pytest.mark.parametrize("page,charts,heads", [
    (TALENT, {"supply_need", "coverage_map", "mix_role", "mix_form", "accelerators", "pool_trend"},
     ["人材の供給と不足自治体（都道府県別）", "人材プールのカバー率", "人材の構成", "個人情報の扱い"]),
    (PROGRESS, {"burnup", "matrix", "models"},
     ["都道府県 × マイルストーン（全国）", "遅れている都道府県", "モデル別の比較（全国）"]),
])
def test_page_renders_its_charts_and_sections(db, page, charts, heads):
    at = run(db, page)
    assert set(figures(at)) == charts
    subheaders = [s.value for s in at.subheader]
    for head in heads:
        assert head in subheaders
    # Every chart carries a 出典 caption with the sample notice.
    captions = [c.value for c in at.caption if c.value.startswith("出典")]
    assert len(captions) >= len(charts)
    assert all("サンプル（架空）データ" in c for c in captions)
    # ... and a PNG download of its own (Chromium is required: `make test` installs it).
    pngs = {user_key_from_element_id(b.proto.id) for b in at.get("download_button") if b.proto.label == "PNG"}
    assert pngs == {f"{k}_png" for k in charts}


@pytest.mark.parametrize("page", [TALENT, PROGRESS])
@pytest.mark.parametrize("params", [{"date": "2021-04-01", "n": "0"}, {"date": "2024-04-01", "n": "10"},
                                    {"date": LATEST, "n": "3", "region": "四国"},
                                    {"date": LATEST, "n": "3", "pref": "47"}])
def test_pages_render_for_other_views(db, page, params):
    run(db, page, params)


# -- 人材プール --------------------------------------------------------------------------------

def test_talent_kpis_match_sql(db, today):
    at = run(db, TALENT)
    pool, acc = sql(db, """SELECT count(DISTINCT person_id), count(DISTINCT person_id) FILTER (WHERE is_accelerator)
                           FROM talent_roster WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?)""",
                    [today, today])[0]
    shortage, covered = sql(db, """
        SELECT count(*), count(*) FILTER (WHERE s.lg_code IN (
            SELECT lg_code FROM talent_assignment WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?)))
        FROM staff_survey s WHERE s.base_date = ? AND s.dx_staff <= 3""", [today, today, LATEST])[0]
    kpis = metrics(at)
    assert kpis["人材プール（全国）"][0] == f"{pool:,} 人"
    assert kpis["アクセラレータ（在任）"] == (f"{acc:,} / 500 人", f"目標まで あと {500 - acc:,} 人")
    assert kpis["不足自治体のカバー率"][0] == f"{covered / shortage * 100:.1f}%"
    assert kpis["支援のない不足自治体"][0] == f"{shortage - covered:,} 団体"
    # The national page shows the same accelerators (one function serves both).
    national = metrics(run(db, "pages/national.py"))
    assert national["自治体DXアクセラレータ（在任）"][0] == f"{acc:,} / 500 人"


def test_supply_table_matches_sql_by_prefecture_and_role(db, today):
    table = table_with(run(db, TALENT), "人材プール（人）").set_index("都道府県コード")
    assert len(table) == 47
    rows = sql(db, """SELECT prefecture_code, role, count(DISTINCT person_id) FROM talent_roster
                      WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?) GROUP BY ALL""", [today, today])
    expected = pd.DataFrame(rows, columns=["code", "role", "n"]).pivot_table(
        index="code", columns="role", values="n", fill_value=0).reindex(index=table.index, columns=ROLES,
                                                                        fill_value=0)
    assert (table[ROLES].to_numpy() == expected.to_numpy()).all()
    assert (table["人材プール（人）"] == table[ROLES].sum(axis=1)).all()
    shortage = dict(sql(db, """SELECT m.prefecture_code, count(*) FROM staff_survey s JOIN municipalities m USING (lg_code)
                               WHERE s.base_date = ? AND s.dx_staff <= 3 GROUP BY 1""", [LATEST]))
    assert table["不足自治体（3人以下）"].to_dict() == {c: shortage.get(c, 0) for c in table.index}


@pytest.mark.parametrize("code,name,expected", [
    ("38", "愛媛県", {"プロデューサー": 1, "プロジェクトマネージャー": 1, "サービスデザイナー": 5, "エンジニア": 0}),
    ("34", "広島県", {"プロデューサー": 2, "プロジェクトマネージャー": 2, "サービスデザイナー": 3, "エンジニア": 0}),
    ("20", "長野県", {"プロデューサー": 2, "プロジェクトマネージャー": 2, "サービスデザイナー": 5, "エンジニア": 0}),
])
def test_model_prefectures_show_their_published_pools(db, code, name, expected):
    at = run(db, TALENT)
    at.date_input(key="talent_pool_on").set_value(dt.date(2023, 4, 1)).run()
    row = table_with(at, "人材プール（人）").set_index("都道府県コード").loc[code]
    assert row["都道府県"] == name
    assert {r: int(row[r]) for r in ROLES} == expected
    # Narrowed to the prefecture: its KPI and its anonymous list (id and role only).
    at.multiselect(key="talent_prefs_all").set_value([code]).run()
    total = sum(expected.values())
    assert metrics(at)[f"人材プール（{name}）"][0] == f"{total} 人"
    people = table_with(at, "匿名ID")
    assert list(people.columns) == ["匿名ID", "役割"]
    assert people["役割"].value_counts().to_dict() == {r: n for r, n in expected.items() if n}
    assert people["匿名ID"].str.fullmatch(r"T[0-9a-f]{16}").all()


def test_kumamoto_shows_pm_3_and_7_engineers_or_designers(db):
    at = run(db, TALENT)
    at.date_input(key="talent_pool_on").set_value(dt.date(2023, 4, 1)).run()
    row = table_with(at, "人材プール（人）").set_index("都道府県コード").loc["43"]
    assert row["都道府県"] == "熊本県"
    assert int(row["プロジェクトマネージャー"]) == 3
    assert int(row["エンジニア"]) + int(row["サービスデザイナー"]) == 7
    assert int(row["プロデューサー"]) == 0


def test_uncovered_list_matches_sql_and_follows_the_region(db, today):
    params = {"date": LATEST, "n": "3", "region": "九州・沖縄"}
    at = run(db, TALENT, params)
    listed = table_with(at, "団体コード")
    expected = [r[0] for r in sql(db, """
        SELECT s.lg_code FROM staff_survey s JOIN municipalities m USING (lg_code)
        WHERE s.base_date = ? AND s.dx_staff <= 3 AND m.prefecture_code BETWEEN '40' AND '47'
          AND s.lg_code NOT IN (SELECT lg_code FROM talent_assignment
                                WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?))
        ORDER BY 1""", [LATEST, today, today])]
    assert expected, "the sample should have uncovered shortage municipalities in 九州・沖縄"
    assert list(listed["団体コード"]) == expected
    assert any(f"支援のない不足自治体：{len(expected):,} 団体" in m.value for m in at.markdown)
    assert len(table_with(at, "人材プール（人）")) == 8  # 8 prefectures in 九州・沖縄


def test_municipality_counts_below_three_are_suppressed(db, today):
    at = run(db, TALENT)
    support_table = table_with(at, "支援する人材").set_index("団体コード")
    counts = dict(sql(db, """SELECT lg_code, count(DISTINCT person_id) FROM talent_assignment
                             WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?) GROUP BY 1""",
                      [today, today]))
    assert set(support_table.index) == set(counts)
    shown = support_table["支援する人材"].to_dict()
    small = [c for c, n in counts.items() if n < 3]
    large = [c for c, n in counts.items() if n >= 3]
    assert small and large, "the sample should have both small and large cells"
    assert all(shown[c] == SMALL_CELL_TEXT for c in small)
    assert all(shown[c] == str(counts[c]) for c in large)
    text = " ".join(m.value for m in at.markdown)
    assert "3人未満" in text and "特定" in text  # the reason is given on the page


def test_suppress_small():
    assert [suppress_small(x) for x in (0, 1, 2, 3, 12)] == ["0", SMALL_CELL_TEXT, SMALL_CELL_TEXT, "3", "12"]


def test_quarter_ends():
    assert quarter_ends(dt.date(2022, 6, 1), dt.date(2023, 1, 15)) == [
        dt.date(2022, 6, 30), dt.date(2022, 9, 30), dt.date(2022, 12, 31), dt.date(2023, 1, 15)]
    assert quarter_ends(dt.date(2023, 1, 1), dt.date(2023, 3, 31)) == [dt.date(2023, 3, 31)]


def test_pool_and_accelerators_over_time_match_sql(db, today):
    figs = figures(run(db, TALENT))
    acc = figs["accelerators"]["data"][0]
    dates = [dt.date.fromisoformat(str(x)[:10]) for x in acc["x"]]
    first = sql(db, "SELECT min(start_date) FROM talent_roster")[0][0]
    assert dates == quarter_ends(first, today)
    counts = decode(acc["y"])
    expected = [sql(db, """SELECT count(DISTINCT person_id) FILTER (WHERE is_accelerator) FROM talent_roster
                           WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?)""", [d, d])[0][0]
                for d in dates]
    assert counts == expected
    shapes = figs["accelerators"]["layout"]["shapes"]
    assert any(s.get("y0") == 500 and s.get("y1") == 500 for s in shapes)  # the target line
    notes = " ".join(a["text"] for a in figs["accelerators"]["layout"]["annotations"])
    assert f"目標まで あと {500 - expected[-1]:,}人" in notes

    total = next(t for t in figs["pool_trend"]["data"] if t["name"] == "合計")
    pool = [sql(db, """SELECT count(DISTINCT person_id) FROM talent_roster
                       WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?)""", [d, d])[0][0] for d in dates]
    assert decode(total["y"]) == pool
    assert len(set(pool)) > 2, "the pool should change over time in the sample"


def test_coverage_map_values_match_sql(db, today):
    fig = figures(run(db, TALENT))["coverage_map"]
    trace = next(t for t in fig["data"] if t.get("colorscale") and "colorbar" in t)
    z = dict(zip(trace["locations"], decode(trace["z"]), strict=True))
    rows = sql(db, """
        SELECT m.prefecture_code, count(*) AS shortage,
               count(*) FILTER (WHERE s.lg_code IN (SELECT lg_code FROM talent_assignment
                                WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?))) AS covered
        FROM staff_survey s JOIN municipalities m USING (lg_code)
        WHERE s.base_date = ? AND s.dx_staff <= 3 GROUP BY 1""", [today, today, LATEST])
    expected = {code: covered / shortage for code, shortage, covered in rows}
    assert set(z) == set(expected)
    assert all(abs(z[c] - expected[c]) < 1e-9 for c in z)


# -- 体制構築の進捗 ------------------------------------------------------------------------------

def reached(db, milestone, by) -> int:
    return sql(db, "SELECT count(DISTINCT prefecture_code) FROM dx_system_status WHERE milestone = ? AND achieved_on <= ?",
               [milestone, by])[0][0]


BEFORE, AFTER = dt.date(2025, 12, 1), dt.date(2026, 12, 1)  # either side of 令和7年度末 (2026-03-31)


def page_texts(at) -> list[str]:
    """Every text of a page (headings, Markdown, captions, KPI cards), unescaped."""
    texts = [e.value for kind in ("title", "subheader", "markdown", "caption") for e in at.get(kind)]
    texts += [f"{m.label} {m.value} {m.delta}" for m in at.metric]
    return [t.replace("\\", "") for t in texts]


def reached_after_deadline(db, milestone, as_of) -> list[tuple[str, str]]:
    """(date, prefecture) of each prefecture that first reached milestone after the deadline, by as_of."""
    return [(d.isoformat(), name) for d, name in sql(db, """
        SELECT min(d.achieved_on) AS first, p.name FROM dx_system_status d JOIN prefectures p USING (prefecture_code)
        WHERE d.milestone = ? GROUP BY p.name HAVING first > ? AND first <= ? ORDER BY first, p.name""",
        [milestone, DEADLINE, as_of])]


def test_progress_counts_down_before_the_deadline(db, monkeypatch):
    monkeypatch.setenv("DXGAP_TODAY", BEFORE.isoformat())
    at = run(db, PROGRESS)
    kpis = metrics(at)
    m2, m3, m4 = reached(db, 2, BEFORE), reached(db, 3, BEFORE), reached(db, 4, BEFORE)
    days = (DEADLINE - BEFORE).days
    assert at.subheader[0].value.replace("\\", "") == (
        f"令和7年度末（2026-03-31）まで あと {days} 日：地域DX推進体制 {m2}/47（{BEFORE} 時点）、あと {47 - m2} 都道府県")
    assert kpis["地域DX推進体制を構築（2）"] == (f"{m2} / 47", f"あと {47 - m2} 都道府県")
    assert kpis["人材プール機能を確保（3）"] == (f"{m3} / 47", f"あと {47 - m3} 都道府県")
    assert kpis["人材派遣を開始（4）"] == (f"{m4} / 47", f"{BEFORE} 時点")
    assert kpis["令和7年度末"] == ("2026-03-31", f"期限まで あと {days} 日")
    national = metrics(run(db, "pages/national.py"))
    assert national["地域DX推進体制を構築した都道府県"] == (f"{m2} / 47", f"あと {47 - m2} 都道府県／人材プール機能 {m3} / 47")


def test_progress_states_the_result_first_after_the_deadline(db, monkeypatch):
    """令和7年度末 has passed: the result as of the deadline comes first, then what happened since;
    no countdown and no question in the future tense anywhere on the page."""
    monkeypatch.setenv("DXGAP_TODAY", AFTER.isoformat())
    at = run(db, PROGRESS)
    kpis = metrics(at)
    d2, d3 = reached(db, 2, DEADLINE), reached(db, 3, DEADLINE)
    m2, m3, m4 = reached(db, 2, AFTER), reached(db, 3, AFTER), reached(db, 4, AFTER)
    late2, late3 = reached_after_deadline(db, 2, AFTER), reached_after_deadline(db, 3, AFTER)
    assert late2 and late3, "the sample has prefectures that reached both after the deadline"
    assert (len(late2), len(late3)) == (m2 - d2, m3 - d3)
    texts = page_texts(at)
    # The page's first heading and paragraph (the browser test checks they come before the KPIs).
    assert at.subheader[0].value.replace("\\", "") == f"令和7年度末（2026-03-31）時点：地域DX推進体制 {d2}/47、未達 {47 - d2}"
    first = at.markdown[0].value.replace("\\", "")
    assert f"人材プール機能 {d3}/47、未達 {47 - d3}（同じく令和7年度末時点）" in first
    assert (f"その後 {AFTER} までに：地域DX推進体制 +{len(late2)}（計 {m2}/47）、"
            f"人材プール機能 +{len(late3)}（計 {m3}/47）") in first
    details = at.markdown[1].value.replace("\\", "")
    assert "期限後に地域DX推進体制を構築：" + "、".join(f"{d} {name}" for d, name in late2) in details
    assert "期限後に人材プール機能を確保：" + "、".join(f"{d} {name}" for d, name in late3) in details
    assert kpis["地域DX推進体制（令和7年度末時点）"] == (
        f"{d2} / 47", f"未達 {47 - d2}・期限後に構築 {len(late2)}（{AFTER} 時点 {m2} / 47）")
    assert kpis["人材プール機能（令和7年度末時点）"] == (
        f"{d3} / 47", f"未達 {47 - d3}・期限後に確保 {len(late3)}（{AFTER} 時点 {m3} / 47）")
    assert kpis["人材派遣を開始（4）"] == (f"{m4} / 47", f"{AFTER} 時点")
    assert kpis["令和7年度末"] == ("2026-03-31", f"期限から {(AFTER - DEADLINE).days} 日経過")
    assert not [t for t in texts if "都道府県" in t and "あと" in t], "no countdown once the deadline has passed"
    assert not [t for t in texts if "整うか" in t]
    national = metrics(run(db, "pages/national.py"))
    assert national["地域DX推進体制（令和7年度末時点）"] == (
        f"{d2} / 47", f"未達 {47 - d2}・期限後 +{len(late2)}／人材プール機能 {d3} / 47")
    assert "地域DX推進体制を構築した都道府県" not in national


def test_burnup_ends_on_the_warehouse_count_with_the_deadline_drawn(db, today):
    fig = figures(run(db, PROGRESS))["burnup"]
    lines = {t["name"].split(" ")[0]: t for t in fig["data"] if t.get("mode") == "lines"}
    assert set(lines) == {"2", "3"}
    for m in (2, 3):
        ys = decode(lines[str(m)]["y"])
        xs = [str(x)[:10] for x in lines[str(m)]["x"]]
        assert ys[-1] == reached(db, m, today)
        assert xs[-1] == today.isoformat()
        assert ys == sorted(ys), "a burn-up never goes down"
        # Each step is the count reached by that day.
        for x, y in zip(xs[1:], ys[1:], strict=True):
            assert y == reached(db, m, dt.date.fromisoformat(x))
    shapes = fig["layout"]["shapes"]
    assert any(str(s.get("x0", ""))[:10] == DEADLINE.isoformat() for s in shapes)
    assert any(s.get("y0") == 47 and s.get("y1") == 47 for s in shapes)  # the 47 line
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert any("令和7年度末" in t and "2026-03-31" in t for t in notes)
    if today != DEADLINE:
        assert any(f"{today.isoformat()} 時点" in t for t in notes)  # the "as of" date is visible


def test_milestone_matrix_matches_sql_in_both_orders(db, today):
    at = run(db, PROGRESS)
    matrix = table_with(at, "0 認識共有・機運醸成")
    assert len(matrix) == 47
    assert list(matrix["都道府県コード"]) == sorted(matrix["都道府県コード"])
    rows = sql(db, "SELECT prefecture_code, milestone, min(achieved_on) FROM dx_system_status "
                   "WHERE achieved_on <= ? GROUP BY ALL", [today])
    expected = {(c, m): d.isoformat() for c, m, d in rows}
    for _, row in matrix.iterrows():
        for k, name in MILESTONES.items():
            assert row[f"{k} {name}"] == expected.get((row["都道府県コード"], k), ""), (row["都道府県"], k)
    at.radio(key="progress_order").set_value("progress").run()
    ordered = table_with(at, "0 認識共有・機運醸成")
    top = [max((k for k in MILESTONES if row[f"{k} {MILESTONES[k]}"]), default=-1) for _, row in ordered.iterrows()]
    assert top == sorted(top, reverse=True)
    assert sorted(ordered["都道府県コード"]) == sorted(matrix["都道府県コード"])


def lagging_codes(db, by) -> set[str]:
    done = {m: {r[0] for r in sql(db, "SELECT DISTINCT prefecture_code FROM dx_system_status "
                                      "WHERE milestone = ? AND achieved_on <= ?", [m, by])} for m in (2, 3)}
    everyone = {r[0] for r in sql(db, "SELECT prefecture_code FROM prefectures")}
    return {c for c in everyone if c not in done[2] or c not in done[3]}


def test_lagging_prefectures_match_sql_with_their_shortage(db, today):
    at = run(db, PROGRESS)
    lag = table_with(at, "遅れ（日）")
    expected = lagging_codes(db, min(DEADLINE, today))
    assert expected, "the sample has prefectures without a pool"
    assert set(lag["都道府県コード"]) == expected
    shortage = dict(sql(db, """SELECT m.prefecture_code, count(*) FROM staff_survey s JOIN municipalities m USING (lg_code)
                               WHERE s.base_date = ? AND s.dx_staff <= 3 GROUP BY 1""", [LATEST]))
    for r in lag.to_dict("records"):
        assert r["不足自治体（3人以下）"] == shortage.get(r["都道府県コード"], 0)
    if today > DEADLINE:
        unmet = sql(db, "SELECT prefecture_code FROM prefectures WHERE prefecture_code NOT IN "
                        "(SELECT prefecture_code FROM dx_system_status WHERE milestone = 3 AND achieved_on <= ?)",
                    [today])
        late = lag.set_index("都道府県コード")
        for (code,) in unmet:
            assert late.loc[code, "3 人材プール機能の確保"] == f"未達（期限から{(today - DEADLINE).days:,}日経過）"
    assert any(f"都道府県：{len(expected)}" in m.value for m in at.markdown)


@pytest.mark.parametrize("as_of", [dt.date(2024, 6, 30), dt.date(2025, 12, 1), dt.date(2026, 9, 30)])
def test_lagging_table_before_and_after_the_deadline(db, as_of):
    """The builder for another 'today': before the deadline it lists those not done yet, after it
    those not done by the deadline (ctx.as_of is the real today, so the page itself shows one case)."""
    lag = lagging_table(_summary_rows(db, as_of), DEADLINE, as_of, 3)
    assert set(lag["都道府県コード"]) == lagging_codes(db, min(DEADLINE, as_of))
    if as_of < DEADLINE:
        assert not lag["2 推進体制の構築"].str.contains("日遅れ|経過").any()
        assert lag["3 人材プール機能の確保"].str.contains(f"期限まで あと{(DEADLINE - as_of).days:,}日").any()
    else:
        assert lag["3 人材プール機能の確保"].str.contains(f"期限から{(as_of - DEADLINE).days:,}日経過").any()


def test_lag_days_are_each_prefectures_own(db):
    """遅れ（日） after the deadline: per prefecture, days from the deadline to when it reached both
    milestones, or to today while one is missing; those that reached them late differ from the rest."""
    lag = lagging_table(_summary_rows(db, AFTER), DEADLINE, AFTER, 3).set_index("都道府県コード")
    firsts = dict(((c, m), d) for c, m, d in sql(db, "SELECT prefecture_code, milestone, min(achieved_on) "
                                                    "FROM dx_system_status WHERE milestone IN (2, 3) GROUP BY ALL"))
    for code, row in lag.iterrows():
        ends = [firsts.get((code, m)) for m in (2, 3)]
        ends = [AFTER if d is None or d > AFTER else d for d in ends]
        assert row["遅れ（日）"] == max((d - DEADLINE).days for d in ends), code
    assert lag["遅れ（日）"].nunique() >= 3, lag["遅れ（日）"].tolist()  # reached late on different days
    # Those still missing a milestone first (more missing, earlier), then the longest delay first.
    unmet = sum(lag[c].str.startswith("未達").astype(int) for c in ("2 推進体制の構築", "3 人材プール機能の確保"))
    order = list(zip(-unmet, -lag["遅れ（日）"], lag.index, strict=True))
    assert order == sorted(order) and unmet.max() >= 1 and (unmet == 0).any()


def _summary_rows(db, as_of) -> pd.DataFrame:
    """The columns lagging_table reads, straight from SQL."""
    rows = sql(db, """
        SELECT p.prefecture_code, p.name,
               min(d.achieved_on) FILTER (WHERE d.milestone = 2) AS system_on,
               min(d.achieved_on) FILTER (WHERE d.milestone = 3) AS pool_on,
               any_value(d.model) AS model
        FROM prefectures p LEFT JOIN dx_system_status d USING (prefecture_code) GROUP BY ALL ORDER BY 1""")
    df = pd.DataFrame(rows, columns=["prefecture_code", "name", "system_on", "pool_on", "model"])
    return df.assign(shortage=1, shortage_share=0.5, severe=0, pool_talent=0, coverage=float("nan"))


def test_models_table_and_chart_match_sql(db):
    at = run(db, PROGRESS)
    models = table_with(at, "カバー率の中央値(%)").set_index("モデル")
    expected = dict(sql(db, "SELECT model, count(DISTINCT prefecture_code) FROM dx_system_status GROUP BY 1"))
    assert models["都道府県数"].to_dict() == expected
    assert models.loc["協働宣言", "都道府県"].split("、").count("愛媛県") == 1
    for pref, model in (("愛媛県", "協働宣言"), ("広島県", "共同採用"), ("熊本県", "民間人材派遣"), ("長野県", "共同調達")):
        assert pref in models.loc[model, "都道府県"]
    boxes = figures(at)["models"]["data"]
    assert sum(len(b["text"]) for b in boxes) <= 47
    assert {b["name"].split("（")[0] for b in boxes} <= set(expected)


def test_progress_region_filter_narrows_the_matrix_and_lagging_list(db, today):
    at = run(db, PROGRESS, {"date": LATEST, "n": "3", "region": "九州・沖縄"})
    matrix = table_with(at, "0 認識共有・機運醸成")
    assert list(matrix["都道府県コード"]) == [f"{c}" for c in range(40, 48)]
    lag = table_with(at, "遅れ（日）")
    assert set(lag["都道府県コード"]) == {c for c in lagging_codes(db, min(DEADLINE, today)) if "40" <= c <= "47"}
    # The burn-up stays national: it ends on the same counts as without the filter.
    lines = [t for t in figures(at)["burnup"]["data"] if t.get("mode") == "lines"]
    assert [decode(t["y"])[-1] for t in lines] == [reached(db, 2, today), reached(db, 3, today)]


def test_pages_render_with_no_roster_and_no_status(tmp_path, monkeypatch):
    """A warehouse with only a survey: both pages still render, with zero pools and no progress."""
    monkeypatch.setenv("DXGAP_TODAY", AFTER.isoformat())
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "survey_2025-04-01.csv").write_bytes((testing.ROOT / "data/sample/survey_2025-04-01.csv").read_bytes())
    db = tmp_path / "wh" / "warehouse.duckdb"
    testing.run_etl("build", "--db", db, "--inputs", inputs, check=True)
    talent = run(db, TALENT)
    assert metrics(talent)["人材プール（全国）"][0] == "0 人"
    assert metrics(talent)["支援のない不足自治体"][0] == f"{sql(db, 'SELECT count(*) FROM staff_survey WHERE dx_staff <= 3')[0][0]:,} 団体"
    progress = run(db, PROGRESS)
    assert metrics(progress)["地域DX推進体制（令和7年度末時点）"][0] == "0 / 47"
    assert progress.subheader[0].value.replace("\\", "") == "令和7年度末（2026-03-31）時点：地域DX推進体制 0/47、未達 47"
    assert len(table_with(progress, "遅れ（日）")) == 47
