"""都道府県 page in AppTest: every prefecture renders, the table and KPIs equal direct SQL on the
warehouse, selectors and search work, the detail, the map spec (points, and polygons once the
real boundaries are loaded)."""

import datetime as dt
import json

import duckdb
import pytest

import testing

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

PAGE = "pages/prefecture.py"
CODES = [f"{i:02d}" for i in range(1, 48)]
KNOWN_COUNTS = {"01": 179, "13": 62, "29": 39, "47": 41}  # 北海道, 東京都, 奈良県, 沖縄県
DATE, PREV, N = "2023-04-01", "2022-04-01", 3


@pytest.fixture(scope="module")
def db():
    return testing.sample_db()


def sql(db, query, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params if isinstance(params, dict) else list(params)).fetchall()


@pytest.fixture(scope="module")
def muni_counts(db):
    return dict(sql(db, "SELECT prefecture_code, count(*) FROM municipalities GROUP BY 1"))


@pytest.fixture(scope="module")
def shared_at(db):
    """One AppTest for the 47-prefecture sweep: the prefecture changes through the URL and reruns."""
    return testing.app_test(db, page=PAGE, params={"date": DATE, "n": str(N), "pref": "01"})


def muni_table(at):
    """The municipality table (the st.dataframe whose first column is 団体コード)."""
    for df in at.dataframe:
        frame = df.value
        if len(frame.columns) and frame.columns[0] == "団体コード":
            return frame
    raise AssertionError("no municipality table")


def metrics(at):
    return {m.label: (m.value, m.delta) for m in at.metric}


def help_of(at, label: str) -> str:
    return next(m.proto.help for m in at.metric if m.label == label)


def flat(params) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in dict(params).items()}


def pct(x) -> str:
    return f"{x * 100:.1f}%"


@pytest.mark.parametrize("code", CODES)
def test_every_prefecture_renders_with_all_its_municipalities(db, shared_at, muni_counts, code):
    at = shared_at
    at.query_params["pref"] = code
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    name = sql(db, "SELECT name FROM prefectures WHERE prefecture_code = ?", [code])[0][0]
    assert at.title[0].value == f"{name}の市区町村"
    assert flat(at.query_params)["pref"] == code
    table = muni_table(at)
    assert len(table) == muni_counts[code]
    assert set(table["団体コード"]) == {r[0] for r in sql(
        db, "SELECT lg_code FROM municipalities WHERE prefecture_code = ?", [code])}
    if code in KNOWN_COUNTS:
        assert len(table) == KNOWN_COUNTS[code]


def test_known_counts_are_the_warehouse_counts(muni_counts):
    assert {c: muni_counts[c] for c in KNOWN_COUNTS} == KNOWN_COUNTS
    assert sum(muni_counts.values()) == 1741


