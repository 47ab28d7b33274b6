"""One entry point per input kind, shared by the CLI and the upload page."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from etl import memo, readers
from etl.report import FileRejected, Report
from etl.resolve import resolver
from etl.roster import validate_roster
from etl.survey import validate_survey
from etl.warehouse import sha256_file

log = logging.getLogger("etl")

KINDS = ("survey", "roster", "status", "population", "boundaries", "indicators")
MAX_FILE_BYTES = 100 * 1024 * 1024  # larger files are rejected before parsing
EXTENSIONS = {
    "survey": (".xlsx", ".xlsm", ".csv", ".tsv", ".txt"),
    "roster": (".xlsx", ".xlsm", ".csv", ".tsv", ".txt"),
    "status": (".xlsx", ".xlsm", ".csv", ".tsv", ".txt"),
    "population": (".xlsx", ".csv", ".txt"),
    "boundaries": (".topojson", ".geojson", ".json"),
    "indicators": (".csv", ".tsv", ".txt"),
}


def validate(kind: str, path: Path, *, salt: str = "", base_date: dt.date | None = None,
             prefecture: str | None = None, today: dt.date | None = None) -> Report:
    """Validate a file of the given kind. Never raises for bad content: problems go in the report."""
    path = Path(path)
    if kind not in KINDS:
        raise ValueError(kind)
    try:
        _check_file(kind, path)
    except FileRejected as exc:
        report = Report(kind, path.name, issues=[exc.issue])
        return report
    res = resolver()
    with readers.collect_notes() as notes, memo.run():
        try:
            report = _validate_kind(kind, path, res, salt, base_date, prefecture, today)
        except Exception:  # a reader bug or a file no check foresaw: a Japanese error, never a traceback
            log.exception("unexpected error while validating %s file %s", kind, path.name)
            report = Report(kind, path.name)
            report.error(f"ファイル「{path.name}」を読めませんでした（予期しないエラーです。"
                         "ファイルが壊れていないか確認し、解決しないときは管理者に連絡してください）")
    report.issues += [n for n in notes if n not in report.issues]
    report.sha256 = sha256_file(path)
    return report


def _validate_kind(kind, path, res, salt, base_date, prefecture, today) -> Report:
    if kind == "survey":
        return validate_survey(path, res, base_date=base_date, today=today)
    if kind == "roster":
        pref = res.prefecture(prefecture) if prefecture else None
        return validate_roster(path, res, salt, prefecture=pref, today=today)
    # The other kinds' modules are imported when a file of theirs comes (a build of surveys and
    # rosters, most builds, does not pay for shapely and the rest at start-up).
    if kind == "status":
        from etl.status import validate_status

        return validate_status(path, res, today=today)
    if kind == "population":
        from etl.population import validate_population

        return validate_population(path, res)
    if kind == "indicators":
        from etl.citations import recognise
        from etl.indicators import validate_indicators

        public = None if base_date else recognise(path, kind)
        return validate_indicators(
            path, res, base_date or (public.base_date if public else None),
            "--base-date" if base_date else "公開ファイルの基準日" if public and public.base_date else None, today=today)
    from etl.boundaries import validate_boundaries

    return validate_boundaries(path, res)


def _check_file(kind: str, path: Path) -> None:
    if not path.is_file():
        raise FileRejected(f"ファイル「{path}」がありません")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRejected(f"ファイルが大きすぎます（{size / 1e6:.0f} MB、上限 {MAX_FILE_BYTES // 1024 // 1024} MB）")
    if size == 0:
        raise FileRejected("ファイルが空です")
    if path.suffix.lower() not in EXTENSIONS[kind]:
        allowed = "、".join(EXTENSIONS[kind])
        raise FileRejected(f"拡張子「{path.suffix or 'なし'}」はこの種類のファイルに使えません（{allowed}）")
