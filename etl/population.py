"""Population from the e-Stat census CSV (5-digit area_code), one value per municipality.

A blank population is unknown (NULL), never 0: the 2020 census leaves 双葉町 blank. Values are
checked for plausibility, and a file that leaves out some municipalities of a prefecture is
reported by prefecture, because per-capita figures are computed only where every
municipality of the prefecture is in the file (see dashboard/queries/summary.py).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from etl import columns
from etl.codes import check_digit, normalize_text, with_check_digit
from etl.readers import read_or_reject, read_tables, take_table
from etl.report import Report
from etl.resolve import Resolver
from etl.values import ValueProblem, cell_text, parse_count

OUT_COLUMNS = ["lg_code", "population"]
# The largest municipality, 横浜市, had 3.78 million residents in 2020: a value above this is a
# prefecture total, a sum or a typo, never one municipality.
MAX_POPULATION = 4_000_000


def validate_population(path: Path, resolver: Resolver) -> Report:
    report = Report("population", path.name)
    tables = read_or_reject(report, read_tables, path, columns.scorer(columns.POPULATION))
    if tables is None:
        return report
    out: dict[str, float | None] = {}
    zeros: list[dict] = []  # where a 0 was written: an error once other values show it is not a blank
    for table in tables:
        sheet = table.sheet
        take_table(report, table)  # the e-Stat table has many columns: the others are not worth a warning
        found, _ = columns.match_columns(table.columns, columns.POPULATION)
        if "area_code" not in found or "population" not in found:
            report.error("必須の列「area_code」「population」（地域コード・人口）が見つかりません", sheet=sheet)
            continue
        code_col, pop_col = table.columns[found["area_code"]], table.columns[found["population"]]
        for row, number in zip(table.rows, table.row_numbers, strict=True):
            raw = normalize_text(row[found["area_code"]])
            where = {"sheet": sheet, "row": number}
            if not raw.isdigit() or len(raw) not in (4, 5, 6):
                report.error("地域コードが5桁の数字ではありません", column=code_col, value=cell_text(raw), **where)
                continue
            if len(raw) == 6 and check_digit(raw[:5]) != int(raw[5]):
                report.error(f"地域コード「{raw}」の検査数字が一致しません（正しくは {with_check_digit(raw[:5])}）",
                             column=code_col, value=raw, **where)
                continue
            code5 = raw.zfill(5)[:5] if len(raw) != 6 else raw[:5]
            code = with_check_digit(code5)
            if code5.endswith("000") or code in resolver.ward_city or code5 == "13100":
                continue  # 全国, prefectures, wards and 特別区部 are totals of municipalities
            if code not in resolver.names:
                report.error("地域コードに当たる市区町村がありません", column=code_col, value=raw, **where)
                continue
            cell = row[found["population"]]
            try:
                value = parse_count(cell)
            except ValueProblem as exc:
                report.error(str(exc).replace("人数", "人口"), column=pop_col, value=cell_text(cell), **where)
                continue
            name = resolver.names[code]
            if value is None:
                report.warn(f"{name}の人口が空欄です（不明として扱い、0人とはみなしません）", column=pop_col, **where)
            elif value != int(value):
                report.error(f"{name}の人口「{cell_text(cell)}」が整数ではありません", column=pop_col, value=cell_text(cell),
                             **where)
                continue
            elif value > MAX_POPULATION:
                report.error(f"{name}の人口 {value:,.0f} 人は1つの市区町村としてありえません"
                             f"（上限 {MAX_POPULATION:,} 人。都道府県の合計や桁の誤りではありませんか）",
                             column=pop_col, value=cell_text(cell), **where)
                continue
            elif value == 0:
                zeros.append({"column": pop_col, "value": cell_text(cell), **where, "name": name})
            if code in out:
                report.error(f"市区町村 {code} の行が重複しています", column=code_col, value=raw, **where)
                continue
            out[code] = value
    others = any(v for v in out.values())
    for z in zeros:
        name = z.pop("name")
        report.error(f"{name}の人口が0人です。" + ("ほかの市区町村には人口があるため、0人はありえません" if others else
                                                 "すべての市区町村が0人で、人口の表ではありません")
                     + "（不明なら空欄にしてください）", **z)
    _report_coverage(out, resolver, report)
    report.tables["population"] = pd.DataFrame(sorted(out.items()), columns=OUT_COLUMNS)
    report.detail["市区町村"] = f"{len(out)} / {len(resolver.names)}"
    return report


def _report_coverage(out: dict[str, float | None], resolver: Resolver, report: Report) -> None:
    """Which prefectures the file covers only in part (per-capita figures stay 未算出 there)."""
    if not out:
        return
    total = Counter(resolver.pref_of.values())
    have = Counter(resolver.pref_of[c] for c in out)
    partial = [(p, total[p] - have[p], total[p]) for p in sorted(total) if 0 < total[p] - have[p] < total[p]]
    absent = [p for p in sorted(total) if have[p] == 0]
    blank = sorted(resolver.pref_names[resolver.pref_of[c]] for c, v in out.items() if v is None)
    if blank:
        report.detail["人口が空欄"] = f"{len(blank)} 団体（{'、'.join(dict.fromkeys(blank))}）"
    if partial:
        shown = "、".join(f"{resolver.pref_names[p]}（{t} 団体中 {m} 団体なし）" for p, m, t in partial)
        report.warn(f"人口の無い市区町村がある都道府県が {len(partial)} あります：{shown}。"
                    "これらの都道府県では人口1万人あたりの指標を「未算出」とします")
    if absent:
        report.warn(f"人口が1団体もない都道府県が {len(absent)} あります（{'、'.join(resolver.pref_names[p] for p in absent)}）。"
                    "これらの都道府県では人口1万人あたりの指標を「未算出」とします")
    report.detail["人口のそろった都道府県"] = f"{len(total) - len(partial) - len(absent)} / {len(total)}"