@pytest.mark.parametrize("code,date,n", [("01", "2023-04-01", 3), ("13", "2025-04-01", 2), ("47", "2021-04-01", 5)])
def test_kpis_match_direct_sql(db, code, date, n):
    today = dt.date.today()
    at = testing.app_test(db, page=PAGE, params={"date": date, "n": str(n), "pref": code})
    assert not at.exception
    kpis = metrics(at)

    def counts(pref):  # pref None = the nation
        return sql(db, """
            SELECT count(*) FILTER (WHERE s.dx_staff <= $n), count(*) FILTER (WHERE s.dx_staff <= 1),
                   count(*) FILTER (WHERE s.dx_staff = 0), count(s.dx_staff),
                   count(*) FILTER (WHERE s.dx_staff <= $n AND m.lg_code IN (
                       SELECT lg_code FROM talent_assignment
                       WHERE start_date <= $today AND (end_date IS NULL OR end_date >= $today)))
            FROM municipalities m LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = $date
            WHERE $pref IS NULL OR m.prefecture_code = $pref""",
                   {"n": n, "today": today, "date": date, "pref": pref})[0]

    shortage, severe, zero, surveyed, covered = counts(code)
    n_short, n_severe, n_zero, n_surveyed, n_covered = counts(None)
    pool = sql(db, "SELECT count(DISTINCT person_id) FROM talent_roster WHERE prefecture_code = ? "
                   "AND start_date <= ? AND (end_date IS NULL OR end_date >= ?)", [code, today, today])[0][0]
    n_pool = sql(db, "SELECT count(DISTINCT person_id) FROM talent_roster "
                     "WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?)", [today, today])[0][0]

    value, note = kpis[f"{n}人以下の市区町村"]
    assert value == f"{shortage:,} 団体"
    assert note == f"{pct(shortage / surveyed)}（全国 {pct(n_short / n_surveyed)}）"
    value, note = kpis["1人以下の市区町村"]
    assert value == f"{severe:,} 団体"
    assert note == f"{pct(severe / surveyed)}（全国 {pct(n_severe / n_surveyed)}）"
    value, note = kpis["0人の市区町村"]
    assert value == f"{zero:,} 団体"
    assert note == f"{pct(zero / surveyed)}（全国 {pct(n_zero / n_surveyed)}）"
    assert kpis["人材プール（在籍）"] == (f"{pool:,} 人", f"全国 {n_pool:,} 人")
    value, note = kpis["プールのカバー率"]
    assert value == (pct(covered / shortage) if shortage else "—")
    assert note == f"全国 {pct(n_covered / n_short)}"
    assert help_of(at, "プールのカバー率").endswith(
        f"{covered:,} / {shortage:,} 団体（全国 {n_covered:,} / {n_short:,} 団体）")
    assert help_of(at, f"{n}人以下の市区町村").startswith(f"全国 {n_short:,} 団体 / 回答 {n_surveyed:,} 団体")

    reached = sql(db, "SELECT milestone_name, achieved_on, model FROM dx_system_status "
                      "WHERE prefecture_code = ? AND achieved_on <= ? ORDER BY milestone DESC LIMIT 1",
                  [code, today])
    built = sql(db, "SELECT count(DISTINCT prefecture_code) FROM dx_system_status "
                    "WHERE milestone = 2 AND achieved_on <= ?", [today])[0][0]
    value, note = kpis["地域DX推進体制（到達した段階）"]
    if reached:
        name, on, model = reached[0]
        assert value == name
        assert note.startswith(f"{on}・{model}")
    else:
        assert value == "未着手"
    assert note.endswith(f"／全国 構築済み {built}/47")


def test_kpis_agree_with_the_national_page(db):
    """The same summary query feeds both pages: 47 prefecture KPIs sum to the national KPI."""
    national = metrics(testing.app_test(db, params={"date": DATE, "n": str(N)}))
    assert national[f"{N}人以下の市区町村"][0] == "850 団体"
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "n": str(N), "pref": "01"})
    assert metrics(at)[f"{N}人以下の市区町村"][1].endswith("（全国 48.8%）")
    assert help_of(at, f"{N}人以下の市区町村").startswith("全国 850 団体 / 回答 1,741 団体")


def test_table_rows_equal_sql(db):
    today = dt.date.today()
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "n": str(N), "pref": "01"})
    table = muni_table(at).set_index("団体コード")
    staff = dict(sql(db, "SELECT s.lg_code, s.dx_staff FROM staff_survey s JOIN municipalities m USING (lg_code) "
                         "WHERE m.prefecture_code = '01' AND s.base_date = ?", [DATE]))
    prev = dict(sql(db, "SELECT s.lg_code, s.dx_staff FROM staff_survey s JOIN municipalities m USING (lg_code) "
                        "WHERE m.prefecture_code = '01' AND s.base_date = ?", [PREV]))
    for code, row in table.iterrows():
        assert row[f"DX担当職員（{DATE}）"] == pytest.approx(staff[code], nan_ok=True)
        assert row[f"前回（{PREV}）"] == pytest.approx(prev[code], nan_ok=True)
    by_role = sql(db, """
        SELECT x.lg_code, r.role, count(*) FROM (
            SELECT DISTINCT a.lg_code, a.person_id FROM talent_assignment a
            JOIN municipalities m ON m.lg_code = a.lg_code
            WHERE m.prefecture_code = '01' AND a.start_date <= ? AND (a.end_date IS NULL OR a.end_date >= ?)
        ) x JOIN talent_roster r USING (person_id) GROUP BY 1, 2""", [today, today])
    assert by_role, "the sample has talent assigned in 北海道"
    expected = {(code, role): count for code, role, count in by_role}
    roles = [c.removeprefix("支援人材：") for c in table.columns if c.startswith("支援人材：")]
    assert {role for _, role in expected} <= set(roles)
    for code, row in table.iterrows():
        for role in roles:
            count = expected.get((code, role), 0)
            # Head counts of 1 or 2 per municipality are shown as 「3人未満」 (privacy rule).
            assert row[f"支援人材：{role}"] == ("3人未満" if 0 < count < 3 else str(count)), (code, role)
    uncovered = {r[0] for r in sql(db, """
        SELECT m.lg_code FROM municipalities m JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = ?
        WHERE m.prefecture_code = '01' AND s.dx_staff <= ? AND m.lg_code NOT IN (
            SELECT lg_code FROM talent_assignment WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?))""",
        [DATE, N, today, today])}
    flagged = set(table.index[table["要対応"].str.startswith("⚠")])
    assert flagged == uncovered
    assert uncovered, "the sample has uncovered shortage municipalities in 北海道"


