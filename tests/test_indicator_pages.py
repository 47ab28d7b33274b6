"""The Digital Agency indicators on the pages (AppTest on the default build: real public data +
synthetic sample): the URL contract's new metrics, their figures against the warehouse, the 出典
under each chart, the sample notice only where synthetic figures are used, and the cross view."""

from __future__ import annotations

import datetime as dt
import io

import duckdb
import pytest
from openpyxl import load_workbook
from streamlit.runtime.state.common import user_key_from_element_id

import testing
from core.store import SAMPLE_NOTICE, SCHEMA_VERSION

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

DA = "デジタル庁『自治体DXの取組に関するダッシュボード』（2024-07-12更新、総務省 令和5年度 行政情報化推進状況調査、基準日 2023-04-01）"
DA_MD = DA.replace("-", "\\-")  # as the caption's Markdown carries it
INDICATOR_OF = {"ext_talent_share": "外部人材活用", "cio_aide_share": "CIO補佐官等の任命", "org_wide_share": "全庁的な体制構築"}


@pytest.fixture(scope="module")
def db():
    return testing.sample_db()


def sql(db, text, params=None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(text, params).fetchall()


def caption_after(at, key: str) -> str:
    """The caption drawn right after the element with this key (a chart's 出典)."""
    elements = list(at.main)
    for i, el in enumerate(elements):
        if getattr(el, "proto", None) is not None and hasattr(el.proto, "id") and el.proto.id and \
                user_key_from_element_id(el.proto.id) == key:
            return next(e.value for e in elements[i + 1:] if e.type == "caption")
    raise AssertionError(f"no element {key}")


def plotly_spec(at, key: str) -> dict:
    import json

    chart = next(c for c in at.get("plotly_chart") if user_key_from_element_id(c.proto.id) == key)
    return json.loads(chart.proto.spec)


def test_new_metrics_are_in_the_url_contract():
    from dashboard.state import parse_params
    from etl.reference import REGION_ORDER

    dates = [dt.date(2023, 4, 1), dt.date(2025, 4, 1)]
    for key in INDICATOR_OF:
        view, notices = parse_params({"date": "2023-04-01", "metric": key}, dates, REGION_ORDER, {"01"})
        assert view.metric == key and notices == []
        assert view.params()["metric"] == key


@pytest.mark.parametrize("key", list(INDICATOR_OF))
def test_indicator_metric_map_is_real_data_with_the_agencys_source(db, key):
    at = testing.app_test(db, params={"date": "2023-04-01", "metric": key})
    assert not at.exception
    assert at.query_params["metric"] == [key] or at.query_params["metric"] == key
    caption = caption_after(at, "pref_map")
    assert DA_MD in caption
    assert SAMPLE_NOTICE not in caption  # real data only: no sample notice
    # the choropleth's values are 実施 ÷ (実施 + 未実施) per prefecture, 調査無し excluded
    spec = plotly_spec(at, "pref_map")
    trace = spec["data"][0]
    expected = dict(sql(db, """
        SELECT m.prefecture_code, count_if(d.done) / count(d.done)
        FROM dx_indicators d JOIN municipalities m USING (lg_code)
        WHERE d.base_date = '2023-04-01' AND d.indicator = ? GROUP BY 1""", [INDICATOR_OF[key]]))
    z = support_decode(trace["z"])
    got = dict(zip(trace["locations"], z, strict=True))
    assert got.keys() == expected.keys()
    for code, value in expected.items():
        assert got[code] == pytest.approx(value * 100), code  # drawn in % (the colour bar's unit)
    # 石川県: 8 municipalities 調査無し are not in the denominator
    answered = sql(db, "SELECT count(d.done) FROM dx_indicators d JOIN municipalities m USING (lg_code) "
                       "WHERE m.prefecture_code = '17' AND d.indicator = ?", [INDICATOR_OF[key]])[0][0]
    assert answered == 19 - 8


def support_decode(values):
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def test_shortage_map_keeps_the_sample_notice_and_names_its_synthetic_source(db):
    at = testing.app_test(db, params={"date": "2023-04-01"})
    caption = caption_after(at, "pref_map")
    assert SAMPLE_NOTICE in caption and "職員数＝サンプル（架空）データ" in caption
    assert "国土交通省『国土数値情報（行政区域データ）』" in caption  # the real outlines are credited too


def test_png_footer_follows_the_chart_not_the_page(db):
    from dashboard import slides
    from dashboard.db import version
    from dashboard.notes import footer_text
    from dashboard.state import ViewState

    testing.app_test(db, params={"date": "2023-04-01"})  # points the dashboard at db (DXGAP_DB)
    v = version()
    real = slides.page_chart("national", "map", v, ViewState(date=dt.date(2023, 4, 1), metric="org_wide_share"),
                             dt.date.today(), True)
    synthetic = slides.page_chart("national", "map", v, ViewState(date=dt.date(2023, 4, 1)), dt.date.today(), True)
    assert not real.caption.is_sample and SAMPLE_NOTICE not in footer_text(real.caption, real.caption.is_sample)
    assert synthetic.caption.is_sample and SAMPLE_NOTICE in footer_text(synthetic.caption, synthetic.caption.is_sample)


def test_indicator_section_table_and_downloads_are_real_only(db, monkeypatch):
    files = testing.record_media(monkeypatch)
    at = testing.app_test(db, params={"date": "2025-04-01"})
    assert not at.exception
    # the survey base date has no table of its own: the latest one before it, named with its date
    assert any("この指標はデジタル庁の表の基準日 令和5年4月1日（2023-04-01） の値です" in c.value for c in at.caption)
    caption = caption_after(at, "indicator_map")
    assert DA_MD in caption and SAMPLE_NOTICE not in caption
    table = next(d.value for d in at.dataframe if "回答（実施・未実施）" in d.value.columns)
    assert int(table["実施"].sum()) == 522 and int(table["回答（実施・未実施）"].sum()) == 1741 - 8
    served = {f.name: f for f in files.values() if f.name and f.name.startswith("全国_外部人材活用の割合_")}
    csv_text = served["全国_外部人材活用の割合_2023-04-01.csv"].make().decode("utf-8-sig")
    assert DA in csv_text and SAMPLE_NOTICE not in csv_text
    wb = load_workbook(io.BytesIO(served["全国_外部人材活用の割合_2023-04-01.xlsx"].make()), read_only=True)
    notes = " ".join(str(c) for r in wb["注記"].iter_rows(values_only=True) for c in r)
    assert DA in notes and SAMPLE_NOTICE not in notes
    # and the national table, which mixes synthetic staff counts in, does carry the notice
    national = served_with(files, "全国_都道府県別_2025-04-01.csv")
    assert SAMPLE_NOTICE in national and "自治体DXの取組の基準日: 令和5年4月1日（2023-04-01）" in national


def served_with(files, name: str) -> str:
    return next(f.make() for f in files.values() if f.name == name).decode("utf-8-sig")


def test_before_the_first_indicator_table_the_page_says_so(db):
    at = testing.app_test(db, params={"date": "2021-04-01", "metric": "ext_talent_share"})
    assert not at.exception
    infos = [i.value for i in at.info]
    assert any("令和3年4月1日（2021-04-01）以前の自治体DXの取組の表（デジタル庁）がないため" in i for i in infos)
    assert any("この一覧は作れません" in i for i in infos)
    assert "（この基準日以前のデータなし）" in caption_after(at, "pref_map")


def test_cross_view_counts_equal_the_warehouse(db):
    at = testing.app_test(db, params={"date": "2023-04-01", "n": "3"})
    kpis = {m.label: m.value for m in at.metric}
    rows = sql(db, """
        SELECT m.prefecture_code, s.lg_code FROM staff_survey s JOIN municipalities m USING (lg_code)
        JOIN dx_indicators e ON e.lg_code = s.lg_code AND e.indicator = '外部人材活用' AND e.base_date = s.base_date
        JOIN dx_indicators o ON o.lg_code = s.lg_code AND o.indicator = '全庁的な体制構築' AND o.base_date = s.base_date
        WHERE s.base_date = '2023-04-01' AND s.dx_staff <= 3 AND NOT e.done AND NOT o.done""")
    assert kpis["最も支援が必要な市区町村"] == f"{len(rows):,} 団体"
    listed = next(d.value for d in at.dataframe if "全庁的な体制構築" in d.value.columns)
    assert sorted(listed["団体コード"]) == sorted(code for _, code in rows)
    assert set(listed["外部人材活用"]) == {"未実施"} and set(listed["全庁的な体制構築"]) == {"未実施"}
    assert (listed["DX担当職員数（3人以下）"] <= 3).all()
    bars = plotly_spec(at, "need_bars")["data"][0]
    per_pref = dict(zip(bars["customdata"], support_decode(bars["x"]), strict=True))
    assert sum(per_pref.values()) == len(rows)
    # mixing synthetic staff counts with the real indicators: the sample notice and both base dates
    caption = caption_after(at, "need_bars")
    assert SAMPLE_NOTICE in caption and DA_MD in caption and "職員数の基準日：令和5年4月1日" in caption


def test_prefecture_page_cross_view_and_its_map_layer(db):
    at = testing.app_test(db, page="pages/prefecture.py", params={"date": "2023-04-01", "pref": "17", "n": "3"})
    assert not at.exception
    codes = [c for (c,) in sql(db, """
        SELECT s.lg_code FROM staff_survey s JOIN municipalities m USING (lg_code)
        JOIN dx_indicators e ON e.lg_code = s.lg_code AND e.indicator = '外部人材活用' AND e.base_date = s.base_date
        JOIN dx_indicators o ON o.lg_code = s.lg_code AND o.indicator = '全庁的な体制構築' AND o.base_date = s.base_date
        WHERE s.base_date = '2023-04-01' AND m.prefecture_code = '17' AND s.dx_staff <= 3 AND NOT e.done
              AND NOT o.done ORDER BY 1""")]
    listed = next(d.value for d in at.dataframe if "全庁的な体制構築" in d.value.columns)
    assert list(listed["団体コード"]) == codes
    spec = plotly_spec(at, "pp_need_map_17")
    trace = spec["data"][0]
    z = dict(zip(trace["locations"], support_decode(trace["z"]), strict=True))
    assert len(z) == 19  # every municipality of 石川県 is drawn
    assert sorted(c for c, value in z.items() if value == 0) == codes  # in need: the first class
    # the 8 municipalities 調査無し (Noto earthquake) are never counted as in need
    unanswered = [c for (c,) in sql(db, "SELECT lg_code FROM dx_indicators WHERE indicator = '外部人材活用' "
                                        "AND done IS NULL")]
    assert len(unanswered) == 8 and not set(unanswered) & set(codes)
    assert all(z[c] == 2 for c in unanswered)  # 判定できない


def test_prefecture_page_shows_the_prefectural_governments_own_answers(db):
    """dx_indicators_prefecture (the prefectures' own answers, real data) on the prefecture page: each
    実施/未実施 indicator of the chosen prefecture as the warehouse holds it, beside how many of the
    prefectures that answered said 実施; the Digital Agency's 出典, no sample notice."""
    at = testing.app_test(db, page="pages/prefecture.py", params={"date": "2025-04-01", "pref": "17", "n": "3"})
    assert not at.exception
    shown = next(d.value for d in at.dataframe if "全国（実施した都道府県）" in d.value.columns)
    rows = sql(db, "SELECT prefecture_code, indicator, done FROM dx_indicators_prefecture WHERE base_date = '2023-04-01'")
    expected = {}
    for indicator in {i for _, i, done in rows if done is not None}:  # the ones answered 実施/未実施
        answers = {pc: done for pc, i, done in rows if i == indicator}
        mine = answers["17"]
        expected[indicator] = ("調査無し" if mine is None else "実施" if mine else "未実施",
                               f"{sum(d is True for d in answers.values())} / {sum(d is not None for d in answers.values())}")
    assert dict(zip(shown["指標"], zip(shown["石川県"], shown["全国（実施した都道府県）"], strict=True), strict=True)) == expected
    assert len(expected) == 10 and expected["外部人材活用"] == ("未実施", "37 / 47")  # the 2024-07-12 table
    assert shown["分野"].iloc[0] == "自治体DXの推進体制等"  # the table's own order of sections
    caption = next(c.value for c in at.caption if "都道府県としての回答" in c.value)
    assert DA_MD in caption and SAMPLE_NOTICE not in caption
    before = testing.app_test(db, page="pages/prefecture.py", params={"date": "2021-04-01", "pref": "17"})
    assert not before.exception
    assert not [d for d in before.dataframe if "全国（実施した都道府県）" in d.value.columns]


def test_the_prefectures_own_answers_go_into_its_download_and_its_deck(db, monkeypatch):
    """The section's table as the page shows it, in its own CSV/Excel download (with the 出典 and the
    table's base date in the notes) and on a slide of the prefecture's deck (the Digital Agency's
    出典, no sample notice)."""
    from dashboard import slides
    from dashboard.db import version
    from dashboard.state import ViewState

    media = testing.record_media(monkeypatch)
    at = testing.app_test(db, page="pages/prefecture.py", params={"date": "2025-04-01", "pref": "17", "n": "3"})
    assert not at.exception
    shown = next(d.value for d in at.dataframe if "全国（実施した都道府県）" in d.value.columns)
    buttons = {user_key_from_element_id(b.proto.id): b.proto for b in at.get("download_button")}
    assert buttons["dl_pp_government_csv"].label == "表を CSV でダウンロード"
    proto = buttons["dl_pp_government_xlsx"]
    file = media[proto.deferred_file_id or proto.url.rsplit("/", 1)[-1].split(".", 1)[0]]
    book = load_workbook(io.BytesIO(file.make()))
    assert book.sheetnames == ["都道府県としての回答", "注記"]
    cells = [[c.value for c in row] for row in book["都道府県としての回答"].iter_rows()]
    assert cells[0] == list(shown.columns) and cells[1:] == shown.astype(object).values.tolist()
    notes = dict(row for row in book["注記"].iter_rows(values_only=True) if row[0])
    assert notes["自治体DXの取組の基準日"] == "令和5年4月1日（2023-04-01）" and DA in notes["出典"] and SAMPLE_NOTICE not in notes["出典"]

    view = ViewState(date=dt.date(2025, 4, 1), n=3)
    deck = slides.prefecture_deck(version(), view, "17", dt.date.today(), True)
    own = next(s for s in deck.slides if s.key == "government")
    assert own.title == "石川県自身は自治体DXの取組をどこまで実施しているか" and own.kind == "table"
    assert own.table.equals(shown)
    assert DA in own.source and not slides.slide_is_sample(own, deck.is_sample)
    assert [s.key for s in deck.slides].index("government") == [s.key for s in deck.slides].index("trend") - 1


def test_banner_names_the_synthetic_and_the_real_figures(db):
    at = testing.app_test(db, params={"date": "2023-04-01"})
    banner = at.warning[0].value
    assert "架空の数値：職員数・人材プール・体制構築の進捗" in banner
    assert "実データ：自治体DXの取組（デジタル庁）・人口（国勢調査）・地図の境界（国土数値情報）" in banner


def test_no_banner_when_nothing_is_synthetic(tmp_path):
    db = tmp_path / "real" / "warehouse.duckdb"
    testing.run_etl("build", "--db", db, "--inputs", testing.ROOT / "data" / "public", check=True)
    survey = tmp_path / "survey_2023-04-01.csv"
    survey.write_bytes("団体コード,団体名,DX担当職員数\r\n011002,札幌市,5\r\n".encode())
    testing.run_etl("load", "survey", str(survey), "--db", str(db), "--publisher", "総務省",
                    "--source", "地方公共団体における行政情報化の推進状況調査", check=True)
    at = testing.app_test(db, params={"date": "2023-04-01"})
    assert not at.exception
    assert not at.warning  # no banner: every figure is real
    assert SAMPLE_NOTICE not in caption_after(at, "pref_map")
    assert "総務省『地方公共団体における行政情報化の推進状況調査』" in caption_after(at, "pref_map")


def test_deck_slides_carry_the_notice_only_where_figures_are_synthetic(db):
    from dashboard import slides
    from dashboard.db import version
    from dashboard.state import ViewState

    testing.app_test(db, params={"date": "2023-04-01"})
    view = ViewState(date=dt.date(2023, 4, 1), metric="cio_aide_share")
    deck = slides.national_deck(version(), view, dt.date.today(), True)
    marked = {s.key: slides.slide_is_sample(s, deck.is_sample) for s in deck.slides}
    assert marked == {"title": True, "kpis": True, "map": False, "ranked": False, "trend": True, "coverage": True,
                      "progress": True, "sources": True}
    by_key = {s.key: s for s in deck.slides}
    assert DA in by_key["map"].source and SAMPLE_NOTICE not in by_key["map"].source
    assert by_key["map"].title == "CIO補佐官等を任命した市区町村はどこに多いか"


def test_presentation_mode_shows_the_notice_per_slide(db):
    real = testing.app_test(db, params={"date": "2023-04-01", "metric": "ext_talent_share", "present": "1",
                                        "slide": "3"})
    assert not real.exception
    assert not [m for m in real.markdown if SAMPLE_NOTICE in m.value]
    assert any(DA_MD in c.value for c in real.caption)
    synthetic = testing.app_test(db, params={"date": "2023-04-01", "present": "1", "slide": "3"})
    assert [m for m in synthetic.markdown if SAMPLE_NOTICE in m.value]


def test_an_older_warehouse_is_refused_with_how_to_upgrade_it(db, tmp_path):
    old = testing.copy_db(db, tmp_path / "old")
    with duckdb.connect(str(old)) as con:
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    at = testing.app_test(old)
    assert not at.exception
    assert any(f"形式が古いため（schema_version=1、必要な形式 {SCHEMA_VERSION}）" in e.value and "--if-missing" in e.value
               for e in at.error)
