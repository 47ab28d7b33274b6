"""Exports: PowerPoint decks, PNG charts, the `python -m exports` CLI (and its `python -m dashboard` alias), PDF
via LibreOffice, and
presentation mode (AppTest). Real warehouse, real kaleido/Chromium, real LibreOffice; no mocks."""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.oxml.ns import qn

import testing

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

DATE = dt.date(2023, 4, 1)
SAMPLE_NOTICE = "サンプル（架空）データ"
needs_chromium = pytest.mark.browser  # kaleido draws with Debian's Chromium (required: `make test` installs it)


@pytest.fixture(scope="module")
def db() -> Path:
    return testing.sample_db()


@pytest.fixture(scope="module")
def ctx(db):
    """(v, view, as_of, is_sample) as the pages have them, for 2023-04-01 and n=3."""
    from dashboard import db as dbmod
    from dashboard.queries import common
    from dashboard.state import ViewState

    v = dbmod.version(db)
    yield v, ViewState(date=DATE, n=3), common.as_of_today(), common.is_sample(v)
    from exports import png

    png.stop()  # the shared browser of this test process


def _build(ctx, pref=None):
    from dashboard import slides
    from exports import deck

    v, view, as_of, is_sample = ctx
    d = slides.prefecture_deck(v, view, pref, as_of, is_sample) if pref else slides.national_deck(v, view, as_of, is_sample)
    data = deck.build_pptx(d)
    return d, Presentation(io.BytesIO(data))


@pytest.fixture(scope="module")
def national(ctx):
    return _build(ctx)


@pytest.fixture(scope="module")
def hokkaido(ctx):
    return _build(ctx, "01")


def texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
    return out


def runs(prs):
    from exports.deck import all_runs

    return list(all_runs(prs))


def sql(db, query, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


# -- Decks ------------------------------------------------------------------------------------

@needs_chromium
def test_national_deck_is_16_9_with_one_question_per_slide(national):
    deck, prs = national
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, rel=0.01)
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles == [
        "市区町村のDX人材ギャップ（全国）",
        "DX担当職員が3人以下の市区町村はいくつあるか",
        "DX担当職員3人以下の自治体はどこに多いか",
        "不足自治体（3人以下）の割合が高い都道府県はどこか",
        "不足自治体（3人以下）の割合は調査のたびにどう変わったか",
        "人材プールは不足自治体をどこまでカバーしているか",
        "令和7年度末までに全都道府県で地域DX推進体制が整うか",
        "出典と定義",
    ]
    assert titles == deck.titles  # the presenter shows the same slides
    assert any("令和5年4月1日" in t for t in texts(prs.slides[0]))  # the title slide has the base date


@needs_chromium
def test_prefecture_deck_titles_and_paged_table(hokkaido, db):
    deck, prs = hokkaido
    from dashboard.slides import ROWS_PER_PAGE

    n_munis = sql(db, "SELECT count(*) FROM municipalities WHERE prefecture_code = '01'")[0][0]
    pages = math.ceil(n_munis / ROWS_PER_PAGE)
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles == [
        "北海道のDX人材ギャップ",
        "北海道の不足は全国と比べてどうか",
        "北海道でDX担当職員3人以下の市区町村はどこか",
        *(f"北海道の市区町村別 DX担当職員数（{i}/{pages}）" for i in range(1, pages + 1)),
        "北海道の不足自治体の割合は全国と比べてどう変わったか",
        "北海道の人材プールは不足自治体をどこまで支えているか",
        "北海道の地域DX推進体制はどこまで進んだか",
        "出典と定義",
    ]


