"""Small Streamlit helpers shared by pages (the only dashboard module besides frame that calls st.).

The PNG and PowerPoint buttons hand Streamlit a deferred callable that imports the exports package
when clicked: a page rerun never loads kaleido or python-pptx."""

from __future__ import annotations

import streamlit as st
from streamlit.dataframe_util import convert_pandas_df_to_arrow_table

from dashboard import cache, columns, slides
from dashboard.capabilities import pdf_available, png_available
from dashboard.charts.style import PICTURE_WIDTH, PLOTLY_CONFIG, summary_of
from dashboard.downloads import PDF_MIME, PPTX_MIME, XLSX_MIME, csv_bytes, xlsx_bytes
from dashboard.notes import SourceText, caption_md, escape_md, footer_text


def kpi(col, label: str, value: str, note: str | None = None, change: bool = False, help: str | None = None) -> None:
    """A KPI card. note is descriptive text (no arrow) unless change=True (a real change, lower is better)."""
    col.metric(label, value, note, delta_color="inverse" if change else "off",
               delta_arrow="auto" if change else "off", help=help, border=True)


def show_kpi(col, card) -> None:
    """One KPI card (dashboard.kpis) in a column."""
    kpi(col, card.label, card.value, card.note or None, change=card.change, help=card.help)


def kpi_cards(cards, per_row: int = 3) -> None:
    """KPI cards (dashboard.kpis) in rows of per_row equal columns."""
    for start in range(0, len(cards), per_row):
        kpi_row(cards[start:start + per_row], [1] * per_row)


def kpi_row(cards, widths: list[float]) -> None:
    """KPI cards in one row of columns of these relative widths."""
    for col, card in zip(st.columns(widths), cards, strict=False):
        show_kpi(col, card)


def table(df, *, key: str | None = None, where=None, signed: tuple[str, ...] = (), column_config: dict | None = None,
          **dataframe_kwargs):
    """A table as every page shows it: st.dataframe with a width for every column that holds its
    header and every cell (nothing cut off with 「…」) and one number of decimals per number column
    (dashboard.columns); signed: change columns, shown with their sign; column_config: per-column
    additions (pinned, a label, …) laid over those; where: a column or container (default: the page)."""
    shown, config = _prepared(df, signed)
    config = dict(config)
    for col, extra in (column_config or {}).items():
        config[col] = {**config.get(col, {}), **{k: v for k, v in extra.items() if v is not None}}
    dataframe_kwargs.setdefault("placeholder", "—")
    return (where or st).dataframe(shown, hide_index=True, width="stretch", key=key, column_config=config,
                                   **dataframe_kwargs)


# The widths and formats of a table read every cell (dashboard.columns): on a warm rerun the table is
# the same cached object (dashboard.memo.built), so they are computed once per object, and kept
# while the object lives (cached frames are read-only, see dashboard.memo). A table whose rows a
# publish left alone is the same object in the new version's views (dashboard.memo.by_content).
_PREPARED = cache.PerObject()


def _prepared(df, signed: tuple[str, ...]):
    """(the table as shown, its column config) for df, remembered for the same object. The table is
    handed to st.dataframe as Arrow, converted here once: given a frame, Streamlit converts it on
    every call, in every session's rerun (a twentieth of a busy server's samples, issue 16 §2). The
    conversion is Streamlit's own, so the bytes it sends are those it would make of the frame."""
    return _PREPARED.get_or_compute(
        df, lambda: (convert_pandas_df_to_arrow_table(_one_type_per_column(df)), columns.column_config(df, signed)),
        signed)


def _one_type_per_column(df):
    """Head-count columns hold numbers and the text 「3人未満」 (dashboard.tables.suppress_small):
    Arrow cannot type such a column, and Streamlit would log a traceback on every rerun before
    converting it itself. Shown as text here (the XLSX keeps the numbers as numbers)."""
    mixed = [c for c in df.columns if df[c].dtype == object
             and len({str if isinstance(x, str) else "other" for x in df[c] if x is not None and x == x}) > 1]
    if not mixed:
        return df
    out = df.copy()
    for c in mixed:
        out[c] = [x if x is None or x != x or isinstance(x, str) else f"{x:,}" for x in df[c]]
    return out


def source_caption(text: str) -> None:
    st.caption(caption_md(text))


