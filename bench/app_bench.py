"""App benchmarks: warm rerun time against each page's static twin, browser time to the drawn map, payloads.

    .venv/bin/python bench/app_bench.py [--db PATH] [--runs 9] [--no-browser] [--quick]

Server-side rerun times (the targets) are measured on real Streamlit servers, as a browser
triggers them: a websocket client sends the rerun message and waits for the server's
script_finished (testing/rerun.py). Each page is compared with its static twin (issue 16 §1):
the same elements with every argument a constant, generated from the page itself by
testing/twins.py into bench/out/twins/ at the start of every run (so the twins follow the pages).
The app, its twin app, a trivial one-line page and a 60-line reference page run on servers of
their own with the same .streamlit/config.toml; the measured reruns interleave (twin, page,
trivial, twin, page, trivial …, each after a pause), so each ratio compares like with like.
Targets: a page's warm rerun ≤ 1.5× its twin, the prefecture switch ≤ 2× its twin (a miss is
stated in the row). The ratio to the trivial page is kept for context, and the whole server pass
is repeated with Streamlit's default post-run garbage collection (not with --quick). Script-only
times (Streamlit's AppTest, which runs the script without the server around it) are reported
beside them. Browser time is navigation to the 47 drawn prefecture shapes in headless Chromium,
warm (second visit), offline. Payloads are the figure JSON the server sends, and the map shapes
the browser fetches once (static/geo/). Prints a Markdown table and writes bench/out/app_bench.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

logging.getLogger("streamlit").setLevel(logging.ERROR)

import testing  # noqa: E402
from testing import twins  # noqa: E402
from testing.capacity import wait_prebuilt  # noqa: E402

TRIVIAL = 'import streamlit as st\nst.write("hello")\n'
# The pages as the tables title them -> their twin's name; the page file, url path and query
# parameters are the twins' (testing/twins.PAGES), so a page is benchmarked as its twin is recorded.
TITLES = {"全国マップ": "national", "都道府県": "prefecture", "人材プール": "talent", "体制構築の進捗": "progress",
          "データ": "data"}
PAGES = {title: twins.PAGES[name] for title, name in TITLES.items()}
# A pause before each rerun, as between a user's clicks: each server has finished the work that
# follows a run (flushing, caches, garbage collection) before the next one is timed.
THINK_TIME = 0.2
SWITCH_CODES = twins.SWITCH_CODES  # 10 prefectures, none seen before in the session
REFERENCE = 'import streamlit as st\nfor i in range(60):\n    st.caption(f"line {i}")\n'


# After its first rerun the app server's watcher warms the default views (a few seconds of a core),
# then, while idle, builds every prefecture page and the other thresholds' results (about 30 s):
# measured reruns start once its log says it is done ("prebuilt"), as on a server up a while.


@contextlib.contextmanager
def one_file_app(source: str) -> Iterator[Path]:
    """A one-file app in a folder of its own, with this app's server config."""
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / ".streamlit").mkdir()
        shutil.copy(ROOT / ".streamlit" / "config.toml", Path(d) / ".streamlit" / "config.toml")
        path = Path(d) / "app.py"
        path.write_text(source)
        yield path


