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
import unicodedata
from pathlib import Path

import duckdb
import pytest
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Pt

import testing

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

DATE = dt.date(2023, 4, 1)
AS_OF = dt.date(2026, 12, 1)  # after 令和7年度末 (2026-03-31); decks take the as-of date as an argument
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
    yield v, ViewState(date=DATE, n=3), AS_OF, common.is_sample(v)
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
        "令和7年度末の目標（全都道府県で地域DX推進体制）は達成されたか",  # past: no 「整うか」 after the deadline
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
        "北海道自身は自治体DXの取組をどこまで実施しているか",  # the Digital Agency's table (real)
        "北海道の不足自治体の割合は全国と比べてどう変わったか",
        "北海道の人材プールは不足自治体をどこまで支えているか",
        "北海道の地域DX推進体制はどこまで進んだか",
        "出典と定義",
    ]


@needs_chromium
def test_municipality_table_pages_hold_every_row_in_full(hokkaido, ctx, db):
    """Every municipality appears once, most severe first (fewest staff, 未回答 last, then by code),
    with its staff count and its talent count under the talent page's privacy rule (1–2 people →
    「3人未満」); numbers are right-aligned; no table runs into the footer."""
    _, prs = hokkaido
    from dashboard.slides import ROWS_PER_PAGE

    as_of = ctx[2]
    expected = sql(db, """SELECT m.lg_code, m.name, s.dx_staff, (
                              SELECT count(DISTINCT a.person_id) FROM talent_assignment a WHERE a.lg_code = m.lg_code
                              AND a.start_date <= ? AND (a.end_date IS NULL OR a.end_date >= ?))
                          FROM municipalities m
                          LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = ?
                          WHERE m.prefecture_code = '01' ORDER BY s.dx_staff NULLS LAST, m.lg_code""",
                   [as_of, as_of, DATE])
    got = []
    footer_top = min(sh.top for s in prs.slides for sh in s.shapes
                     if sh.has_text_frame and sh.text_frame.text.startswith("出典："))
    for slide in prs.slides:
        tables = [sh for sh in slide.shapes if sh.has_table and sh.table.cell(0, 0).text == "団体コード"]
        for sh in tables:
            rows = list(sh.table.rows)
            assert 2 <= len(rows) <= ROWS_PER_PAGE + 1
            assert sh.top + sum(r.height for r in rows) <= footer_top  # nothing cut off or overlapping
            header = [c.text for c in rows[0].cells]
            assert header[0] == "団体コード" and header[3] == f"DX担当職員 {DATE}" and header[6] == "支援中の人材"
            got += [tuple(c.text for c in r.cells) for r in rows[1:]]
            for r in rows:
                align = [c.text_frame.paragraphs[0].alignment for c in r.cells]
                assert [align[j] for j in (3, 4, 6)] == [PP_ALIGN.RIGHT] * 3  # the numbers
                assert align[1] != PP_ALIGN.RIGHT  # the names
    assert [g[0] for g in got] == [e[0] for e in expected]
    assert [g[1] for g in got] == [e[1] for e in expected]
    assert [g[3] for g in got] == ["未回答" if e[2] is None else f"{e[2]:g}" for e in expected]
    assert [g[6] for g in got] == ["—" if e[3] == 0 else "3人未満" if e[3] < 3 else f"{e[3]:,} 人" for e in expected]
    # The rule is exercised: the sample has municipalities with 1–2 people, and none shows its count.
    assert any(0 < e[3] < 3 for e in expected)
    assert not {"1 人", "2 人"} & {g[6] for g in got}


@needs_chromium
def test_the_prefectures_own_answers_slide_fits_each_text_on_one_line(hokkaido, db):
    """The government slide's table (other columns than the municipality table's) is as wide as the
    content area, each column wide enough for its longest text at 14 pt, and above the footer."""
    from exports.deck import CONTENT_W, MARGIN

    deck, prs = hokkaido
    at = [s.key for s in deck.slides].index("government")
    slide = prs.slides[at]
    (sh,) = [sh for sh in slide.shapes if sh.has_table]
    rows = list(sh.table.rows)
    cells = [[c.text for c in r.cells] for r in rows]
    assert cells[0] == ["分野", "指標", "北海道", "全国（実施した都道府県）"]
    answered = sql(db, "SELECT count(DISTINCT indicator) FROM dx_indicators_prefecture WHERE done IS NOT NULL")[0][0]
    assert len(rows) == answered + 1
    widths = [c.width for c in sh.table.columns]
    assert sh.left == MARGIN and abs(sum(widths) - CONTENT_W) <= len(widths)  # EMU rounding
    for j, width in enumerate(widths):
        longest = max(sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in row[j]) for row in cells)
        assert width >= Pt(14) * longest, (cells[0][j], width / Pt(14), longest)
    footer_top = next(x.top for x in slide.shapes if x.has_text_frame and x.text_frame.text.startswith("出典："))
    assert sh.top + sum(r.height for r in rows) <= footer_top


