"""Population from the e-Stat census CSV (5-digit area_code), one value per municipality."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl import columns
from etl.codes import normalize_text, with_check_digit
from etl.readers import read_tables
from etl.report import FileRejected, Report
from etl.resolve import Resolver
from etl.values import ValueProblem, cell_text, parse_count

OUT_COLUMNS = ["lg_code", "population"]


def validate_population(path: Path, resolver: Resolver) -> Report:
    report = Report("population", path.name)
    try:
        tables = read_tables(path, columns.scorer(columns.POPULATION))
    except FileRejected as exc:
        report.issues.append(exc.issue)
        return report
    out: dict[str, float | None] = {}
    for table in tables:
        sheet = table.sheet
        report.rows_read += len(table.rows)
        found, _ = columns.match_columns(table.columns, columns.POPULATION)
        if "area_code" not in found or "population" not in found:
            report.error("必須の列「area_code」「population」（地域コード・人口）が見つかりません", sheet=sheet)
            continue
        for row, number in zip(table.rows, table.row_numbers, strict=True):
            raw = normalize_text(row[found["area_code"]])
            where = {"sheet": sheet, "row": number}
            if not raw.isdigit() or len(raw) not in (4, 5, 6):
                report.error("地域コードが5桁の数字ではありません", column=table.columns[found["area_code"]],
                             value=cell_text(raw), **where)
                continue
            code5 = raw.zfill(5)[:5] if len(raw) != 6 else raw[:5]
            code = with_check_digit(code5)
            if code5.endswith("000") or code in resolver.ward_city or code5 == "13100":
                continue  # 全国, prefectures, wards and 特別区部 are totals of municipalities
            if code not in resolver.names:
                report.error("地域コードに当たる市区町村がありません", column=table.columns[found["area_code"]],
                             value=raw, **where)
                continue
            try:
                value = parse_count(row[found["population"]])
            except ValueProblem as exc:
                report.error(str(exc).replace("人数", "人口"), column=table.columns[found["population"]],
                             value=cell_text(row[found["population"]]), **where)
                continue
            if value is None:
                report.warn("人口が空欄です（0人として扱います）", column=table.columns[found["population"]], **where)
                value = 0.0
            if code in out:
                report.error(f"市区町村 {code} の行が重複しています", column=table.columns[found["area_code"]],
                             value=raw, **where)
                continue
            out[code] = value
    missing = set(resolver.names) - set(out)
    if out and missing:
        report.warn(f"人口の無い市区町村が {len(missing)} あります（例: {resolver.names[sorted(missing)[0]]}）")
    report.tables["population"] = pd.DataFrame(sorted(out.items()), columns=OUT_COLUMNS)
    report.detail["市区町村"] = f"{len(out)} / {len(resolver.names)}"
    return report
