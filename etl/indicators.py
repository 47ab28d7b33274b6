"""The Digital Agency 自治体DXダッシュボード table (wide CSV) → dx_indicators or dx_indicators_prefecture.

Shape of the file (市区町村毎のDX進捗状況_市区町村比較.csv, 2024-07-12 update):

    ,              ,札幌市,函館市,…,与那国町,          ← row 1: names only, in 団体コード order
    自治体DXの推進体制等,CIOの任命,実施,未実施,…     ← one row per indicator: A category, B indicator
    住民サービスのDX,マイナンバーカードの保有状況,72%,71%,…
    住民サービスのDX,…（分母）,24,25,…

Values: 実施 / 未実施 (done true / false), 調査無し (NULL, never 未実施), 'NN%' (value 0–100) and
counts (value). A trailing empty column is ignored. The beside file 都道府県のDX進捗状況_都道府県比較.csv
has the same shape with the 47 prefecture names (row 1, column A: 都道府県); it is recognised by
its names and loads into dx_indicators_prefecture.

Names are not unique (府中市 is in 東京都 and 広島県; 25 names are shared by 57 municipalities),
so each column is placed by its name AND its position: the columns run in 団体コード order, so
a shared name must fall between its neighbours' codes, i.e. inside their prefecture block. A name
that cannot be placed that way, or any column out of order, rejects the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd

from etl.codes import normalize_text
from etl.readers import BINARY_MAGIC, decode_text, read_or_reject
from etl.report import FileRejected, Report
from etl.resolve import Resolver
from etl.values import cell_text

# The 2024-07-12 table is the 令和5年度 行政情報化推進状況調査, base date 2023-04-01.
DEFAULT_BASE_DATE = dt.date(2023, 4, 1)
DONE, NOT_DONE = "実施", "未実施"
NOT_SURVEYED = {"調査無し", "調査なし", "未回答", "無回答", "-", "－", "―"}
PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)%")
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")  # 12, 1,234, 3.5 — never 1e2, 1,5, 4a
MUNI_COLUMNS = ["base_date", "lg_code", "category", "indicator", "done", "value"]
PREF_COLUMNS = ["base_date", "prefecture_code", "category", "indicator", "done", "value"]
MAX_ROWS, MAX_COLUMNS = 1_000, 10_000  # the real table: 16 rows × 1,744 columns
ROW_KINDS = {"flag": "実施／未実施", "percent": "割合（NN%）", "count": "数"}


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet column letters)."""
    out, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def column_label(index: int) -> str:
    return f"{column_letter(index)}列（{index + 1}列目）"


def _rows(path: Path, report: Report) -> list[list[str]]:
    data = path.read_bytes()
    if data.startswith(BINARY_MAGIC) or b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("中身がテキスト（CSV）ではありません（Excel などのファイルを名前だけ変えていませんか）")
    text, encoding = decode_text(data)
    report.detail["文字コード"] = encoding
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            if len(rows) >= MAX_ROWS or len(row) > MAX_COLUMNS:
                what = f"{MAX_ROWS:,} 行" if len(rows) >= MAX_ROWS else f"{MAX_COLUMNS:,} 列"
                raise FileRejected(f"表が大きすぎます（上限 {what}）。指標の表は指標ごとに1行、団体ごとに1列です",
                                   row=len(rows) + 1)
            rows.append(row)
    except csv.Error as exc:
        raise FileRejected(f"CSV として読めません（{len(rows) + 1}行目付近: {exc}）。"
                           "1つのセルが長すぎるか、引用符（\"）の対応が崩れています") from exc
    return rows