@needs_chromium
def test_every_picture_is_a_valid_png_of_the_planned_size(national, hokkaido):
    """Each chart is drawn at the CSS size it takes on a slide shown 1280 px wide (a slide with a
    lead gives its chart less height), at twice the pixels."""
    from exports.deck import PIC_SCALE, PIC_W, SCREEN_DPI

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
                assert shape.width / 914400 * SCREEN_DPI == pytest.approx(PIC_W, abs=1)  # 914,400 EMU an inch
                assert img.size == (PIC_W * PIC_SCALE, round(shape.height / 914400 * SCREEN_DPI) * PIC_SCALE)
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
def test_sample_notice_on_every_slide_of_synthetic_figures(national, hokkaido):
    """Every slide but the prefecture's own answers (the Digital Agency's table, real) shows synthetic
    figures in this warehouse, and says so; that one does not."""
    from dashboard.slides import slide_is_sample

    real = []
    for deck, prs in (national, hokkaido):
        for s, slide in zip(deck.slides, prs.slides, strict=True):
            marked = any(SAMPLE_NOTICE in t for t in texts(slide))
            assert marked == slide_is_sample(s, deck.is_sample), slide.shapes.title.text
            real += [] if marked else [s.key]
    assert real == ["government"]


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


# -- Readable from the back of a room, with notes for the presenter ----------------------------

@needs_chromium
def test_every_text_run_is_at_least_14_pt(national, hokkaido):
    """The PowerPoint's own text (titles, KPI cards, tables, 出典, page numbers): 14 pt or more."""
    from pptx.util import Pt

    for _, prs in (national, hokkaido):
        for slide in prs.slides:
            for shape in slide.shapes:
                for r in runs_of(shape):
                    assert r.font.size is not None and r.font.size >= Pt(14), (slide.shapes.title.text, r.text)


def runs_of(shape):
    from exports.deck import _runs

    return list(_runs(shape))


def test_slide_figures_have_no_text_under_14_pt(ctx):
    """Every chart of both decks as the deck draws it (slide_style): no font under MIN_FONT_PX, which
    is 14 pt at 1280×720; bar labels never shrunk to fit (constraintext, uniformtext); and the
    pictures are drawn at the CSS size they take on such a screen, so a figure px is a screen px."""
    from dashboard import slides
    from dashboard.charts.slides import MIN_FONT_PX, slide_style
    from exports.deck import CONTENT_W, PIC_H, PIC_W

    assert MIN_FONT_PX * 72 / 96 >= 14
    assert PIC_W == round(CONTENT_W / 914400 * 1280 / 13.333)  # the picture's width on a 1280 px wide slide
    v, view, as_of, is_sample = ctx
    decks = [slides.national_deck(v, view, as_of, is_sample), slides.prefecture_deck(v, view, "01", as_of, is_sample),
             slides.national_deck(v, view.with_(metric="ext_talent_share"), as_of, is_sample)]
    checked = 0
    for d in decks:
        for slide in d.slides:
            if slide.kind != "chart":
                continue
            spec = slide_style(slide.figure(), height=PIC_H).to_plotly_json()
            sizes = list(font_sizes(spec))
            assert sizes and min(sizes) >= MIN_FONT_PX, (slide.title, min(sizes))
            layout = spec["layout"]
            assert layout["font"]["size"] >= MIN_FONT_PX
            assert layout["uniformtext"] == {"minsize": MIN_FONT_PX, "mode": "show"}
            for trace in spec["data"]:
                if trace["type"] == "bar":
                    assert trace.get("constraintext") == "none", slide.title
            checked += 1
    assert checked == 5 + 4 + 5