def test_without_pref_the_page_says_what_it_shows_and_writes_pref_into_the_url(db):
    at = testing.app_test(db, page=PAGE, params={"date": DATE})
    assert at.title[0].value == "北海道の市区町村"
    assert "都道府県が選ばれていないため、北海道を表示しています。" in [i.value for i in at.info][0]
    assert flat(at.query_params) == {"date": DATE, "n": "3", "pref": "01"}
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "region": "近畿"})
    first, name = sql(db, "SELECT prefecture_code, name FROM prefectures WHERE region = '近畿' "
                          "ORDER BY prefecture_code LIMIT 1")[0]
    assert at.title[0].value == f"{name}の市区町村"
    assert flat(at.query_params)["pref"] == first
    assert set(muni_table(at)["団体コード"]) == {r[0] for r in sql(
        db, "SELECT lg_code FROM municipalities WHERE prefecture_code = ?", [first])}
    # with pref= the notice is not shown
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "pref": "13"})
    assert not [i.value for i in at.info if "選ばれていない" in i.value]


def test_selectors_change_the_prefecture_and_the_url(db):
    """One 地方 control, the sidebar's: the page has no 地方 of its own, and choosing a 地方 there
    moves to its first prefecture and narrows the page's 都道府県 list to it."""
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "pref": "01"})
    assert [s.label for s in at.main.selectbox if s.label == "地方"] == []
    assert len(at.selectbox(key="pp_pref").options) == 47
    at.selectbox(key="w_region").select("九州・沖縄").run()
    assert at.title[0].value == "福岡県の市区町村"
    assert flat(at.query_params)["pref"] == "40"
    assert at.selectbox(key="pp_pref").options == [name for _, name in sql(
        db, "SELECT prefecture_code, name FROM prefectures WHERE region = '九州・沖縄' ORDER BY 1")]
    at.selectbox(key="pp_pref").select("47").run()
    assert at.title[0].value == "沖縄県の市区町村"
    assert flat(at.query_params) == {"date": DATE, "n": "3", "region": "九州・沖縄", "pref": "47"}
    # a URL naming a prefecture outside its 地方 shows that prefecture (listed first), never another
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "region": "東北", "pref": "13"})
    assert at.title[0].value == "東京都の市区町村"
    assert at.selectbox(key="pp_pref").options[0] == "東京都"
    at.selectbox(key="w_region").select("全国").run()
    assert flat(at.query_params) == {"date": DATE, "n": "3", "pref": "13"}
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "pref": "47"})
    assert len(muni_table(at)) == 41
    # The shared sidebar still works on this page: a new threshold keeps the prefecture.
    at.number_input(key="w_n").set_value(5).run()
    assert flat(at.query_params) == {"date": DATE, "n": "5", "pref": "47"}
    assert "5人以下の市区町村" in metrics(at)


def test_arriving_from_the_national_page(db):
    at = testing.app_test(db, params={"date": DATE, "n": str(N)})
    at.selectbox(key="open_pref").select("27").run()
    assert not at.exception
    assert at.title[0].value == "大阪府の市区町村"
    assert flat(at.query_params)["pref"] == "27"
    assert flat(at.query_params)["date"] == DATE
    assert len(muni_table(at)) == 43


@pytest.mark.parametrize("text,expected", [("さっぽろ", {"011002"}), ("サッポロ", {"011002"}),
                                           ("札幌", {"011002"}), ("ｻｯﾎﾟﾛ", {"011002"})])
def test_search_by_name_or_kana(db, text, expected):
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "pref": "01"})
    at.text_input(key="pp_search").input(text).run()
    assert set(muni_table(at)["団体コード"]) == expected


