"""The capacity benchmark's machinery (bench/capacity_bench.py drives it; tests/test_capacity_tool.py
checks it on a short run): headless websocket sessions that behave like users (testing.rerun), a
real `python -m etl load` publishing into the served warehouse, the server's CPU and RSS sampled,
and one step of N sessions measured against the p95 target."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from deploy import replicas
from testing import rerun as server_rerun
from testing.inputs import prefecture_survey

ROOT = Path(__file__).resolve().parent.parent
MEMPROBE = ROOT / "bench" / "memprobe.py"  # the launcher a probed server runs under (bench/memprobe.py)
P95_TARGET = 1.0  # seconds
STEP_LIMIT = 120.0  # seconds per step, ramp and last answers included
RERUN_TIMEOUT = 30.0
AFTER_PUBLISH = 10.0  # seconds after a publish lands in which sessions' next views are computed afresh
PUBLISH_DATE = "2024-10-01"
PUBLISH_PREF = "31"  # 鳥取県: 19 municipalities
PREFS = [f"{i:02d}" for i in range(1, 48)]
METRICS = ["shortage_share", "severe_share", "median_staff", "pool_per_shortage", "shortage_share_change"]
REGIONS = ["北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州・沖縄"]
OTHER_PAGES = ["talent", "progress", "data"]
ERROR_BOX = "問題が起きました".encode()
LOG_PROBLEM = ("Traceback", " ERROR ", "CRITICAL")


# -- what one user does ---------------------------------------------------------------------------

class User:
    """A user's view (page and URL parameters) and the next thing they do."""

    def __init__(self, rng: random.Random, dates: list[str]):
        self.rng, self.dates = rng, dates
        self.view = {"date": dates[-1], "n": "3"}
        self.page = ""
        if rng.random() < 0.4:  # a shared link to one prefecture
            self.page, self.view["pref"] = "prefecture", rng.choice(PREFS)

    def query(self) -> str:
        keep = ("date", "n", "region", "metric") + (("pref",) if self.page == "prefecture" else ())
        return urlencode({k: v for k, v in self.view.items() if k in keep})

    def next(self) -> str:
        """Change the view; returns what was done (page view or filter change)."""
        rng = self.rng
        if rng.random() < 0.5:
            self.page = rng.choice([p for p in ["", "prefecture", *OTHER_PAGES] if p != self.page])
            if self.page == "prefecture":
                self.view.setdefault("pref", rng.choice(PREFS))
            return "page view"
        if self.page == "prefecture" and rng.random() < 0.6:
            self.view["pref"] = rng.choice(PREFS)
            return "prefecture switch"
        what = rng.choice(["n", "date", "region", "metric"] if self.page == "" else ["n", "date"])
        if what == "n":
            self.view["n"] = str(rng.randint(0, 6))
        elif what == "date":
            self.view["date"] = rng.choice(self.dates)
        elif what == "region":
            self.view["region"] = rng.choice(REGIONS)
        else:
            self.view["metric"] = rng.choice(METRICS)
        return "filter change"


# -- measurements ---------------------------------------------------------------------------------

@dataclass
class Sample:
    at: float
    seconds: float
    action: str


@dataclass
class Load:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    publishes: list[tuple[float, int, str]] = field(default_factory=list)
    sessions_opened: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text[:300])


