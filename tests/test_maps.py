"""Issue 15, maps and charts: what the maps and rankings show, read from the figures the pages draw
(AppTest) and checked against the warehouse.

- the national map: dark means worse for every metric, one colour scale per metric over every base
  date, units on the colour bar, prefecture names (沖縄県 in an inset), the subtitle follows the
  metric, the map slide names the prefectures with their values;
- rankings: the national value as a dashed line, room for every value label;
- the 地方 filter: the KPIs follow it (or the nation's say 全国);
- the prefecture map: the outline under the municipalities, 0 and ≤1 staff stand out and the
  worst are named, the far islands in an inset, and the table's 要対応 filter filters it;
- similar prefectures: the rule in plain words, and the method the words describe;
- every chart: a one-line summary computed from its data, and no plotly mode bar.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import duckdb
import pandas as pd
import pytest

import testing
from core.policy import DEADLINE, DEADLINE_LABEL

pytestmark = pytest.mark.slow  # AppTest runs of the pages

DATE = "2025-04-01"
PREFECTURE = "pages/prefecture.py"


@pytest.fixture(scope="module")
def db():
    return testing.sample_db()


def sql(db, text, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(text, list(params)).fetchall()


def decode(values):
    """plotly 7 sends numeric arrays as {"dtype", "bdata"} (base64 typed arrays)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def charts(at) -> dict[str, dict]:
    """Every plotly chart of a run by its key: spec and config."""
    from streamlit.runtime.state.common import user_key_from_element_id

    return {user_key_from_element_id(c.proto.id): {"spec": json.loads(c.proto.spec), "config": json.loads(c.proto.config)}
            for c in at.get("plotly_chart")}


def pref_choropleth(spec: dict) -> dict:
    """The main prefecture choropleth of a national map (the trace with a colour bar)."""
    return next(t for t in spec["data"] if t["type"] == "choropleth" and t.get("showscale", True) is not False
                and t.get("geo", "geo") == "geo")


def rgb(color: str) -> list[float]:
    """'#rrggbb' or 'rgb(r, g, b)' as three 0–255 numbers."""
    if color.startswith("#"):
        return [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return [float(x) for x in color[color.index("(") + 1:-1].split(",")[:3]]


def luminance(color) -> float:
    """WCAG relative luminance of a colour (text or three 0–255 numbers)."""
    values = rgb(color) if isinstance(color, str) else color

    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in values)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def colour_at(scale: list, t: float) -> list[float]:
    """The colour a plotly colorscale ([[position, colour], …], as the figure JSON carries it) gives
    at t in 0..1, interpolated in RGB as plotly does."""
    for (x0, c0), (x1, c1) in zip(scale, scale[1:], strict=False):
        if x0 <= t <= x1:
            f = 0.0 if x1 == x0 else (t - x0) / (x1 - x0)
            return [a + (b - a) * f for a, b in zip(rgb(c0), rgb(c1), strict=True)]
    raise AssertionError(f"{t} outside {scale}")


# -- the national map -----------------------------------------------------------------------------

ALL_METRICS = ["shortage_share", "severe_share", "median_staff", "staff_per_10k", "pool_per_shortage",
               "shortage_share_change", "ext_talent_share", "cio_aide_share", "org_wide_share"]
# Which way is worse, stated here from the metrics' meaning (not read from the code under test).
WORSE_HIGH = {"shortage_share": True, "severe_share": True, "median_staff": False, "staff_per_10k": False,
              "pool_per_shortage": False, "shortage_share_change": True, "ext_talent_share": False,
              "cio_aide_share": False, "org_wide_share": False}
UNITS = {"shortage_share": "%", "severe_share": "%", "median_staff": "人", "staff_per_10k": "人/1万人",
         "pool_per_shortage": "人/団体", "shortage_share_change": "ポイント", "ext_talent_share": "%",
         "cio_aide_share": "%", "org_wide_share": "%"}


