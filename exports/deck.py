"""PowerPoint (16:9) of a slide deck (the model: dashboard.slides); exports.pdf makes its PDF.

Every text run carries the East Asian typeface (a:ea), so Japanese text renders in the same
font in PowerPoint, LibreOffice and Keynote whatever the theme says, and every paragraph the East
Asian line-break rules (a:pPr eaLnBrk="1", latinLnBrk="0": no Latin word or number broken at a line
end; hangingPunct). Charts are PNG pictures from exports.png; KPIs and the municipality table are
native text so they stay editable. Each slide's speaker notes hold its question, its answer in
words, the figure's definition and its 出典.

Readable from the back of a room: no run under READABLE_PT (14 pt), and the chart pictures are
drawn at the CSS size they take on a slide shown at 1280×720, so their smallest text
(charts.slides.MIN_FONT_PX) is 14 pt there too.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

from core.store import SAMPLE_NOTICE
from dashboard.charts.slides import READABLE_PT, slide_style
from dashboard.slides import NUMERIC_COLUMNS, Deck, Slide, slide_is_sample
from exports import png

EA_FONT = "Noto Sans CJK JP"
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
CONTENT_TOP, CONTENT_H = Inches(1.22), Inches(5.1)
CONTENT_W = SLIDE_W - 2 * MARGIN
FOOTER_TOP = Inches(6.42)  # 出典 in up to four lines of 14 pt, above the slide's bottom edge
LEAD_LINE = Inches(0.36)  # one line of a slide's lead (the answer in words), above its chart
# Chart pictures: drawn at the CSS size they take on a slide shown 1280 px wide (96 px an inch
# there), at twice the pixels for sharpness, then placed over the content area.
SCREEN_DPI = 1280 / 13.333
PIC_W = round(CONTENT_W / Inches(1) * SCREEN_DPI)
PIC_H = round(CONTENT_H / Inches(1) * SCREEN_DPI)
PIC_SCALE = 2
BLUE, DARK, GREY, VERMILION, LIGHT = (RGBColor(0x00, 0x72, 0xB2), RGBColor(0x22, 0x22, 0x22),
                                      RGBColor(0x55, 0x55, 0x55), RGBColor(0xD5, 0x5E, 0x00),
                                      RGBColor(0xF2, 0xF4, 0xF7))
SAMPLE_LINE = f"{SAMPLE_NOTICE}：実在の自治体の状況ではありません"

# -- Text with the East Asian font on every run --------------------------------------------

def set_ea(run, typeface: str = EA_FONT) -> None:
    """Latin and East Asian typeface on one run (a:latin then a:ea, in schema order)."""
    run.font.name = typeface  # a:latin
    rpr = run._r.get_or_add_rPr()
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = OxmlElement("a:ea")
        rpr.find(qn("a:latin")).addnext(ea)
    ea.set("typeface", typeface)


def _runs(shape):
    if shape.has_text_frame:
        for p in shape.text_frame.paragraphs:
            yield from p.runs
    if getattr(shape, "has_table", False) and shape.has_table:
        for row in shape.table.rows:
            for cell in row.cells:
                for p in cell.text_frame.paragraphs:
                    yield from p.runs


def all_runs(prs: Presentation):
    for slide in prs.slides:
        for shape in slide.shapes:
            yield from _runs(shape)


def _text(frame, lines, size: int, *, bold: bool = False, color: RGBColor = DARK,
          align=PP_ALIGN.LEFT, space_after: int = 0) -> None:
    frame.word_wrap = True
    for i, line in enumerate([lines] if isinstance(lines, str) else lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.alignment = align
        if space_after:
            p.space_after = Pt(space_after)
        run = p.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = color
        set_ea(run)


def _box(slide, left, top, width, height, lines, size, **kw):
    shape = slide.shapes.add_textbox(left, top, width, height)
    frame = shape.text_frame
    frame.margin_left = frame.margin_right = Inches(0.05)
    _text(frame, lines, size, **kw)
    return shape


# -- Slide parts ---------------------------------------------------------------------------

def _frame(s, slide: Slide, number: int, total: int, is_sample: bool) -> None:
    """Title (the question), footer (出典・基準日), page number and the sample notice (on a slide
    whose figures are synthetic; the title and sources slides follow the deck)."""
    if slide_is_sample(slide, is_sample):
        _box(s, MARGIN, Inches(0.06), CONTENT_W, Inches(0.36), SAMPLE_LINE, READABLE_PT, bold=True, color=VERMILION)
    # The question goes in the slide's title placeholder: PowerPoint's outline, accessibility
    # checker and screen readers read it as the slide title.
    title = s.shapes.title
    if slide.kind == "title":
        title.left, title.top, title.width, title.height = MARGIN, Inches(0.75), CONTENT_W, Inches(1.2)
        title.text_frame.text = ""
        _text(title.text_frame, slide.title, 40, bold=True, color=BLUE, align=PP_ALIGN.CENTER)
    else:
        title.left, title.top, title.width, title.height = MARGIN, Inches(0.42), CONTENT_W, Inches(0.78)
        title.text_frame.text = ""
        _text(title.text_frame, slide.title, 26, bold=True, color=DARK)
    title.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _box(s, MARGIN, FOOTER_TOP, CONTENT_W - Inches(0.9), SLIDE_H - FOOTER_TOP - Inches(0.05), slide.source,
         READABLE_PT, color=GREY)
    _box(s, SLIDE_W - MARGIN - Inches(0.85), Inches(7.0), Inches(0.85), Inches(0.4), f"{number}/{total}",
         READABLE_PT, color=GREY, align=PP_ALIGN.RIGHT)


def _title_slide(s, deck: Deck, slide: Slide) -> None:
    """The deck's title, its base date and threshold, and its headline KPIs filling the slide."""
    _box(s, MARGIN, Inches(2.0), CONTENT_W, Inches(0.6), slide.subtitle, 22, align=PP_ALIGN.CENTER)
    if deck.is_sample:
        _box(s, MARGIN, Inches(2.65), CONTENT_W, Inches(0.5), f"この資料は{SAMPLE_NOTICE}で作成しています", 20,
             bold=True, color=VERMILION, align=PP_ALIGN.CENTER)
    _cards(s, slide.kpis, cols=2, top=Inches(3.3), h=Inches(1.45), gap=Inches(0.2))


