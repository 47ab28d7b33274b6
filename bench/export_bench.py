"""Export benchmark: PNG export with a reused browser, national and prefecture decks, all 47 decks.

    .venv/bin/python bench/export_bench.py [--db PATH] [--runs 10] [--skip-all]

Plain Python (no pytest, no external timing tool), wall-clock time.perf_counter():
- PNG: the national page's map as its PNG button draws it (1280×620 CSS px at scale 2, with
  title and footer), once to start the browser, then --runs more times; the figure is the
  median and the worst of the later runs;
- decks: deck.build_pptx of the national deck and of 北海道 (179 municipalities, the largest), in
  this process with the browser already started and the query caches cold, as a user's first
  click on the button;
- all 47: the CLI in a child process, `python -m exports deck --all-prefectures`, so the time
  includes starting Python, the imports and the browser.

Without --db a sample warehouse is built in a temporary folder. Prints a Markdown table and
writes it to bench/out/export_bench.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT_DIR = REPO / "bench" / "out"


def _quiet() -> None:
    import logging

    from streamlit import logger

    logger.set_log_level(logging.ERROR)


def build_sample(tmp: Path) -> Path:
    db = tmp / "warehouse.duckdb"
    subprocess.run([sys.executable, "-m", "etl", "build", "--db", str(db)], cwd=REPO, check=True,
                   capture_output=True)
    return db


def fmt_s(x: float) -> str:
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="warehouse (default: a fresh sample build)")
    ap.add_argument("--runs", type=int, default=10, help="PNG exports after the first")
    ap.add_argument("--skip-all", action="store_true", help="skip the 47-deck run (about a minute or more)")
    args = ap.parse_args()
    _quiet()

    from dashboard import db as dbmod
    from dashboard import slides
    from dashboard.capabilities import chromium_path
    from dashboard.notes import footer_text
    from dashboard.queries import common
    from dashboard.state import ViewState
    from exports import deck, png
    from testing import scratch_dir

    tmp = scratch_dir("dxgap-export-bench-")
    db = args.db or build_sample(tmp)
    v = dbmod.version(db)
    date = dt.date(2023, 4, 1) if dt.date(2023, 4, 1) in common.base_dates(v) else common.base_dates(v)[-1]
    view = ViewState(date=date, n=3)
    as_of, is_sample = common.as_of_today(), common.is_sample(v)
    rows: list[tuple[str, str, str, str]] = []

    # PNG: the national map as the page's PNG button draws it.
    chart = slides.page_chart("national", "map", v, view, as_of, is_sample)
    footer = footer_text(chart.caption, is_sample)
    t = time.perf_counter()
    first = png.render(chart.figure, footer=footer, title=chart.title)
    first_s = time.perf_counter() - t
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        png.render(chart.figure, footer=footer, title=chart.title)
        times.append(time.perf_counter() - t)
    png_cmd = "`png.render(page_chart('national','map'))` (`python -m exports png --page national --out map.png`)"
    rows.append(("first PNG export (starts the browser)", fmt_s(first_s), "–", png_cmd))
    rows.append((f"2nd+ PNG export, median of {args.runs} (2560×1240 px, {len(first) // 1024} KB)",
                 fmt_s(statistics.median(times)), "≤ 0.5 s", png_cmd))
    rows.append((f"2nd+ PNG export, worst of {args.runs}", fmt_s(max(times)), "≤ 0.5 s", png_cmd))

    # Decks: browser warm, query caches cold (a first click on the button).
    from dashboard import cache

    cache.clear_all()
    t = time.perf_counter()
    d = slides.national_deck(v, view, as_of, is_sample)
    data = deck.build_pptx(d)
    nat_s = time.perf_counter() - t
    rows.append((f"national deck ({len(d.slides)} slides, {len(data) // 1024} KB)", fmt_s(nat_s), "≤ 15 s",
                 "`deck.build_pptx(slides.national_deck(...))` (`python -m exports deck`)"))
    cache.clear_all()
    t = time.perf_counter()
    d = slides.prefecture_deck(v, view, "01", as_of, is_sample)
    data = deck.build_pptx(d)
    pref_s = time.perf_counter() - t
    rows.append((f"prefecture deck, 北海道 ({len(d.slides)} slides, {len(data) // 1024} KB)", fmt_s(pref_s), "≤ 10 s",
                 "`deck.build_pptx(slides.prefecture_deck(..., '01', ...))` (`python -m exports deck --pref 01`)"))

    if not args.skip_all:
        out_dir = tmp / "decks"
        cmd = [sys.executable, "-m", "exports", "deck", "--all-prefectures", "--db", str(db),
               "--date", date.isoformat(), "--n", "3", "--out-dir", str(out_dir)]
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        all_s = time.perf_counter() - t
        made = sorted(out_dir.glob("*.pptx"))
        if proc.returncode != 0 or len(made) != 47:
            print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
        size = sum(p.stat().st_size for p in made)
        rows.append((f"all 47 prefecture decks, one process ({len(made)} files, {size // 2**20} MB, exit {proc.returncode})",
                     fmt_s(all_s), "≤ 240 s",
                     f"`python -m exports deck --all-prefectures --date {date} --n 3 --out-dir decks/`"))
        rows.append(("all 47: per deck", fmt_s(all_s / max(1, len(made))), "–", "(the above ÷ 47)"))

    load = os.getloadavg()
    header = (f"# Export benchmark\n\n{dt.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}, "
              f"{os.cpu_count()} CPUs, load average {load[0]:.1f} at the end, Chromium {chromium_path()}\n\n")
    table = "| figure | measured | target | command |\n|---|---|---|---|\n"
    table += "".join(f"| {a} | {b} | {c} | {d} |\n" for a, b, c, d in rows)
    text = header + table
    print(text)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "export_bench.md").write_text(text, encoding="utf-8")
    png.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