@pytest.mark.parametrize("key", ALL_METRICS)
def test_dark_means_worse_and_the_colour_bar_has_its_unit(db, key):
    at = testing.app_test(db, params={"date": DATE, "metric": key})
    assert not at.exception
    trace = pref_choropleth(charts(at)["pref_map"]["spec"])
    scale = trace["colorscale"]
    # the colour of the worse end is darker than that of the better end, and every step towards worse darkens
    steps = [luminance(colour_at(scale, t / 10)) for t in range(11)]
    if not WORSE_HIGH[key]:
        steps = steps[::-1]
    assert steps[-1] < steps[0] / 3, (key, steps)
    if key != "shortage_share_change":  # a sequential scale: darker at every step
        assert all(b < a for a, b in zip(steps, steps[1:], strict=False)), (key, steps)
    bar = trace["colorbar"]
    assert bar["title"]["text"].endswith(f"（{UNITS[key]}）"), bar["title"]
    assert bar["orientation"] == "h" and bar["y"] <= 0  # under the map, across its width


@pytest.mark.parametrize("key", ["shortage_share", "median_staff", "shortage_share_change", "ext_talent_share"])
def test_one_colour_scale_per_metric_over_every_base_date(db, key):
    """zmin/zmax are the same on every base date: the metric's range over all dates and prefectures."""
    ranges = set()
    for date in [d for (d,) in sql(db, "SELECT DISTINCT base_date FROM staff_survey ORDER BY 1")]:
        at = testing.app_test(db, params={"date": date.isoformat(), "metric": key})
        trace = pref_choropleth(charts(at)["pref_map"]["spec"])
        if "zmin" in trace:
            ranges.add((round(trace["zmin"], 9), round(trace["zmax"], 9)))
    assert len(ranges) == 1, ranges
    if key == "shortage_share":  # and they are that range, from the warehouse directly, in %
        lo, hi = sql(db, """
            SELECT min(share) * 100, max(share) * 100 FROM (
                SELECT s.base_date, m.prefecture_code, count(*) FILTER (WHERE s.dx_staff <= 3) / count(s.dx_staff) AS share
                FROM staff_survey s JOIN municipalities m USING (lg_code) GROUP BY ALL)""")[0]
        assert ranges == {(round(lo, 9), round(hi, 9))}


@pytest.mark.parametrize("n", [0, 3, 6])
def test_every_base_date_in_one_run_is_each_dates_run(db, n):
    """metric_bounds reads every base date's prefecture rows in one lateral run of the marts: the
    same rows, and so the same range, as one run per date (by_prefecture)."""
    from dashboard import db as ddb
    from dashboard.metrics import METRIC_KEYS
    from dashboard.queries import common, summary

    v, as_of = ddb.version(db), dt.date(2026, 12, 1)
    together = summary._every_date(v, n, as_of)
    dates = common.base_dates(v)
    on = together.base_date.dt.date
    assert len(dates) > 1 and list(pd.unique(on)) == dates
    for date in dates:
        alone = summary.by_prefecture(v, date, n, as_of)
        part = together[on == date].drop(columns="base_date").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone, check_dtype=False)  # a column NULL on one date is Int64
    for key in METRIC_KEYS:
        values = pd.concat([summary.by_prefecture(v, d, n, as_of)[key] for d in dates]).astype(float).dropna()
        assert summary.metric_bounds(v, key, n, as_of) == ((values.min(), values.max()) if len(values) else None)


@pytest.fixture(scope="module")
def one_prefecture_date(tmp_path_factory):
    """The sample and a survey of 鳥取県 alone on a later base date (not the nation's)."""
    folder = tmp_path_factory.mktemp("one_pref")
    db = testing.copy_db(testing.sample_db(), folder / "wh")
    survey = testing.prefecture_survey(folder, "survey_tottori.csv", 2, 0)
    run = testing.etl_main("load", "survey", survey, "--db", db, "--base-date", "2025-10-01")
    assert run.code == 0, run.err
    return db