def proc_cpu_rss(pid: int) -> tuple[float, int]:
    """(CPU seconds, RSS bytes) of a process from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        rss = next(int(ln.split()[1]) * 1024 for ln in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if ln.startswith("VmRSS:"))
        return cpu, rss
    except (OSError, StopIteration, IndexError, ValueError):
        return float("nan"), 0


class Sampler(threading.Thread):
    """CPU seconds and RSS of the server processes every `every` seconds."""

    def __init__(self, pids: list[int], every: float = 1.0):
        super().__init__(daemon=True)
        self.pids, self.every = pids, every
        self.rows: list[tuple[float, float, int]] = []  # (monotonic, CPU seconds, RSS) summed over pids
        self.done = threading.Event()

    def take(self) -> tuple[float, float, int]:
        stats = [proc_cpu_rss(p) for p in self.pids]
        return time.monotonic(), sum(c for c, _ in stats), sum(r for _, r in stats)

    def run(self) -> None:
        while not self.done.is_set():
            self.rows.append(self.take())
            self.done.wait(self.every)

    def stop(self) -> None:
        self.done.set()
        self.join(5)
        self.rows.append(self.take())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


# -- the pieces of a run --------------------------------------------------------------------------

def survey_file(folder: Path, serial: int) -> Path:
    """All 19 municipalities of 鳥取県; figures and blank trailing lines vary by serial, so every
    file is a new load (a new sha256) and a real publish."""
    return prefecture_survey(folder, f"survey_{serial:04d}.csv", serial, serial, PUBLISH_PREF)


def publish(db: Path, folder: Path, serial: int) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "etl", "load", "survey", str(survey_file(folder, serial)), "--db", str(db),
           "--base-date", PUBLISH_DATE]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def base_dates(db: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return [str(r[0]) for r in con.execute("SELECT DISTINCT base_date FROM staff_survey ORDER BY 1").fetchall()]


@dataclass
class Served:
    url: str
    pids: list[int]
    logs: list[Path]


@contextlib.contextmanager
def serving(db: Path, r: int, proxy: bool, workdir: Path, flags: tuple[str, ...] = (),
            probe: Path | None = None) -> Iterator[Served]:
    """One server on loopback (proxy=False), or R replicas behind nginx; flags: more `streamlit run`
    options; probe: run the one server under bench/memprobe.py with this request folder."""
    if proxy:
        with replicas.serve(db, r, run_dir=workdir / "run", flags=flags) as cluster:
            yield Served(cluster.url, [x.proc.pid for x in cluster.replicas], [x.log for x in cluster.replicas])
        return
    env = {**os.environ}
    launcher = (str(MEMPROBE), str(probe), "--") if probe else ("-m", "streamlit")
    one = replicas.start_replica("r1", db, replicas.free_port(), workdir / "server.log", env, flags, launcher)
    try:
        replicas.wait_healthy(one.url, one.proc, "streamlit server")
        yield Served(one.url, [one.proc.pid], [one.log])
    finally:
        replicas.stop(one.proc)


def warm(url: str, dates: list[str], proxy: bool) -> None:
    """One session visits every page (and a few prefectures): the server has been up a while."""
    cookies = {server_rerun.page_cookie(url) for _ in range(12)} if proxy else {None}
    for cookie in cookies:
        with server_rerun.Session(url, cookie=cookie) as ws:
            for page, query in [("", f"date={dates[-1]}&n=3"), ("prefecture", f"pref=13&date={dates[-1]}&n=3"),
                                ("prefecture", f"pref=01&date={dates[-1]}&n=3"), ("talent", ""), ("progress", ""),
                                ("data", "")]:
                server_rerun.rerun(ws, query, page, timeout=120)


def session(url: str, load: Load, rng: random.Random, dates: list[str], start: float, stop: float,
            think: tuple[float, float], proxy: bool, hard_stop: float) -> None:
    """One user from start to stop (monotonic), then closes the websocket."""
    time.sleep(max(0.0, start - time.monotonic()))
    user = User(rng, dates)
    try:
        cookie = server_rerun.page_cookie(url) if proxy else None
        ws = server_rerun.Session(url, cookie=cookie, open_timeout=RERUN_TIMEOUT)
    except Exception as exc:  # any failure to open is an error of the step
        load.error(f"connect: {type(exc).__name__}: {exc}")
        return
    with load.lock:
        load.sessions_opened += 1
    action = "open link"
    try:
        while True:
            timeout = min(RERUN_TIMEOUT, max(1.0, hard_stop - time.monotonic()))
            t0 = time.monotonic()
            _, _, msgs = server_rerun.rerun_messages(ws, user.query(), user.page, timeout=timeout)
            seconds = time.monotonic() - t0
            if any(ERROR_BOX in m.SerializeToString() for m in msgs if m.WhichOneof("type") == "delta"):
                load.error(f"error box on /{user.page}?{user.query()}")
            with load.lock:
                load.samples.append(Sample(t0, seconds, action))
            pause = rng.uniform(*think)
            if time.monotonic() + pause >= stop:
                break
            time.sleep(pause)
            action = user.next()
    except Exception as exc:  # RerunError, ConnectionClosed, TimeoutError: all count as errors
        load.error(f"/{user.page}?{user.query()} ({action}): {type(exc).__name__}: {exc}")
    finally:
        with contextlib.suppress(Exception):
            ws.ws.close()


PREBUILT_WAIT = 300.0  # seconds at most for a server's watcher to build ahead (~30 s of a core)


def wait_prebuilt(logs: list[Path], timeout: float = PREBUILT_WAIT) -> bool:
    """Wait until every server log says its watcher's idle pass is done (dashboard/warm.py logs
    "prebuilt …"), as on a server up a while; False at timeout."""
    text = "prebuilt "
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = 0
        for log in logs:
            with contextlib.suppress(OSError):
                seen += text in log.read_text(errors="replace")
        if seen == len(logs):
            return True
        time.sleep(1.0)
    return False


def streamlit_stats(url: str) -> dict[str, float]:
    """Streamlit's own memory accounting (/_stcore/metrics): bytes held by st.cache_data,
    st.cache_resource and session state, summed by kind, and the sessions it counts."""
    out: dict[str, float] = {}
    try:
        with urllib.request.urlopen(url + "/_stcore/metrics", timeout=10) as r:  # noqa: S310 (our own server)
            text = r.read().decode()
    except OSError:
        return out
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        name, value = line.rsplit(" ", 1)
        kind = name.split('cache_type="', 1)[1].split('"', 1)[0] if 'cache_type="' in name else name.split("{")[0]
        with contextlib.suppress(ValueError):
            out[kind] = out.get(kind, 0.0) + float(value)
    return out


def log_problems(logs: list[Path]) -> list[str]:
    """The server logs' problem lines; a Traceback is named by the exception line that ends it."""
    out = []
    for log in logs:
        with contextlib.suppress(OSError):
            lines = log.read_text(errors="replace").splitlines()
            for i, ln in enumerate(lines):
                if not any(p in ln for p in LOG_PROBLEM):
                    continue
                if "Traceback" in ln:
                    ln += " … " + next((x for x in lines[i + 1:] if x and not x[0].isspace()), "")[:200]
                out.append(f"{log.name}: {ln}")
    return out