@needs_chromium
def test_municipality_table_pages_hold_every_row_in_full(hokkaido, ctx, db):
    """Every municipality appears once, in code order, with its staff count and its talent count
    under the talent page's privacy rule (1–2 people → 「3人未満」); no table runs into the footer."""
    _, prs = hokkaido
    from dashboard.slides import ROWS_PER_PAGE

    as_of = ctx[2]
    expected = sql(db, """SELECT m.lg_code, m.name, s.dx_staff, (
                              SELECT count(DISTINCT a.person_id) FROM talent_assignment a WHERE a.lg_code = m.lg_code
                              AND a.start_date <= ? AND (a.end_date IS NULL OR a.end_date >= ?))
                          FROM municipalities m
                          LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = ?
                          WHERE m.prefecture_code = '01' ORDER BY m.lg_code""", [as_of, as_of, DATE])
    got = []
    footer_top = min(sh.top for s in prs.slides for sh in s.shapes
                     if sh.has_text_frame and sh.text_frame.text.startswith("出典："))
    for slide in prs.slides:
        tables = [sh for sh in slide.shapes if sh.has_table]
        for sh in tables:
            rows = list(sh.table.rows)
            assert 2 <= len(rows) <= ROWS_PER_PAGE + 1
            assert sh.top + sum(r.height for r in rows) <= footer_top  # nothing cut off or overlapping
            header = [c.text for c in rows[0].cells]
            assert header[0] == "団体コード" and header[3] == f"DX担当職員 {DATE}" and header[6] == "支援中の人材"
            got += [tuple(c.text for c in r.cells) for r in rows[1:]]
    assert [g[0] for g in got] == [e[0] for e in expected]
    assert [g[1] for g in got] == [e[1] for e in expected]
    assert [g[3] for g in got] == ["未回答" if e[2] is None else f"{e[2]:g}" for e in expected]
    assert [g[6] for g in got] == ["—" if e[3] == 0 else "3人未満" if e[3] < 3 else f"{e[3]:,} 人" for e in expected]
    # The rule is exercised: the sample has municipalities with 1–2 people, and none shows its count.
    assert any(0 < e[3] < 3 for e in expected)
    assert not {"1 人", "2 人"} & {g[6] for g in got}


@needs_chromium
def test_every_picture_is_a_valid_png_of_the_planned_size(national, hokkaido):
    from exports.deck import PIC_H, PIC_SCALE, PIC_W

    count = 0
    for _, prs in (national, hokkaido):
        for slide in prs.slides:
            for shape in slide.shapes:
                if shape.shape_type != 13:  # MSO_SHAPE_TYPE.PICTURE
                    continue
                blob = shape.image.blob
                Image.open(io.BytesIO(blob)).verify()
                img = Image.open(io.BytesIO(blob))
                assert img.format == "PNG"
                assert img.size == (PIC_W * PIC_SCALE, PIC_H * PIC_SCALE)
                assert ImageStat.Stat(img.convert("L")).stddev[0] > 15, slide.shapes.title.text
                count += 1
    assert count == 5 + 4  # national: map, ranking, trend, coverage, progress; prefecture: 4 charts


@needs_chromium
def test_every_text_run_has_the_east_asian_font(national, hokkaido):
    from exports.deck import EA_FONT

    for _, prs in (national, hokkaido):
        all_runs = runs(prs)
        assert len(all_runs) > 50
        for run in all_runs:
            ea = run._r.rPr.find(qn("a:ea")) if run._r.rPr is not None else None
            assert ea is not None and ea.get("typeface") == EA_FONT, run.text


@needs_chromium
def test_sample_notice_on_every_slide(national, hokkaido):
    for _, prs in (national, hokkaido):
        for slide in prs.slides:
            assert any(SAMPLE_NOTICE in t for t in texts(slide)), slide.shapes.title.text


@needs_chromium
def test_deck_kpis_equal_the_warehouse(national, hokkaido, db):
    shortage, surveyed = sql(db, "SELECT count(*) FILTER (WHERE dx_staff <= 3), count(dx_staff) "
                                 "FROM staff_survey WHERE base_date = ?", [DATE])[0]
    kpi_text = " ".join(texts(national[1].slides[1]))
    assert f"{shortage:,} 団体" in kpi_text and f"回答 {surveyed:,} 団体の {shortage / surveyed * 100:.1f}%" in kpi_text
    p_short, p_surv = sql(db, """SELECT count(*) FILTER (WHERE dx_staff <= 3), count(dx_staff) FROM staff_survey s
                                 JOIN municipalities m USING (lg_code)
                                 WHERE base_date = ? AND m.prefecture_code = '01'""", [DATE])[0]
    assert f"{p_short} / {p_surv} 団体" in " ".join(texts(hokkaido[1].slides[1]))


