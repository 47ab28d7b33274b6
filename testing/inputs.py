"""Tiny input files written in full by the tests that read them: CSVs as Excel writes them and
workbooks with openpyxl, each into a test's tmp_path."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SURVEY_HEADER = ["団体コード", "都道府県名", "団体名", "DX担当職員数", "専任", "兼任", "外部人材", "CIO補佐官等"]
ROSTER_HEADER = ["人材番号", "氏名", "メールアドレス", "電話番号", "役割", "雇用形態", "開始日", "終了日",
                 "アクセラレータ", "支援先市町村"]
STATUS_HEADER = ["都道府県コード", "都道府県名", "マイルストーン", "達成日", "モデル", "備考"]


def write_csv(path: Path, header: Sequence[object] | None, rows: Iterable[Sequence[object]],
              encoding: str = "utf-8") -> Path:
    """A CSV as Excel writes it (CRLF); encoding 'utf-8-sig' adds the BOM, 'cp932' is Shift_JIS."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(["" if c is None else c for c in row] for row in rows)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, grid: Sequence[Sequence[object]], sheet: str = "Sheet1",
               merges: Sequence[str] = ()) -> Path:
    """One sheet: grid rows from A1 down (None = empty cell), then merged ranges like 'D4:F4'."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in grid:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def survey_csv(path: Path, rows: Iterable[Sequence[object]], encoding: str = "utf-8",
               header: Sequence[object] = SURVEY_HEADER) -> Path:
    return write_csv(path, header, rows, encoding)


def roster_csv(path: Path, rows: Iterable[Sequence[object]], encoding: str = "cp932",
               header: Sequence[object] = ROSTER_HEADER) -> Path:
    return write_csv(path, header, rows, encoding)


def status_csv(path: Path, rows: Iterable[Sequence[object]], encoding: str = "utf-8-sig",
               header: Sequence[object] = STATUS_HEADER) -> Path:
    return write_csv(path, header, rows, encoding)


# -- workbooks laid out like the MIC 個別資料 (issue 12, issue 13) ----------------------------

@dataclass
class SheetSpec:
    """One sheet of a test workbook: rows from A1 down, merged ranges, and its visibility."""

    title: str
    grid: Sequence[Sequence[object]]
    merges: Sequence[str] = ()
    state: str = "visible"  # visible | hidden | veryHidden


def write_book(path: Path, sheets: Sequence[SheetSpec]) -> Path:
    """A workbook of several sheets, written by openpyxl as a real file."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.title)
        for row in spec.grid:
            ws.append(list(row))
        for rng in spec.merges:
            ws.merge_cells(rng)
        ws.sheet_state = spec.state
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def patch_xlsx(path: Path, edits: dict[str, Callable[[bytes], bytes]]) -> Path:
    """Rewrite members of an xlsx in place, e.g. to give formulas the results Excel would save."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(Path(path).read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data)
            dst.writestr(info, data, zipfile.ZIP_DEFLATED)
    Path(path).write_bytes(out.getvalue())
    return Path(path)


def prefecture_survey(folder: Path, name: str, shift: int, blank_lines: int, pref: str = "31") -> Path:
    """A survey CSV of every municipality of one prefecture (鳥取県 by default: 19 of them), with counts
    (i + shift) % 7. Blank lines at the end (skipped by the reader) give each file its own sha256:
    a new load, a real publish, with the same figures for the same shift."""
    from etl import reference

    munis = reference.municipalities()
    munis = munis[munis.prefecture_code == pref]
    pref_name = reference.prefectures().set_index("prefecture_code").name[pref]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["団体コード", "都道府県名", "団体名", "DX担当職員数"])
    w.writerows((code, pref_name, muni, (i + shift) % 7)
                for i, (code, muni) in enumerate(zip(munis.lg_code, munis.name, strict=True)))
    path = Path(folder) / name
    path.write_bytes((buf.getvalue() + "\r\n" * blank_lines).encode("utf-8"))
    return path
