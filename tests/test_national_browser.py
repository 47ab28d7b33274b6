"""The national page in real Chromium, with every request outside the app server blocked."""

import re

import pytest
from playwright.sync_api import expect

import testing

pytestmark = [pytest.mark.browser]


def test_map_draws_offline_with_japanese_text(server, page):
    page.goto(server + "/?date=2023-04-01&n=3")
    testing.wait_idle(page)
    testing.wait_for_shapes(page, "pref_map", 47 + 1)
    # 47 prefectures, and 沖縄県 again in its inset
    assert page.locator(".st-key-pref_map .choroplethlocation").count() == 47 + 1
    assert page.get_by_text("全国マップ", exact=True).first.is_visible()
    assert page.get_by_text("850 団体").first.is_visible()
    # Japanese glyphs come from an installed CJK font, not a web font fetched at run time.
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK JP\"', '全国')")
    assert not [u for u in page.blocked if "world_110m" in u or "cdn" in u], page.blocked
    testing.screenshot(page, "national")


def test_click_on_a_prefecture_opens_its_page(server, page):
    testing.click_hokkaido_on_the_national_map(page, server)
    assert "date=2023-04-01" in page.url
    testing.screenshot(page, "national_click_to_prefecture")


def test_widget_change_writes_the_url(server, page):
    page.goto(server + "/?date=2022-04-01&n=2")
    testing.wait_idle(page)
    page.locator("[data-testid=stSidebar] button[data-testid=stNumberInputStepUp]").click()
    page.wait_for_url(re.compile(r".*n=3.*"), timeout=30_000)
    testing.wait_idle(page)
    assert "date=2022-04-01" in page.url
    assert page.get_by_text("3人以下の市区町村").first.is_visible()


def test_municipality_tab_draws_every_municipality(server, page):
    page.goto(server + "/?date=2023-04-01&n=3")
    testing.wait_idle(page)
    testing.wait_for_shapes(page, "pref_map", 47 + 1)
    page.get_by_role("tab", name="市区町村別").click()
    # The default build loads the real boundaries (data/public): one polygon per municipality.
    page.wait_for_function(
        "document.querySelectorAll('.st-key-muni_map .choroplethlocation').length >= 1741", timeout=60_000)
    assert page.locator(".st-key-muni_map .choroplethlocation").count() == 1741
    assert not page.get_by_text("役場の位置を点で表示").count()
    # the municipality map has its PNG download inside the open tab
    png = page.locator(".st-key-muni_map_png").get_by_role("button", name="PNG", exact=True).filter(visible=True)
    expect(png).to_have_count(1, timeout=30_000)
    testing.screenshot(page, "national_municipalities")


def test_indicator_map_shows_the_digital_agency_source_and_no_sample_notice(server, page):
    """The real-data map (外部人材活用の割合, from the Digital Agency table) names its source under
    it and carries no sample notice; the synthetic figures above it still do."""
    page.goto(server + "/?date=2023-04-01&metric=ext_talent_share")
    testing.wait_idle(page)
    expect(page.locator(".st-key-pref_map .choroplethlocation")).to_have_count(47 + 1, timeout=30_000)  # 沖縄県 twice (inset)
    heading = page.get_by_role("heading", name="外部人材活用の割合（都道府県別）")
    assert heading.is_visible()
    # the caption right under the map (the element after the chart)
    caption = page.locator(".st-key-pref_map + div [data-testid=stCaptionContainer]").first
    caption.wait_for(timeout=30_000)
    text = caption.inner_text()
    assert ("デジタル庁『自治体DXの取組に関するダッシュボード』（2024-07-12更新、総務省 令和5年度 行政情報化推進状況調査、"
            "基準日 2023-04-01）") in text
    assert "サンプル（架空）データ" not in text
    # hover text is the real figures only (実施 / 回答), never the synthetic staff counts
    box = page.locator(".st-key-pref_map .choroplethlocation").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45)
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
    hover = page.locator(".hoverlayer .hovertext").first.text_content()
    assert "北海道" in hover and "回答" in hover and "人以下" not in hover
    # the banner says what is synthetic and what is real
    banner = page.locator("[data-testid=stAlert]").first.inner_text()
    assert "架空の数値：職員数・人材プール・体制構築の進捗" in banner and "自治体DXの取組（デジタル庁）" in banner
    assert not [u for u in page.blocked if "world_110m" in u or "cdn" in u], page.blocked
    page.mouse.move(5, 5)  # hide the hover label
    caption.scroll_into_view_if_needed()  # the map with its 出典 caption below it
    testing.screenshot(page, "national_indicator_map")


