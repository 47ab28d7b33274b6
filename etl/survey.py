"""Staff survey: MIC 個別資料 workbooks and CSVs → rows of staff_survey."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from etl import columns
from etl.codes import normalize_text
from etl.dates import DateError, find_date, parse_date
from etl.readers import Table, read_tables
from etl.report import FileRejected, Report
from etl.resolve import ResolveError, Resolver
from etl.values import ValueProblem, cell_text, parse_count, parse_flag

# Above these a count is a typing error, not a staff (a village with 5,000 DX staff).
PLAUSIBLE_MAX = {"村": 100, "町": 300, "市": 1500, "特別区": 1500, "政令指定都市": 3000}
COUNT_FIELDS = ("dx_staff", "dedicated", "concurrent", "external_talent")
FIELD_LABELS = {
    "lg_code": "団体コード",
    "prefecture": "都道府県名",
    "name": "団体名",
    "dx_staff": "DX担当職員数",
    "dedicated": "専任",
    "concurrent": "兼任",
    "external_talent": "外部人材",
    "has_cio_aide": "CIO補佐官等",
}
OUT_COLUMNS = ["base_date", "lg_code", "dx_staff", "dedicated", "concurrent", "external_talent", "has_cio_aide"]


def base_date_of(table: Table, path: Path, given: dt.date | None) -> dt.date | None:
    """The base date: the --base-date flag, else the sheet (title rows or name), else the file name."""
    if given:
        return given
    for text in (table.preamble, table.sheet or "", path.stem):
        found = find_date(text)
        if found:
            return found
    return None


def validate_survey(path: Path, resolver: Resolver, base_date: dt.date | None = None,
                    today: dt.date | None = None) -> Report:
    report = Report("survey", path.name)
    today = today or dt.date.today()
    try:
        tables = read_tables(path, columns.scorer(columns.SURVEY))
    except FileRejected as exc:
        report.issues.append(exc.issue)
        return report
    frames = []
    seen_dates: dict[dt.date, str | None] = {}
    for table in tables:
        frame = _validate_table(table, path, resolver, base_date, today, report)
        if frame is not None:
            d = frame.attrs["base_date"]
            if d in seen_dates:
                report.error(f"基準日 {d} のシートが2つあります（「{seen_dates[d]}」と「{table.sheet}」）", sheet=table.sheet)
            seen_dates[d] = table.sheet
            frames.append(frame)
    report.tables["staff_survey"] = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUT_COLUMNS)
    )
    report.detail["基準日"] = "、".join(str(d) for d in sorted(seen_dates)) or "不明"
    if tables and tables[0].encoding:
        report.detail["文字コード"] = tables[0].encoding
    return report


def _validate_table(table, path, resolver, base_date, today, report) -> pd.DataFrame | None:
    sheet = table.sheet
    report.rows_read += len(table.rows)
    found, unknown = columns.match_columns(table.columns, columns.SURVEY)
    for j in unknown:
        report.warn("不明な列のため読み飛ばしました", sheet=sheet, column=table.columns[j])
    if "dx_staff" not in found:
        report.error("必須の列「DX担当職員数（合計）」が見つかりません", sheet=sheet,
                     value="、".join(c for c in table.columns if c))
        return None
    if "lg_code" not in found and "name" not in found:
        report.error("必須の列「団体コード」または「団体名」が見つかりません", sheet=sheet)
        return None
    try:
        day = base_date_of(table, path, base_date)
    except DateError as exc:
        report.error(str(exc), sheet=sheet)
        return None
    if day is None:
        report.error("基準日が分かりません。表の上に「令和5年4月1日現在」のように書くか、"
                     "基準日を指定してください（--base-date 2023-04-01）", sheet=sheet)
        return None
    if day > today:
        report.error(f"基準日 {day} は未来の日付です", sheet=sheet)
        return None
    if not table.rows:
        report.error("見出し行の下にデータ行がありません", sheet=sheet)
        return None

    def cell(row, field):
        j = found.get(field)
        return row[j] if j is not None else None

    style = resolver.code_style(r[found["lg_code"]] for r in table.rows) if "lg_code" in found else None
    by_code: dict[str, dict] = {}
    wards: dict[str, list[tuple[int, dict, str]]] = {}  # city → (row, values, ward code)
    first_row: dict[str, int] = {}
    for row, number in zip(table.rows, table.row_numbers, strict=True):
        name_cell = normalize_text(cell(row, "name"))
        code_cell = normalize_text(cell(row, "lg_code"))
        if not code_cell and re.fullmatch(r"(全国|都道府県)?(合計|計|総計|小計)", name_cell):
            continue  # a total row, not a municipality
        try:
            res = resolver.row(cell(row, "lg_code"), cell(row, "prefecture"), cell(row, "name"), style)
        except ResolveError as exc:
            col = "lg_code" if code_cell else "name"
            report.error(str(exc), sheet=sheet, row=number, column=_label(table, found, col),
                         value=cell_text(cell(row, col)))
            continue
        if res.warning:
            report.warn(res.warning, sheet=sheet, row=number, column=_label(table, found, "name"),
                        value=cell_text(cell(row, "name")))
        values, ok = {}, True
        for field in COUNT_FIELDS:
            if field not in found:
                values[field] = None
                continue
            try:
                values[field] = parse_count(cell(row, field))
            except ValueProblem as exc:
                report.error(str(exc), sheet=sheet, row=number, column=_label(table, found, field),
                             value=cell_text(cell(row, field)))
                ok = False
        try:
            values["has_cio_aide"] = parse_flag(cell(row, "has_cio_aide")) if "has_cio_aide" in found else None
        except ValueProblem as exc:
            report.error(str(exc), sheet=sheet, row=number, column=_label(table, found, "has_cio_aide"),
                         value=cell_text(cell(row, "has_cio_aide")))
            ok = False
        if not ok:
            continue
        if all(values[f] is None for f in COUNT_FIELDS) and not normalize_text(cell(row, "has_cio_aide")):
            values["has_cio_aide"] = None  # a row not surveyed says nothing about a CIO aide either
        key = res.ward_code or res.lg_code
        if key in first_row:
            report.error(f"同じ市区町村（{key}）の行が重複しています（{first_row[key]}行目と同じ）",
                         sheet=sheet, row=number, column=_label(table, found, "lg_code" if code_cell else "name"),
                         value=cell_text(code_cell or name_cell))
            continue
        first_row[key] = number
        if res.ward_code:
            wards.setdefault(res.lg_code, []).append((number, values, res.ward_code))
        else:
            by_code[res.lg_code] = {"row": number, **values}

    for city, parts in wards.items():
        if city in by_code:
            report.error(f"{resolver.names[city]}（{city}）に市全体の行と区ごとの行の両方があります",
                         sheet=sheet, row=parts[0][0])
            continue
        missing = resolver.wards_of(city) - {code for _, _, code in parts}
        if missing:
            # A partial sum would look like a real city total: refuse it, never store it.
            names = "、".join(resolver.ward_names[c].removeprefix(resolver.names[city]) for c in sorted(missing))
            report.error(f"{resolver.names[city]}の区ごとの行が{len(parts)}区分しかありません（ない区: {cell_text(names)}）。"
                         "一部の区の合計は市の値にならないため、市全体の行を書くか、すべての区の行を書いてください",
                         sheet=sheet, row=parts[0][0])
            continue
        by_code[city] = {"row": parts[0][0], **_sum_wards([v for _, v, _ in parts])}
        report.warn(f"{resolver.names[city]}の区ごとの行（{len(parts)}区）を市に合算しました", sheet=sheet, row=parts[0][0])

    for code, v in by_code.items():
        kind = resolver.kind_of[code]
        limit = PLAUSIBLE_MAX[kind]
        for field in COUNT_FIELDS:
            if v[field] is not None and v[field] > limit:
                report.error(f"{FIELD_LABELS[field]} {v[field]:g} 人は{kind}としてありえない人数です（上限 {limit} 人）",
                             sheet=sheet, row=v["row"], column=_label(table, found, field), value=f"{v[field]:g}")
        parts = (v["dedicated"], v["concurrent"])
        if v["dx_staff"] is not None and None not in parts and abs(sum(parts) - v["dx_staff"]) > 1e-9:
            # A warning, not a reject: the total is what the metrics use, and surveys do round.
            report.warn(f"専任 {parts[0]:g} 人＋兼任 {parts[1]:g} 人＝{sum(parts):g} 人が"
                        f"{FIELD_LABELS['dx_staff']} {v['dx_staff']:g} 人と合いません（合計の値を使います）",
                        sheet=sheet, row=v["row"], column=_label(table, found, "dx_staff"), value=f"{v['dx_staff']:g}")
    frame = pd.DataFrame(
        [{"base_date": day, "lg_code": c, **{k: v[k] for k in OUT_COLUMNS[2:]}} for c, v in by_code.items()],
        columns=OUT_COLUMNS,
    )
    frame.attrs["base_date"] = day
    return frame


def _sum_wards(parts: list[dict]) -> dict:
    out = {}
    for field in (*COUNT_FIELDS, "has_cio_aide"):
        vals = [p[field] for p in parts]
        if any(v is None for v in vals):
            out[field] = None  # one unanswered ward makes the city total unknown
        elif field == "has_cio_aide":
            out[field] = any(vals)
        else:
            out[field] = round(sum(vals), 2)
    return out


def _label(table: Table, found: dict[str, int], field: str) -> str:
    j = found.get(field)
    return table.columns[j] if j is not None else FIELD_LABELS.get(field, field)


def parse_base_date_arg(text: str) -> dt.date:
    d = parse_date(text)
    if d is None:
        raise DateError("基準日が空です")
    return d
