"""Presentation mode and the PNG button in real Chromium at projector size (1280×720), with every
request outside the app server blocked."""

from __future__ import annotations

import io
import re

import duckdb
import pytest
from PIL import Image, ImageStat

import testing

pytestmark = [pytest.mark.browser]
PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture()
def page(server, chromium):
    with testing.new_page(chromium, server, viewport=PROJECTOR) as pg:
        yield pg


def heading(page, text: str):
    return page.get_by_role("heading", name=text, exact=True)


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"]


def test_presentation_mode_hides_sidebar_and_next_keeps_filters(server, page):
    page.goto(server + "/?date=2022-04-01&n=2&present=1")
    testing.wait_idle(page)
    heading(page, "市区町村のDX人材ギャップ（全国）").wait_for(timeout=30_000)
    assert page.locator("[data-testid=stSidebar]").count() == 0 or not page.locator("[data-testid=stSidebar]").is_visible()
    assert not page.locator("[data-testid=stExpandSidebarButton]").is_visible()
    testing.screenshot(page, "present_national_1")

    page.get_by_role("button", name="次へ").click()
    page.wait_for_url(re.compile(r".*slide=2.*"), timeout=30_000)
    testing.wait_idle(page)
    assert "date=2022-04-01" in page.url and "n=2" in page.url and "present=1" in page.url
    heading(page, "DX担当職員が2人以下の市区町村はいくつあるか").wait_for(timeout=30_000)
    with duckdb.connect(str(testing.sample_db()), read_only=True) as con:
        shortage = con.execute("SELECT count(*) FILTER (WHERE dx_staff <= 2) FROM staff_survey "
                               "WHERE base_date = '2022-04-01'").fetchall()[0][0]
    page.get_by_text(f"{shortage:,} 団体").filter(visible=True).first.wait_for(timeout=30_000)
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    testing.screenshot(page, "present_national_2")

    page.get_by_role("button", name="次へ").click()  # the map: one chart, on one screen, offline
    page.wait_for_url(re.compile(r".*slide=3.*"), timeout=30_000)
    testing.wait_idle(page)
    page.wait_for_selector(".choroplethlocation", timeout=30_000)
    assert page.locator(".choroplethlocation").count() == 47 + 1  # 沖縄県 again in its inset
    assert page.locator("[data-testid=stPlotlyChart]").count() == 1
    assert in_view(page, page.get_by_role("button", name="次へ"))  # no scrolling at 1280×720
    assert in_view(page, page.locator("[data-testid=stPlotlyChart]"))
    assert page.get_by_text("基準日：令和4年4月1日").first.is_visible()
    assert not [u for u in page.blocked if "world_110m" in u or "cdn" in u], page.blocked
    testing.screenshot(page, "present_national_3_map")


def test_toggle_enters_and_exit_returns_to_the_same_view(server, page):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(server + "/?date=2024-04-01&n=4")
    testing.wait_idle(page)
    page.locator("[data-testid=stSidebar] label:has-text('発表モード')").click()
    page.wait_for_url(re.compile(r".*present=1.*"), timeout=30_000)
    testing.wait_idle(page)
    heading(page, "市区町村のDX人材ギャップ（全国）").wait_for(timeout=30_000)
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    page.get_by_role("button", name="発表モードを終了").click()
    page.wait_for_function("!location.search.includes('present=1')", timeout=30_000)
    testing.wait_idle(page)
    assert "date=2024-04-01" in page.url and "n=4" in page.url
    assert page.locator("[data-testid=stSidebar]").is_visible()
    assert page.locator("[data-testid=stSidebar] input[type=number]").input_value() == "4"


def test_prefecture_table_slide_fits_the_screen(server, page):
    page.goto(server + "/prefecture?pref=01&date=2023-04-01&n=3&present=1&slide=4")
    testing.wait_idle(page)
    heading(page, "北海道の市区町村別 DX担当職員数（1/10）").wait_for(timeout=30_000)
    frame = page.locator("[data-testid=stDataFrame]")
    assert in_view(page, frame) and in_view(page, page.get_by_role("button", name="次へ"))
    testing.screenshot(page, "present_prefecture_table")


def test_png_button_downloads_the_chart_with_its_footer(server, page):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(server + "/?date=2023-04-01&n=3")
    testing.wait_idle(page)
    button = page.locator(".st-key-pref_map_png button").first
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "national_map_shortage_share_2023-04-01.png"
    img = Image.open(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115 (read once)
    assert img.format == "PNG" and img.size == (1280 * 2, 680 * 2)  # the page map: 1280 × its height (charts.national: 680)
    assert ImageStat.Stat(img.convert("L")).stddev[0] > 20
    testing.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    img.save(testing.ARTIFACTS / "download_national_map.png")