def server_reruns(db: Path, runs: int, twin_app: Path, flags: tuple[str, ...] = (),
                  without: set[str] = frozenset()) -> dict[str, tuple[float, float, int, float]]:
    """Real servers, all with this app's config (plus flags): {what: (median seconds, ratio to the
    trivial page, bytes of the last rerun, median seconds of its static twin)} for the trivial
    page, a 60-line reference page, each page and the prefecture switch. Each measured rerun
    alternates with one of its static twin (testing/twins.py, on a server of its own) and one of
    the trivial page, each after a pause: twin, page, trivial, twin, page, trivial … The trivial
    ratio uses the trivial samples taken alongside. without: titles (and "switch") whose twin could
    not be generated: measured without it (twin seconds nan)."""
    from testing import rerun as server_rerun

    def interleaved(trivial_ws, ws, queries: list[str], page: str = "",
                    twin_ws=None) -> tuple[float, float, int, float]:
        mine, theirs, twins, size = [], [], [], 0
        for query in queries:
            if twin_ws is not None:
                time.sleep(THINK_TIME)
                twins.append(server_rerun.rerun(twin_ws, query, page)[0])
            time.sleep(THINK_TIME)
            secs, size = server_rerun.rerun(ws, query, page)
            mine.append(secs)
            time.sleep(THINK_TIME)
            theirs.append(server_rerun.rerun(trivial_ws)[0])
        trivial_all.extend(theirs)
        twin = statistics.median(twins) if twins else float("nan")
        return statistics.median(mine), statistics.median(mine) / statistics.median(theirs), size, twin

    def warm(ws, query: str = "", page: str = "") -> str:
        """Two reruns (caches filled, the page's large messages in the client's cache); returns the
        query string to measure with: the URL the page wrote, as a browser's next rerun sends it
        (a page opened without parameters writes its view into the URL on every run until then)."""
        for _ in range(2):
            _, _, messages = server_rerun.rerun_messages(ws, query, page)
            written = [m.page_info_changed.query_string for m in messages
                       if m.WhichOneof("type") == "page_info_changed"]
            query = written[-1] if written else query
        return query

    trivial_all: list[float] = []
    out = {}
    logs = tempfile.TemporaryDirectory()
    app_log = Path(logs.name) / "app.log"
    with logs, one_file_app(TRIVIAL) as trivial, one_file_app(REFERENCE) as reference, \
            testing.streamlit_server(db, script=trivial, flags=flags) as trivial_url, \
            testing.streamlit_server(db, script=reference, flags=flags) as reference_url, \
            testing.streamlit_server(db, script=twin_app, flags=flags) as twin_url, \
            testing.streamlit_server(db, flags=flags, log=app_log) as url, \
            server_rerun.Session(trivial_url) as trivial_ws:
        warm(trivial_ws)
        with server_rerun.Session(url) as ws:  # the app's first rerun starts its watcher (dashboard/warm.py)
            warm(ws)
        wait_prebuilt([app_log])  # ... which warms it, as after a start or a publish
        with server_rerun.Session(reference_url) as ws:
            warm(ws)
            out["reference"] = interleaved(trivial_ws, ws, [""] * runs)
        for title, (_, path, params) in PAGES.items():
            query = urlencode(params)
            # each page (and its twin) in a session of its own, as opened from a link
            with server_rerun.Session(url) as ws, server_rerun.Session(twin_url) as twin_ws:
                query = warm(ws, query, path)
                if title not in without:
                    warm(twin_ws, query, path)
                out[title] = interleaved(trivial_ws, ws, [query] * runs, path,
                                         None if title in without else twin_ws)
        with server_rerun.Session(url) as ws, server_rerun.Session(twin_url) as twin_ws:
            first = urlencode({"pref": "01", "date": "2023-04-01", "n": "3"})
            server_rerun.rerun(ws, first, "prefecture")
            if "switch" not in without:
                server_rerun.rerun(twin_ws, first, "prefecture")
            out["switch"] = interleaved(trivial_ws, ws, [urlencode({"pref": c, "date": "2023-04-01", "n": "3"})
                                                         for c in SWITCH_CODES], "prefecture",
                                         None if "switch" in without else twin_ws)
    out["trivial"] = statistics.median(trivial_all), 1.0, 0, float("nan")
    return out


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
    for title, (page, _, params) in PAGES.items():
        at = testing.app_test(db, page=page, params=params)
        if at.exception:
            out[title] = float("nan")
            continue
        out[title] = timed_reruns(at, runs)
    return out


def prefecture_switch(db: Path, runs: int) -> float:
    """Switching the chosen prefecture (a new pref= in the URL): a rerun with cold caches for it."""
    at = testing.app_test(db, page="pages/prefecture.py", params={"pref": "01"})
    times = []
    for code in SWITCH_CODES:
        at.query_params["pref"] = code
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    return statistics.median(times)


