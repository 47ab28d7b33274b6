"""人材プール and 体制構築の進捗 in real Chromium, with every request outside the app server blocked:
the charts draw, the map draws offline, and a download holds what the warehouse holds."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

import testing

pytestmark = [pytest.mark.browser]
PARAMS = "?date=2025-04-01&n=3"


def open_page(page, url: str, charts: int) -> None:
    page.goto(url)
    testing.wait_idle(page)
    # Every chart (those in a hidden tab too) gets its plotly container and SVG.
    page.wait_for_function("n => [...document.querySelectorAll('.plot-container')]"
                           ".filter(c => c.querySelector('svg.main-svg')).length >= n", arg=charts, timeout=60_000)


def test_talent_page_draws_its_charts_and_map_offline(server, page):
    open_page(page, server + "/talent" + PARAMS, 6)
    assert page.locator(".plot-container").count() == 6
    assert page.get_by_role("heading", name="人材プール").first.is_visible()
    # the coverage map's shapes come in a fetch of their own after its SVG is there
    page.wait_for_function("document.querySelectorAll('.choroplethlocation').length >= 47", timeout=60_000)
    assert page.locator(".choroplethlocation").count() == 47  # every prefecture
    assert page.locator("g.barlayer .point").count() > 47  # stacked role bars
    assert not [u for u in page.blocked if "world_110m" in u or "cdn" in u], page.blocked
    assert page.get_by_text("サンプル（架空）データ").first.is_visible()
    testing.screenshot(page, "talent")


def test_uncovered_list_download_matches_the_warehouse(server, page):
    open_page(page, server + "/talent" + PARAMS, 6)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="一覧を CSV でダウンロード").click()
    text = info.value.path().read_bytes().decode("utf-8-sig")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert rows[0].startswith("団体コード,都道府県,市区町村")
    today = dt.date.today()
    with duckdb.connect(str(testing.sample_db()), read_only=True) as con:
        expected = [r[0] for r in con.execute("""
            SELECT lg_code FROM staff_survey WHERE base_date = DATE '2025-04-01' AND dx_staff <= 3
              AND lg_code NOT IN (SELECT lg_code FROM talent_assignment
                                  WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?))
            ORDER BY 1""", [today, today]).fetchall()]
    assert [r.split(",")[0] for r in rows[1:]] == expected
    assert "サンプル（架空）データ" in text


def test_progress_page_draws_burnup_matrix_and_models(server, page):
    open_page(page, server + "/progress" + PARAMS, 3)
    assert page.locator(".plot-container").count() == 3
    assert page.get_by_role("heading", name="体制構築の進捗").first.is_visible()
    svg_text = " ".join(page.locator("svg.main-svg").all_text_contents())
    assert "令和7年度末" in svg_text
    assert "北海道" in svg_text and "沖縄県" in svg_text  # the 47-row matrix
    assert page.locator("g.heatmaplayer").count() >= 1
    assert page.locator("g.boxlayer .trace").count() >= 4  # one box per model
    testing.screenshot(page, "progress")


def test_progress_order_radio_sorts_the_matrix(server, page):
    open_page(page, server + "/progress" + PARAMS, 3)
    matrix = page.locator("[data-testid=stPlotlyChart]").filter(has_text="認識共有・機運醸成")
    # A heatmap's y labels run bottom to top, so the top row is the last label.
    assert matrix.locator("g.yaxislayer-above text").all_text_contents()[-1] == "北海道"
    page.get_by_text("進んでいる順").click()
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=stPlotlyChart]')].some(c => c.textContent.includes('認識共有')"
        " && [...c.querySelectorAll('g.yaxislayer-above text')].pop().textContent !== '北海道')", timeout=60_000)
    testing.wait_idle(page)
    with duckdb.connect(str(testing.sample_db()), read_only=True) as con:
        # The furthest milestone reached by anyone, and the prefecture that reached it first.
        first = con.execute("""
            SELECT p.name FROM dx_system_status d JOIN prefectures p USING (prefecture_code)
            WHERE d.achieved_on <= current_date
            ORDER BY d.milestone DESC, d.achieved_on, d.prefecture_code LIMIT 1""").fetchall()[0][0]
    assert matrix.locator("g.yaxislayer-above text").all_text_contents()[-1] == first
    testing.screenshot(page, "progress_sorted")
