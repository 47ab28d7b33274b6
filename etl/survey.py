"""Staff survey: MIC 個別資料 workbooks and CSVs → rows of staff_survey."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import columns
from etl.codes import normalize_text
from etl.dates import DateError, base_date_in, parse_date
from etl.readers import Table, read_or_reject, read_tables, take_table
from etl.report import Report
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
    "external_flag": "外部人材の活用",
    "has_cio_aide": "CIO補佐官等",
}
OUT_COLUMNS = ["base_date", "lg_code", "dx_staff", "dedicated", "concurrent", "external_talent", "has_cio_aide"]


SOURCE_FLAG, SOURCE_TITLE, SOURCE_SHEET, SOURCE_FILE = "--base-date", "表題の行", "シート名", "ファイル名"
# Sheets that are never the municipal table: notes, and prefecture-level tables.
NOTE_SHEET = re.compile(r"注記|注意|凡例|説明|目次|表紙|備考|記入要領|readme", re.IGNORECASE)
PREFECTURE_SHEET = re.compile(r"都道府県")
MUNICIPAL_SHEET = re.compile(r"市区町村|市町村")


def base_date_of(table: Table, path: Path, given: dt.date | None) -> tuple[dt.date | None, str]:
    """The base date and where it came from: --base-date, else the title rows, else the sheet
    name, else the file name. A 作成日/公表日/更新日 is never taken (etl.dates.base_date_in)."""
    if given:
        return given, SOURCE_FLAG
    for lines, source in ((table.title_rows, SOURCE_TITLE), ([table.sheet or ""], SOURCE_SHEET),
                          ([path.stem], SOURCE_FILE)):
        found = base_date_in(lines)
        if found:
            day, line = found
            return day, f"{source}「{cell_text(line)}」" if source == SOURCE_TITLE else source
    return None, ""


@dataclass
class _Candidate:
    table: Table
    cols: columns.SurveyColumns


def validate_survey(path: Path, resolver: Resolver, base_date: dt.date | None = None,
                    today: dt.date | None = None) -> Report:
    report = Report("survey", path.name)
    today = today or dt.date.today()
    tables = read_or_reject(report, read_tables, path, columns.survey_score)
    if tables is None:
        return report
    chosen = _choose_sheets(tables, base_date, report)
    frames = []
    seen_dates: dict[dt.date, str | None] = {}
    sources: list[str] = []
    for cand in chosen:
        frame = _validate_table(cand, path, resolver, base_date, today, report)
        if frame is not None:
            d = frame.attrs["base_date"]
            if d in seen_dates:
                report.error(f"基準日 {d} のシートが2つあります（「{seen_dates[d]}」と「{cand.table.sheet}」）",
                             sheet=cand.table.sheet)
            seen_dates[d] = cand.table.sheet
            sources.append(frame.attrs["source"])
            frames.append(frame)
    report.tables["staff_survey"] = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUT_COLUMNS)
    )
    if any(c.table.sheet for c in chosen):
        report.detail["シート"] = "、".join(f"「{c.table.sheet}」" for c in chosen)
    report.detail["基準日"] = "、".join(str(d) for d in sorted(seen_dates)) or "不明"
    if sources:
        report.detail["基準日の出典"] = "、".join(dict.fromkeys(sources))
    if tables and tables[0].encoding:
        report.detail["文字コード"] = tables[0].encoding
    return report


def _choose_sheets(tables: list[Table], base_date: dt.date | None, report: Report) -> list[_Candidate]:
    """The municipal table(s) of a workbook. Note and prefecture-level sheets are skipped (with a
    warning); several candidates are read together only when each names its own base date,
    otherwise the sheet named 市区町村 is taken, or the file is rejected as ambiguous."""
    cands = []
    for table in tables:
        cols = columns.survey_columns(table.columns, " ".join([*table.title_rows, table.sheet or ""]))
        name = table.sheet or ""
        if len(tables) > 1 and NOTE_SHEET.search(name):
            report.warn(f"シート「{name}」は注記のシートとみなし、読みませんでした", sheet=name)
        elif len(tables) > 1 and _is_prefecture_table(table, cols):
            report.warn(f"シート「{name}」は都道府県の表のため読みませんでした（市区町村の表だけを読みます）", sheet=name)
        else:
            cands.append(_Candidate(table, cols))
    if not cands:
        report.error("市区町村の表が見つかりません（注記のシートと都道府県の表は読みません）")
    if len(cands) <= 1:
        return cands
    usable = [c for c in cands if "dx_staff" in c.cols.found and c.table.rows]
    if len(usable) == 1:
        for c in cands:
            if c is not usable[0]:
                report.warn(f"シート「{c.table.sheet}」には職員数の表がないため読みませんでした", sheet=c.table.sheet)
        return usable
    usable = usable or cands
    own: list[dt.date | None] = []  # the date each sheet writes itself (a --base-date would be shared)
    for c in usable:
        try:
            own.append(None if base_date else base_date_of(c.table, Path(""), None)[0])
        except DateError:
            own.append(None)
    if None not in own and len(set(own)) == len(own):
        return usable  # one base date per sheet, each written in its own sheet
    municipal = [c for c in usable if MUNICIPAL_SHEET.search(c.table.sheet or "")]
    if len(municipal) == 1:
        for c in usable:
            if c is not municipal[0]:
                report.warn(f"シート「{c.table.sheet}」も市区町村の表に見えますが、シート「{municipal[0].table.sheet}」"
                            "を読み、こちらは読みませんでした", sheet=c.table.sheet)
        return municipal
    names = "」「".join(str(c.table.sheet) for c in usable)
    day = own[0] if len(set(own)) == 1 and own[0] else None
    what = f"基準日 {day} のシートが{len(usable)}つあります" if day else f"市区町村の表らしいシートが{len(usable)}つあります"
    report.error(f"{what}（「{names}」）。どれを読むか決められません。読むシートだけを残すか、ファイルを分けてください")
    return []


def _is_prefecture_table(table: Table, cols: columns.SurveyColumns) -> bool:
    name = table.sheet or ""
    if PREFECTURE_SHEET.search(name) and not MUNICIPAL_SHEET.search(name):
        return True
    j = cols.found.get("name")
    if j is None or not table.rows:
        return False
    names = [normalize_text(r[j]) for r in table.rows if normalize_text(r[j])]
    return bool(names) and sum(bool(PREFECTURE_NAME.fullmatch(n)) for n in names) >= 0.8 * len(names)


PREFECTURE_NAME = re.compile(r"北海道|東京都|(京都|大阪)府|\S{2,3}県")


def _validate_table(cand, path, resolver, base_date, today, report) -> pd.DataFrame | None:
    table, cols = cand.table, cand.cols
    sheet = table.sheet
    take_table(report, table, cols.unknown)
    found = cols.found
    for reason in cols.errors:
        report.error(reason, sheet=sheet)
    if cols.errors:
        return None
    if "dx_staff" not in found:
        report.error("必須の列「DX担当職員数（合計）」が見つかりません", sheet=sheet,
                     value=cell_text("、".join(c for c in table.columns if c)))
        return None
    if "lg_code" not in found and "name" not in found:
        report.error("必須の列「団体コード」または「団体名」が見つかりません", sheet=sheet)
        return None
    try:
        day, source = base_date_of(table, path, base_date)
    except DateError as exc:
        report.error(str(exc), sheet=sheet)
        return None
    if day is None:
        report.error("基準日が分かりません。表の上に「令和5年4月1日現在」のように書くか、"
                     "基準日を指定してください（--base-date 2023-04-01）", sheet=sheet)
        return None
    if source == SOURCE_FLAG:
        try:
            written = base_date_in(table.title_rows)
        except DateError:
            written = None
        if written and written[0] != day:
            report.warn(f"指定された基準日 {day} を使います（表題の行には {written[0]} とあります）", sheet=sheet)
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
    flagged = 0  # rows whose 外部人材の活用 is ○: external talent used, number unknown
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
        if "external_flag" in found and "external_talent" not in found:
            try:
                used = _parse_external_flag(cell(row, "external_flag"))
            except ValueProblem as exc:
                report.error(str(exc), sheet=sheet, row=number, column=_label(table, found, "external_flag"),
                             value=cell_text(cell(row, "external_flag")))
                ok = False
            else:
                values["external_talent"] = 0.0 if used is False else None
                flagged += used is True
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
    frame.attrs["source"] = source
    if flagged:
        report.warn(f"「{_label(table, found, 'external_flag')}」は人数ではなく有無のため、外部人材の人数は"
                    f"×/無 を 0 人、○/有（{flagged} 団体）を人数不明（空欄）として取り込みました", sheet=sheet)
    return frame


def _parse_external_flag(value: object) -> bool | None:
    """「外部人材の活用」: ○/有 → True, ×/無 → False, blank or not surveyed → None."""
    if not normalize_text(value):
        return None
    return parse_flag(value)


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