def chart(fig, key: str, caption: SourceText, png_name: str, *, title: str | None = None,
          png_width: int = PICTURE_WIDTH, png_height: int | None = None, **plotly_kwargs):
    """A chart as every page shows it: its one-line text summary (computed by the chart builder from
    the data, charts.style.summary_of), shown above it and given to the chart as its accessible
    name (alt: what a screen reader announces for it), the figure
    (offline config, no mode bar, the figure's own template rather than Streamlit's chart theme,
    whose grey ticks are too faint), its 出典・定義 caption, and a PNG download drawn only when
    clicked (footer: 出典, 基準日, and the sample notice when it applies).

    caption: the source_text(...) of the chart, which knows whether the chart uses synthetic data;
    title: the heading printed on the PNG (the page's subheader); plotly_kwargs go to
    st.plotly_chart (on_select=..., selection_mode=...).
    Returns what st.plotly_chart returns (the selection event when on_select is set).
    """
    summary = summary_of(fig)
    if summary:
        st.caption(f"図の要約：{escape_md(summary)}")
    event = st.plotly_chart(fig, config=PLOTLY_CONFIG, key=key, theme=None, alt=summary or title, **plotly_kwargs)
    source_caption(caption)
    ok, reason = png_available()
    if not ok:
        st.caption(reason)
        return event
    footer = footer_text(caption, caption.is_sample)
    name = png_name if png_name.endswith(".png") else f"{png_name}.png"

    def make_png() -> bytes:
        from exports import png  # on click only: kaleido

        return png.render(fig, footer=footer, title=title, width=png_width, height=png_height)

    st.download_button(
        "PNG", data=make_png,
        file_name=name, mime="image/png", key=f"{key}_png", on_click="ignore", icon=":material/image:",
        help="この図を PNG 画像（出典・基準日つき）でダウンロードします。スライドに貼り付けられます。")
    return event


# Decks built for a click, by (version, prefecture, view, as of, sample): a deck takes seconds to
# draw (a PNG per chart), and its PDF is the same PowerPoint converted. A presenter who takes both,
# or the sessions of one council downloading the same deck, build it once.
_DECKS = cache.store("dashboard.widgets.decks", 4, audit=False)


def deck_buttons(ctx, pref: str | None = None, key: str = "deck") -> None:
    """PowerPoint (and, when LibreOffice is installed, PDF) download buttons for the national deck,
    or for one prefecture's deck when pref is given. The deck is built only when clicked."""
    view = ctx.view
    if pref:
        name = ctx.pref_name(pref)
        stem, label = slides.prefecture_stem(name, view), name

        def model() -> slides.Deck:
            return slides.prefecture_deck(ctx.v, view, pref, ctx.as_of, ctx.is_sample)
    else:
        stem, label = slides.national_stem(view), view.region or "全国"

        def model() -> slides.Deck:
            return slides.national_deck(ctx.v, view, ctx.as_of, ctx.is_sample)

    def make() -> bytes:
        from exports import deck  # on click only: python-pptx and kaleido

        return _DECKS.get_or_compute((ctx.v, pref, view, ctx.as_of, ctx.is_sample), lambda: deck.build_pptx(model()))

    def make_pdf() -> bytes:
        from exports import pdf  # on click only

        return pdf.to_pdf(make())

    ok, reason = png_available()
    if not ok:
        st.caption(reason.replace("PNG を作れません", "PowerPoint を作れません"))
        return
    left, right = st.columns(2)
    left.download_button(f"{label}の PowerPoint", data=make, file_name=f"{stem}.pptx", mime=PPTX_MIME,
                         key=f"{key}_pptx", on_click="ignore", icon=":material/slideshow:", width="stretch",
                         help="16:9 のスライド（出典・基準日つき）。作成に数秒かかります。")
    pdf_ok, pdf_reason = pdf_available()
    if pdf_ok:
        right.download_button(f"{label}の PDF", data=make_pdf, file_name=f"{stem}.pdf",
                              mime=PDF_MIME, key=f"{key}_pdf", on_click="ignore",
                              icon=":material/picture_as_pdf:", width="stretch",
                              help="同じ資料を LibreOffice で PDF にします。作成に十数秒かかります。")
    else:
        right.caption(pdf_reason)


def table_downloads(stem: str, sheets: dict, notes: dict[str, str], is_sample: bool, *, key: str,
                    csv_label: str = "CSV をダウンロード", xlsx_label: str = "Excel をダウンロード",
                    csv_stem: str | None = None, csv_sheet: str | None = None) -> None:
    """A CSV (csv_sheet, else the first sheet) and an XLSX (every sheet plus the 注記 sheet) side by side.

    Both files are built only when clicked (deferred), so a rerun does not pay for them."""
    table = sheets[csv_sheet] if csv_sheet else next(iter(sheets.values()))
    left, right = st.columns(2)
    left.download_button(csv_label, lambda: csv_bytes(table, notes, is_sample), file_name=f"{csv_stem or stem}.csv",
                         mime="text/csv", key=f"{key}_csv", on_click="ignore")
    right.download_button(xlsx_label, lambda: xlsx_bytes(sheets, notes, is_sample), file_name=f"{stem}.xlsx",
                          mime=XLSX_MIME, key=f"{key}_xlsx", on_click="ignore")