def font_sizes(node):
    """Every font size set anywhere in a figure spec."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                size = value["size"]
                yield from (size if isinstance(size, list | tuple) else [size])
            yield from font_sizes(value)
    elif isinstance(node, list):
        for value in node:
            yield from font_sizes(value)


def test_slide_style_raises_a_small_font_wherever_it_is_set():
    """A figure with 9 px labels, ticks and colour-bar ticks (as a map or chart from elsewhere may have)."""
    import plotly.graph_objects as go

    from dashboard.charts.slides import MIN_FONT_PX, slide_style

    fig = go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h", text=["1", "2"], textfont={"size": 9},
                           marker={"color": [1, 2], "colorbar": {"tickfont": {"size": 8}}}))
    fig.update_layout(xaxis={"tickfont": {"size": 9}}, annotations=[{"text": "x", "font": {"size": 8}}])
    out = slide_style(fig).to_plotly_json()
    assert min(font_sizes(out)) == MIN_FONT_PX


@needs_chromium
def test_speaker_notes_give_question_definition_and_source(national, hokkaido):
    for deck, prs in (national, hokkaido):
        for model, slide in zip(deck.slides, prs.slides, strict=True):
            notes = slide.notes_slide.notes_text_frame.text
            assert notes == model.notes
            lines = notes.split("\n")
            assert lines[0] == f"問い：{model.question or model.title}"
            assert any(line.startswith("出典：") for line in lines), model.title
            if model.kind in ("chart", "kpis", "table"):
                assert f"定義：{model.definition}" in lines and model.definition, model.title


def test_trend_slide_cites_the_source_of_every_base_date(db, tmp_path):
    """A survey of one base date loaded from another publication: the trend slide's 出典 (footer and
    notes) names each base date with its own source, not only the last."""
    from dashboard import db as dbmod
    from dashboard import slides
    from dashboard.queries import common
    from dashboard.state import ViewState

    copy = testing.copy_db(db, tmp_path / "wh")
    survey = testing.prefecture_survey(tmp_path, "tottori.csv", shift=2, blank_lines=0)
    testing.run_etl("load", "survey", survey, "--db", copy, "--base-date", "2022-04-01", "--publisher", "鳥取県",
                    "--source", "県内市町村のDX体制調査", salt=testing.TEST_SALT, check=True)
    v = dbmod.version(copy)
    dates = common.base_dates(v)
    for d in (slides.national_deck(v, ViewState(date=DATE), AS_OF, True),
              slides.prefecture_deck(v, ViewState(date=DATE), "31", AS_OF, True)):
        trend = next(s for s in d.slides if s.key == "trend")
        assert "鳥取県『県内市町村のDX体制調査』" in trend.source and "基準日 2022-04-01" in trend.source
        for day in dates:
            assert day.isoformat() in trend.source, day
        assert trend.source in trend.notes
        other = next(s for s in d.slides if s.key == "coverage")  # one base date: that date's source only
        assert "県内市町村のDX体制調査" not in other.source


@pytest.mark.parametrize("pref", [None, "01"])
def test_definitions_slide_has_no_screen_wording(ctx, pref):
    from dashboard import slides

    v, view, as_of, is_sample = ctx
    for metric in ("shortage_share", "staff_per_10k", "ext_talent_share"):
        v_ = view.with_(metric=metric)
        d = slides.prefecture_deck(v, v_, pref, as_of, is_sample) if pref else slides.national_deck(v, v_, as_of, is_sample)
        lines = next(s for s in d.slides if s.kind == "sources").lines
        assert any(line.startswith("不足自治体：DX担当職員数が3人以下") for line in lines)
        for word in ("画面", "変更可", "クリック", "ボタン", "サイドバー", "選択", "読み込", "表示", "タブ"):
            assert not [line for line in lines if word in line], (metric, word)


@pytest.mark.parametrize("as_of", [dt.date(2025, 12, 1), AS_OF])
def test_progress_slide_states_the_result_after_the_deadline_and_counts_down_before(ctx, db, as_of):
    from core.policy import DEADLINE
    from dashboard import slides

    v, view, _, is_sample = ctx
    d = slides.national_deck(v, view, as_of, is_sample)
    progress = next(s for s in d.slides if s.key == "progress")
    built = sql(db, "SELECT count(DISTINCT prefecture_code) FROM dx_system_status WHERE milestone = 2 "
                    "AND achieved_on <= ?", [min(as_of, DEADLINE)])[0][0]
    words = [progress.title, *progress.lead, *(f"{k.label} {k.value} {k.note}" for k in d.slides[0].kpis)]
    if as_of > DEADLINE:
        expected = (f"令和7年度末（2026-03-31）時点：地域DX推進体制 {built}/47、未達 {47 - built}",
                    "令和7年度末の目標（全都道府県で地域DX推進体制）は達成されたか", "地域DX推進体制（令和7年度末時点）")
    else:
        expected = (f"令和7年度末（2026-03-31）まで あと {(DEADLINE - as_of).days} 日：地域DX推進体制 {built}/47"
                    f"（{as_of} 時点）、あと {47 - built} 都道府県",
                    "令和7年度末までに全都道府県で地域DX推進体制が整うか", "地域DX推進体制を構築した都道府県")
    assert (progress.lead[0], progress.title) == expected[:2]
    assert any(k.label == expected[2] for k in d.slides[0].kpis)  # the title slide follows the same rule
    countdown = [w for w in words if "あと" in w and "都道府県" in w or "整うか" in w]
    assert bool(countdown) == (as_of <= DEADLINE), countdown


@needs_chromium
def test_title_slides_fill_the_space_with_the_headline_kpis(national, hokkaido, db):
    shortage, surveyed = sql(db, "SELECT count(*) FILTER (WHERE dx_staff <= 3), count(dx_staff) "
                                 "FROM staff_survey WHERE base_date = ?", [DATE])[0]
    for deck, prs in (national, hokkaido):
        title = prs.slides[0]
        cards = [sh for sh in title.shapes if sh.shape_type == 1]  # AUTO_SHAPE: the rounded KPI cards
        assert len(cards) == len(deck.slides[0].kpis) == 4
        low = max(c.top + c.height for c in cards)
        assert low / prs.slide_height > 0.8  # down to the footer
        assert [c.text_frame.paragraphs[1].text for c in cards] == [k.value for k in deck.slides[0].kpis]
    assert f"{shortage:,} 団体" in [c.text_frame.paragraphs[1].text for c in national[1].slides[0].shapes
                                   if c.shape_type == 1]


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


def _hanging_browser(tmp_path: Path, then_real: bool) -> tuple[Path, str]:
    """An executable in Chromium's place that never answers (a hung start), and the command line its
    hung process runs (unique to the test); with then_real, only its first run hangs and later runs
    are Debian's Chromium."""
    marker, script = tmp_path / "hung-once", tmp_path / "chromium"
    hung = f"sleep 600.{os.getpid()}{len(str(tmp_path))}"
    real = f'if [ -e "{marker}" ]; then exec /usr/bin/chromium "$@"; fi\ntouch "{marker}"\n' if then_real else ""
    script.write_text(f"#!/bin/sh\n{real}exec {hung}\n")
    script.chmod(0o755)
    return script, hung