def validate_indicators(path: Path, resolver: Resolver, base_date: dt.date | None = None,
                        base_date_from: str | None = None, today: dt.date | None = None) -> Report:
    """base_date: from --base-date or the manifest of a recognised public file (base_date_from
    says which); without one, DEFAULT_BASE_DATE is used and the report warns."""
    report = Report("indicators", path.name)
    today = today or dt.date.today()
    rows = read_or_reject(report, _rows, path, report)
    if rows is None:
        return report
    numbered = [(i, r) for i, r in enumerate(rows, start=1) if any(normalize_text(c) for c in r)]
    if not numbered:
        report.error("ファイルにデータがありません")
        return report
    header_no, header = numbered[0]
    body = numbered[1:]
    report.rows_read = len(body)
    if base_date is None:
        base_date, base_date_from = DEFAULT_BASE_DATE, None
        report.warn(f"基準日の指定がないため、{DEFAULT_BASE_DATE}（令和5年度 行政情報化推進状況調査、2024年7月12日更新の表の基準日）"
                    "としました。別の年度の表なら --base-date で基準日を指定してください")
    if base_date > today:
        report.error(f"基準日 {base_date} は未来の日付です")
        return report
    report.detail["基準日"] = f"{base_date}（{base_date_from or '既定値'}）"

    names = [normalize_text(c) for c in header[2:]]
    width = len(names)
    while width and not names[width - 1] and all(len(r) <= width + 1 or not normalize_text(r[width + 1])
                                                 for _, r in body):
        width -= 1  # a trailing empty column (header and every value empty)
    names = names[:width]
    if not names:
        report.error("1行目に市区町村名（または都道府県名）の列がありません", row=header_no)
        return report

    level = _level(names, resolver, header_no, report)
    if level is None:
        return report
    if level == "prefecture":
        keys = _prefectures(names, resolver, header_no, report)
        universe, key_col, table, columns = resolver.pref_names, "prefecture_code", "dx_indicators_prefecture", PREF_COLUMNS
    else:
        keys = _municipalities(names, resolver, header_no, report)
        universe, key_col, table, columns = resolver.names, "lg_code", "dx_indicators", MUNI_COLUMNS
    if not body:
        report.error("見出し行の下に指標の行がありません", row=header_no)
    out = _values(body, names, keys, base_date, key_col, report)
    placed = {k for k in keys if k}
    unit = "都道府県" if level == "prefecture" else "市区町村"
    report.tables[table] = pd.DataFrame(out, columns=columns)
    report.detail["単位"] = unit
    report.detail[unit] = f"{len(placed)} / {len(universe)}"  # a partial table leaves the others as they were
    report.detail["指標"] = f"{len({r['indicator'] for r in out})} 項目"
    return report


def _level(names: list[str], resolver: Resolver, header_no: int, report: Report) -> str | None:
    prefs = [j for j, n in enumerate(names) if n.replace(" ", "") in resolver.pref_by_name]
    if len(prefs) == len([n for n in names if n]):
        return "prefecture"
    if not prefs:
        return "municipality"
    j = prefs[0]
    report.error("1行目に都道府県名と市区町村名が混在しています。都道府県比較と市区町村比較は別のファイルにしてください",
                 row=header_no, column=column_label(j + 2), value=cell_text(names[j]))
    return None


def _prefectures(names, resolver, header_no, report) -> list[str | None]:
    keys: list[str | None] = []
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if not name:
            report.error("都道府県名が空欄の列に値があります", row=header_no, column=column_label(j + 2))
            keys.append(None)
            continue
        code = resolver.pref_by_name[name.replace(" ", "")]
        if code in seen:
            report.error(f"同じ都道府県の列が2つあります（{column_label(seen[code] + 2)}と同じ）", row=header_no,
                         column=column_label(j + 2), value=cell_text(name))
            keys.append(None)
            continue
        seen[code] = j
        keys.append(code)
    return keys


def _candidates(name: str, resolver: Resolver) -> tuple[list[str], str | None]:
    """Municipality codes a header name can mean, and why none when empty."""
    text = name.replace(" ", "")
    for pname, pcode in resolver.pref_by_name.items():  # 「東京都府中市」: the prefecture is written
        if pname == resolver.pref_names[pcode] and text.startswith(pname) and len(text) > len(pname):
            code = resolver.by_pref_name.get((pcode, text[len(pname):]))
            if code in resolver.names:
                return [code], None
    codes = resolver.by_name.get(text, [])
    munis = [c for c in codes if c in resolver.names]
    if munis:
        return munis, None
    if codes:
        return [], (f"「{cell_text(name)}」は政令指定都市の区です。市区町村比較の表には市の列だけを置いてください")
    return [], f"「{cell_text(name)}」という市区町村はありません"


