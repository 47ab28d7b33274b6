"""全国マップ: KPIs equal the warehouse, the choropleth spec, query parameters, every page renders."""

import json

import duckdb
import pytest

import testing

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

PAGES = ["pages/national.py", "pages/prefecture.py", "pages/talent.py", "pages/progress.py", "pages/data.py"]


@pytest.fixture(scope="module")
def db():
    return testing.sample_db()


def sql_counts(db, date, n):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("""
            SELECT count(*) FILTER (WHERE dx_staff <= ?), count(*) FILTER (WHERE dx_staff <= 1),
                   count(*) FILTER (WHERE dx_staff = 0), count(dx_staff)
            FROM staff_survey WHERE base_date = ?""", [n, date]).fetchall()[0]


def metrics(at):
    return {m.label: (m.value, m.delta) for m in at.metric}


def test_kpis_match_the_published_2023_figures(db):
    at = testing.app_test(db, params={"date": "2023-04-01", "n": "3"})
    assert not at.exception
    kpis = metrics(at)
    shortage, severe, zero, surveyed = sql_counts(db, "2023-04-01", 3)
    assert (shortage, severe, zero, surveyed) == (850, 213, 37, 1741)
    assert kpis["3人以下の市区町村"][0] == "850 団体"
    assert "48.8%" in kpis["3人以下の市区町村"][1]
    assert kpis["1人以下の市区町村"][0] == "213 団体"
    assert kpis["0人の市区町村"][0] == "37 団体"


@pytest.mark.parametrize("date,n", [("2021-04-01", 2), ("2025-04-01", 5)])
def test_kpis_follow_date_and_threshold(db, date, n):
    at = testing.app_test(db, params={"date": date, "n": str(n)})
    shortage, severe, zero, surveyed = sql_counts(db, date, n)
    kpis = metrics(at)
    assert kpis[f"{n}人以下の市区町村"][0] == f"{shortage:,} 団体"
    assert f"{shortage / surveyed * 100:.1f}%" in kpis[f"{n}人以下の市区町村"][1]
    assert kpis["1人以下の市区町村"][0] == f"{severe:,} 団体"


def test_progress_and_accelerator_kpis_come_from_the_warehouse(db, monkeypatch):
    import datetime as dt

    today = dt.date(2025, 12, 1)  # before 令和7年度末: counted as of today (after it: test_talent_progress_pages)
    monkeypatch.setenv("DXGAP_TODAY", today.isoformat())
    with duckdb.connect(str(db), read_only=True) as con:
        built = con.execute("SELECT count(DISTINCT prefecture_code) FROM dx_system_status "
                            "WHERE milestone = 2 AND achieved_on <= ?", [today]).fetchall()[0][0]
        acc = con.execute("SELECT count(DISTINCT person_id) FROM talent_roster WHERE is_accelerator "
                          "AND start_date <= ? AND (end_date IS NULL OR end_date >= ?)", [today, today]).fetchall()[0][0]
    kpis = metrics(testing.app_test(db))
    assert kpis["地域DX推進体制を構築した都道府県"][0] == f"{built} / 47"
    assert kpis["自治体DXアクセラレータ（在任）"][0] == f"{acc} / 500 人"