def _running(command: str) -> list[str]:
    """The processes running exactly this command line, wherever they were started from."""
    out = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True, check=True).stdout
    return [ln for ln in out.splitlines() if ln.split(maxsplit=1)[1:] == [command]]


@needs_chromium
def test_a_browser_that_hangs_while_opening_is_killed_and_started_again(tmp_path, monkeypatch):
    import plotly.graph_objects as go

    from exports import png

    png.stop()
    monkeypatch.setattr(png, "START_SECONDS", 10.0)  # the hung start costs this much; the real one needs 1.5–5 s
    script, hung = _hanging_browser(tmp_path, then_real=True)
    monkeypatch.setenv("DXGAP_CHROMIUM", str(script))
    try:
        data = png.render(go.Figure(go.Bar(x=["北海道", "沖縄県"], y=[1, 2])), width=320, height=200, scale=1)
        assert Image.open(io.BytesIO(data)).size == (320, 200)
        assert (tmp_path / "hung-once").exists()  # the first start did hang
        assert _running(hung) == []  # and was stopped
    finally:
        png.stop()


@needs_chromium
def test_a_browser_that_never_opens_gives_a_japanese_reason_and_leaves_nothing_running(tmp_path, monkeypatch):
    import plotly.graph_objects as go

    from exports import png

    png.stop()
    monkeypatch.setattr(png, "START_SECONDS", 2.0)
    script, hung = _hanging_browser(tmp_path, then_real=False)
    monkeypatch.setenv("DXGAP_CHROMIUM", str(script))
    with pytest.raises(png.PngUnavailable, match="2 秒待っても起動しませんでした（2 回）"):
        png.render(go.Figure(go.Bar(x=["a"], y=[1])), width=320, height=200, scale=1)
    assert png._browser is None
    assert _running(hung) == []


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
    from dashboard.slides import ROWS_PER_PAGE

    n_munis = sql(db, "SELECT count(*) FROM municipalities WHERE prefecture_code = '01'")[0][0]
    # title, KPIs, map; the table's pages; the prefecture's own answers, trend, coverage, progress, sources
    assert len(prs.slides) == 3 + math.ceil(n_munis / ROWS_PER_PAGE) + 5


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