def _municipalities(names, resolver, header_no, report) -> list[str | None]:
    """Each column's lg_code: unique names directly, shared names by their neighbours' codes."""
    cands, keys = [], []
    for j, name in enumerate(names):
        if not name:
            report.error("市区町村名が空欄の列に値があります", row=header_no, column=column_label(j + 2))
            cands.append([])
            continue
        found, why = _candidates(name, resolver)
        if why:
            report.error(why, row=header_no, column=column_label(j + 2), value=cell_text(name))
        cands.append(found)
    fixed = [c[0] if len(c) == 1 else None for c in cands]
    prev: tuple[int, str] | None = None  # (column, code) of the last placed column
    for j, found in enumerate(cands):
        if not found:
            keys.append(None)
            continue
        nxt = next(((k, fixed[k]) for k in range(j + 1, len(names)) if fixed[k]), None)
        if len(found) == 1:
            code = found[0]
        else:
            low, high = (prev[1] if prev else "000000"), (nxt[1] if nxt else "999999")
            inside = [c for c in found if low < c < high]
            if len(inside) != 1:
                prefs = "、".join(resolver.pref_names[c[:2]] for c in found)
                around = "、".join(f"{column_letter(k + 2)}列「{resolver.names[c]}」（{resolver.pref_names[c[:2]]}）"
                                   for k, c in (p for p in (prev, nxt) if p))
                report.error(f"「{cell_text(names[j])}」は{prefs}にあり、前後の列（{around or 'なし'}）の都道府県の並びからどれか"
                             "決められません。列が団体コード順に並んでいるか、団体名の綴りを確かめてください",
                             row=header_no, column=column_label(j + 2), value=cell_text(names[j]))
                keys.append(None)
                continue
            code = inside[0]
        if prev and code <= prev[1]:
            what = ("同じ市区町村の列が2つあります" if code == prev[1] else
                    f"列が団体コード順に並んでいません（{column_letter(prev[0] + 2)}列「{resolver.names[prev[1]]}」"
                    f"（{prev[1]}）の後に「{resolver.names[code]}」（{code}）があります）")
            report.error(what, row=header_no, column=column_label(j + 2), value=cell_text(names[j]))
            keys.append(None)
            continue
        keys.append(code)
        prev = (j, code)
    return keys


def parse_value(text: str) -> tuple[str, bool | None, float | None]:
    """(row kind, done, value) of one cell; ValueError with a Japanese reason otherwise."""
    if text == DONE:
        return "flag", True, None
    if text == NOT_DONE:
        return "flag", False, None
    if text in NOT_SURVEYED:
        return "none", None, None
    if text == "%":  # the real table writes a share whose denominator is 0 as a bare '%'
        return "blank_percent", None, None
    m = PERCENT.fullmatch(text)
    if m:
        value = float(m.group(1))
        if value > 100:
            raise ValueError(f"割合「{text}」が100%を超えています")
        return "percent", None, value
    if NUMBER.fullmatch(text):
        return "count", None, float(text.replace(",", ""))
    if not text:
        raise ValueError("空欄です（調査していない団体は「調査無し」と書きます）")
    raise ValueError(f"「{cell_text(text)}」は 実施／未実施／調査無し、割合（72% など）、数のどれでもありません")


def _values(body, names, keys, base_date, key_col, report) -> list[dict]:
    out: list[dict] = []
    seen: dict[str, int] = {}
    category = ""
    for number, row in body:
        cells = [normalize_text(c) for c in row]
        category = row[0].strip() if row and row[0].strip() else category  # a merged category cell repeats
        indicator = row[1].strip() if len(row) > 1 else ""
        if not indicator:
            report.error("指標名（B列）が空欄です", row=number, column=column_label(1))
            continue
        if indicator in seen:
            report.error(f"指標「{cell_text(indicator)}」の行が重複しています（{seen[indicator]}行目と同じ）",
                         row=number, column=column_label(1), value=cell_text(indicator))
            continue
        seen[indicator] = number
        extra = [j for j in range(2 + len(names), len(cells)) if cells[j]]
        if extra:
            report.error("見出し（市区町村名）のない列に値があります", row=number, column=column_label(extra[0]),
                         value=cell_text(cells[extra[0]]))
        row_kind: str | None = None
        for j, key in enumerate(keys):
            text = cells[j + 2] if j + 2 < len(cells) else ""
            try:
                kind, done, value = parse_value(text)
            except ValueError as exc:
                report.error(str(exc), row=number, column=column_label(j + 2), value=cell_text(text))
                continue
            if kind == "blank_percent":
                report.warn("割合の数値がない「%」です（分母が0で計算できない値とみなし、値なしで読み込みます）",
                            row=number, column=column_label(j + 2), value=text)
                kind = "percent"
            if kind != "none":
                if row_kind is None:
                    row_kind = kind
                elif kind != row_kind:
                    report.error(f"この指標の行は{ROW_KINDS[row_kind]}の行ですが、「{cell_text(text)}」は{ROW_KINDS[kind]}です",
                                 row=number, column=column_label(j + 2), value=cell_text(text))
                    continue
            if key is not None:
                out.append({"base_date": base_date, key_col: key, "category": category or None,
                            "indicator": indicator, "done": done, "value": value})
    return out