def _kpi_slide(s, slide: Slide) -> None:
    _cards(s, slide.kpis, cols=3, top=CONTENT_TOP + Inches(0.15), h=Inches(2.3))


CARD_GAP = Inches(0.3)


def _cards(s, kpis, cols: int, top, h, gap=CARD_GAP) -> None:
    w = (CONTENT_W - gap * (cols - 1)) // cols
    for i, k in enumerate(kpis):
        left = MARGIN + (w + gap) * (i % cols)
        top_i = top + (h + gap) * (i // cols)
        card = s.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, top_i, w, h)
        card.fill.solid()
        card.fill.fore_color.rgb = LIGHT
        card.line.color.rgb = RGBColor(0xC8, 0xCD, 0xD5)
        card.adjustments[0] = 0.06
        frame = card.text_frame
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        frame.margin_left = frame.margin_right = Inches(0.2)
        _text(frame, [k.label], 16, color=GREY, space_after=6)
        for text, size, bold, color in ((k.value, 32, True, DARK), (k.note, READABLE_PT, False, GREY)):
            if not text:
                continue
            p = frame.add_paragraph()
            run = p.add_run()
            run.text = text
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, color
            set_ea(run)


def _table_slide(s, slide: Slide) -> None:
    """A native table (editable, selectable text). Header and row banding come from the table
    style, so only the text is set per cell: python-pptx is slow per property on 1,000+ cells."""
    df = slide.table
    rows, cols = len(df) + 1, len(df.columns)
    row_h = Inches(0.31)  # one line of 14 pt with the cell margins
    shape = s.shapes.add_table(rows, cols, MARGIN, CONTENT_TOP, CONTENT_W, row_h * rows)
    table = shape.table
    values = [list(map(str, df.columns)), *([str(x) for x in r] for r in df.itertuples(index=False))]
    widths = MUNICIPALITY_WIDTHS if slide.key.startswith("table-") else _fitted_widths(values)
    for j, w in enumerate(widths[:cols]):
        table.columns[j].width = Inches(w)
    right = {j for j, c in enumerate(df.columns) if c.startswith(NUMERIC_COLUMNS)}
    margin = str(Inches(0.02))
    for i, (row, texts) in enumerate(zip(table.rows, values, strict=True)):
        row.height = row_h
        for j, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
            tc_pr = cell._tc.get_or_add_tcPr()
            tc_pr.set("marT", margin)
            tc_pr.set("marB", margin)
            p = cell.text_frame.paragraphs[0]
            if j in right:
                p.alignment = PP_ALIGN.RIGHT
            _plain_run(p, text, READABLE_PT, bold=i == 0)


# The municipality table's columns, in inches (= CONTENT_W): each header and tier on one line at 14 pt (bold).
MUNICIPALITY_WIDTHS = (1.2, 2.0, 0.9, 2.75, 1.75, 2.0, 1.73)
CELL_PADDING_IN = 0.2  # a cell's left and right margins, with room for bold


