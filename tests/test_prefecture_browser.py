"""The 都道府県 page in real Chromium (every request outside the app server blocked): choose a
prefecture, the map and the table draw, the XLSX and CSV downloads open and carry the notice, and
every chart has a PNG download that gives a real picture."""

import csv
import io
import re

import duckdb
import pytest
from playwright.sync_api import expect

import testing

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def db():
    return testing.sample_db()


@pytest.fixture(scope="module")
def server(db, tmp_path_factory):
    log = tmp_path_factory.mktemp("prefecture_browser") / "server.log"
    with testing.streamlit_server(db, log=log) as url:
        yield url


def choose(page, label: str, option: str, where: str = "stMain") -> None:
    """Pick an option in the st.selectbox with this label, in the page (stMain) or the sidebar (stSidebar)."""
    box = page.locator(f"[data-testid={where}] [data-testid=stSelectbox]").filter(has=page.get_by_text(label, exact=True)).first
    testing.choose_option(page, box, option)


def count(db, code: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM municipalities WHERE prefecture_code = ?", [code]).fetchall()[0][0]


def test_choose_a_prefecture_then_download_the_workbook(server, page, db, tmp_path):
    from openpyxl import load_workbook

    page.goto(server + "/prefecture?pref=01&date=2023-04-01")
    testing.wait_idle(page)
    page.get_by_role("heading", name="北海道の市区町村").wait_for(timeout=30_000)

    choose(page, "地方", "近畿", where="stSidebar")  # the one 地方 control: the page has none of its own
    page.wait_for_url(re.compile(r".*pref=24.*"), timeout=30_000)
    testing.wait_idle(page)
    choose(page, "都道府県", "奈良県")
    page.wait_for_url(re.compile(r".*pref=29.*"), timeout=30_000)
    testing.wait_idle(page)
    page.get_by_role("heading", name="奈良県の市区町村").wait_for(timeout=30_000)
    assert "date=2023-04-01" in page.url

    # The map: one polygon per municipality (the real boundaries of the default build) over the
    # prefecture's outline (the first shape), drawn offline.
    assert count(db, "29") + 1 == 40
    expect(page.locator(".st-key-pp_map_29 .choroplethlocation")).to_have_count(40, timeout=30_000)
    # The table (a canvas grid) and its row count caption.
    page.locator("[data-testid=stDataFrame]").first.wait_for(timeout=30_000)
    assert page.get_by_text("39 / 39 団体を表示").first.is_visible()
    assert not [u for u in page.blocked if "world_110m" in u or "cdn" in u], page.blocked
    testing.screenshot(page, "prefecture_nara")

    # Selecting a table row opens that municipality's detail (the third row in code order).
    with duckdb.connect(str(db), read_only=True) as con:
        names = dict(con.execute("SELECT lg_code, name FROM municipalities WHERE prefecture_code = '29' "
                                 "ORDER BY lg_code").fetchall())
    third = list(names)[2]
    grid = page.locator("[data-testid=stDataFrame]").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 33 * 2 + 16)  # the row marker (checkbox) of row 3
    detail = page.locator("[data-testid=stMain] [data-testid=stSelectbox]").filter(
        has=page.get_by_text("市区町村", exact=True)).first.locator("input")
    expected = f"{names[third]}（{third}）"
    expect(detail).to_have_value(expected, timeout=30_000)
    testing.wait_idle(page)
    assert page.get_by_text("県内順位（職員数の多い順）").first.is_visible()
    testing.screenshot(page, "prefecture_nara_detail_from_table")

    # Clicking a municipality on the map opens its detail too.
    shape = page.locator(".st-key-pp_map_29 .choroplethlocation").nth(1)  # nth(0): the outline
    shape.scroll_into_view_if_needed()
    box = shape.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(detail).not_to_have_value(expected, timeout=30_000)
    testing.wait_idle(page)
    picked = detail.input_value()
    assert picked in {f"{name}（{code}）" for code, name in names.items()}

    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Excel をダウンロード（市区町村・指標・注記）").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "奈良県_市区町村_2023-04-01.xlsx"
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["市区町村", "都道府県の指標", "注記"]
    notes = {r[0]: r[1] for r in wb["注記"].iter_rows(min_row=2, values_only=True)}
    assert "サンプル（架空）データ" in notes["注意"]
    assert notes["都道府県"] == "奈良県"
    assert "2023-04-01" in notes["調査基準日"]
    assert notes["不足の基準"] == "DX担当職員3人以下"
    assert "職員数・人材プール・体制構築の進捗＝サンプル（架空）データ" in notes["出典"]
    assert "国土数値情報" in notes["出典"] and "国勢調査" in notes["出典"]
    rows = list(wb["市区町村"].iter_rows(values_only=True))
    assert rows[0][:2] == ("団体コード", "市区町村")
    assert len(rows) - 1 == 39
    kpis = {r[0]: r[1] for r in wb["都道府県の指標"].iter_rows(min_row=2, values_only=True)}
    assert kpis["市区町村数"] == 39
    # Excel can filter every column, and numbers are numbers (the codes stay text, with their zeros)
    full = load_workbook(path)
    ws = full["市区町村"]
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{1 + 39}"
    header = [c.value for c in ws[1]]
    staff = [r[header.index("DX担当職員（2023-04-01）")].value for r in ws.iter_rows(min_row=2)]
    assert [v for v in staff if v is not None] and all(isinstance(v, int | float) for v in staff if v is not None)
    assert all(isinstance(r[0].value, str) and r[0].value.startswith("29") for r in ws.iter_rows(min_row=2))
    assert full["都道府県の指標"].auto_filter.ref

    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="CSV をダウンロード（市区町村）").click()
    raw = open(info.value.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel in Japan
    text = raw.decode("utf-8-sig")
    assert "サンプル（架空）データ" in text
    body = [line for line in text.splitlines() if not line.startswith("#")]
    table = list(csv.reader(io.StringIO("\n".join(body))))
    assert table[0][:2] == ["団体コード", "市区町村"]
    assert len(table) - 1 == 39


def test_without_pref_the_page_says_what_it_shows_and_puts_pref_in_the_url(server, page):
    page.goto(server + "/prefecture?date=2023-04-01")
    testing.wait_idle(page)
    page.get_by_role("heading", name="北海道の市区町村").wait_for(timeout=30_000)
    page.wait_for_url(re.compile(r".*pref=01.*"), timeout=30_000)  # a bookmark names what is shown
    assert "date=2023-04-01" in page.url
    assert page.get_by_text("都道府県が選ばれていないため、北海道を表示しています。").first.is_visible()
    page.wait_for_selector(".st-key-pp_map_01 .choroplethlocation", timeout=60_000)
    testing.wait_idle(page)
    # one 地方 control, the sidebar's: the page itself has none (counted once the rerun that wrote
    # pref= into the URL has drawn the page again; expect retries until then)
    main = page.locator("[data-testid=stMain] [data-testid=stSelectbox]")
    sidebar = page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]")
    expect(sidebar.filter(has=page.get_by_text("地方", exact=True))).to_have_count(1, timeout=30_000)
    expect(main.filter(has=page.get_by_text("地方", exact=True))).to_have_count(0)
    testing.screenshot(page, "prefecture_without_pref")


