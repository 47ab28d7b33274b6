"""python -m exports: the dashboard's pictures and decks from the command line, for batch preparation.

    python -m exports deck [--pref 01 | --all-prefectures] [--date YYYY-MM-DD] [--n 3]
                           [--region 地方] [--metric KEY] [--out FILE | --out-dir DIR] [--pdf] [--db PATH]
    python -m exports png --page national --chart map --metric shortage_share --out map.png

(`python -m dashboard deck|png` is an alias of the same main.) The same slide, deck and figure code
as the buttons in the app. All decks of one run share one browser (kaleido) for their pictures.
Exit codes as the ETL CLI: 0 done, 1 input or data problem (no warehouse, unknown prefecture or base
date, no browser or LibreOffice), 2 usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
from pathlib import Path

from core.policy import PREFECTURES
from core.store import DB_ENV, DEFAULT_DB

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        print(f"使い方の誤り: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


class DataProblem(Exception):
    """Exit 1 with this (Japanese) message."""


def _parser() -> argparse.ArgumentParser:
    from dashboard.metrics import METRIC_KEYS
    from dashboard.slides import PAGE_CHARTS
    from dashboard.state import MAX_N
    from etl.reference import REGION_ORDER

    default_db = Path(os.environ.get(DB_ENV, DEFAULT_DB))
    p = _Parser(prog="python -m exports", description="ダッシュボードの図・発表資料をコマンドラインで作る")
    sub = p.add_subparsers(dest="command", required=True)

    def common(s):
        s.add_argument("--db", type=Path, default=default_db, help=f"倉庫（既定: ${DB_ENV} か data/warehouse.duckdb）")
        s.add_argument("--date", type=dt.date.fromisoformat, help="調査基準日 YYYY-MM-DD（既定: 最新）")
        s.add_argument("--n", type=int, default=3, choices=range(MAX_N + 1), metavar="0-10",
                       help="不足の基準: DX担当職員がこの人数以下（既定: 3）")
        s.add_argument("--region", choices=REGION_ORDER, help="地方（既定: 全国）")
        s.add_argument("--metric", choices=METRIC_KEYS, default="shortage_share", help="地図・順位の指標")

    d = sub.add_parser("deck", help="発表資料（PowerPoint 16:9）を作る")
    common(d)
    which = d.add_mutually_exclusive_group()
    which.add_argument("--pref", help=f"都道府県コード（01〜{PREFECTURES}）か名前。省略すると全国の資料")
    which.add_argument("--all-prefectures", action="store_true", help=f"{PREFECTURES}都道府県の資料をまとめて作る")
    d.add_argument("--out", type=Path, help="出力ファイル（.pptx）。省略すると資料名.pptx")
    d.add_argument("--out-dir", type=Path, help="出力フォルダ（--all-prefectures の既定: decks/）")
    d.add_argument("--pdf", action="store_true", help="LibreOffice で PDF も作る（入っているとき）")

    g = sub.add_parser("png", help="画面の図を PNG（出典・基準日つき）で保存する")
    common(g)
    g.add_argument("--page", choices=list(PAGE_CHARTS), default="national")
    g.add_argument("--chart", default="map",
                   help="national: " + "/".join(PAGE_CHARTS["national"]) + "、prefecture: "
                        + "/".join(PAGE_CHARTS["prefecture"]) + "（既定: map）")
    g.add_argument("--pref", help="--page prefecture の都道府県コードか名前")
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--width", type=int, default=1280)
    g.add_argument("--height", type=int)
    g.add_argument("--scale", type=float, default=2)
    return p


def _quiet_streamlit() -> None:
    # Outside `streamlit run` the cached queries use a memory cache and say so on every call.
    # Streamlit re-applies its logger.level option when it reads its config, hence the env var too.
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    from streamlit import logger as st_logger

    st_logger.set_log_level(logging.ERROR)  # also the level of loggers made later


def main(argv: list[str] | None = None) -> int:
    _quiet_streamlit()
    args = _parser().parse_args(argv)
    if args.command == "png" and args.chart not in _page_charts(args.page):
        _parser().error(f"--chart: {args.page} の図は {'/'.join(_page_charts(args.page))} です（{args.chart}）")
    if args.command == "deck" and args.out and args.all_prefectures:
        _parser().error("--all-prefectures では --out ではなく --out-dir を指定してください")
    try:
        return _run(args)
    except DataProblem as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_DATA


def _page_charts(page: str) -> tuple[str, ...]:
    from dashboard.slides import PAGE_CHARTS

    return PAGE_CHARTS[page]


def _context(args):
    """The warehouse version, the view, today and the sample flag, or DataProblem."""
    from dashboard import db
    from dashboard.queries import common
    from dashboard.state import ViewState

    try:
        v = db.version(args.db)
        dates = common.base_dates(v)
    except db.WarehouseUnavailable as exc:
        raise DataProblem(str(exc)) from None
    if not dates:
        raise DataProblem(f"倉庫（{args.db}）に調査データがありません。職員調査ファイルを読み込んでください")
    date = args.date or dates[-1]
    if date not in dates:
        raise DataProblem(f"調査基準日 {date} のデータがありません（あるのは {', '.join(map(str, dates))}）")
    if args.metric == "staff_per_10k" and not common.has_population(v):
        raise DataProblem("人口が読み込まれていないため、人口1万人あたり職員数は使えません")
    view = ViewState(date=date, n=args.n, region=args.region, metric=args.metric)
    return v, view, common.as_of_today(), common.is_sample(v)


def _pref_code(v: str, text: str | None) -> str:
    from dashboard.queries import common

    prefs = common.prefectures(v)
    if not text:
        raise DataProblem(f"都道府県を --pref で指定してください（01〜{PREFECTURES} または名前）")
    code = text.zfill(2) if text.isdigit() else None
    if code is None:
        hit = prefs[(prefs.name == text) | (prefs.name_short == text)]
        code = hit.prefecture_code.iloc[0] if len(hit) else None
    if code not in set(prefs.prefecture_code):
        raise DataProblem(f"都道府県「{text}」が見つかりません（01〜{PREFECTURES} のコードか、北海道・東京都などの名前）")
    return code


def _run(args) -> int:
    v, view, as_of, is_sample = _context(args)
    if args.command == "png":
        return _png(args, v, view, as_of, is_sample)
    return _decks(args, v, view, as_of, is_sample)


def _need_browser() -> None:
    from dashboard.capabilities import png_available

    ok, reason = png_available()
    if not ok:
        raise DataProblem(reason)


def _png(args, v, view, as_of, is_sample) -> int:
    from dashboard import slides
    from dashboard.notes import footer_text
    from exports import png

    pref = _pref_code(v, args.pref) if args.page == "prefecture" else None
    _need_browser()
    c = slides.page_chart(args.page, args.chart, v, view, as_of, is_sample, pref=pref)
    data = png.render(c.figure, footer=footer_text(c.caption, c.caption.is_sample), title=c.title,
                      width=args.width, height=args.height, scale=args.scale)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"PNG を書き出しました: {args.out}（{len(data):,} バイト）")
    return EXIT_OK


def _decks(args, v, view, as_of, is_sample) -> int:
    from dashboard import slides
    from dashboard.capabilities import pdf_available
    from dashboard.queries import common
    from exports import deck, pdf

    if args.all_prefectures:
        codes: list[str | None] = list(common.prefectures(v).prefecture_code)
    else:
        codes = [_pref_code(v, args.pref) if args.pref else None]  # None = the national deck
    out_dir = args.out_dir or (Path("decks") if args.all_prefectures else Path("."))
    _need_browser()
    want_pdf, pdf_reason = args.pdf, ""
    if want_pdf:
        want_pdf, pdf_reason = pdf_available()
        if not want_pdf:  # said before the long run, not after it
            print(pdf_reason, file=sys.stderr)
    pdf_failed = args.pdf and not want_pdf
    started = time.perf_counter()
    for code in codes:
        t = time.perf_counter()
        d = slides.prefecture_deck(v, view, code, as_of, is_sample) if code else slides.national_deck(v, view, as_of, is_sample)
        data = deck.build_pptx(d)
        out = args.out or out_dir / f"{d.file_stem}.pptx"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        line = f"{out}（{len(d.slides)} 枚、{time.perf_counter() - t:.1f} 秒）"
        if want_pdf:
            try:
                out.with_suffix(".pdf").write_bytes(pdf.to_pdf(data))
                line += f" ＋ {out.with_suffix('.pdf').name}"
            except pdf.PdfUnavailable as exc:
                pdf_failed = True
                line += f"（{exc}）"
        print(line)
    if len(codes) > 1:
        print(f"{len(codes)} 件の資料を作りました（{time.perf_counter() - started:.1f} 秒）")
    if pdf_failed:
        print("PDF は作れませんでした。PowerPoint 版は書き出してあります。", file=sys.stderr)
        return EXIT_DATA
    return EXIT_OK