def payloads(db: Path) -> dict[str, tuple[int, int]]:
    """(figure JSON bytes, map-shape file bytes) of the maps as the pages draw them: the national
    prefecture choropleth, the national municipality map and the 北海道 prefecture map."""
    os.environ["DXGAP_DB"] = str(db)
    from dashboard import db as dbmod
    from dashboard import geo
    from dashboard.charts import national as charts
    from dashboard.charts import prefecture as pcharts
    from dashboard.metrics import metric
    from dashboard.queries import common, national, summary
    from dashboard.queries import prefecture as qp

    def sizes(fig, shapes) -> tuple[int, int]:
        path = geo.local_file(shapes.ref) if shapes and isinstance(shapes.ref, str) else None
        return geo.payload_bytes(fig), path.stat().st_size if path else 0

    v = dbmod.version(db)
    date, today = dt.date(2023, 4, 1), dt.date.today()
    by_pref = summary.by_prefecture(v, date, 3, today)
    pref_shapes = geo.prefecture_shapes(v)
    out = {"prefecture choropleth": sizes(
        charts.prefecture_choropleth(by_pref, pref_shapes.ref, metric("shortage_share"), 3), pref_shapes)}
    munis = national.municipalities_at(v, date, 3)
    shapes = geo.municipality_shapes(v)
    if shapes:
        out["municipality choropleth (national)"] = sizes(charts.municipality_choropleth(munis, shapes.ref, 3), shapes)
    else:
        out["municipality points (national)"] = sizes(charts.municipality_points(munis, 3), None)
    prev = max((d for d in common.base_dates(v) if d < date), default=None)
    hk, hk_shapes = qp.municipalities(v, "01", date, prev, 3, today), geo.municipality_shapes(v, "01")
    out["北海道 municipality map (179)"] = sizes(
        pcharts.municipality_map(hk, qp.staff_history(v, "01"), 3, hk_shapes), hk_shapes)
    return out