@pytest.mark.parametrize("n", [0, 3, 6])
def test_every_prefectures_trend_is_each_dates_run_of_the_marts(one_prefecture_date, n):
    """A prefecture's trend reads every base date from one lateral run: the same shares as each
    date's own run (by_prefecture, and national on the dates every prefecture answered)."""
    from dashboard import db as ddb
    from dashboard.queries import common, prefecture, summary

    v, as_of = ddb.version(one_prefecture_date), dt.date(2026, 12, 1)
    dates = common.base_dates(v)
    nationwide = common.nationwide_dates(v)
    assert dt.date(2025, 10, 1) in set(dates) - nationwide and nationwide
    for pref in common.prefectures(v).prefecture_code:
        trend = prefecture.shortage_trend(v, pref, dates, n, as_of)
        expected = pd.DataFrame({
            "base_date": dates,
            "pref_share": [summary.by_prefecture(v, d, n, as_of).set_index("prefecture_code").shortage_share.get(pref)
                           for d in dates],
            "national_share": [summary.national(v, d, n, as_of)["shortage_share"] if d in nationwide else None
                               for d in dates]}).astype({"pref_share": float, "national_share": float})
        pd.testing.assert_frame_equal(trend, expected)


def test_the_scale_is_the_same_in_every_region(db):
    whole = pref_choropleth(charts(testing.app_test(db, params={"date": DATE}))["pref_map"]["spec"])
    kinki = pref_choropleth(charts(testing.app_test(db, params={"date": DATE, "region": "近畿"}))["pref_map"]["spec"])
    assert (whole["zmin"], whole["zmax"]) == (kinki["zmin"], kinki["zmax"])
    assert len(decode(kinki["locations"])) == 7


def test_prefecture_names_on_the_map_and_okinawa_in_an_inset(db):
    spec = charts(testing.app_test(db, params={"date": DATE}))["pref_map"]["spec"]
    names = [t for t in spec["data"] if t["type"] == "scattergeo" and t.get("mode") == "text"]
    shorts = dict(sql(db, "SELECT prefecture_code, name_short FROM prefectures"))
    main = next(t for t in names if t.get("geo", "geo") == "geo")
    assert sorted(decode(main["customdata"])) == sorted(c for c in shorts if c != "47")
    assert set(main["text"]) == {shorts[c] for c in shorts if c != "47"}
    inset = [t for t in spec["data"] if t.get("geo") == "geo2"]
    assert {t["type"] for t in inset} == {"choropleth", "scattergeo"}
    assert decode(next(t for t in inset if t["type"] == "choropleth")["locations"]) == ["47"]
    assert next(t for t in inset if t["type"] == "scattergeo")["text"] == [shorts["47"]]
    # the main frame holds Japan's main islands, not 南鳥島 (153.98°E) nor the 先島 (24°N)
    geo = spec["layout"]["geo"]
    assert geo["lonaxis"]["range"][1] < 150 and geo["lataxis"]["range"][0] > 29
    assert spec["layout"]["geo2"]["lataxis"]["range"][0] < 24.5  # 八重山 in the inset


@pytest.mark.parametrize("key,question", [("shortage_share", "DX担当職員3人以下の自治体はどこに多いか"),
                                          ("median_staff", "DX担当職員数（中央値）が少ないのはどこか"),
                                          ("ext_talent_share", "外部人材を活用している市区町村はどこに多いか")])
def test_the_subtitle_follows_the_metric(db, key, question):
    at = testing.app_test(db, params={"date": DATE, "metric": key})
    assert at.caption[0].value.startswith(f"{question}（全国） ─ 調査基準日")