def test_pool_column_counts_what_the_coverage_figure_counts(ctx, db):
    """The table's 支援中の人材 and the coverage KPI are two views of one rule."""
    from dashboard.queries import slides as q
    from dashboard.queries import summary
    from dashboard.queries.common import previous_date

    v, view, as_of, _ = ctx
    by_pref = summary.by_prefecture(v, DATE, 3, as_of).set_index("prefecture_code")
    for pref in ("01", "13", "38"):
        rows = q.municipality_rows(v, pref, DATE, previous_date(v, DATE), 3, as_of)
        covered = int(((rows.dx_staff <= 3) & (rows.talent > 0)).sum())
        assert covered == by_pref.loc[pref, "shortage_covered"]
        direct = sql(db, """SELECT count(DISTINCT a.person_id) FROM talent_assignment a
                            JOIN municipalities m USING (lg_code) WHERE m.prefecture_code = ?
                            AND a.start_date <= ? AND (a.end_date IS NULL OR a.end_date >= ?)""",
                     [pref, as_of, as_of])[0][0]
        assert rows.talent.sum() >= direct  # a person may support several municipalities


# -- PNG --------------------------------------------------------------------------------------

@needs_chromium
def test_png_has_the_expected_size_and_is_not_blank(ctx):
    from dashboard import slides
    from dashboard.notes import footer_text
    from exports import png

    v, view, as_of, is_sample = ctx
    chart = slides.page_chart("national", "map", v, view, as_of, is_sample)
    footer = footer_text(chart.caption, is_sample)
    colour = Image.open(io.BytesIO(png.render(chart.figure, footer=footer, title=chart.title,
                                              width=800, height=450, scale=2))).convert("RGB")
    with_footer = colour.convert("L")
    again = Image.open(io.BytesIO(png.render(chart.figure, footer=footer, title=chart.title,
                                             width=800, height=450, scale=2))).convert("L")
    bare = Image.open(io.BytesIO(png.render(chart.figure, width=800, height=450, scale=2))).convert("L")
    assert with_footer.size == again.size == bare.size == (1600, 900)
    assert ImageStat.Stat(with_footer).stddev[0] > 20
    # The map itself drew offline: plenty of non-white pixels in the middle of the picture.
    middle = colour.crop((300, 150, 1200, 700))  # left of the colour bar
    assert sum(1 for p in middle.getdata() if min(p) < 235) / (900 * 550) > 0.02
    # The footer (出典・基準日・サンプル) is text at the bottom that the bare export lacks.
    band = (0, 820, 1600, 900)
    dark = sum(1 for p in with_footer.crop(band).getdata() if p < 128)
    assert dark > 500
    # (the bare picture's bottom holds the colour bar's tick labels, under the map: a few numbers)
    assert dark > 2 * sum(1 for p in bare.crop(band).getdata() if p < 128) + 100


@needs_chromium
def test_png_footer_goes_under_the_colour_bar(ctx):
    """The map's colour bar sits under the map (charts.style.colorbar_below); the PNG's footer is
    written under the bar, never over it."""
    from dashboard import slides
    from dashboard.notes import footer_text
    from exports import png

    v, view, as_of, is_sample = ctx
    chart = slides.page_chart("national", "map", v, view, as_of, is_sample)
    footer = footer_text(chart.caption, is_sample)
    img = Image.open(io.BytesIO(png.render(chart.figure, footer=footer, title=chart.title,
                                           width=1280, height=720, scale=1))).convert("RGB")
    w, h = img.size
    # the colour bar: rows where most of the width is coloured (it spans 90% of the picture)
    bar = [y for y in range(h) if sum(1 for x in range(0, w, 4) if min(img.getpixel((x, y))) < 230) > 0.6 * w / 4]
    assert bar, "no colour bar found"
    lines = png.wrap(footer, max(40, int((w - 40) / (png.FOOTER_FONT_PX + 0.5))))
    footer_top = h - (len(lines) * png.FOOTER_LINE_PX + 12)
    assert max(bar) < footer_top, (max(bar), footer_top)
    # and the footer's text is there, under the bar
    assert sum(1 for x in range(0, w, 2) for y in range(footer_top, h, 2) if max(img.getpixel((x, y))) < 128) > 200