def _fitted_widths(values: list[list[str]]) -> list[float]:
    """Column widths (inches) for another table (e.g. the prefecture's own answers): each as wide as
    its longest text at 14 pt (bold header included), all of them spread over CONTENT_W, so that no
    cell wraps while the texts fit the slide."""
    em = READABLE_PT / 72  # inches
    need = [max(_ems(row[j]) for row in values) * em + CELL_PADDING_IN for j in range(len(values[0]))]
    total = Emu(CONTENT_W).inches
    return [w * total / sum(need) for w in need]


def _ems(text: str) -> float:
    """Width of text in ems: a full-width character (漢字, かな, 全角) one, any other about half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)


def _plain_run(p, text: str, size: int, bold: bool = False) -> None:
    """A run with size and typefaces written straight into its XML (fast path for table cells)."""
    r = p._p.add_r()
    r.text = text
    rpr = r.get_or_add_rPr()
    rpr.set("sz", str(size * 100))
    if bold:
        rpr.set("b", "1")
    for tag in ("a:latin", "a:ea"):
        face = OxmlElement(tag)
        face.set("typeface", EA_FONT)
        rpr.append(face)


def _sources_slide(s, slide: Slide) -> None:
    _box(s, MARGIN, CONTENT_TOP, CONTENT_W, CONTENT_H, list(slide.lines), READABLE_PT, space_after=4)


def chart_png(slide: Slide, height: int = PIC_H) -> bytes:
    """The slide's chart as a picture, drawn by the shared kaleido browser."""
    fig = slide_style(slide.figure(), height=height)
    return png.render(fig, width=PIC_W, height=height, scale=PIC_SCALE)


def _chart_slide(s, slide: Slide) -> None:
    """The chart, under the slide's lead (its answer in words: the first line bold) when it has one."""
    lead_h = LEAD_LINE * len(slide.lead)
    if slide.lead:
        box = _box(s, MARGIN, CONTENT_TOP, CONTENT_W, lead_h, list(slide.lead), 16, color=DARK)
        first = box.text_frame.paragraphs[0].runs[0]
        first.font.size, first.font.bold = Pt(20), True
    h = CONTENT_H - lead_h
    pic = chart_png(slide, round(h / Inches(1) * SCREEN_DPI))
    s.shapes.add_picture(io.BytesIO(pic), MARGIN, CONTENT_TOP + lead_h, width=CONTENT_W, height=h)


def _notes(s, slide: Slide) -> None:
    """The speaker notes: question, answer, definition, source (dashboard.slides.Slide.notes)."""
    frame = s.notes_slide.notes_text_frame
    frame.text = ""
    _text(frame, slide.notes.split("\n"), 12)


def east_asian_breaks(p) -> None:
    """East Asian line breaking on a paragraph (a:pPr): kinsoku rules on, no Latin word or number
    broken at a line end, hanging punctuation."""
    ppr = p._p.get_or_add_pPr()
    ppr.set("eaLnBrk", "1")
    ppr.set("latinLnBrk", "0")
    ppr.set("hangingPunct", "1")


def _paragraphs(shape):
    if shape.has_text_frame:
        yield from shape.text_frame.paragraphs
    if getattr(shape, "has_table", False) and shape.has_table:
        for row in shape.table.rows:
            for cell in row.cells:
                yield from cell.text_frame.paragraphs


_BODIES = {"kpis": _kpi_slide, "table": _table_slide, "sources": _sources_slide, "chart": _chart_slide}


def build_pptx(deck: Deck, progress: Callable[[int, int], None] | None = None) -> bytes:
    """The deck as .pptx bytes (16:9)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(SLIDE_W), Emu(SLIDE_H)
    title_only = prs.slide_layouts[5]
    props = prs.core_properties
    props.title, props.subject = deck.title, deck.subtitle
    props.author = props.last_modified_by = "DX人材ギャップ・ダッシュボード"
    total = len(deck.slides)
    for number, slide in enumerate(deck.slides, start=1):
        s = prs.slides.add_slide(title_only)
        _frame(s, slide, number, total, deck.is_sample)
        if slide.kind == "title":
            _title_slide(s, deck, slide)
        else:
            _BODIES[slide.kind](s, slide)
        _notes(s, slide)
        if progress:
            progress(number, total)
    for run in all_runs(prs):  # belt and braces: every run, whatever made it
        if run._r.rPr is None or run._r.rPr.find(qn("a:ea")) is None:
            set_ea(run)
    for slide in prs.slides:
        for shape in [*slide.shapes, *slide.notes_slide.shapes]:
            for p in _paragraphs(shape):
                east_asian_breaks(p)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