def test_the_map_slide_names_the_top_and_bottom_five_with_their_values(db):
    import dashboard.db as ddb
    from dashboard import slides
    from dashboard.state import ViewState

    v = ddb.version()
    deck = slides.national_deck(v, ViewState(date=dt.date.fromisoformat(DATE)), dt.date.today(), True)
    figure = next(s for s in deck.slides if s.key == "map").figure()
    note = next(a.text for a in figure.layout.annotations if "高い順" in a.text)
    shares = sql(db, """
        SELECT p.name, count(*) FILTER (WHERE s.dx_staff <= 3) / count(s.dx_staff) AS share
        FROM staff_survey s JOIN municipalities m USING (lg_code) JOIN prefectures p USING (prefecture_code)
        WHERE s.base_date = ? GROUP BY p.name, p.prefecture_code ORDER BY share DESC, p.prefecture_code""", [DATE])
    lines = note.split("<br>")[1:]
    assert len(lines) == 11 and lines[5] == "…"
    for rank, line in [(1, lines[0]), (5, lines[4]), (43, lines[6]), (47, lines[10])]:
        name, share = shares[rank - 1]
        assert line == f"{rank}. {name} {share * 100:.1f}%", (line, name, share)


def test_a_regions_map_slide_names_all_its_prefectures(db):
    import dashboard.db as ddb
    from dashboard import slides
    from dashboard.state import ViewState

    view = ViewState(date=dt.date.fromisoformat(DATE), region="四国")
    figure = slides.national_map(ddb.version(), view, dt.date.today(), ranking=True)
    note = next(a.text for a in figure.layout.annotations if "高い順" in a.text)
    assert [line.split(" ")[1] for line in note.split("<br>")[1:]] and len(note.split("<br>")) == 5
    assert {line.split(" ")[1] for line in note.split("<br>")[1:]} == {"徳島県", "香川県", "愛媛県", "高知県"}


# -- rankings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["shortage_share", "staff_per_10k", "shortage_share_change"])
def test_the_ranking_shows_the_national_value_and_room_for_every_label(db, key):
    at = testing.app_test(db, params={"date": DATE, "metric": key})
    spec = charts(at)["ranked"]["spec"]
    import dashboard.db as ddb
    from dashboard.queries import summary

    nation = summary.national(ddb.version(), dt.date.fromisoformat(DATE), 3, dt.date.today())[key]
    [line] = spec["layout"]["shapes"]
    assert line["x0"] == line["x1"] == pytest.approx(nation) and line["line"]["dash"] == "dash"
    assert any(a["text"].startswith("全国 ") for a in spec["layout"]["annotations"])
    bar = spec["data"][0]
    x = [v for v in decode(bar["x"]) if v is not None and not math.isnan(v)]
    lo, hi = spec["layout"]["xaxis"]["range"]
    span = hi - lo
    # outside labels need ~15% of the axis beyond the longest bar on either side
    assert hi >= max(x) + 0.15 * span and (min(x) >= 0 or lo <= min(x) - 0.15 * span)


def test_the_ranking_slide_shows_the_national_value(db):
    import dashboard.db as ddb
    from dashboard import slides
    from dashboard.state import ViewState

    fig = slides.national_ranked_columns(ddb.version(), ViewState(date=dt.date.fromisoformat(DATE)), dt.date.today())
    assert [s.xref for s in fig.layout.shapes] == ["x", "x2", "x3"]  # one dashed line in each of 3 columns
    assert all(a.text.startswith("全国 ") for a in fig.layout.annotations if a.text and "全国" in a.text)


# -- the 地方 filter -------------------------------------------------------------------------------