# -- a step: N sessions for `duration` seconds ----------------------------------------------------

@dataclass
class Step:
    n: int
    reruns: int
    p50: float
    p95: float
    worst: float
    errors: list[str]
    publishes_ok: int
    publishes: int
    cores: float  # server CPU seconds per second while the sessions ran
    rss_idle: int  # warm server, no sessions
    rss_end: int  # with the sessions still open
    client_cores: float
    wall: float
    # the reruns that ran wholly outside the AFTER_PUBLISH seconds from each publish: how many,
    # and their p95 (what the sessions see between publishes)
    away_reruns: int = 0
    away_p95: float = float("nan")

    @property
    def passed(self) -> bool:
        return not self.errors and self.reruns > 0 and self.p95 <= P95_TARGET and self.publishes_ok == self.publishes

    def row(self) -> str:
        return (f"N={self.n}: {self.reruns} reruns, p50 {self.p50 * 1000:.0f} ms, p95 {self.p95 * 1000:.0f} ms, "
                f"max {self.worst * 1000:.0f} ms, {len(self.errors)} errors, publishes {self.publishes_ok}/"
                f"{self.publishes}, server {self.cores:.2f} cores, RSS {self.rss_idle / 2**20:.0f}→"
                f"{self.rss_end / 2**20:.0f} MiB, client {self.client_cores:.2f} cores, {self.wall:.0f} s"
                + (f"; away from publishes (from {AFTER_PUBLISH:.0f} s after each): {self.away_reruns} reruns, "
                   f"p95 {self.away_p95 * 1000:.0f} ms" if self.publishes else "")
                + f" → {'pass' if self.passed else 'FAIL'}")


