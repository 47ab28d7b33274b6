"""Issue 15, accessibility and phone, in real Chromium (offline): the page language, text contrast
(WCAG AA, 4.5:1) of captions and chart text as rendered, charts named for screen readers, the maps
at 390×844 (full width, the colour bar under the map, nothing clipped), table columns wide enough
for the grid's real font, no plotly mode bar, the データ page's admin section collapsed.
Screenshots in tests/artifacts/ (a11y_*, maps_*)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

import testing
from dashboard import columns
from dashboard.charts.style import ACCENT_TEXT, BACKGROUND, LEGEND_BELOW, MUTED_TEXT, TEMPLATE, TEXT, text_color
from dashboard.frame import PAGE_CSS

DATE = "2025-04-01"
PAGES = ["/", "/prefecture?pref=13", "/talent", "/progress", "/data"]
AA = 4.5


def channel(c: float) -> float:
    c = c / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb) -> float:
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def parse(color: str) -> tuple[float, float, float, float]:
    """'#rrggbb', 'rgb(r, g, b)' or 'rgba(r, g, b, a)' → (r, g, b, alpha)."""
    if color.startswith("#"):
        return (*(int(color[i:i + 2], 16) for i in (1, 3, 5)), 1.0)
    parts = [float(x) for x in re.findall(r"[\d.]+", color)]
    return (*parts[:3], parts[3] if len(parts) > 3 else 1.0)


def contrast(fg: str, bg: str, opacity: float = 1.0) -> float:
    """WCAG contrast of fg (with its alpha and the element's opacity) drawn on bg."""
    *f, a = parse(fg)
    b = parse(bg)[:3]
    a *= opacity
    shown = [a * x + (1 - a) * y for x, y in zip(f, b, strict=True)]
    hi, lo = sorted((luminance(shown), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def open_page(page, server: str, path: str) -> None:
    sep = "&" if "?" in path else "?"
    page.goto(f"{server}{path}{sep}date={DATE}")
    testing.wait_idle(page)
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    # Streamlit dims (opacity 0.6) what a run has not redrawn yet: measured then, a caption failed
    # its contrast once in a full run. Every element must be current before anything is measured.
    page.wait_for_function("document.querySelector('[data-testid=stApp][data-test-script-state=notRunning]')"
                           " && !document.querySelector('[data-stale=true]')", timeout=60_000)


# -- from the specs alone --------------------------------------------------------------------------

def test_theme_and_figure_text_colours_meet_aa_by_specification():
    """Every text colour the charts and the page CSS set, against the background they sit on."""
    layout = TEMPLATE["layout"]
    colours = [TEXT, MUTED_TEXT, layout["font"]["color"], layout["xaxis"]["tickfont"]["color"],
               layout["yaxis"]["tickfont"]["color"], layout["legend"]["font"]["color"], LEGEND_BELOW["font"]["color"]]
    for colour in colours:
        assert contrast(colour, BACKGROUND) >= AA, colour
    for accent, label in ACCENT_TEXT.items():  # a label beside a line or mark of an accent colour
        assert text_color(accent) == label and contrast(label, BACKGROUND) >= AA, (accent, label)
    caption = re.search(r"stCaptionContainer[^{]*\{[^}]*color:\s*(#[0-9A-Fa-f]{6})", PAGE_CSS).group(1)
    assert contrast(caption, "#FFFFFF") >= AA and contrast(caption, "#F0F2F6") >= AA  # page and sidebar


# -- the page language ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_japanese_for_the_browser_and_screen_readers(server, page, path):
    open_page(page, server, path)
    page.wait_for_function("document.documentElement.lang === 'ja'", timeout=30_000)
    # what the browser derives for the content (fonts, screen readers): Japanese, inherited from <html>
    assert page.evaluate("document.querySelector('h1').matches(':lang(ja)')")
    assert not page.evaluate("document.querySelector('h1').matches(':lang(en)')")


# -- contrast as rendered ---------------------------------------------------------------------------

RENDERED = """() => {
  const bgOf = e => { for (let n = e; n; n = n.parentElement) { const c = getComputedStyle(n).backgroundColor;
                        if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
  const opacityOf = e => { let o = 1; for (let n = e; n; n = n.parentElement) o *= parseFloat(getComputedStyle(n).opacity || 1); return o; };
  const captions = [...document.querySelectorAll('[data-testid=stCaptionContainer]')].map(e =>
      ({text: e.innerText.slice(0, 40), fg: getComputedStyle(e).color, bg: bgOf(e), opacity: opacityOf(e)}));
  const sel = '.xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .legendtext, .cbaxis text, .cbtitle text, .annotation-text';
  const chart = [...document.querySelectorAll('.js-plotly-plot')].flatMap(p => [...p.querySelectorAll(sel)].map(t =>
      ({text: t.textContent.slice(0, 30), fg: getComputedStyle(t).fill, bg: getComputedStyle(p.querySelector('.main-svg')).backgroundColor,
        opacity: parseFloat(getComputedStyle(t).opacity || 1) * parseFloat(getComputedStyle(t).fillOpacity || 1)})));
  return {captions, chart};
}"""


@pytest.mark.parametrize("path", ["/", "/prefecture?pref=13", "/talent", "/progress"])
def test_captions_and_chart_text_meet_aa_as_rendered(server, page, path):
    open_page(page, server, path)
    page.wait_for_selector(".js-plotly-plot .xtick text, .js-plotly-plot .cbaxis text", timeout=60_000)
    found = page.evaluate(RENDERED)
    assert found["captions"] and found["chart"]
    for item in found["captions"]:
        assert contrast(item["fg"], item["bg"], item["opacity"]) >= AA, item
    for item in found["chart"]:
        bg = item["bg"] if item["bg"] not in ("rgba(0, 0, 0, 0)", "transparent") else "rgb(255, 255, 255)"
        assert contrast(item["fg"], bg, item["opacity"]) >= AA, item


# -- charts have an accessible name and a text summary; no plotly toolbar -------------------------

def test_charts_are_named_for_screen_readers_and_have_no_toolbar(server, page):
    open_page(page, server, "/")
    chart = page.locator(".st-key-pref_map [data-testid=stPlotlyChart]")
    chart.wait_for(timeout=60_000)
    assert chart.get_attribute("role") == "figure"
    name = chart.get_attribute("aria-label")
    assert name.startswith("不足自治体の割合（3人以下）：最も高いのは") and "（全国 " in name
    assert page.get_by_text(f"図の要約：{name}").first.is_visible()  # the same words on screen
    box = page.locator(".st-key-pref_map .choroplethlocation").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
    assert page.locator(".modebar").count() == 0  # no English toolbar, no camera without the 出典
    assert page.locator(".st-key-pref_map_png").get_by_role("button", name="PNG").is_visible()
    page.mouse.move(5, 5)
    page.locator(".st-key-pref_map").scroll_into_view_if_needed()
    page.locator(".st-key-pref_map").screenshot(path=str(artifact("maps_national_1440")))
    # The ranking is taller than the window: a taller window, and without Streamlit's fixed header
    # (which would cover the chart's top in an element screenshot), so the picture shows all 47 bars.
    page.set_viewport_size({"width": 1440, "height": 1300})
    page.add_style_tag(content="[data-testid=stHeader] { display: none; }")
    ranked = page.locator(".st-key-ranked")
    ranked.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    ranked.screenshot(path=str(artifact("maps_ranking_1440")))
    national = ranked.locator(".annotation-text", has_text="全国 ")
    expect(national).to_have_count(1, timeout=30_000)  # the national line's label
    expect(national).to_be_visible()


def artifact(name: str):
    testing.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return testing.ARTIFACTS / f"{name}.png"


# -- the phone -------------------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
GEOMETRY = """(key) => {
  const r = e => { const b = e.getBoundingClientRect(); return {l: b.left, t: b.top, r: b.right, b: b.bottom, w: b.width}; };
  const box = document.querySelector('.st-key-' + key);
  const svg = box.querySelector('.main-svg');
  const texts = [...box.querySelectorAll('svg text')].filter(t => t.textContent.trim() && getComputedStyle(t).display !== 'none')
      .map(t => ({text: t.textContent.slice(0, 30), ...r(t)})).filter(t => t.w > 0);
  return {box: r(box), svg: r(svg), geo: [...box.querySelectorAll('g.geo')].map(r), colorbar: [...box.querySelectorAll('g.colorbar')].map(r),
          legend: [...box.querySelectorAll('g.legend')].map(r), texts, main: r(document.querySelector('[data-testid=stMain]')),
          scroll: [document.documentElement.scrollWidth, document.documentElement.clientWidth]};
}"""


def assert_nothing_clipped(geometry: dict) -> None:
    svg = geometry["svg"]
    for t in geometry["texts"]:
        assert t["l"] >= svg["l"] - 1 and t["r"] <= svg["r"] + 1, t
        assert t["t"] >= svg["t"] - 1 and t["b"] <= svg["b"] + 1, t
    assert geometry["scroll"][0] <= geometry["scroll"][1]  # no sideways scrolling of the page


def test_national_map_on_a_phone(server, chromium):
    with testing.new_page(chromium, server, PHONE) as page:
        open_page(page, server, "/")
        page.locator(".st-key-pref_map .choroplethlocation").first.wait_for(timeout=60_000)
        page.locator(".st-key-pref_map").scroll_into_view_if_needed()
        g = page.evaluate(GEOMETRY, "pref_map")
        main_width = g["main"]["w"]
        assert g["svg"]["w"] >= 0.9 * (main_width - 32)  # the map takes the full width (less the page margins)
        [bar] = g["colorbar"]
        main_geo = max(g["geo"], key=lambda b: b["w"])
        assert bar["t"] >= main_geo["b"] - 1, (bar, main_geo)  # the colour bar is under the map …
        assert bar["w"] > 2 * (bar["b"] - bar["t"])  # … and horizontal
        assert_nothing_clipped(g)
        page.locator(".st-key-pref_map").screenshot(path=str(artifact("a11y_phone_national_map")))


@pytest.mark.parametrize("code", ["13", "47"])
def test_prefecture_map_on_a_phone(server, chromium, code):
    with testing.new_page(chromium, server, PHONE) as page:
        open_page(page, server, f"/prefecture?pref={code}")
        page.locator(f".st-key-pp_map_{code} .choroplethlocation").first.wait_for(timeout=60_000)
        page.locator(f".st-key-pp_map_{code}").scroll_into_view_if_needed()
        g = page.evaluate(GEOMETRY, f"pp_map_{code}")
        assert g["svg"]["w"] >= 0.9 * (g["main"]["w"] - 32)
        [legend] = g["legend"]
        assert legend["t"] >= max(b["b"] for b in g["geo"]) - 1  # the legend under the map
        assert_nothing_clipped(g)
        page.locator(f".st-key-pp_map_{code}").screenshot(path=str(artifact(f"a11y_phone_prefecture_{code}_map")))
        page.screenshot(path=str(artifact(f"a11y_phone_prefecture_{code}_top")))


def test_prefecture_maps_at_1440(server, page):
    """Tokyo with 伊豆・小笠原 in the inset; 北海道 with the 要対応 filter on (the map greys the rest)."""
    open_page(page, server, "/prefecture?pref=13")
    page.locator(".st-key-pp_map_13 .choroplethlocation").first.wait_for(timeout=60_000)
    page.locator(".st-key-pp_map_13").scroll_into_view_if_needed()
    expect(page.locator(".st-key-pp_map_13 g.geo")).to_have_count(2, timeout=30_000)  # the map and the islands' inset
    page.locator(".st-key-pp_map_13").screenshot(path=str(artifact("maps_prefecture_tokyo")))
    open_page(page, server, "/prefecture?pref=01")
    page.get_by_text("要対応 ⚠ だけ表示").click()
    page.get_by_text("要対応の市区町村だけを色で示しています").wait_for(timeout=60_000)
    testing.wait_idle(page)
    page.locator(".st-key-pp_map_01 .choroplethlocation").first.wait_for(timeout=60_000)
    page.locator(".st-key-pp_map_01").scroll_into_view_if_needed()
    expect(page.locator(".st-key-pp_map_01 .legendtext", has_text="要対応以外")).to_have_count(1, timeout=30_000)
    page.locator(".st-key-pp_map_01").screenshot(path=str(artifact("maps_prefecture_hokkaido_uncovered")))


# -- tables: the widths hold the grid's real font ---------------------------------------------------------

MEASURE = """(texts) => {
  const grid = document.querySelector('[data-testid=stDataFrame]');
  // the grid's theme variables are set on its editor element, inside the stDataFrame container
  const themed = [grid, ...grid.querySelectorAll('*')].find(e => getComputedStyle(e).getPropertyValue('--gdg-base-font-style'));
  const cs = getComputedStyle(themed);
  const base = cs.getPropertyValue('--gdg-base-font-style'), header = cs.getPropertyValue('--gdg-header-font-style'),
        family = cs.getPropertyValue('--gdg-font-family');
  const c = document.createElement('canvas').getContext('2d');
  const width = (font, t) => { c.font = font + ' ' + family; return c.measureText(t).width; };
  return {fonts: [base, header, family], widths: texts.map(([h, cells]) => [width(header, h), Math.max(0, ...cells.map(t => width(base, t)))])};
}"""


@pytest.mark.parametrize("path,page_file,params", [
    ("/prefecture?pref=01", "pages/prefecture.py", {"pref": "01"}),
    ("/", "pages/national.py", {}),
    ("/data", "pages/data.py", {})])
def test_table_columns_are_wide_enough_for_the_real_font(server, page, sample_warehouse, path, page_file, params):
    at = testing.app_test(sample_warehouse, page=page_file, params={"date": DATE, **params})
    tables = [(d.value, json.loads(d.proto.columns)) for d in at.dataframe]
    open_page(page, server, path)
    page.locator("[data-testid=stDataFrame]").first.wait_for(timeout=60_000)
    page.wait_for_function("document.fonts.status === 'loaded'")
    for df, config in tables:
        texts = []
        for col in df.columns:
            fmt = (config[str(col)].get("type_config") or {}).get("format")
            texts.append([str(col), [columns.shown(x, fmt) for x in df[col]]])
        measured = page.evaluate(MEASURE, texts)
        assert "14px" in measured["fonts"][0], measured["fonts"]
        for (col, _), (header, cell), in zip(texts, measured["widths"], strict=True):
            width = config[col]["width"]
            assert cell + 2 * 8 <= width, (col, cell, width)  # the cell's text and its padding
            assert header + 2 * 8 + 18 <= width, (col, header, width)  # the header's text, padding and menu icon


# -- the データ page -------------------------------------------------------------------------------

def test_data_page_keeps_admin_set_up_in_a_collapsed_section(server, page):
    open_page(page, server, "/data")
    section = page.get_by_text("管理者向け：データの更新・アップロードの設定")
    section.wait_for(timeout=60_000)
    assert not page.get_by_text("secrets.toml").first.is_visible()  # collapsed
    page.screenshot(path=str(artifact("a11y_data_admin_collapsed")))
    section.click()
    page.get_by_text("secrets.toml").first.wait_for(state="visible", timeout=30_000)
    # the licences the data page states (japanmap: Apache-2.0)
    assert page.get_by_text("japanmap パッケージ（Apache-2.0 ライセンス）").first.is_visible()
