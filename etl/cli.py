"""python -m etl: build, load, validate, history, versions, rollback, and Parquet export/import.
Exit 0 done, 1 input rejected (or a version that cannot be restored), 2 usage error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.policy import PREFECTURES
from core.store import DEFAULT_DB, SCHEMA_VERSION, UPGRADABLE_SCHEMAS
from etl import validate as validate_module
from etl.build import DEFAULT_INPUTS, NoInputFiles, build, cli_workers
from etl.citations import citation_for
from etl.dates import DateError
from etl.frame import distinct
from etl.report import Report
from etl.resolve import ResolveError, resolver
from etl.survey import parse_base_date_arg
from etl.validate import KINDS, validate
from etl.versions import (
    VersionError,
    VersionNotFound,
    current_schema_version,
    list_versions,
    rebuilt_from,
    rollback,
    versions_dir,
)
from etl.warehouse import (
    PublishError,
    history,
    load_file,
    person_salt,
    report_scope,
    same_file_loaded,
    scope_text,
    upgrade,
)

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit code for usage errors is 2 too
        self.print_usage(sys.stderr)
        print(f"使い方の誤り: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m etl", description="DX人材ギャップ倉庫（DuckDB）を作る・更新する")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="公開データ（data/public）とサンプル（data/sample）、または指定フォルダから倉庫を作り直す")
    b.add_argument("--db", type=Path, default=DEFAULT_DB)
    b.add_argument("--inputs", type=Path, action="append",
                   help="入力ファイルのフォルダ（何度でも指定可。既定: data/public と data/sample）")
    b.add_argument("--if-missing", action="store_true", help="倉庫が既にあれば何もしない")
    for name, help_text in (("load", "ファイルを検証して倉庫に取り込む"), ("validate", "検証だけ行う（倉庫は変えない）")):
        s = sub.add_parser(name, help=help_text)
        s.add_argument("kind", choices=KINDS)
        s.add_argument("file", help="ファイルのパス、または http(s) の URL")
        s.add_argument("--db", type=Path, default=DEFAULT_DB)
        s.add_argument("--base-date", help="調査基準日 YYYY-MM-DD（和暦も可）")
        s.add_argument("--prefecture", help="名簿の都道府県コード（例: 01）")
        s.add_argument("--report-csv", type=Path, help="エラー・警告を CSV（UTF-8 BOM）に書き出す")
        if name == "load":
            s.add_argument("--loaded-by", default="cli", help="履歴に残す実行者ラベル")
            g = s.add_argument_group("出典（画面・出力の「出典」に表示。省略時は種類ごとの既定、同梱の公開ファイルならその出典）")
            g.add_argument("--publisher", help="発行者（例: 総務省）")
            g.add_argument("--source", help="資料名（例: 地方公共団体における行政情報化の推進状況調査）")
            g.add_argument("--source-date", help="資料の公表・更新日 YYYY-MM-DD")
            g.add_argument("--source-note", help="元の調査・加工の注記（例: 令和6年度調査）")
            g.add_argument("--credit", help="クレジット表示（利用規約が求める出典の文）")
            g.add_argument("--licence", help="利用条件（例: CC BY 4.0）")
    h = sub.add_parser("history", help="取り込み履歴を表示する")
    h.add_argument("--db", type=Path, default=DEFAULT_DB)
    v = sub.add_parser("versions", help="保存されている倉庫の版（戻し先）を一覧する")
    v.add_argument("--db", type=Path, default=DEFAULT_DB)
    r = sub.add_parser("rollback", help="倉庫を以前の版に戻す（何も削除しません。戻す操作も履歴に残ります）")
    r.add_argument("--to", required=True, metavar="VERSION_ID", help="戻し先の版の ID（versions で確認）")
    r.add_argument("--db", type=Path, default=DEFAULT_DB)
    r.add_argument("--loaded-by", default="cli", help="履歴に残す実行者ラベル")
    e = sub.add_parser("export", help="公開テーブルを Parquet と datapackage.json（Frictionless）に書き出す")
    e.add_argument("--parquet", type=Path, required=True, metavar="DIR", help="書き出し先のフォルダ")
    e.add_argument("--db", type=Path, default=DEFAULT_DB)
    i = sub.add_parser("import", help="書き出した Parquet のフォルダから閲覧用の倉庫を作る（その倉庫には取り込めません）")
    i.add_argument("--parquet", type=Path, required=True, metavar="DIR", help="export で書き出したフォルダ")
    i.add_argument("--db", type=Path, required=True, help="作る倉庫のパス（ETL で作った倉庫は上書きしません）")
    return p


class FetchRefused(Exception):
    """A download stopped on purpose; the message is Japanese."""


def _fetch(source: str, keep: list) -> Path:
    """A URL is downloaded first, so it is hashed and archived like a local file. The download is
    streamed and stops at the file size limit, whatever Content-Length says (it may be absent or lie)."""
    if not source.startswith(("http://", "https://")):
        return Path(source)
    import tempfile
    import urllib.request  # here: only a URL needs it (with ssl, a noticeable part of start-up)

    limit = validate_module.MAX_FILE_BYTES
    too_big = f"ファイルが大きすぎます（上限 {limit // 1024 // 1024} MB）。ダウンロードを途中で止めました"
    tmpdir = tempfile.TemporaryDirectory()
    keep.append(tmpdir)
    target = Path(tmpdir.name) / (Path(source.split("?")[0]).name or "download")
    with urllib.request.urlopen(source, timeout=60) as resp, target.open("wb") as f:  # noqa: S310 (http(s) only)
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchRefused(f"ファイルが大きすぎます（{int(declared) / 1e6:,.0f} MB、上限 "
                               f"{limit // 1024 // 1024} MB）。ダウンロードしませんでした")
        got = 0
        while chunk := resp.read(1 << 16):
            got += len(chunk)
            if got > limit:
                raise FetchRefused(too_big)
            f.write(chunk)
    return target


def _print_report(report: Report, out=sys.stdout) -> None:
    print("\n".join(report.summary_lines()), file=out)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except PublishError as exc:
        print(f"公開できませんでした: {exc}", file=sys.stderr)
        return EXIT_REJECTED


def _run(args) -> int:
    if args.command == "build":
        if args.if_missing and args.db.exists():
            schema = current_schema_version(args.db)
            if schema == SCHEMA_VERSION:
                print(f"倉庫は既にあります: {args.db}")
                return EXIT_OK
            if schema in UPGRADABLE_SCHEMAS:  # keep what was loaded: new columns and tables only
                upgrade(args.db)
                print(f"倉庫 {args.db} を新しい形式（schema_version={SCHEMA_VERSION}）に更新しました。取り込み済みのデータは"
                      "そのままです（公開データ data/public を入れるには `python -m etl build` で作り直してください）")
                return EXIT_OK
            print(f"倉庫 {args.db} は読めないか扱えない形式（schema_version={schema}）のため作り直します"
                  "（以前の状態は版として残ります）")
        inputs = args.inputs or list(DEFAULT_INPUTS)
        missing = [str(d) for d in inputs if not d.is_dir()]
        if missing:
            print(f"入力フォルダがありません: {'、'.join(missing)}", file=sys.stderr)
            return EXIT_USAGE
        args.db.parent.mkdir(parents=True, exist_ok=True)
        try:
            ok, reports = build(args.db, inputs, workers=cli_workers())
        except NoInputFiles as exc:
            print(f"{exc}。倉庫は作りませんでした（既存の倉庫はそのままです）", file=sys.stderr)
            return EXIT_USAGE
        for r in reports:
            if not r.ok or r.warnings:
                _print_report(r, sys.stdout if r.ok else sys.stderr)
        if not ok:
            print("エラーのあるファイルがあるため、倉庫は作りませんでした（既存の倉庫はそのままです）", file=sys.stderr)
            return EXIT_REJECTED
        print(f"倉庫を作りました: {args.db}（{len(reports)} ファイル）")
        return EXIT_OK
    if args.command in ("versions", "rollback"):
        return _run_versions(args)
    if args.command in ("export", "import"):
        return _run_parquet(args)
    if args.command == "history":
        if not args.db.exists():
            print(f"倉庫がありません: {args.db}", file=sys.stderr)
            return EXIT_USAGE
        frame = history(args.db)
        cols = ["source_id", "loaded_at", "kind", "file_name", "rows_read", "rows_loaded", "rows_rejected",
                "warnings", "loaded_by", "sha256"]
        print(frame[cols].to_string(index=False))
        return EXIT_OK

    try:
        base_date = parse_base_date_arg(args.base_date) if args.base_date else None
    except DateError as exc:
        print(f"使い方の誤り: --base-date: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        given = _given_citation(args)
    except ValueError:
        print(f"使い方の誤り: --source-date: 「{args.source_date}」は YYYY-MM-DD の日付ではありません", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.prefecture:
            resolver().prefecture(args.prefecture)
    except ResolveError as exc:
        print(f"使い方の誤り: --prefecture: {exc}（01〜{PREFECTURES} または都道府県名）", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "load" and rebuilt_from(args.db):
        print(f"{args.db} は Parquet から作った閲覧用の倉庫です。取り込みは元の倉庫に行い、"
              "export と import で配り直してください。倉庫は変更していません", file=sys.stderr)
        return EXIT_REJECTED
    import http.client  # for its exception; already loaded when a URL was fetched

    keep: list = []
    try:
        path = _fetch(args.file, keep)
    except FetchRefused as exc:
        print(f"URL から取得できません: {args.file[:200]}（{exc}）", file=sys.stderr)
        return EXIT_REJECTED
    except (OSError, ValueError, http.client.HTTPException) as exc:
        print(f"URL から取得できません: {args.file[:200]}（{str(exc)[:200]}）", file=sys.stderr)
        return EXIT_REJECTED
    salt = person_salt(args.db, keep=args.command == "load")  # a dry run writes nothing, not even a salt
    report = validate(args.kind, path, salt=salt, base_date=base_date, prefecture=args.prefecture)
    if args.report_csv:
        args.report_csv.write_bytes(report.issues_csv())
    citation = citation_for(args.kind, path, sha256=report.sha256, given=given) if report.sha256 else None
    _print_report(report, sys.stdout if report.ok else sys.stderr)
    if citation is not None and report.ok:
        print(f"出典（画面に表示）: {citation.text(_single_base_date(report))}")
    if args.command == "validate":  # what load would do, the warehouse checked as load checks it
        decided = same_file_loaded(args.db, report) if report.ok else None
        if decided is not None and decided.reason:
            print(f"エラー: {decided.reason}", file=sys.stderr)
        refused = not report.ok or decided is not None and decided.status == "rejected"
        print("検証のみ（倉庫は変更していません）: " + (
            "取り込めません" if refused else "取り込めます" if decided is None else
            f"取り込み済みです（source_id={decided.source_id}、同じ範囲。取り込んでも何も変わりません）"))
        return EXIT_REJECTED if refused else EXIT_OK
    args.db.parent.mkdir(parents=True, exist_ok=True)
    result = load_file(args.db, report, path, loaded_by=args.loaded_by, citation=citation)
    if result.reason:  # a valid file that is still not loaded (the same file, loaded with another scope)
        print(f"エラー: {result.reason}", file=sys.stderr)
    message = {
        "loaded": f"取り込みました（source_id={result.source_id}）",
        "unchanged": f"同じファイルは取り込み済みです（source_id={result.source_id}）。何も変更していません"
                     f"（同じ範囲: {scope_text(report_scope(report))}）",
        "rejected": "エラーがあるため取り込みを中止しました。倉庫は変更していません",
    }[result.status]
    print(message, file=sys.stderr if result.status == "rejected" else sys.stdout)
    return result.exit_code


def _single_base_date(report: Report):
    frame = next(iter(report.tables.values()), None)
    if frame is None or "base_date" not in frame:
        return None
    days = distinct(frame, "base_date")
    return days[0] if len(days) == 1 else None


def _given_citation(args) -> dict[str, object]:
    """The citation fields given on the command line (load only); ValueError for a bad date."""
    if args.command != "load":
        return {}
    return {k: v for k, v in {
        "publisher": args.publisher, "title": args.source, "note": args.source_note, "credit": args.credit,
        "licence": args.licence,
        "updated": parse_base_date_arg(args.source_date) if args.source_date else None,
    }.items() if v}


def _run_versions(args) -> int:
    # A missing warehouse is fine as long as versions were kept: rollback then restores it.
    if not args.db.exists() and not versions_dir(args.db).is_dir():
        print(f"倉庫も保存された版もありません: {args.db}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "versions":
        frame = list_versions(args.db)
        if frame.empty:
            print("保存された版はまだありません（次に公開したときから保存します）")
            return EXIT_OK
        frame = frame.assign(current=frame.is_current.map({True: "*", False: ""}))
        cols = ["current", "version_id", "created_at", "last_source_id", "last_kind", "last_file_name",
                "last_loaded_by", "loads", "survey_dates"]
        print(frame[cols].to_string(index=False))
        print("* = 現在の版。戻すには: python -m etl rollback --to <version_id>")
        return EXIT_OK
    try:
        result = rollback(args.db, args.to, loaded_by=args.loaded_by)
    except VersionNotFound as exc:
        print(f"使い方の誤り: --to: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except VersionError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
    if result.status == "unchanged":
        print(f"版 {args.to} は既に現在の版です。何も変更していません")
    else:
        print(f"版 {args.to} に戻しました（source_id={result.source_id}、新しい版 {result.new_version_id}）")
    return EXIT_OK


def _run_parquet(args) -> int:
    from etl.parquet import ParquetError, export_parquet, import_parquet

    try:
        if args.command == "export":
            done = export_parquet(args.db, args.parquet)
            print(f"{len(done.tables)} 表を書き出しました: {args.parquet}（{', '.join(done.tables)}、datapackage.json）")
        else:
            counts = import_parquet(args.parquet, args.db)
            print(f"{len(counts)} 表から閲覧用の倉庫を作りました: {args.db}")
    except ParquetError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
    return EXIT_OK
