"""Presentation mode and the PNG button in real Chromium at projector size (1280×720), with every
request outside the app server blocked."""

from __future__ import annotations

import io
import re

import duckdb
import pytest
from PIL import Image, ImageStat
from playwright.sync_api import expect

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
    # plotly draws the inset after the main map: wait for the count, not for the first shape
    expect(page.locator(".choroplethlocation")).to_have_count(47 + 1, timeout=30_000)  # 沖縄県 again in its inset
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
    with duckdb.connect(str(testing.sample_db()), read_only=True) as con:
        munis = con.execute("SELECT count(*) FROM municipalities WHERE prefecture_code = '01'").fetchall()[0][0]
    from dashboard.slides import ROWS_PER_PAGE

    heading(page, f"北海道の市区町村別 DX担当職員数（1/{-(-munis // ROWS_PER_PAGE)}）").wait_for(timeout=30_000)
    frame = page.locator(".st-key-present_table table")
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


# -- The presenter's clicker and readable slides (issue 15) ----------------------------------

def drawn(page) -> None:
    """The script has run and every element is drawn: Streamlit shows a grey skeleton while an
    element's code is still loading, which on a busy machine outlasts the script run."""
    testing.wait_idle(page)
    page.wait_for_function("!document.querySelector('[data-testid=stSkeleton]')", timeout=30_000)


def slide_no(page) -> int:
    match = re.search(r"[?&]slide=(\d+)", page.url)
    return int(match[1]) if match else 1


def press(page, key: str, expected: int) -> None:
    """Press a key as a clicker sends it and wait until the slide it leads to has been drawn."""
    page.keyboard.press(key)
    page.wait_for_function(f"new URLSearchParams(location.search).get('slide') === '{expected}'"
                           + (" || !new URLSearchParams(location.search).get('slide')" if expected == 1 else ""),
                           timeout=30_000)
    drawn(page)


def test_clicker_keys_move_slides_and_escape_leaves(server, page):
    """→, PageDown and Space go forward, ← and PageUp back (a presentation clicker sends these), Esc
    leaves presentation mode for the page with the same filters; with the focus on 前へ, Space still
    goes forward (the focused button is not pressed as well)."""
    page.goto(server + "/?date=2022-04-01&n=2&present=1")
    testing.wait_idle(page)
    heading(page, "市区町村のDX人材ギャップ（全国）").wait_for(timeout=30_000)
    # the key script comes after the slide: a key pressed before it runs is lost (as for a presenter
    # pressing during the first half-second)
    page.wait_for_function("window.__dxgapPresenterKeys === true", timeout=30_000)
    drawn(page)  # a click on 次へ while the first run is still finishing can be lost
    press(page, "ArrowRight", 2)
    heading(page, "DX担当職員が2人以下の市区町村はいくつあるか").wait_for(timeout=30_000)
    press(page, "PageDown", 3)
    press(page, "Space", 4)
    testing.screenshot(page, "present_keys_slide4")
    press(page, "ArrowLeft", 3)
    press(page, "PageUp", 2)
    assert slide_no(page) == 2 and "date=2022-04-01" in page.url and "n=2" in page.url
    page.locator(".st-key-present_prev button").focus()
    press(page, "Space", 3)
    page.wait_for_timeout(1_000)
    testing.wait_idle(page)
    assert slide_no(page) == 3  # forward only: the focused 前へ was not pressed too
    page.keyboard.press("Escape")
    page.wait_for_function("!location.search.includes('present=1')", timeout=30_000)
    testing.wait_idle(page)
    assert "date=2022-04-01" in page.url and "n=2" in page.url
    assert page.locator("[data-testid=stSidebar]").is_visible()
    url = page.url
    page.keyboard.press("ArrowRight")  # outside presentation mode the keys do nothing
    page.wait_for_timeout(500)
    assert page.url == url and page.get_by_role("button", name="次へ").count() == 0


# The smallest text on screen: every visible text node under the main area, its computed font size
# (SVG text scaled by its transforms, as plotly shrinks labels that way).
TEXT_SIZES_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('[data-testid=stMain]'), NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || ['SCRIPT', 'STYLE'].includes(el.tagName)) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden' || style.opacity === '0') continue;
    let size = parseFloat(style.fontSize);
    if (el instanceof SVGElement) {
      const m = el.getScreenCTM();
      size *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    }
    out.push([Math.round(size * 100) / 100, n.textContent.trim().slice(0, 40), el instanceof SVGElement]);
  }
  return out;
}"""
MIN_PX = 14 * 96 / 72  # 14 pt at 1280×720


def smallest_texts(page, chart: bool = False) -> list:
    """The texts under 14 pt; chart: the slide's figure must be drawn (some of the texts are SVG)."""
    sizes = page.evaluate(TEXT_SIZES_JS)
    assert len(sizes) > 5
    assert sum(svg for *_, svg in sizes) > (3 if chart else -1), "the figure is not drawn"
    return [s[:2] for s in sizes if s[0] < MIN_PX - 0.01]


