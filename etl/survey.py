"""Staff survey: MIC 個別資料 workbooks and CSVs → rows of staff_survey."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from etl import columnar, columns, memo
from etl.codes import normalize_text
from etl.columnar import Column
from etl.dates import DateError, base_date_in, parse_date
from etl.frame import Frame, objects
from etl.readers import Table, read_or_reject, read_tables, take_table
from etl.report import Report
from etl.resolve import Resolver
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
    report.tables["staff_survey"] = Frame.concat(frames) if frames else Frame.blank(OUT_COLUMNS)
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


def _validate_table(cand, path, resolver, base_date, today, report) -> Frame | None:
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

    frame, flagged = _rows(table, found, resolver, day, report)
    frame.attrs["base_date"] = day
    frame.attrs["source"] = source
    if flagged:
        report.warn(f"「{_label(table, found, 'external_flag')}」は人数ではなく有無のため、外部人材の人数は"
                    f"×/無 を 0 人、○/有（{flagged} 団体）を人数不明（空欄）として取り込みました", sheet=sheet)
    return frame


TOTAL_ROW = re.compile(r"(全国|都道府県)?(合計|計|総計|小計)")
# The order of a row's checks, as its messages come in the report.
STEP_RESOLVE, STEP_COUNT, STEP_EXTERNAL, STEP_CIO, STEP_DUPLICATE = 0, 1, 10, 11, 12


def _is_total_label(value: object) -> bool:
    return bool(TOTAL_ROW.fullmatch(normalize_text(value)))


def _rows(table: Table, found: dict[str, int], resolver: Resolver, day: dt.date, report: Report,
          ) -> tuple[Frame, int]:
    """The data rows, checked column by column (etl.columnar): each distinct cell is read once by
    the one-cell readers, the row checks run on arrays, and only flagged rows become messages.
    Returns the rows to load (one per municipality, wards summed into their city) and how many
    rows said only that external talent is used (○/有)."""
    sheet = table.sheet
    n = len(table.rows)
    cells = columnar.transpose(table.rows, len(table.columns))
    numbers = np.fromiter(table.row_numbers, dtype=np.int64, count=n)

    def column(field: str, remember: bool = False) -> Column:
        return Column.of(cells[found[field]], remember, table.text_only) if field in found else Column.blank(n)

    def label(field: str) -> str:
        return _label(table, found, field)

    issues = columnar.Issues()
    # the same 1,741 codes, prefectures and names every base date: read once per build (etl.columnar)
    code, pref, name = (column(f, remember=True) for f in ("lg_code", "prefecture", "name"))
    code_text, name_text = code.map(normalize_text), name.map(normalize_text)
    total = ~code.mask(normalize_text) & name.mask(_is_total_label)  # no code, and 合計 for a name
    rows = np.flatnonzero(~total)  # a total row is not a municipality

    style = code.remembered("code_style", lambda: resolver.code_style(code.uniques)) if "lg_code" in found else None
    lg, ward, warning, failed = resolver.rows(code.take(rows), pref.take(rows), name.take(rows), style)
    for k in np.flatnonzero(failed != None):  # noqa: E711 (elementwise)
        i = rows[k]
        col = "lg_code" if code_text[i] else "name"
        issues.error(i, STEP_RESOLVE, str(failed[k]), sheet=sheet, row=int(numbers[i]), column=label(col),
                     value=cell_text((code if col == "lg_code" else name).raw(i)))
    for k in np.flatnonzero(warning != None):  # noqa: E711
        i = rows[k]
        issues.warn(i, STEP_RESOLVE, warning[k], sheet=sheet, row=int(numbers[i]), column=label("name"),
                    value=cell_text(name.raw(i)))
    keep = failed == None  # noqa: E711
    rows, lg, ward = rows[keep], lg[keep], ward[keep]

    ok = np.ones(len(rows), dtype=bool)
    values: dict[str, np.ndarray] = {}
    for step, field in enumerate(COUNT_FIELDS, start=STEP_COUNT):
        if field not in found:
            values[field] = np.full(len(rows), np.nan)
            continue
        cells_ = column(field).take(rows)
        values[field], raised = cells_.floats(parse_count, ValueProblem)
        ok &= _report_raised(issues, raised, rows, numbers, step, cells_, sheet, label(field))
    flagged = 0
    if "external_flag" in found and "external_talent" not in found:
        cells_ = column("external_flag").take(rows)
        used, raised = cells_.attempt(_parse_external_flag, ValueProblem)
        ok &= _report_raised(issues, raised, rows, numbers, STEP_EXTERNAL, cells_, sheet, label("external_flag"))
        values["external_talent"] = np.where(used == False, 0.0, np.nan)  # noqa: E712 (elementwise)
        flagged = int((used == True).sum())  # noqa: E712
    cio = column("has_cio_aide").take(rows)
    if "has_cio_aide" in found:
        has_cio, raised = cio.attempt(parse_flag, ValueProblem)
        ok &= _report_raised(issues, raised, rows, numbers, STEP_CIO, cio, sheet, label("has_cio_aide"))
    else:
        has_cio = np.full(len(rows), None, dtype=object)
    # A row not surveyed says nothing about a CIO aide either.
    unanswered = np.logical_and.reduce([np.isnan(values[f]) for f in COUNT_FIELDS]) & ~cio.mask(normalize_text)
    has_cio = np.where(unanswered, None, has_cio)

    rows, lg, ward, has_cio = rows[ok], lg[ok], ward[ok], has_cio[ok]
    values = {f: v[ok] for f, v in values.items()}
    key = np.where(ward == None, lg, ward)  # noqa: E711
    repeated = _repeated(key)
    if repeated.any():
        first_row = dict(zip(key[~repeated], numbers[rows[~repeated]], strict=True))
        for k in np.flatnonzero(repeated):
            i = rows[k]
            col = "lg_code" if code_text[i] else "name"
            issues.error(i, STEP_DUPLICATE, f"同じ市区町村（{key[k]}）の行が重複しています（{first_row[key[k]]}行目と同じ）",
                         sheet=sheet, row=int(numbers[i]), column=label(col), value=cell_text(code_text[i] or name_text[i]))
        rows, lg, ward, has_cio = rows[~repeated], lg[~repeated], ward[~repeated], has_cio[~repeated]
        values = {f: v[~repeated] for f, v in values.items()}
    issues.into(report)

    # Municipalities in the order of their rows, then the designated cities summed from their wards.
    whole = ward == None  # noqa: E711
    codes = list(lg[whole])
    row_of = numbers[rows[whole]].tolist()
    out = {f: values[f][whole] for f in COUNT_FIELDS}
    out_cio = list(has_cio[whole])
    cities = _sum_cities(rows[~whole], lg[~whole], ward[~whole], {f: v[~whole] for f, v in values.items()},
                         has_cio[~whole], set(codes), numbers, resolver, day, sheet, report)
    for city, first, summed in cities:
        codes.append(city)
        row_of.append(first)
        out_cio.append(summed["has_cio_aide"])
        for f in COUNT_FIELDS:
            out[f] = np.append(out[f], np.nan if summed[f] is None else summed[f])
    _check_plausible(codes, row_of, out, table, found, resolver, sheet, report)
    if not codes:
        return Frame.blank(OUT_COLUMNS), flagged
    # keys in the order of OUT_COLUMNS
    frame = Frame({"base_date": np.full(len(codes), np.datetime64(day, "D")), "lg_code": _code_array(codes),
                   **{f: out[f] for f in COUNT_FIELDS}, "has_cio_aide": objects(out_cio)})
    return frame, flagged


def _repeated(keys: np.ndarray) -> np.ndarray:
    """Whether each key was seen in an earlier row (the codes are text)."""
    keys = keys.tolist()
    if len(set(keys)) == len(keys):  # the usual case: no row repeats another
        return np.zeros(len(keys), dtype=bool)
    seen: set[str] = set()
    return np.array([k in seen or seen.add(k) for k in keys], dtype=bool)


def _report_raised(issues, raised, rows, numbers, step, cells: Column, sheet, column) -> np.ndarray:
    """An error for each cell whose reader raised; returns the mask of rows that read."""
    bad = raised != None  # noqa: E711 (elementwise)
    for k in np.flatnonzero(bad):
        i = rows[k]
        issues.error(i, step, str(raised[k]), sheet=sheet, row=int(numbers[i]), column=column,
                     value=cell_text(cells.raw(k)))
    return ~bad


def _sum_cities(rows, city_of, ward_of, values, has_cio, whole_codes, numbers, resolver, day, sheet, report):
    """Ward rows summed into their designated city, when every ward of the base date is there, none
    is a ward of another day, and the city has no row of its own: [(city, first ward row, summed values)]."""
    wards: dict[str, list[tuple[int, dict, str]]] = {}  # city → (row, values, ward code)
    for k, i in enumerate(rows):
        v = {f: None if np.isnan(values[f][k]) else float(values[f][k]) for f in COUNT_FIELDS}
        v["has_cio_aide"] = has_cio[k]
        wards.setdefault(city_of[k], []).append((int(numbers[i]), v, ward_of[k]))
    out = []
    for city, parts in wards.items():
        if city in whole_codes:
            report.error(f"{resolver.names[city]}（{city}）に市全体の行と区ごとの行の両方があります",
                         sheet=sheet, row=parts[0][0])
            continue
        other_day = [(row, code) for row, _, code in parts if not resolver.ward_on(code, day)]
        if other_day:  # the wards of another day would sum to a city total of the wrong wards
            report.error(f"{resolver.names[city]}の区ごとの行に、基準日 {day} にはない区があります（"
                         f"{_ward_days_text([code for _, code in other_day], day, resolver)}）。"
                         "基準日の区で書くか、市全体の行を書いてください", sheet=sheet, row=other_day[0][0])
            continue
        missing = resolver.wards_of(city, day) - {code for _, _, code in parts}
        if missing:
            # A partial sum would look like a real city total: refuse it, never store it.
            names = "、".join(resolver.ward_names[c].removeprefix(resolver.names[city]) for c in sorted(missing))
            report.error(f"{resolver.names[city]}の区ごとの行が{len(parts)}区分しかありません（ない区: {cell_text(names)}）。"
                         "一部の区の合計は市の値にならないため、市全体の行を書くか、すべての区の行を書いてください",
                         sheet=sheet, row=parts[0][0])
            continue
        out.append((city, parts[0][0], _sum_wards([v for _, v, _ in parts])))
        report.warn(f"{resolver.names[city]}の区ごとの行（{len(parts)}区）を市に合算しました", sheet=sheet, row=parts[0][0])
    return out


def _ward_days_text(codes: list[str], day: dt.date, resolver: Resolver) -> str:
    """Why each ward is not one of the base date: abolished before it, or created after it."""
    gone = [c for c in codes if resolver.ward_days[c][1] is not None and resolver.ward_days[c][1] < day]
    new = [c for c in codes if c not in gone]
    parts = []
    for group, when, what in ((gone, lambda c: resolver.ward_days[c][1] + dt.timedelta(days=1), "なくなった"),
                              (new, lambda c: resolver.ward_days[c][0], "できた")):
        for on in sorted({when(c) for c in group}):
            names = "、".join(f"{resolver.ward_names[c]}（{c}）" for c in sorted(group) if when(c) == on)
            parts.append(f"{names}は {on} の区の再編で{what}区です")
    return "。".join(parts)


def _check_plausible(codes, row_of, values, table, found, resolver, sheet, report) -> None:
    """Counts above what a municipality of its kind could have (errors), and 専任 + 兼任 that is not
    the total (warnings), municipality by municipality."""
    if not codes:
        return
    limit = _limits(codes, resolver)
    over = {f: values[f] > limit for f in COUNT_FIELDS}  # NaN (not surveyed) is never over
    total, parts = values["dx_staff"], values["dedicated"] + values["concurrent"]
    mismatch = ~np.isnan(total) & ~np.isnan(parts) & (np.abs(parts - total) > 1e-9)
    for k in np.flatnonzero(np.logical_or.reduce([*over.values(), mismatch])):
        kind = resolver.kind_of[codes[k]]
        for f in COUNT_FIELDS:
            if over[f][k]:
                report.error(f"{FIELD_LABELS[f]} {values[f][k]:g} 人は{kind}としてありえない人数です（上限 {PLAUSIBLE_MAX[kind]} 人）",
                             sheet=sheet, row=row_of[k], column=_label(table, found, f), value=f"{values[f][k]:g}")
        if mismatch[k]:
            # A warning, not a reject: the total is what the metrics use, and surveys do round.
            d, c, t = values["dedicated"][k], values["concurrent"][k], total[k]
            report.warn(f"専任 {d:g} 人＋兼任 {c:g} 人＝{d + c:g} 人が{FIELD_LABELS['dx_staff']} {t:g} 人と合いません"
                        "（合計の値を使います）", sheet=sheet, row=row_of[k], column=_label(table, found, "dx_staff"),
                        value=f"{t:g}")


def _code_array(codes: list[str]) -> np.ndarray:
    """The lg_code column, remembered for the run (etl.memo): every base date lists the same
    municipalities. Read-only, as the frames that share it must never change it."""
    def array() -> np.ndarray:
        found = np.array(codes, dtype=object)
        found.flags.writeable = False
        return found

    return memo.remember(_code_array, tuple(codes), array)


def _limits(codes: list[str], resolver: Resolver) -> np.ndarray:
    """PLAUSIBLE_MAX of each municipality's kind (NaN: none known), remembered for the run (etl.memo):
    every base date lists the same municipalities."""
    def limits() -> np.ndarray:
        found = np.array([PLAUSIBLE_MAX.get(resolver.kind_of.get(code), np.nan) for code in codes], dtype=np.float64)
        found.flags.writeable = False
        return found

    return memo.remember(_limits, (resolver, tuple(codes)), limits)


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