def test_search_keeps_every_kana_match(db):
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "pref": "01"})
    at.text_input(key="pp_search").input("かわ").run()
    expected = {r[0] for r in sql(db, "SELECT lg_code FROM municipalities WHERE prefecture_code = '01' "
                                      "AND (name_kana LIKE '%かわ%' OR name LIKE '%かわ%')")}
    assert set(muni_table(at)["団体コード"]) == expected
    assert len(expected) > 5


def test_detail_of_one_municipality(db):
    today = dt.date.today()
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "n": str(N), "pref": "01"})
    # The municipality with the most assignments, so the assignment table has rows.
    code, _ = sql(db, """
        SELECT a.lg_code, count(*) FROM talent_assignment a JOIN municipalities m USING (lg_code)
        WHERE m.prefecture_code = '01' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""")[0]
    at.selectbox(key="pp_muni").select(code).run()
    assert not at.exception
    staff = sql(db, "SELECT dx_staff FROM staff_survey WHERE lg_code = ? AND base_date = ?", [code, DATE])[0][0]
    higher, surveyed = sql(db, """
        SELECT count(*) FILTER (WHERE s.dx_staff > ?), count(s.dx_staff)
        FROM municipalities m JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = ?
        WHERE m.prefecture_code = '01'""", [staff, DATE])[0]
    kpis = metrics(at)
    assert kpis["県内順位（職員数の多い順）"][0] == f"{higher + 1} 位 / {surveyed} 団体"
    assert kpis[f"DX担当職員（{DATE}）"][0] == f"{staff:g} 人"
    active = sql(db, "SELECT count(DISTINCT person_id) FROM talent_assignment WHERE lg_code = ? "
                     "AND start_date <= ? AND (end_date IS NULL OR end_date >= ?)", [code, today, today])[0][0]
    assert kpis["支援人材（割当中）"][0] == ("3人未満" if 0 < active < 3 else f"{active} 人")
    assigned = next(d.value for d in at.dataframe if "人材番号（匿名ID）" in d.value.columns)
    n_people = sql(db, "SELECT count(DISTINCT person_id) FROM talent_assignment WHERE lg_code = ?", [code])[0][0]
    assert len(assigned) == n_people
    # Individual rows carry the role and the pseudonymous id only (and whether the assignment runs now).
    assert list(assigned.columns) == ["役割", "人材番号（匿名ID）", "状態"]
    assert assigned["人材番号（匿名ID）"].str.match(r"^T[0-9a-f]{16}$").all()
    assert (assigned["状態"] == f"割当中（{today}）").sum() == active
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    history = next(sp for sp in specs if sp["data"][0].get("mode") == "lines+markers+text")
    n_dates = sql(db, "SELECT count(DISTINCT base_date) FROM staff_survey")[0][0]
    assert len(history["data"][0]["x"]) == n_dates