def decode(values):
    """plotly 7 sends numeric arrays as {"dtype", "bdata"} (base64 typed arrays)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def choropleth_spec(at):
    """The prefecture choropleth trace (locations are 2-digit prefecture codes)."""
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            locations = decode(trace.get("locations", []))
            if trace.get("type") == "choropleth" and locations and len(locations[0]) == 2:
                return {**trace, "locations": locations, "z": decode(trace["z"])}
    raise AssertionError("no prefecture choropleth")


@pytest.mark.parametrize("metric,column", [("shortage_share", None), ("severe_share", None), ("median_staff", None)])
def test_choropleth_has_47_locations_and_the_metric_values(db, metric, column):
    at = testing.app_test(db, params={"date": "2023-04-01", "n": "3", "metric": metric})
    trace = choropleth_spec(at)
    assert len(trace["locations"]) == 47
    assert sorted(trace["locations"]) == [f"{i:02d}" for i in range(1, 48)]
    with duckdb.connect(str(db), read_only=True) as con:
        expected = con.execute("""
            SELECT m.prefecture_code,
                   count(*) FILTER (WHERE s.dx_staff <= 3) / count(s.dx_staff),
                   count(*) FILTER (WHERE s.dx_staff <= 1) / count(s.dx_staff),
                   median(s.dx_staff)
            FROM municipalities m JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = DATE '2023-04-01'
            GROUP BY 1 ORDER BY 1""").fetchall()
    idx = {"shortage_share": 1, "severe_share": 2, "median_staff": 3}[metric]
    percent = 100 if metric.endswith("_share") else 1  # shares are drawn in % (the colour bar's unit)
    got = dict(zip(trace["locations"], trace["z"], strict=True))
    for row in expected:
        assert got[row[0]] == pytest.approx(row[idx] * percent)


def flat(params) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in dict(params).items()}


def test_query_params_round_trip(db):
    """The URL sets the view, the app writes it back canonically, and that URL reproduces the view.
    (Widget changes writing the URL are checked in the real browser: AppTest reruns only the page.)"""
    given = {"date": "2022-04-01", "n": "2", "region": "近畿", "metric": "severe_share"}
    at = testing.app_test(db, params=given)
    assert not at.exception
    assert flat(at.query_params) == given
    assert at.selectbox(key="w_date").value.isoformat() == "2022-04-01"
    assert at.selectbox(key="w_region").value == "近畿"
    assert at.selectbox(key="w_metric").value == "severe_share"
    assert at.number_input(key="w_n").value == 2
    trace = choropleth_spec(at)
    assert sorted(trace["locations"]) == ["24", "25", "26", "27", "28", "29", "30"]
    again = testing.app_test(db, params=flat(at.query_params))
    assert metrics(again) == metrics(at)
    assert choropleth_spec(again)["z"] == trace["z"]


def test_bad_param_falls_back_with_notice(db):
    at = testing.app_test(db, params={"date": "1999-01-01", "n": "-3"})
    assert not at.exception
    texts = [i.value for i in at.info]
    assert any("date=1999-01-01" in t for t in texts)
    assert any("n=-3" in t for t in texts)
    assert metrics(at)  # the page still renders, on the defaults


@pytest.mark.parametrize("page", PAGES)
def test_every_registered_page_renders_with_sample_banner(db, page):
    at = testing.app_test(db, page=page)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("サンプル（架空）データ" in w.value for w in at.warning)


def test_missing_warehouse_shows_japanese_message(tmp_path):
    at = testing.app_test(tmp_path / "nothing.duckdb")
    assert not at.exception
    assert any("データ倉庫" in e.value and "ありません" in e.value for e in at.error)


def test_broken_warehouse_shows_japanese_message(tmp_path):
    bad = tmp_path / "broken.duckdb"
    bad.write_bytes(b"this is not a duckdb file" * 100)
    at = testing.app_test(bad)
    assert not at.exception
    assert any("開けません" in e.value for e in at.error)


# == issue 13, class 8: per capita only where the population file covers the prefecture ======

@pytest.fixture(scope="module")
def partial_population_db(tmp_path_factory):
    """The sample data (without the public census) with population for all of 鳥取県 (19) and two
    towns of 北海道 (of 179)."""
    d = tmp_path_factory.mktemp("per_capita")
    db = testing.copy_db(testing.sample_only_db(), d / "wh")
    with duckdb.connect(str(db), read_only=True) as con:
        tottori = con.execute("SELECT lg_code FROM municipalities WHERE prefecture_code = '31' ORDER BY 1").fetchall()
    people = {code: 10_000 + 1_000 * i for i, (code,) in enumerate(tottori)}
    people |= {"011002": 1_973_395, "012025": 251_084}
    src = d / "population.csv"
    src.write_text("area_code,area_name,population\n" + "".join(f"{c[:5]},,{n}\n" for c, n in people.items()),
                   encoding="utf-8")
    run = testing.run_etl("load", "population", src, "--db", db, check=True)
    assert "人口の無い市区町村がある都道府県が 1 あります：北海道（179 団体中 177 団体なし）" in run.out
    return db, people


def test_per_capita_is_not_computed_for_a_prefecture_the_population_file_covers_in_part(partial_population_db):
    db, people = partial_population_db
    with duckdb.connect(str(db), read_only=True) as con:
        staff = dict(con.execute("SELECT lg_code, dx_staff FROM staff_survey WHERE base_date = DATE '2023-04-01' "
                                 "AND lg_code LIKE '31%' AND dx_staff IS NOT NULL").fetchall())
    expected = sum(staff.values()) / sum(people[c] for c in staff) * 10_000
    at = testing.app_test(db, params={"date": "2023-04-01", "n": "3", "metric": "staff_per_10k"})
    assert not at.exception
    traces = [json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")]
    maps = [t for data in traces for t in data if t.get("type") == "choropleth"]
    coloured = {loc: z for loc, z in zip(decode(maps[0]["locations"]), decode(maps[0]["z"]), strict=True)}
    assert coloured["31"] == pytest.approx(expected)
    grey = decode(maps[1]["locations"])  # 未算出, drawn in grey rather than left out of the map
    assert "01" in grey and "31" not in grey and len(grey) == 46
    assert all("未算出" in text for text in maps[1]["text"])
    table = next(d.value for d in at.dataframe if "人口1万人あたり職員数" in d.value.columns).set_index("都道府県")
    assert str(table.loc["北海道", "人口1万人あたり職員数"]) == "未算出"
    assert float(table.loc["鳥取県", "人口1万人あたり職員数"]) == pytest.approx(round(expected, 2))
    bars = next(t for data in traces for t in data if t.get("type") == "bar")
    assert dict(zip(bars["y"], bars["text"], strict=True))["北海道"] == "未算出"


def test_per_capita_on_the_prefecture_page(partial_population_db):
    db, _ = partial_population_db
    hokkaido = testing.app_test(db, page="pages/prefecture.py", params={"pref": "01", "date": "2023-04-01"})
    tottori = testing.app_test(db, page="pages/prefecture.py", params={"pref": "31", "date": "2023-04-01"})
    assert not hokkaido.exception and not tottori.exception
    assert metrics(hokkaido)["人口1万人あたり職員数"][0] == "未算出"
    assert metrics(tottori)["人口1万人あたり職員数"][0].endswith(" 人")
    assert float(metrics(tottori)["人口1万人あたり職員数"][0].removesuffix(" 人")) > 0


def test_per_capita_with_the_real_census_excludes_futaba_from_both_sides(shared_reference, tmp_path):
    db = testing.copy_db(testing.sample_db(), tmp_path / "wh")
    run = testing.run_etl("load", "population", shared_reference / "census2020_population_prelim.csv", "--db", db,
                          check=True)
    assert "双葉町の人口が空欄です" in run.out
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT m.population, s.dx_staff FROM municipalities m JOIN staff_survey s USING (lg_code) "
                           "WHERE s.base_date = DATE '2023-04-01' AND m.prefecture_code = '07'").fetchall()
    expected = (sum(s for p, s in rows if p is not None and s is not None)
                / sum(p for p, s in rows if p is not None and s is not None) * 10_000)
    at = testing.app_test(db, params={"date": "2023-04-01", "metric": "staff_per_10k"})
    table = next(d.value for d in at.dataframe if "人口1万人あたり職員数" in d.value.columns).set_index("都道府県")
    assert float(table.loc["福島県", "人口1万人あたり職員数"]) == pytest.approx(round(expected, 2))
    assert "未算出" not in set(table["人口1万人あたり職員数"].astype(str))
