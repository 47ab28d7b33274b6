"""The files users download from the pages' tables: CSV and XLSX (UTF-8 with BOM for Excel in
Japan, formula injection escaped), and the MIME types of every download (decks and pictures are
made by the exports package, on click)."""

from __future__ import annotations

import io

import pandas as pd

from core.store import SAMPLE_NOTICE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PDF_MIME = "application/pdf"


def escape_cell(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def escape_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def notes_lines(notes: dict[str, str], is_sample: bool) -> list[tuple[str, str]]:
    rows = list(notes.items())
    if is_sample:
        rows.insert(0, ("注意", f"{SAMPLE_NOTICE}：実在の自治体の状況ではありません"))
    return rows


def csv_bytes(df: pd.DataFrame, notes: dict[str, str] | None = None, is_sample: bool = False) -> bytes:
    """CSV with a UTF-8 BOM. Notes (基準日, 出典, sample notice) go in leading comment rows."""
    buf = io.StringIO()
    for key, value in notes_lines(notes or {}, is_sample):
        buf.write(f"# {key}: {value}\n")
    escape_frame(df).to_csv(buf, index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: dict[str, pd.DataFrame], notes: dict[str, str], is_sample: bool) -> bytes:
    """An XLSX with one sheet per table and a 注記 sheet (base date, threshold, sources, notice).

    Each table sheet has its header frozen and an autofilter, and columns wide enough for their
    header; numbers are written as numbers (a count hidden as 「3人未満」 is the only text in its
    column), codes such as 団体コード stay text with their leading zeros."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False,
                                                   "strings_to_numbers": False}}) as xw:
        for name, df in sheets.items():
            escape_frame(df).to_excel(xw, sheet_name=name[:31], index=False)
            sheet = xw.sheets[name[:31]]
            sheet.freeze_panes(1, 0)
            if len(df.columns):
                sheet.autofilter(0, 0, len(df), len(df.columns) - 1)
                for i, col in enumerate(df.columns):  # Excel counts a CJK character as about 2 widths
                    sheet.set_column(i, i, min(60, max(8, 2 * len(str(col)) + 4)))
        note_df = pd.DataFrame(notes_lines(notes, is_sample), columns=["項目", "内容"])
        escape_frame(note_df).to_excel(xw, sheet_name="注記", index=False)
        xw.sheets["注記"].set_column(0, 0, 16)
        xw.sheets["注記"].set_column(1, 1, 100)
    return buf.getvalue()
