"""App benchmarks: warm rerun time against a trivial page, browser time to the drawn map, payloads.

    .venv/bin/python bench/app_bench.py [--db PATH] [--runs 7] [--no-browser]

Server-side rerun times are measured with Streamlit's AppTest in one process, for each page and
for a one-line page, so the ratio cancels the harness overhead. Browser time is navigation to the
47 drawn prefecture shapes in headless Chromium, warm (second visit). Payloads are the figure JSON
sizes that the server sends. Prints a Markdown table and writes bench/out/app_bench.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

logging.getLogger("streamlit").setLevel(logging.ERROR)

from tests import support  # noqa: E402

TRIVIAL = 'import streamlit as st\nst.write("hello")\n'
PAGES = {
    "全国マップ": ("pages/national.py", {"date": "2023-04-01", "n": "3"}),
    "都道府県": ("pages/prefecture.py", {"pref": "01", "date": "2023-04-01", "n": "3"}),
    "人材プール": ("pages/talent.py", {}),
    "体制構築の進捗": ("pages/progress.py", {}),
    "データ": ("pages/data.py", {}),
}


def timed_reruns(at, runs: int) -> float:
    at.run()  # warm the caches
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def trivial_rerun(runs: int) -> float:
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "trivial.py"
        path.write_text(TRIVIAL)
        return timed_reruns(AppTest.from_file(str(path), default_timeout=60).run(), runs)


def page_reruns(db: Path, runs: int) -> dict[str, float]:
    out = {}
    for title, (page, params) in PAGES.items():
        at = support.app_test(db, page=page, params=params)
        if at.exception:
            out[title] = float("nan")
            continue
        out[title] = timed_reruns(at, runs)
    return out


def prefecture_switch(db: Path, runs: int) -> float:
    """Switching the chosen prefecture (a new pref= in the URL): a rerun with cold caches for it."""
    at = support.app_test(db, page="pages/prefecture.py", params={"pref": "01"})
    times = []
    for code in (f"{i:02d}" for i in range(2, 2 + runs)):
        at.query_params["pref"] = code
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    return statistics.median(times)


def payloads(db: Path) -> dict[str, int]:
    """Figure JSON sizes: national choropleth, municipality level with boundaries, 北海道 map."""
    os.environ["DXGAP_DB"] = str(db)
    from dashboard import db as dbmod
    from dashboard import geo
    from dashboard.charts import national as charts
    from dashboard.metrics import metric
    from dashboard.queries import national, summary

    v = dbmod.version(db)
    date = dt.date(2023, 4, 1)
    by_pref = summary.by_prefecture(v, date, 3, dt.date.today())
    out = {"prefecture choropleth": geo.payload_bytes(
        charts.prefecture_choropleth(by_pref, geo.prefecture_geojson(v), metric("shortage_share"), 3))}
    munis = national.municipalities_at(v, date, 3)
    gj = geo.municipality_geojson(v)
    if gj["features"]:
        out["municipality choropleth (national)"] = geo.payload_bytes(charts.municipality_choropleth(munis, gj, 3))
        hk = munis[munis.prefecture_code == "01"]
        out["municipality choropleth (北海道)"] = geo.payload_bytes(
            charts.municipality_choropleth(hk, geo.municipality_geojson(v, "01"), 3))
    else:
        out["municipality points (national)"] = geo.payload_bytes(charts.municipality_points(munis, 3))
    return out


def browser_time(db: Path, visits: int = 5) -> float | None:
    if not support.chromium_available():
        return None
    from playwright.sync_api import sync_playwright

    with support.streamlit_server(db) as url, sync_playwright() as p:
        browser = support.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        support.block_external(page, url)
        times = []
        for i in range(visits + 1):
            t = time.perf_counter()
            page.goto(url + "/?date=2023-04-01&n=3")
            page.wait_for_function("document.querySelectorAll('.choroplethlocation').length >= 47", timeout=60_000)
            if i:  # the first visit warms the server caches
                times.append(time.perf_counter() - t)
        browser.close()
    return statistics.median(times)


def with_boundaries(db: Path) -> Path | None:
    ref = Path(os.environ.get("DXGAP_SHARED_REFERENCE", ROOT.parent / "shared" / "reference"))
    topo = ref / "da_municipality_area.topojson"
    if not topo.exists():
        return None
    target = support.copy_db(db, Path(tempfile.mkdtemp(prefix="dxgap-bench-")))
    subprocess.run([sys.executable, "-m", "etl", "load", "boundaries", str(topo), "--db", str(target)],
                   cwd=ROOT, check=True, capture_output=True)
    return target


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    db = args.db or support.sample_db()
    cmd = "python bench/app_bench.py"
    rows = []
    trivial = trivial_rerun(args.runs)
    rows.append(("trivial one-line page, warm rerun", f"{trivial * 1000:.0f} ms", "—", cmd))
    for title, secs in page_reruns(db, args.runs).items():
        rows.append((f"{title}: warm rerun ÷ trivial", f"{secs / trivial:.2f}× ({secs * 1000:.0f} ms)", "≤ 3×", cmd))
    switch = prefecture_switch(db, args.runs)
    rows.append(("都道府県: prefecture switch ÷ trivial", f"{switch / trivial:.2f}× ({switch * 1000:.0f} ms)", "≤ 3×", cmd))
    bdb = with_boundaries(db)
    for name, size in payloads(bdb or db).items():
        target = {"prefecture choropleth": "≤ 300 KB", "municipality choropleth (北海道)": "≤ 1 MB"}.get(name, "≤ 2 MB")
        rows.append((f"payload: {name}", f"{size / 1024:.0f} KB", target, cmd))
    if not args.no_browser:
        t = browser_time(bdb or db)
        if t is not None:
            rows.append(("browser: navigation → 47 prefectures drawn (warm, median)", f"{t:.2f} s", "≤ 2 s", cmd))
    table = ["| figure | measured | target | command |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | `{d}` |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "app_bench.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