@contextlib.contextmanager
def workspace(template_db: Path, prefix: str) -> Iterator[tuple[Path, Path, list[str]]]:
    """A temp folder with a private copy of the warehouse (publishes go into it): (folder, db, base dates)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as d:
        work = Path(d)
        db = work / "wh" / "warehouse.duckdb"
        db.parent.mkdir()
        shutil.copyfile(template_db, db)
        yield work, db, base_dates(db)


def run_step(template_db: Path, n: int, duration: float, think: tuple[float, float], publishes: int,
             r: int = 1, proxy: bool = False, seed: int = 1, prebuilt_wait: float = 0.0) -> Step:
    """prebuilt_wait: at most this many seconds between the warming visit and the sessions, for
    each server's watcher to say it has built ahead what it builds when idle (dashboard/warm.py)."""
    with workspace(template_db, "dxgap-capacity-") as (work, db, dates):
        with serving(db, r, proxy, work) as served:
            warm(served.url, dates, proxy)
            wait_prebuilt(served.logs, prebuilt_wait)
            time.sleep(1.0)
            sampler = Sampler(served.pids)
            rss_idle = sampler.take()[2]
            load, rng = Load(), random.Random(seed * 7919 + n)
            t0 = time.monotonic()
            stop, hard_stop = t0 + duration, t0 + STEP_LIMIT
            client0 = os.times()
            sampler.start()
            threads = [threading.Thread(target=session, daemon=True, args=(
                served.url, load, random.Random(rng.random()), dates, t0 + rng.uniform(0, think[1]), stop, think,
                proxy, hard_stop)) for _ in range(n)]
            for t in threads:
                t.start()
            for k in range(publishes):
                time.sleep(max(0.0, t0 + duration * (k + 1) / (publishes + 1) - time.monotonic()))
                proc = publish(db, work, k + 1)
                load.publishes.append((time.monotonic() - t0, proc.returncode, (proc.stdout + proc.stderr)[-300:]))
            time.sleep(max(0.0, stop - time.monotonic()))
            rss_end = sampler.take()[2]  # every session still open (they leave after their last answer)
            for t in threads:
                t.join(max(0.0, hard_stop - time.monotonic()))
            stuck = sum(t.is_alive() for t in threads)
            wall = time.monotonic() - t0
            client1 = os.times()
            sampler.stop()
            problems = log_problems(served.logs)
        if stuck:
            load.error(f"{stuck} sessions still waiting for an answer at the {STEP_LIMIT:.0f} s bound")
        load.errors += [f"server log: {p}" for p in problems[:20]]
        load.errors += [f"publish at {at:.0f} s exit {code}: {out}" for at, code, out in load.publishes if code]
    active = [row for row in sampler.rows if t0 <= row[0] <= stop]
    cores = (active[-1][1] - active[0][1]) / max(active[-1][0] - active[0][0], 1e-9) if len(active) > 1 else float("nan")
    secs = [s.seconds for s in load.samples]
    away = away_from_publishes(load.samples, [t0 + at for at, _, _ in load.publishes])
    client = (client1.user + client1.system - client0.user - client0.system) / max(wall, 1e-9)
    return Step(n, len(secs), statistics.median(secs) if secs else float("nan"), percentile(secs, 0.95),
                max(secs, default=float("nan")), load.errors, sum(1 for p in load.publishes if p[1] == 0), publishes,
                cores, rss_idle, rss_end, client, wall, len(away), percentile(away, 0.95))


def away_from_publishes(samples: list[Sample], landed: list[float]) -> list[float]:
    """The rerun times of the samples that neither ran while a publish landed nor started within
    AFTER_PUBLISH seconds after one (landed: monotonic times): every cached result keys on the
    warehouse version, so the views asked for in those seconds are all computed afresh."""
    return [s.seconds for s in samples
            if not any(s.at < at + AFTER_PUBLISH and s.at + s.seconds > at for at in landed)]