def geo_traces(at):
    """Traces of the municipality map (the chart with geo traces)."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if any(t.get("type") in ("scattergeo", "choropleth") for t in spec["data"]):
            return spec, len(chart.proto.spec.encode("utf-8"))
    raise AssertionError("no map")


def decode(values):
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def test_map_without_boundaries_is_points_for_every_municipality():
    db = testing.sample_only_db()  # data/sample alone: no boundaries loaded
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "pref": "13"})
    spec, _ = geo_traces(at)
    points = [t for t in spec["data"] if t["type"] == "scattergeo" and t.get("mode") == "markers"
              and t.get("geo", "geo") == "geo"]
    codes = [c for t in points for c in decode(t["customdata"])]
    assert sorted(codes) == sorted(r[0] for r in sql(db, "SELECT lg_code FROM municipalities "
                                                         "WHERE prefecture_code = '13'"))
    assert all("支援人材" in text and DATE in text for t in points for text in t["text"])
    # The first view holds the mainland (the 23 wards and the Tama area), not 小笠原村 1,000 km south.
    geo = spec["layout"]["geo"]
    mainland = sql(db, "SELECT min(lat), max(lat), min(lng), max(lng) FROM municipalities "
                       "WHERE prefecture_code = '13' AND lat > 35.3")[0]
    assert geo["lataxis"]["range"][0] <= mainland[0] and geo["lataxis"]["range"][1] >= mainland[1]
    assert geo["lonaxis"]["range"][0] <= mainland[2] and geo["lonaxis"]["range"][1] >= mainland[3]
    ogasawara = sql(db, "SELECT lat FROM municipalities WHERE name = '小笠原村'")[0][0]
    assert geo["lataxis"]["range"][0] > ogasawara
    # ... and the islands are in an inset (geo2) with their names beside it, so the PNG shows them
    islands = {"大島町", "利島村", "新島村", "神津島村", "三宅村", "御蔵島村", "八丈町", "青ヶ島村", "小笠原村"}
    inset = [t for t in spec["data"] if t.get("geo") == "geo2" and t["type"] == "scattergeo"]
    names = dict(sql(db, "SELECT lg_code, name FROM municipalities WHERE prefecture_code = '13'"))
    assert {names[c] for t in inset for c in decode(t["customdata"])} == islands
    inset_lat = spec["layout"]["geo2"]["lataxis"]["range"]
    assert inset_lat[0] < ogasawara < inset_lat[1]
    note = next(a["text"] for a in spec["layout"]["annotations"] if a["text"].startswith("<b>離島</b>"))
    assert all(name in note for name in islands)
    assert any("小笠原村" in c.value and "枠内に表示" in c.value for c in at.caption)


def test_map_of_a_compact_prefecture_fits_all_of_it(db):
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "pref": "29"})
    spec, _ = geo_traces(at)
    assert spec["layout"]["geo"]["fitbounds"] == "locations"
    assert "geo2" not in spec["layout"]
    assert not any("枠内に表示" in c.value for c in at.caption)


def test_only_uncovered_toggle(db):
    today = dt.date.today()
    at = testing.app_test(db, page=PAGE, params={"date": DATE, "n": str(N), "pref": "01"})
    at.toggle(key="pp_only_uncovered").set_value(True).run()
    table = muni_table(at)
    uncovered = {r[0] for r in sql(db, """
        SELECT m.lg_code FROM municipalities m JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = ?
        WHERE m.prefecture_code = '01' AND s.dx_staff <= ? AND m.lg_code NOT IN (
            SELECT lg_code FROM talent_assignment WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?))""",
        [DATE, N, today, today])}
    assert set(table["団体コード"]) == uncovered
    assert table["要対応"].str.startswith("⚠").all()


def test_hokkaido_polygons_fit_the_payload_budget(db, shared_reference, tmp_path):
    """Real municipal boundaries, loaded by the ETL CLI: 179 polygons, figure JSON ≤ 1 MB."""
    geo_db = testing.copy_db(db, tmp_path / "geo")
    testing.run_etl("load", "boundaries", shared_reference / "da_municipality_area.topojson", "--db", geo_db,
                    check=True)
    at = testing.app_test(geo_db, page=PAGE, params={"date": DATE, "pref": "01"})
    assert not at.exception
    spec, size = geo_traces(at)
    polygons = [t for t in spec["data"] if t["type"] == "choropleth" and t.get("hoverinfo") != "skip"]
    assert sum(len(decode(t["locations"])) for t in polygons) == 179
    outline = [t for t in spec["data"] if t["type"] == "choropleth" and t.get("hoverinfo") == "skip"]
    assert [decode(t["locations"]) for t in outline] == [["01"]]  # the prefecture under them
    assert size <= 1_000_000, size


@pytest.mark.browser
def test_every_chart_has_a_png_download_and_the_deck_is_this_prefectures(db):
    from streamlit.runtime.state.common import user_key_from_element_id

    def keys(at, kind):
        return [user_key_from_element_id(e.proto.id) for e in at.get(kind)]

    at = testing.app_test(db, page=PAGE, params={"date": DATE, "pref": "13"})
    code = sql(db, "SELECT min(lg_code) FROM municipalities WHERE prefecture_code = '13'")[0][0]
    at.selectbox(key="pp_muni").select(code).run()
    charts = keys(at, "plotly_chart")
    assert set(charts) == {"pp_map_13", "pp_history", "pp_trend", "pp_dist", "pp_peers", "pp_need_map_13"}
    buttons = {user_key_from_element_id(b.proto.id): b.proto.label for b in at.get("download_button")}
    assert {k for k, label in buttons.items() if label == "PNG"} == {f"{k}_png" for k in charts}
    assert buttons["deck_pref_pptx"] == "東京都の PowerPoint"
    # Without pref= in the URL the page shows 北海道, and so does its deck (not the national one).
    at = testing.app_test(db, page=PAGE, params={"date": DATE})
    assert {user_key_from_element_id(b.proto.id): b.proto.label
            for b in at.get("download_button")}["deck_pref_pptx"] == "北海道の PowerPoint"