@pytest.mark.parametrize("path,slides,charts", [
    ("/?date=2023-04-01&n=3&present=1", None, {3, 4, 5, 6, 7}),  # every slide of the national deck
    # 16: the prefecture's own answers (a table), then the trend, coverage and progress charts
    ("/prefecture?pref=01&date=2023-04-01&n=3&present=1", [1, 2, 3, 4, 16, 17, 18, 19, 20], {3, 17, 18, 19}),
])
def test_every_slide_text_is_at_least_14_pt(server, page, path, slides, charts):
    """Measured in Chromium at 1280×720: no text of any slide (titles, KPI cards, chart ticks and value
    labels, table cells, 出典, buttons) under 14 pt (18.7 px)."""
    page.goto(server + path)
    drawn(page)
    total = int(re.search(r"(\d+) / (\d+)", page.locator(".st-key-present_nav").inner_text())[2])
    numbers = slides or list(range(1, total + 1))
    for number in numbers:
        if number == slide_no(page) + 1:  # the next slide: 次へ, a rerun (a page load costs seconds)
            page.get_by_role("button", name="次へ").click()
            page.wait_for_url(re.compile(rf".*slide={number}(&|$).*"), timeout=30_000)
            drawn(page)
        elif number != slide_no(page):
            page.goto(server + path + f"&slide={number}")
            drawn(page)
        if number in charts:
            page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg text", state="attached", timeout=30_000)
            page.wait_for_timeout(800)  # plotly's second pass (automargin) and the map's shapes
        name = "present_pref01" if "pref" in path else "present_national"
        testing.screenshot(page, f"{name}_slide{number:02d}")
        small = smallest_texts(page, chart=number in charts)
        assert not small, (number, small[:8])
        assert in_view(page, page.get_by_role("button", name="発表モードを終了")), number  # one screen, no scrolling


def test_table_slide_sorts_by_severity_and_right_aligns_numbers(server, page):
    page.goto(server + "/prefecture?pref=01&date=2023-04-01&n=3&present=1&slide=4")
    drawn(page)
    table = page.locator(".st-key-present_table table")
    header = table.locator("thead th").all_inner_texts()
    assert header[3] == "DX担当職員 2023-04-01"
    staff = [float(x) for x in table.locator("tbody tr td:nth-child(4)").all_inner_texts()]
    assert staff == sorted(staff) and staff[0] == 0
    aligns = table.locator("tbody tr").first.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c).textAlign)")
    assert [aligns[j] for j in (3, 4, 6)] == ["right"] * 3 and aligns[1] != "right"
    testing.screenshot(page, "present_table_severity")


# -- The FY2025 result on the progress page and slide, on a server pinned to either side ----------

@pytest.fixture(scope="module", params=["2025-12-01", "2026-12-01"], ids=["before", "after"])
def pinned(request):
    """(server URL, as-of day): the app with DXGAP_TODAY set, before or after 令和7年度末."""
    with testing.streamlit_server(testing.sample_db(), extra_env={"DXGAP_TODAY": request.param}) as url:
        yield url, request.param


@pytest.mark.server
def test_progress_page_and_slide_state_the_result_first(pinned, chromium):
    import datetime as dt

    from core.policy import DEADLINE

    url, day = pinned
    after = dt.date.fromisoformat(day) > DEADLINE
    with duckdb.connect(str(testing.sample_db()), read_only=True) as con:
        built = con.execute("SELECT count(DISTINCT prefecture_code) FROM dx_system_status WHERE milestone = 2 "
                            "AND achieved_on <= ?", [min(dt.date.fromisoformat(day), DEADLINE)]).fetchall()[0][0]
    headline = (f"令和7年度末（2026-03-31）時点：地域DX推進体制 {built}/47、未達 {47 - built}" if after else
                f"令和7年度末（2026-03-31）まで あと {(DEADLINE - dt.date.fromisoformat(day)).days} 日："
                f"地域DX推進体制 {built}/47（{day} 時点）、あと {47 - built} 都道府県")
    with testing.new_page(chromium, url, viewport={"width": 1440, "height": 900}) as pg:
        pg.goto(url + "/progress?date=2025-04-01&n=3")
        drawn(pg)
        first = pg.get_by_role("heading", name=headline, exact=True)
        first.wait_for(timeout=30_000)
        kpi_top = pg.locator("[data-testid=stMetric]").first.bounding_box()["y"]
        assert first.bounding_box()["y"] < kpi_top  # the result comes before the KPIs
        main = pg.locator("[data-testid=stMain]").inner_text()
        assert ("整うか" in main) is False
        days = (dt.date.fromisoformat(day) - DEADLINE).days  # the deadline KPI: elapsed, or a countdown
        assert (f"期限から {days:,} 日経過" in main) is after and (f"期限まで あと {-days:,} 日" in main) is not after
        testing.screenshot(pg, f"progress_{'after' if after else 'before'}_deadline")
    with testing.new_page(chromium, url, viewport=PROJECTOR) as pg:
        pg.goto(url + "/?date=2025-04-01&n=3&present=1&slide=7")
        drawn(pg)
        title = "令和7年度末の目標（全都道府県で地域DX推進体制）は達成されたか" if after else \
            "令和7年度末までに全都道府県で地域DX推進体制が整うか"
        heading(pg, title).wait_for(timeout=30_000)
        pg.locator(".st-key-present_lead").get_by_text(headline).wait_for(timeout=30_000)
        pg.wait_for_selector("[data-testid=stPlotlyChart] .main-svg text", state="attached", timeout=30_000)
        pg.wait_for_timeout(800)
        assert not smallest_texts(pg, chart=True)
        testing.screenshot(pg, f"present_progress_{'after' if after else 'before'}_deadline")
