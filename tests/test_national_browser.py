"""The national page in real Chromium, with every request outside the app server blocked."""

import re

import pytest

from tests import support

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not support.chromium_available(), reason="Debian chromium not installed")]


def test_map_draws_offline_with_japanese_text(server, page):
    page.goto(server + "/?date=2023-04-01&n=3")
    support.wait_idle(page)
    page.wait_for_selector(".choroplethlocation", timeout=30_000)
    assert page.locator(".choroplethlocation").count() == 47
    assert page.get_by_text("全国マップ", exact=True).first.is_visible()
    assert page.get_by_text("850 団体").first.is_visible()
    # Japanese glyphs come from an installed CJK font, not a web font fetched at run time.
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK JP\"', '全国')")
    assert not [u for u in page.blocked if "world_110m" in u or "cdn" in u], page.blocked
    support.screenshot(page, "national")


def test_click_on_a_prefecture_opens_its_page(server, page):
    support.click_hokkaido_on_the_national_map(page, server)
    assert "date=2023-04-01" in page.url
    support.screenshot(page, "national_click_to_prefecture")


def test_widget_change_writes_the_url(server, page):
    page.goto(server + "/?date=2022-04-01&n=2")
    support.wait_idle(page)
    page.locator("[data-testid=stSidebar] button[data-testid=stNumberInputStepUp]").click()
    page.wait_for_url(re.compile(r".*n=3.*"), timeout=30_000)
    support.wait_idle(page)
    assert "date=2022-04-01" in page.url
    assert page.get_by_text("3人以下の市区町村").first.is_visible()


def test_municipality_tab_draws_every_municipality(server, page):
    page.goto(server + "/?date=2023-04-01&n=3")
    support.wait_idle(page)
    page.wait_for_selector(".choroplethlocation", timeout=30_000)
    page.get_by_role("tab", name="市区町村別").click()
    # Without boundaries the sample shows one point per municipality, in five tier traces.
    page.wait_for_function(
        "[...document.querySelectorAll('.scattergeo .point, .scattergeo path.point')].length >= 1741",
        timeout=30_000)
    assert page.get_by_text("役場の位置を点で表示").first.is_visible()
    # the municipality map has its PNG download inside the open tab
    panel = page.locator("[role=tabpanel]").filter(visible=True)
    assert panel.get_by_role("button", name="PNG", exact=True).filter(visible=True).count() == 1
    support.screenshot(page, "national_municipalities")