def test_kpis_follow_the_region(db):
    at = testing.app_test(db, params={"date": DATE, "region": "東北"})
    kpis = {m.label: m.value for m in at.metric}
    shortage, severe, zero = sql(db, """
        SELECT count(*) FILTER (WHERE s.dx_staff <= 3), count(*) FILTER (WHERE s.dx_staff <= 1),
               count(*) FILTER (WHERE s.dx_staff = 0)
        FROM staff_survey s JOIN municipalities m USING (lg_code) JOIN prefectures p USING (prefecture_code)
        WHERE s.base_date = ? AND p.region = '東北'""", [DATE])[0]
    assert kpis["3人以下の市区町村（東北）"] == f"{shortage:,} 団体"
    assert kpis["1人以下の市区町村（東北）"] == f"{severe:,} 団体"
    assert kpis["0人の市区町村（東北）"] == f"{zero:,} 団体"
    # The goal KPI counts as of the deadline once it has passed (dashboard.goal), among the 地方's 6.
    passed = dt.date.today() > DEADLINE
    cutoff = DEADLINE if passed else dt.date.today()
    label = f"地域DX推進体制（{DEADLINE_LABEL}時点）（東北）" if passed else "地域DX推進体制を構築した都道府県（東北）"
    built = sql(db, """SELECT count(*) FROM dx_system_status d JOIN prefectures p USING (prefecture_code)
                       WHERE d.milestone = 2 AND d.achieved_on <= ? AND p.region = '東北'""", [cutoff])[0][0]
    assert kpis[label] == f"{built} / 6"
    # without a region they are the nation's, as before
    national = {m.label for m in testing.app_test(db, params={"date": DATE}).metric}
    assert "3人以下の市区町村" in national and not [k for k in national if "（" in k and "東北" in k]


# -- the prefecture map ----------------------------------------------------------------------------

def prefecture_map(at, code: str) -> dict:
    return charts(at)[f"pp_map_{code}"]["spec"]


def test_prefecture_map_outline_severe_outlines_and_the_worst_named(db):
    at = testing.app_test(db, page=PREFECTURE, params={"date": DATE, "pref": "01"})
    spec = prefecture_map(at, "01")
    first = spec["data"][0]
    assert first["type"] == "choropleth" and decode(first["locations"]) == ["01"]  # under everything
    polygons = [t for t in spec["data"] if t["type"] == "choropleth" and "customdata" in t]
    severe = [t for t in polygons if t["name"].startswith(("0人", "1人以下"))]
    others = [t for t in polygons if t not in severe]
    assert severe and all(t["marker"]["line"]["width"] >= 2 for t in severe)
    assert all(t["marker"]["line"]["width"] < 1 for t in others)
    assert spec["data"].index(severe[-1]) > max(spec["data"].index(t) for t in others)  # outlines on top
    worst = sql(db, """
        SELECT m.name, s.dx_staff FROM staff_survey s JOIN municipalities m USING (lg_code)
        WHERE s.base_date = ? AND m.prefecture_code = '01' AND s.dx_staff <= 1
        ORDER BY s.dx_staff, coalesce(m.population, 0) DESC, m.lg_code LIMIT 8""", [DATE])
    labels = next(t for t in spec["data"] if t["type"] == "scattergeo" and t.get("textposition") == "top center")
    assert labels["text"] == [f"<b>{name}</b> {staff:g}人" for name, staff in worst]
    # and the summary names the three with the fewest
    assert at.caption[[c.value for c in at.caption].index(next(c.value for c in at.caption if c.value.startswith(
        "図の要約：") and "職員が最も少ないのは" in c.value))].value.count("、") >= 2