@needs_chromium
def test_a_deck_taken_twice_is_built_once(db, ctx, monkeypatch):
    """Two sessions click 鳥取県's PowerPoint (or one clicks it, then the PDF, which converts it):
    one deck is drawn, and both get its bytes."""
    from dashboard import widgets
    from exports import deck

    widgets._DECKS.clear()  # a deck an earlier test in this worker took for the same view would be served
    builds = []
    real = deck.build_pptx
    monkeypatch.setattr(deck, "build_pptx", lambda model: builds.append(model) or real(model))
    files = testing.record_media(monkeypatch)
    served = []
    for _ in range(2):
        at = testing.app_test(db, page="pages/prefecture.py", params={"pref": "31", "date": DATE.isoformat(), "n": "3"})
        assert not at.exception
        decks = [f for f in files.values() if f.name and f.name.endswith(".pptx") and f not in served]
        assert len(decks) == 1, [f.name for f in files.values()]
        served.append(decks[0])
    first, second = (f.make() for f in served)
    assert len(builds) == 1 and first == second and len(Presentation(io.BytesIO(first)).slides) > 1


def test_python_m_dashboard_is_an_alias_of_the_same_main(db, tmp_path):
    """`python -m exports` gives these answers in test_cli_exit_codes."""
    proc = cli("deck", "--pref", "99", "--db", str(db), cwd=tmp_path, module="dashboard")
    assert proc.returncode == 1 and "都道府県「99」が見つかりません" in proc.stderr, proc.stderr
    proc = cli("png", "--chart", "pie", "--out", "x.png", cwd=tmp_path, module="dashboard")
    assert proc.returncode == 2 and "usage: python -m exports" in proc.stderr, proc.stderr


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
    pptx = deck.build_pptx(d)
    pdf = tmp_path / "deck.pdf"
    pdf.write_bytes(to_pdf(pptx))
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "鳥取県のDX人材ギャップ" in first  # real text with its Unicode mapping, whole
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "NotoSansCJK" in fonts  # the East Asian font was used, not a fallback without kana
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    testing.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.save(testing.ARTIFACTS / "deck_pdf_page1.png")
    w, h = page.size  # 13.333 × 7.5 in at 50 dpi
    title = page.crop((int(w * 0.1), int(h * 0.8 / 7.5), int(w * 0.9), int(h * 1.9 / 7.5)))
    margin = page.crop((0, int(h * 0.6 / 7.5), int(w * 0.3 / 13.333), int(h * 6.3 / 7.5)))

    def ink(img):
        return sum(1 for p in img.getdata() if p < 160) / (img.size[0] * img.size[1])

    assert ink(title) > 0.03  # the 40 pt title is drawn
    assert ink(margin) < 0.005  # and the page is not simply grey


@needs_chromium
def test_pdf_keeps_japanese_and_latin_text_whole(ctx, tmp_path):
    """LibreOffice neither puts space between Japanese and Latin text (「DX 担当職員 3 人以下」) nor
    breaks a date at its hyphen (「2026-01-」 / 「10」): every mixed string and date of the deck comes
    out of the PDF whole (pdftotext of every page)."""
    import re

    from dashboard import slides
    from exports import deck
    from exports.pdf import to_pdf

    v, view, as_of, is_sample = ctx
    d = slides.prefecture_deck(v, view, "31", as_of, is_sample)
    pptx = deck.build_pptx(d)
    pdf = tmp_path / "deck.pdf"
    pdf.write_bytes(to_pdf(pptx))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "鳥取県でDX担当職員3人以下の市区町村はどこか" in text
    assert "調査基準日 令和5年4月1日（2023-04-01）／不足の基準：DX担当職員3人以下" in text
    assert "地域DX推進体制" in text and "data/generate_sample.py" in text
    assert not re.search(r"DX |X 担|（ \d|\d ）", text), "space put between Japanese and Latin text"
    written = {m for r in runs(Presentation(io.BytesIO(pptx))) for m in re.findall(r"\d{4}-\d{2}-\d{2}", r.text)}
    assert len(written) > 5
    assert {m for m in re.findall(r"\d{4}-\d{2}-\d{2}", text)} == written  # every date whole
    assert not re.search(r"\d{4}-\d{2}-?\n|\d{4}-\d{4}", text)  # none broken at a line end
    assert "\u2060" not in "".join(r.text for r in runs(Presentation(io.BytesIO(pptx))))  # the .pptx stays clean
    # Every page as a picture, to look at: 14 pt text, the table's order and alignment, the notes-free slides.
    for old_page in testing.ARTIFACTS.glob("deck_pdf_tottori-*.png"):
        old_page.unlink()
    testing.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(pdf), str(testing.ARTIFACTS / "deck_pdf_tottori")], check=True)
    assert len(list(testing.ARTIFACTS.glob("deck_pdf_tottori-*.png"))) == len(d.slides)


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