@needs_chromium
def test_exports_reuse_one_browser_started_lazily(ctx):
    import plotly.graph_objects as go

    from exports import png

    fig = go.Figure(go.Bar(x=["北海道", "沖縄県"], y=[1, 2]))
    png.stop()
    assert png._browser is None  # nothing runs until the first export
    png.render(fig, width=320, height=200, scale=1)
    browser, pid = png._browser, png._browser.kaleido.subprocess.pid
    for _ in range(3):
        png.render(fig, width=320, height=200, scale=1)
    assert png._browser is browser and browser.kaleido.subprocess.pid == pid
    assert browser.kaleido.subprocess.poll() is None


def test_png_footer_has_source_base_date_and_notice_and_escapes_markup():
    import plotly.graph_objects as go

    from dashboard.notes import footer_text
    from exports import png

    fig = go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h"))
    footer = footer_text("出典：職員調査「<b>evil</b>.csv」／基準日：令和5年4月1日（2023-04-01）", True)
    spec = png.export_figure(fig, footer=footer, title="<i>題</i>", width=640, height=360)
    note = spec.layout.annotations[-1].text
    assert "出典：" in note and "基準日：令和5年4月1日" in note and SAMPLE_NOTICE in note
    assert "<b>" not in note and "&lt;b&gt;evil&lt;/b&gt;" in note
    assert spec.layout.title.text == "&lt;i&gt;題&lt;/i&gt;"
    assert footer_text("出典：x", False) == "出典：x"


# -- CLI --------------------------------------------------------------------------------------