def test_points_make_0_and_1_staff_the_largest_ringed_marks(db):
    at = testing.app_test(testing.sample_only_db(), page=PREFECTURE, params={"date": "2023-04-01", "pref": "01"})
    spec = prefecture_map(at, "01")
    points = [t for t in spec["data"] if t["type"] == "scattergeo" and t.get("mode") == "markers"
              and t.get("geo", "geo") == "geo"]
    severe = [t for t in points if t["name"].startswith(("0人", "1人以下"))]
    others = [t for t in points if t not in severe]
    sizes = lambda ts: [s for t in ts for s in decode(t["marker"]["size"])]  # noqa: E731
    assert min(sizes(severe)) > sorted(sizes(others))[len(sizes(others)) * 3 // 4]  # never the smallest marks
    assert all(t["marker"]["line"]["width"] >= 2 for t in severe)
    assert spec["data"][0]["type"] == "choropleth" and decode(spec["data"][0]["locations"]) == ["01"]


@pytest.mark.parametrize("code,islands", [
    ("13", {"大島町", "利島村", "新島村", "神津島村", "三宅村", "御蔵島村", "八丈町", "青ヶ島村", "小笠原村"}),
    ("47", {"石垣市", "宮古島市", "南大東村", "北大東村", "多良間村", "竹富町", "与那国町"})])
def test_far_islands_are_in_an_inset_named_with_their_staff(db, code, islands):
    at = testing.app_test(db, page=PREFECTURE, params={"date": DATE, "pref": code})
    spec = prefecture_map(at, code)
    staff = dict(sql(db, """SELECT m.name, s.dx_staff FROM municipalities m LEFT JOIN staff_survey s
                            ON s.lg_code = m.lg_code AND s.base_date = ? WHERE m.prefecture_code = ?""", [DATE, code]))
    note = next(a["text"] for a in spec["layout"]["annotations"] if a["text"].startswith("<b>離島</b>"))
    for name in islands:
        assert f"{name} {staff[name]:g}人" in note
    main, inset = spec["layout"]["geo"]["domain"], spec["layout"]["geo2"]["domain"]
    # the inset has a strip of its own: it never covers the main map
    assert main["x"][1] <= inset["x"][0] or main["y"][0] >= inset["y"][1]


def test_the_prefecture_map_slide_is_the_pages_map_with_its_islands(db):
    """The prefecture deck's map slide (and its PNG) is the page's map: outline, islands' inset."""
    import dashboard.db as ddb
    from dashboard import slides
    from dashboard.state import ViewState

    v = ddb.version(db)
    deck = slides.prefecture_deck(v, ViewState(date=dt.date.fromisoformat(DATE)), "13", dt.date.today(), True)
    fig = next(s for s in deck.slides if s.key == "map").figure()
    assert fig.layout.geo2.domain.x is not None  # the inset
    note = next(a.text for a in fig.layout.annotations if a.text.startswith("<b>離島</b>"))
    assert "小笠原村" in note and "大島町" in note
    outline = [t for t in fig.data if t.type == "choropleth" and t.hoverinfo == "skip"]
    assert outline and all(list(t.locations) == ["13"] for t in outline)  # (again in the inset)


def test_the_uncovered_filter_filters_the_map_too(db):
    at = testing.app_test(db, page=PREFECTURE, params={"date": DATE, "pref": "01"})
    at.toggle(key="pp_only_uncovered").set_value(True).run()
    spec = prefecture_map(at, "01")
    today = dt.date.today()
    uncovered = {r[0] for r in sql(db, """
        SELECT m.lg_code FROM municipalities m JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = ?
        WHERE m.prefecture_code = '01' AND s.dx_staff <= 3 AND m.lg_code NOT IN (
            SELECT lg_code FROM talent_assignment WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?))""",
        [DATE, today, today])}
    coloured = {c for t in spec["data"] if t["type"] == "choropleth" and t.get("name", "").endswith("）")
                for c in decode(t["customdata"])}
    dimmed = next(t for t in spec["data"] if t.get("name") == "要対応以外")
    assert coloured == uncovered
    assert len(decode(dimmed["locations"])) == 179 - len(uncovered)
    assert any("要対応 ⚠ だけ表示" in c.value and "灰色" in c.value for c in at.caption)
    at.toggle(key="pp_only_uncovered").set_value(False).run()
    assert not [t for t in prefecture_map(at, "01")["data"] if t.get("name") == "要対応以外"]


# -- similar prefectures ---------------------------------------------------------------------------

def test_similar_prefectures_say_what_they_are_and_are_that(db):
    import numpy as np

    at = testing.app_test(db, page=PREFECTURE, params={"date": DATE, "pref": "20"})
    words = " ".join([*(m.value for m in at.markdown), *(c.value for c in at.caption)])
    assert "人口規模・市町村数・不足割合が近い県" in words
    assert "ユークリッド" not in words and "距離" not in words
    peers = next(d.value for d in at.dataframe if "人口（万人）" in d.value.columns)
    assert "距離" not in peers.columns
    # the rule, computed here from the warehouse: log population, log municipality count and shortage
    # share, each over its standard deviation across the 47; the 3 smallest combined gaps
    rows = sql(db, """
        SELECT m.prefecture_code, p.name, ln(sum(m.population)), ln(count(*)),
               count(*) FILTER (WHERE s.dx_staff <= 3) / count(s.dx_staff)
        FROM municipalities m JOIN prefectures p USING (prefecture_code)
        LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = ?
        GROUP BY ALL ORDER BY 1""", [DATE])
    x = np.array([r[2:] for r in rows], dtype=float)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    me = [r[0] for r in rows].index("20")
    gap = np.sqrt(((z - z[me]) ** 2).sum(axis=1))
    expected = [rows[i][1] for i in np.argsort(gap, kind="stable") if i != me][:3]
    assert list(peers["都道府県"]) == [rows[me][1], *expected, "全国"]


# -- every chart --------------------------------------------------------------------------------

PAGES = [("pages/national.py", {"date": DATE}), (PREFECTURE, {"date": DATE, "pref": "13"}),
         ("pages/talent.py", {"date": DATE}), ("pages/progress.py", {"date": DATE})]


@pytest.mark.parametrize("page,params", PAGES, ids=[p for p, _ in PAGES])
def test_every_chart_has_a_summary_before_it_and_no_mode_bar(db, page, params):
    at = testing.app_test(db, page=page, params=params)
    assert not at.exception
    found = charts(at)
    assert found
    summaries = [c.value for c in at.caption if c.value.startswith("図の要約：")]
    for key, chart in found.items():
        summary = chart["spec"]["layout"].get("meta", {}).get("summary")
        assert summary and len(summary) > 10, key
        assert any(summary.replace("\\", "") in s.replace("\\", "") for s in summaries), key
        assert chart["config"].get("displayModeBar") is False, key
        assert "toImageButtonOptions" not in chart["config"], key


def test_the_map_summary_is_computed_from_the_data(db):
    at = testing.app_test(db, params={"date": DATE})
    summary = charts(at)["pref_map"]["spec"]["layout"]["meta"]["summary"]
    shares = sql(db, """
        SELECT p.name, count(*) FILTER (WHERE s.dx_staff <= 3) / count(s.dx_staff) AS share
        FROM staff_survey s JOIN municipalities m USING (lg_code) JOIN prefectures p USING (prefecture_code)
        WHERE s.base_date = ? GROUP BY 1 ORDER BY share DESC""", [DATE])
    (top, hi), (low, lo) = shares[0], shares[-1]
    nation = sql(db, "SELECT count(*) FILTER (WHERE dx_staff <= 3) / count(dx_staff) FROM staff_survey "
                     "WHERE base_date = ?", [DATE])[0][0]
    assert summary == (f"不足自治体の割合（3人以下）：最も高いのは{top} {hi * 100:.1f}%、最も低いのは{low} {lo * 100:.1f}%"
                       f"（全国 {nation * 100:.1f}%）")


def test_a_municipality_history_lists_only_the_surveys_of_its_prefecture(one_prefecture_date):
    """A survey of 鳥取県 alone is not 未回答 for 北海道's towns: their history, hover and staff
    chart skip its date, and 鳥取県's towns have it."""
    from dashboard import db as ddb
    from dashboard.charts import prefecture as pc
    from dashboard.queries import common, prefecture

    v = ddb.version(one_prefecture_date)
    extra = dt.date(2025, 10, 1)
    hokkaido, tottori = prefecture.staff_history(v, "01"), prefecture.staff_history(v, "31")
    assert set(hokkaido.base_date.dt.date) == set(common.base_dates(v)) - {extra}
    assert set(tottori.base_date.dt.date) == set(common.base_dates(v))
    assert tottori[tottori.base_date.dt.date == extra].dx_staff.notna().all()
    munis = prefecture.municipalities(v, "01", extra, None, 3, dt.date(2026, 12, 1))
    assert not any("2025-10-01" in text for text in pc.hover_texts(munis, hokkaido))
    assert all("2025-04-01" in text for text in pc.hover_texts(munis, hokkaido))