def test_cross_view_lists_maps_and_downloads_the_municipalities_most_in_need(server, page, tmp_path):
    """Few staff (synthetic) × no external talent × no organisation-wide set-up (real): both base
    dates are named, the map layer draws every municipality, and the CSV carries the sample notice."""
    import duckdb

    page.goto(server + "/?date=2025-04-01&n=3")
    testing.wait_idle(page)
    heading = page.get_by_role("heading", name="最も支援が必要な市区町村（職員3人以下・外部人材活用なし・全庁的な体制なし）")
    heading.wait_for(timeout=30_000)
    heading.scroll_into_view_if_needed()
    assert page.get_by_text("職員数は調査基準日 令和7年4月1日（2025-04-01）、外部人材活用・全庁的な体制構築はデジタル庁の表の"
                            "基準日 令和5年4月1日（2023-04-01） の値です").first.is_visible()
    with duckdb.connect(str(testing.sample_db()), read_only=True) as con:
        [(expected,)] = con.execute("""
            SELECT count(*) FROM staff_survey s
            JOIN dx_indicators e ON e.lg_code = s.lg_code AND e.indicator = '外部人材活用' AND e.base_date = '2023-04-01'
            JOIN dx_indicators o ON o.lg_code = s.lg_code AND o.indicator = '全庁的な体制構築' AND o.base_date = '2023-04-01'
            WHERE s.base_date = '2025-04-01' AND s.dx_staff <= 3 AND NOT e.done AND NOT o.done""").fetchall()
    assert expected > 0
    expect(page.get_by_text(f"{expected:,} 団体").first).to_be_visible(timeout=30_000)  # waits for the render
    page.get_by_role("tab", name="地図").click()
    page.wait_for_function(
        "document.querySelectorAll('.st-key-need_map .choroplethlocation').length >= 1741", timeout=60_000)
    page.locator(".st-key-need_map").scroll_into_view_if_needed()
    testing.screenshot(page, "national_most_in_need_map")
    page.get_by_role("tab", name="一覧").click()
    button = page.get_by_role("button", name="一覧を CSV でダウンロード")
    button.wait_for(state="visible", timeout=30_000)
    testing.wait_idle(page)  # a click while the map tab is still drawing was once lost (a 30 s timeout)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    assert "サンプル（架空）データ" in text  # staff counts are synthetic
    assert "# 自治体DXの取組の基準日: 令和5年4月1日（2023-04-01）" in text
    assert "# 調査基準日（職員数）: 令和7年4月1日（2025-04-01）" in text
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert len(body) - 1 == expected


def test_a_region_labels_its_kpis_and_the_map_names_its_prefectures(server, page):
    """Issue 15: with 地方=近畿 the KPIs are 近畿's and say so; the map names its prefectures, and
    its slide (presentation mode) names each with its value (slides have no hover)."""
    page.goto(server + "/?date=2025-04-01&region=近畿")
    testing.wait_idle(page)
    page.wait_for_selector(".st-key-pref_map .choroplethlocation", timeout=60_000)
    assert page.get_by_text("3人以下の市区町村（近畿）").first.is_visible()
    assert page.get_by_text("目標 500人は全国の値").first.is_visible()
    # no KPI label ends in 「…」: each shows all its text
    cut = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stMetricLabel] *')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
    assert not cut, cut
    names = page.locator(".st-key-pref_map .scattergeo text").all_text_contents()
    assert {"京都", "大阪", "奈良", "和歌山", "兵庫", "滋賀", "三重"} <= set(names), names
    assert page.locator(".modebar").count() == 0
    testing.screenshot(page, "maps_national_kinki")
    page.goto(server + "/?date=2025-04-01&region=近畿&present=1&slide=3")
    testing.wait_idle(page)
    page.wait_for_selector(".choroplethlocation", timeout=60_000)  # a slide draws one chart
    note = page.locator(".annotation-text", has_text="の高い順")
    expect(note).to_be_visible(timeout=30_000)
    assert note.locator("tspan", has_text="奈良県").count() + ("奈良県" in note.text_content()) >= 1
    testing.screenshot(page, "maps_slide_kinki_map")