def cli(*args: str, cwd: Path, env: dict | None = None, module: str = "exports") -> subprocess.CompletedProcess:
    """The CLI in a child process, run from cwd (so default output paths land there)."""
    env = {**os.environ, "PYTHONPATH": str(testing.ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600)


@needs_chromium
def test_cli_deck_for_one_prefecture(db, tmp_path):
    out = tmp_path / "北海道.pptx"
    proc = cli("deck", "--db", str(db), "--pref", "01", "--date", "2023-04-01", "--n", "3", "--out", str(out),
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "No runtime found" not in proc.stderr  # the CLI silences streamlit's raw-mode warnings
    prs = Presentation(str(out))
    assert prs.slides[0].shapes.title.text == "北海道のDX人材ギャップ"
    assert len(prs.slides) == 17


@needs_chromium
def test_cli_png_of_the_national_map(db, tmp_path):
    out = tmp_path / "map.png"
    proc = cli("png", "--db", str(db), "--page", "national", "--metric", "shortage_share", "--date", "2023-04-01",
               "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    img = Image.open(out)
    assert img.format == "PNG" and img.size == (1280 * 2, 680 * 2)  # the page map's size at scale 2
    assert ImageStat.Stat(img.convert("L")).stddev[0] > 20


@pytest.mark.parametrize("args,code,message", [
    (["deck", "--pref", "99"], 1, "見つかりません"),
    (["deck", "--date", "2099-04-01"], 1, "調査基準日 2099-04-01"),
    (["png", "--db", "/nonexistent/warehouse.duckdb", "--out", "x.png"], 1, "データ倉庫"),
    (["deck", "--n", "99"], 2, "使い方の誤り"),
    (["png", "--chart", "pie", "--out", "x.png"], 2, "--chart"),
    (["deck", "--all-prefectures", "--out", "x.pptx"], 2, "--out-dir"),
    (["deck", "--date", "2023/04/01"], 2, "使い方の誤り"),
    ([], 2, "使い方の誤り"),
])
def test_cli_exit_codes(db, tmp_path, args, code, message):
    if "--db" not in args and args:
        args = [*args, "--db", str(db)]
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert message in proc.stderr
    assert not list(tmp_path.iterdir())  # nothing written


def test_python_m_dashboard_is_an_alias_of_the_same_main(db, tmp_path):
    for module in ("exports", "dashboard"):
        proc = cli("deck", "--pref", "99", "--db", str(db), cwd=tmp_path, module=module)
        assert proc.returncode == 1 and "都道府県「99」が見つかりません" in proc.stderr, (module, proc.stderr)
        proc = cli("png", "--chart", "pie", "--out", "x.png", cwd=tmp_path, module=module)
        assert proc.returncode == 2 and "usage: python -m exports" in proc.stderr, (module, proc.stderr)


@needs_chromium
def test_cli_pdf_unavailable_says_why_and_keeps_the_pptx(db, tmp_path):
    out = tmp_path / "鳥取.pptx"
    proc = cli("deck", "--db", str(db), "--pref", "31", "--pdf", "--out", str(out), cwd=tmp_path,
               env={"DXGAP_SOFFICE": str(tmp_path / "no-soffice")})
    assert proc.returncode == 1
    assert "PDF は作れません" in proc.stderr and "LibreOffice" in proc.stderr
    assert out.exists() and not out.with_suffix(".pdf").exists()


# -- PDF through LibreOffice ------------------------------------------------------------------

@needs_chromium
def test_pdf_renders_the_japanese_title(ctx, tmp_path):
    """One small deck (鳥取県) through LibreOffice; its first page rasterised by pdftoppm (both required:
    `make test` installs libreoffice-impress-nogui and poppler-utils)."""
    assert shutil.which("soffice") and shutil.which("pdftoppm"), "make system-deps installs LibreOffice and poppler"
    from dashboard import slides
    from exports import deck
    from exports.pdf import to_pdf

    v, view, as_of, is_sample = ctx
    d = slides.prefecture_deck(v, view, "31", as_of, is_sample)
    pdf = tmp_path / "deck.pdf"
    pdf.write_bytes(to_pdf(deck.build_pptx(d)))
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "鳥取県のDX人材ギャップ" in text.replace(" ", "")  # real text with its Unicode mapping
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "NotoSansCJK" in fonts  # the East Asian font was used, not a fallback without kana
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    testing.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.save(testing.ARTIFACTS / "deck_pdf_page1.png")
    w, h = page.size  # 13.333 × 7.5 in at 50 dpi
    title = page.crop((int(w * 0.1), int(h * 2.3 / 7.5), int(w * 0.9), int(h * 3.5 / 7.5)))
    empty = page.crop((int(w * 0.1), int(h * 5.4 / 7.5), int(w * 0.9), int(h * 6.4 / 7.5)))

    def ink(img):
        return sum(1 for p in img.getdata() if p < 160) / (img.size[0] * img.size[1])

    assert ink(title) > 0.03  # the 40 pt title is drawn
    assert ink(empty) < 0.005  # and the page is not simply grey


def test_pdf_unavailable_is_explained_in_japanese(monkeypatch, tmp_path):
    from dashboard.capabilities import pdf_available
    from exports import pdf

    monkeypatch.setenv("DXGAP_SOFFICE", str(tmp_path / "missing-soffice"))
    ok, reason = pdf_available()
    assert not ok and "LibreOffice" in reason and "PDF は作れません" in reason
    with pytest.raises(pdf.PdfUnavailable, match="LibreOffice"):
        pdf.to_pdf(b"not used")


# -- Presentation mode (AppTest; the real browser is in test_present_browser.py) ---------------

def flat(params) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in dict(params).items()}


def headers(at) -> list[str]:
    return [h.value.replace("\\", "") for h in at.header]


def test_present_mode_steps_through_the_national_deck_keeping_filters(db):
    at = testing.app_test(db, params={"date": "2022-04-01", "n": "2", "present": "1"})
    assert not at.exception
    assert at.title[0].value.replace("\\", "") == "市区町村のDX人材ギャップ（全国）"
    assert len(at.sidebar.selectbox) == 0  # no filter widgets while presenting
    at.button(key="present_next").click().run()
    assert flat(at.query_params) == {"date": "2022-04-01", "n": "2", "present": "1", "slide": "2"}
    assert headers(at)[0] == "DX担当職員が2人以下の市区町村はいくつあるか"
    shortage = sql(db, "SELECT count(*) FILTER (WHERE dx_staff <= 2) FROM staff_survey WHERE base_date = '2022-04-01'")
    assert {m.label: m.value for m in at.metric}["2人以下の市区町村"] == f"{shortage[0][0]:,} 団体"
    at.button(key="present_next").click().run()
    assert len(at.get("plotly_chart")) == 1  # one chart per screen
    at.button(key="present_prev").click().run()
    assert flat(at.query_params)["slide"] == "2"
    at.button(key="present_exit").click().run()
    assert flat(at.query_params) == {"date": "2022-04-01", "n": "2"}
    assert at.number_input(key="w_n").value == 2  # the sidebar is back with the same filters


def test_present_mode_prefecture_deck_and_slide_beyond_the_end(db):
    at = testing.app_test(db, params={"pref": "31", "present": "1", "slide": "99", "date": "2023-04-01"})
    assert not at.exception
    assert headers(at)[0] == "出典と定義"  # clamped to the last slide
    assert flat(at.query_params)["slide"] == str(len(_build_titles(db, "31")))
    at.button(key="present_exit").click().run()
    assert "present" not in flat(at.query_params)


def _build_titles(db, pref):
    from dashboard import db as dbmod
    from dashboard import slides
    from dashboard.queries import common
    from dashboard.state import ViewState

    v = dbmod.version(db)
    return slides.prefecture_deck(v, ViewState(date=DATE), pref, common.as_of_today(), True).titles


def test_sidebar_toggle_enters_presentation_mode(db):
    at = testing.app_test(db, params={"date": "2023-04-01", "n": "3"})
    at.toggle(key="w_present").set_value(True).run()
    assert flat(at.query_params).get("present") == "1"
    assert at.title[0].value.replace("\\", "") == "市区町村のDX人材ギャップ（全国）"


@needs_chromium
def test_national_page_offers_png_and_deck_downloads(db):
    at = testing.app_test(db, params={"date": "2023-04-01", "n": "3"})
    from streamlit.runtime.state.common import user_key_from_element_id

    labels = [b.proto.label for b in at.get("download_button")]
    # prefecture map, ranking, the Digital Agency indicator map and the cross view's counts; the
    # municipality map and the cross view's map (and their PNGs) are drawn only while their tab is
    # open, which tests/test_national_browser.py checks in Chromium
    png_keys = {user_key_from_element_id(b.proto.id) for b in at.get("download_button") if b.proto.label == "PNG"}
    assert png_keys == {"pref_map_png", "ranked_png", "indicator_map_png", "need_bars_png"}
    assert "全国の PowerPoint" in labels and "北海道の PowerPoint" in labels


def test_slide_parameter_is_backward_compatible():
    from dashboard.state import ViewState, parse_params
    from etl.reference import REGION_ORDER

    dates, prefs = [DATE], {f"{i:02d}" for i in range(1, 48)}
    view = ViewState(date=DATE, n=2, pref="31", present=True, slide=4)
    assert view.params()["slide"] == "4"
    again, notices = parse_params(view.params(), dates, REGION_ORDER, prefs)
    assert again == view and notices == []
    assert "slide" not in ViewState(date=DATE, present=True).params()  # slide 1 is the default
    assert "slide" not in ViewState(date=DATE, slide=3).params()  # only while presenting
    old_url = {"date": "2023-04-01", "n": "3", "present": "1"}  # a URL from before slide= existed
    assert parse_params(old_url, dates, REGION_ORDER, prefs)[0].slide == 1
    bad, notices = parse_params({**old_url, "slide": "0"}, dates, REGION_ORDER, prefs)
    assert bad.slide == 1 and "slide=0" in notices[0]
