"""Progress of each prefecture's 地域DX推進体制: one row per prefecture × milestone reached."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from core.policy import MILESTONES, MODELS
from etl import columns
from etl.codes import normalize_text
from etl.dates import DateError, parse_date
from etl.readers import read_or_reject, read_tables, take_table
from etl.report import Report
from etl.resolve import ResolveError, Resolver
from etl.values import cell_text

OUT_COLUMNS = ["prefecture_code", "milestone", "milestone_name", "achieved_on", "model", "note"]


def parse_milestone(value: object) -> int:
    """0–4, optionally with its name (「2 推進体制の構築」, M2, 段階2), or the name alone.
    Anything else — 2.5, 4a, a number with another milestone's name — is refused."""
    text = normalize_text(value)
    shown = cell_text(text)
    m = re.fullmatch(r"(?:M|段階)?\s*(\d+)(?:\s*[:.、)_-]?\s*(\D.*))?", text, flags=re.IGNORECASE)
    if m:
        no, rest = int(m[1]), (m[2] or "").strip()
        if no in MILESTONES and (not rest or rest == MILESTONES[no]):
            return no
        if no in MILESTONES and rest in MILESTONES.values():
            raise ValueError(f"マイルストーン「{shown}」の番号と名前が合いません（{no} は「{MILESTONES[no]}」）")
        raise ValueError(f"マイルストーン「{shown}」が分かりません（0〜4 または {'、'.join(MILESTONES.values())}）")
    names = [no for no, name in MILESTONES.items() if name in text]
    if len(names) == 1:
        return names[0]
    raise ValueError(f"マイルストーン「{shown}」が分かりません（0〜4 または {'、'.join(MILESTONES.values())}）")


def validate_status(path: Path, resolver: Resolver, today: dt.date | None = None) -> Report:
    report = Report("status", path.name)
    today = today or dt.date.today()
    tables = read_or_reject(report, read_tables, path, columns.scorer(columns.STATUS))
    if tables is None:
        return report
    rows: list[dict] = []
    for table in tables:
        sheet = table.sheet
        found, unknown = columns.match_columns(table.columns, columns.STATUS)
        take_table(report, table, unknown)
        missing = [lab for f, lab in (("milestone", "マイルストーン"), ("achieved_on", "達成日")) if f not in found]
        if "prefecture_code" not in found and "prefecture" not in found:
            missing.insert(0, "都道府県")
        if missing:
            report.error(f"必須の列「{'」「'.join(missing)}」が見つかりません", sheet=sheet)
            continue
        if not table.rows:
            report.error("見出し行の下にデータ行がありません", sheet=sheet)
        seen: dict[tuple[str, int], int] = {}
        for row, number in zip(table.rows, table.row_numbers, strict=True):
            cells = {f: row[j] for f, j in found.items()}
            where = {"sheet": sheet, "row": number}
            pref_field = "prefecture_code" if normalize_text(cells.get("prefecture_code")) else "prefecture"
            try:
                pc = resolver.prefecture(cells.get(pref_field))
                if pc is None:
                    raise ResolveError("都道府県が空です")
                ms = parse_milestone(cells.get("milestone"))
                day = parse_date(cells.get("achieved_on"))
            except (ResolveError, DateError, ValueError) as exc:
                field = {ResolveError: pref_field, DateError: "achieved_on"}.get(type(exc), "milestone")
                report.error(str(exc), column=table.columns[found[field]], value=cell_text(cells.get(field)), **where)
                continue
            if day is None:
                continue  # not reached yet
            if day > today:
                report.error(f"達成日 {day} は未来の日付です", column=table.columns[found["achieved_on"]],
                             value=str(day), **where)
                continue
            model = normalize_text(cells.get("model")) or None
            if model and model not in MODELS:
                report.error(f"モデル「{model}」は分類（{'、'.join(MODELS)}）にありません",
                             column=table.columns[found["model"]], value=cell_text(model), **where)
                continue
            if (pc, ms) in seen:
                report.error(f"{resolver.pref_names[pc]}のマイルストーン{ms}が重複しています（{seen[(pc, ms)]}行目と同じ）", **where)
                continue
            seen[(pc, ms)] = number
            rows.append({"prefecture_code": pc, "milestone": ms, "milestone_name": MILESTONES[ms],
                         "achieved_on": day, "model": model, "note": normalize_text(cells.get("note")) or None})
    frame = pd.DataFrame(rows, columns=OUT_COLUMNS)
    for pc, group in frame.groupby("prefecture_code"):
        models = set(group.model.dropna())
        if len(models) > 1:
            report.error(f"{resolver.pref_names[pc]}のモデルが行によって違います（{'、'.join(sorted(models))}）")
    report.tables["dx_system_status"] = frame
    report.detail["都道府県"] = f"{frame.prefecture_code.nunique()} 都道府県"
    return report