def browser_time(db: Path, visits: int = 5) -> tuple[float, int] | None:
    """Median seconds from navigation to the 47 drawn prefectures, warm (server caches and the
    browser's HTTP cache), offline: only the loopback resolves. Also the number of requests that
    tried to leave the machine (they fail; expected 0)."""
    if not Path(testing.CHROMIUM).exists():  # a benchmark runs without a browser: no browser figure
        return None
    from urllib.parse import urlparse

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as logs, testing.streamlit_server(db, log=Path(logs) / "app.log") as url, \
            sync_playwright() as p:
        browser = testing.launch_chromium(p, offline=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        host = urlparse(url).netloc
        external = []
        page.on("request", lambda r: urlparse(r.url).netloc not in (host, "") and external.append(r.url))
        times = []
        for i in range(visits + 1):
            t = time.perf_counter()
            page.goto(url + "/?date=2023-04-01&n=3")
            page.wait_for_function("document.querySelectorAll('.choroplethlocation').length >= 47", timeout=60_000)
            if i:  # the first visit warms the server caches and the browser cache
                times.append(time.perf_counter() - t)
            else:  # ... and starts the server's watcher: measured after it, as the reruns are
                wait_prebuilt([Path(logs) / "app.log"])
        browser.close()
    return statistics.median(times), len(external)


def with_boundaries(db: Path) -> Path | None:
    ref = Path(os.environ.get("DXGAP_SHARED_REFERENCE", ROOT.parent / "shared" / "reference"))
    topo = ref / "da_municipality_area.topojson"
    if not topo.exists():
        return None
    target = testing.copy_db(db, testing.scratch_dir("dxgap-bench-"))
    subprocess.run([sys.executable, "-m", "etl", "load", "boundaries", str(topo), "--db", str(target)],
                   cwd=ROOT, check=True, capture_output=True)
    return target


def verdict(ratio: float, limit: float) -> str:
    """A target's outcome, stated in the row (a miss is a figure, not a crash)."""
    if ratio != ratio:  # nan: not measured
        return "not measured"
    return "met" if ratio <= limit else "**miss**"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 3 runs, no browser, no post-run-GC pass")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.no_browser = min(args.runs, 3), True
    db = args.db or testing.sample_db()
    cmd = "python bench/app_bench.py" + (" --quick" if args.quick else "")
    twin_dir = ROOT / "bench" / "out" / "twins"
    print(f"generating the static twins in {twin_dir.relative_to(ROOT)}", flush=True)
    missing: dict[str, str] = {}  # twin name -> why it could not be recorded (its rows say "not measured")
    twin_app, _ = twins.generate(db, twin_dir, errors=missing)
    for name, why in missing.items():
        print(f"twin {name} not generated: {why}", flush=True)
    without = {title for title, name in TITLES.items() if name in missing}
    if any(name.startswith("prefecture") for name in missing):
        without.add("switch")
    rows = []
    passes = (((), "app config"), (("--runner.postScriptGC", "true"), "Streamlit's default post-run GC"))
    for flags, config in passes[:1] if args.quick else passes:
        got = server_reruns(db, args.runs, twin_app, flags, without)
        context = bool(flags)
        rows.append((f"server ({config}): trivial one-line page, warm rerun", f"{got['trivial'][0] * 1000:.1f} ms",
                     "—", cmd))
        secs, ratio, _, _ = got["reference"]
        rows.append((f"server ({config}): reference page of 60 st.caption lines ÷ trivial",
                     f"{ratio:.1f}× ({secs * 1000:.1f} ms)", "(context)", cmd))
        for title in [*PAGES, "switch"]:
            secs, ratio, size, twin = got[title]
            what = "都道府県 prefecture switch" if title == "switch" else f"{title} warm rerun"
            limit = 2.0 if title == "switch" else 1.5
            target = "(context)" if context else f"≤ {limit:g}×"
            outcome = "" if context else f" — {verdict(secs / twin, limit)}"
            if twin != twin:  # nan: the twin could not be generated (the reason is printed above)
                measured = f"not measured: no twin ({secs * 1000:.0f} ms; see the run's output)"
            else:
                measured = f"{secs / twin:.2f}× ({secs * 1000:.0f} ms vs twin {twin * 1000:.0f} ms){outcome}"
            rows.append((f"server ({config}): {what} ÷ its static twin", measured, target, cmd))
            sent = "" if title == "switch" else f", {size / 1024:.0f} KB sent"
            rows.append((f"server ({config}): {what} ÷ trivial", f"{ratio:.1f}× ({secs * 1000:.0f} ms{sent})",
                         "(context; the ≤ 3× target was replaced by the twin's)", cmd))
    script_trivial = trivial_rerun(args.runs)
    rows.append(("script only (AppTest): trivial one-line page", f"{script_trivial * 1000:.1f} ms", "—", cmd))
    for title, secs in page_reruns(db, args.runs).items():
        rows.append((f"script only (AppTest): {title} ÷ trivial",
                     f"{secs / script_trivial:.1f}× ({secs * 1000:.0f} ms)", "(not the target)", cmd))
    secs = prefecture_switch(db, args.runs)
    rows.append(("script only (AppTest): 都道府県 prefecture switch ÷ trivial",
                 f"{secs / script_trivial:.1f}× ({secs * 1000:.0f} ms)", "(not the target)", cmd))
    bdb = with_boundaries(db)
    budgets = {"prefecture choropleth": "≤ 300 KB", "北海道 municipality map (179)": "≤ 1 MB"}
    for name, (fig, shapes) in payloads(bdb or db).items():
        rows.append((f"payload: {name}, figure + shapes",
                     f"{(fig + shapes) / 1024:.0f} KB ({fig / 1024:.0f} KB figure, {shapes / 1024:.0f} KB shapes "
                     "fetched once)", budgets.get(name, "≤ 2 MB"), cmd))
    if not args.no_browser:
        measured = browser_time(bdb or db)
        if measured is not None:
            secs, external = measured
            rows.append(("browser: navigation → 47 prefectures drawn (warm, offline, median)",
                         f"{secs:.2f} s ({external} requests tried to leave the machine)", "≤ 2 s", cmd))
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