def test_arriving_by_a_click_on_the_national_map(server, page):
    testing.click_hokkaido_on_the_national_map(page, server)
    page.get_by_role("heading", name="北海道の市区町村").wait_for(timeout=30_000)
    expect(page.locator(".st-key-pp_map_01 .choroplethlocation")).to_have_count(179 + 1, timeout=30_000)  # and the outline
    assert page.get_by_text("179 / 179 団体を表示").first.is_visible()
    testing.screenshot(page, "prefecture_from_national_map")


def test_every_chart_has_a_png_button_and_the_map_png_downloads(server, page):
    from PIL import Image, ImageStat

    page.goto(server + "/prefecture?pref=29&date=2023-04-01")
    testing.wait_idle(page)
    page.get_by_role("heading", name="奈良県の市区町村").wait_for(timeout=30_000)
    page.wait_for_selector(".st-key-pp_map_29 .choroplethlocation", timeout=30_000)
    main = page.locator("[data-testid=stMain]")
    # One PNG button per chart, each keyed after its chart: map, trend, distribution, peers.
    # (Waited for, not counted at once: the page's first run writes its view into the URL, and the
    # rerun that follows redraws the elements.)
    for key in ("pp_map_29", "pp_trend", "pp_dist", "pp_peers"):
        expect(main.locator(f".st-key-{key}"), key).to_have_count(1, timeout=30_000)
        # (Streamlit draws a hidden twin of a button with help; the role query skips it.)
        expect(main.locator(f".st-key-{key}_png").get_by_role("button", name="PNG"), key).to_have_count(1, timeout=30_000)
    expect(main.get_by_role("button", name="奈良県の PowerPoint")).to_have_count(1, timeout=30_000)
    testing.screenshot(page, "prefecture_png_buttons")

    button = main.locator(".st-key-pp_map_29_png").get_by_role("button", name="PNG")
    button.scroll_into_view_if_needed()
    # The first picture starts the export browser (a few seconds); nothing leaves the machine.
    with page.expect_download(timeout=120_000) as info:
        button.click()
    assert info.value.suggested_filename == "prefecture_29_map_2023-04-01.png"
    img = Image.open(info.value.path())
    assert img.format == "PNG"
    assert img.size[0] == 1280 * 2  # png.DEFAULT_WIDTH at scale 2
    grey = img.convert("L")
    assert ImageStat.Stat(grey).stddev[0] > 15  # not blank
    # The footer (出典・基準日・sample notice) is dark text in the bottom strip, under the map.
    w, h = grey.size
    assert grey.crop((0, int(h * 0.9), w // 2, h)).getextrema()[0] < 100
    assert not [u for u in page.blocked if "cdn" in u or "world_110m" in u], page.blocked

