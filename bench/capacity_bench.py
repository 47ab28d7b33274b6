"""Sessions one server holds: N headless websocket sessions that behave like users.

    .venv/bin/python bench/capacity_bench.py                  # steps, quiet steps, R=1 against R=2, 30-min soak
    .venv/bin/python bench/capacity_bench.py --quick          # a smoke run: small N, short durations
    .venv/bin/python bench/capacity_bench.py --only steps     # or quiet, replicas, soak (repeatable)

Each session is a websocket client of testing/rerun.py (the browser's rerun message, its
message cache, timed to the server's script_finished). It opens the app from a shared link (the
national map, or a prefecture), then every 5–10 s (think time, uniform) changes a filter on its
page (a prefecture switch, the threshold, the base date, the region or the map metric) or opens
another page with its view in the URL, as the app's URL state does. Sessions start spread over
the first think time. Twice during the 60 s a real `python -m etl load survey …` publishes a new
warehouse into the served file.

steps: on one server (this app's config, loopback), N = 10, 20, 35, 50, 70, 100, 140, 200, … until
a step fails: p95 rerun latency > 1 s, or any error (an exception element, the app's error box, a
disconnect, a rerun unanswered after 30 s, a Traceback in the server log). Every step runs on a
fresh server and a fresh copy of the warehouse (warmed by one session first), for 60 s of
sessions, and is bounded to 120 s including the ramp and the last answers; what is unanswered then
is an error. Reports the largest passing N, the server's CPU (cores and per session) and its RSS
(warm idle, at the end of the step, and per session).

quiet: the same steps on one server with no publish during the run (not the target's setting: what
a server holds between publishes, which come a few times a year).

replicas: the same steps through nginx (deploy/replicas.py) with R=1 and with R=2, in one run:
each browser first opens the page, is given its replica by cookie and keeps it.

soak: S sessions (default 50) coming and going for 30 minutes on the configuration that holds them
here (--soak-replicas, default 2 replicas behind nginx; 1 = one server): each session lives 1–5
minutes, then closes and a new one opens; a publish every 10 minutes. The servers' RSS (summed) is
sampled every 5 s; growth is its last-minute mean against the mean of minute 4–5 (caches filled and
Streamlit's disconnected sessions, kept 120 s, at their steady count). After the sessions end and
the disconnected-session TTL passes, the idle RSS is compared with the warm idle RSS before. With
one server, it runs under bench/memprobe.py and reports what it still holds: Streamlit's stored
sessions, the heap without them, what a full gc.collect() finds, and the RSS after malloc_trim.

Writes bench/out/capacity_bench.md (figure, measured, target, command). The load generator runs
on the same cores; its own CPU is reported beside the server's.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

logging.getLogger("streamlit").setLevel(logging.ERROR)

import testing  # noqa: E402
from bench import memprobe  # noqa: E402
from deploy import replicas  # noqa: E402
from testing.capacity import (  # noqa: E402
    AFTER_PUBLISH,
    PREBUILT_WAIT,
    RERUN_TIMEOUT,
    Load,
    Sampler,
    Step,
    log_problems,
    percentile,
    publish,
    run_step,
    serving,
    session,
    streamlit_stats,
    wait_prebuilt,
    warm,
    workspace,
)

OUT = ROOT / "bench" / "out"
STEPS = [10, 20, 35, 50, 70, 100, 140, 200, 280, 400]
TARGET_SESSIONS = 50
# The soak runs on the configuration that holds TARGET_SESSIONS here: one process uses one core
# (the GIL), so this 2-core machine serves them from two replicas (the steps measure both).
SOAK_REPLICAS = 2


def step_up(template_db: Path, steps: list[int], duration: float, think: tuple[float, float], publishes: int,
            r: int = 1, proxy: bool = False, label: str = "") -> list[Step]:
    done = []
    for n in steps:
        step = run_step(template_db, n, duration, think, publishes, r, proxy, prebuilt_wait=PREBUILT_WAIT)
        print(f"{label}{step.row()}", flush=True)
        for e in step.errors[:5]:
            print(f"    {e}", flush=True)
        done.append(step)
        if not step.passed:
            break
    return done


# -- soak: sessions coming and going --------------------------------------------------------------

@dataclass
class Soak:
    minutes: float
    sessions: int
    opened: int
    reruns: int
    p95: float
    errors: list[str]
    rss_idle: int
    rss_early: float
    rss_late: float
    rss_settled: int
    samples: list[tuple[float, int]]  # (seconds since the start, RSS)
    early_window: tuple[float, float]  # minutes
    stats: dict[str, dict[str, float]]  # Streamlit's accounting: early, end, settled
    probes: dict[str, dict]  # bench/memprobe.py: idle (warm, before the sessions), settled
    publishes: int
    prebuilt: bool  # every server's idle pass had finished before the sessions started

    @property
    def growth(self) -> float:
        return self.rss_late / self.rss_early - 1


def soak(template_db: Path, minutes: float, sessions: int, think: tuple[float, float],
         life: tuple[float, float] = (60, 300), publish_every: float = 600, settle: float = 130,
         flags: tuple[str, ...] = (), probe: bool = False, r: int = 1) -> Soak:
    """r > 1: R replicas behind nginx (their RSS summed); the probe then is not run (one server only)."""
    proxy = r > 1
    with workspace(template_db, "dxgap-soak-") as (work, db, dates):
        probes: dict[str, dict] = {}
        folder = work / "probe" if probe and not proxy else None
        with serving(db, r, proxy, work, flags, folder) as served:
            warm(served.url, dates, proxy)
            # A server that has been up a while: its watcher has built ahead what it builds when idle
            # (dashboard/warm.py), so the growth measured is the sessions' (the log says when).
            prebuilt = wait_prebuilt(served.logs)
            time.sleep(1.0)
            if folder:  # the warm server, before any session (its garbage collected: the baseline)
                probes["idle"] = memprobe.ask(folder, "idle")
            sampler = Sampler(served.pids, every=5.0)
            rss_idle = sampler.take()[2]
            load, rng = Load(), random.Random(20251001)
            t0 = time.monotonic()
            end = t0 + minutes * 60
            sampler.start()

            def slot(i: int) -> None:  # one seat: a user comes, stays a while, leaves, the next comes
                start = t0 + rng.uniform(0, think[1])
                while start < end - think[1]:
                    stop = min(end, start + rng.uniform(*life))
                    session(served.url, load, random.Random(rng.random()), dates, start, stop, think, proxy,
                            stop + RERUN_TIMEOUT)
                    start = time.monotonic() + rng.uniform(0, 2)

            seats = [threading.Thread(target=slot, args=(i,), daemon=True) for i in range(sessions)]
            for t in seats:
                t.start()
            stats: dict[str, dict[str, float]] = {}
            at_early = t0 + 0.15 * (end - t0)
            early_stats = threading.Timer(max(0.0, at_early - time.monotonic()),
                                          lambda: stats.__setitem__("early", streamlit_stats(served.url)))
            early_stats.daemon = True
            early_stats.start()
            k = 0
            while time.monotonic() < end - publish_every / 2:
                time.sleep(max(0.0, min(end, t0 + publish_every * (k + 1)) - time.monotonic()))
                if time.monotonic() >= end - 1:
                    break
                k += 1
                proc = publish(db, work, k)
                load.publishes.append((time.monotonic() - t0, proc.returncode, (proc.stdout + proc.stderr)[-300:]))
            time.sleep(max(0.0, end - time.monotonic()))
            stats["end"] = streamlit_stats(served.url)
            for t in seats:
                t.join(max(0.0, end + RERUN_TIMEOUT - time.monotonic()))
            time.sleep(settle)  # disconnected sessions expire after server.disconnectedSessionTTL (120 s)
            stats["settled"] = streamlit_stats(served.url)
            sampler.stop()
            rss_settled = sampler.rows[-1][2]
            if folder:  # last: it drops Streamlit's expired sessions and trims the heap
                probes["settled"] = memprobe.ask(folder, "settled", expire=True)
            problems = log_problems(served.logs)
        load.errors += [f"server log: {p}" for p in problems[:20]]
        load.errors += [f"publish at {at:.0f} s exit {code}: {out}" for at, code, out in load.publishes if code]
    rows = [(at - t0, rss) for at, _, rss in sampler.rows if t0 <= at <= end]
    span = rows[-1][0] if rows else 0
    window = (0.13 * span, 0.17 * span)  # minutes 4–5 of 30: caches warm, disconnected sessions at their steady count
    early = [rss for at, rss in rows if window[0] <= at <= window[1]] or [rows[0][1]]
    late = [rss for at, rss in rows if at >= span - max(60, 0.03 * span)]
    secs = [s.seconds for s in load.samples]
    return Soak(minutes, sessions, load.sessions_opened, len(secs), percentile(secs, 0.95), load.errors, rss_idle,
                statistics.mean(early), statistics.mean(late), rss_settled, rows, (window[0] / 60, window[1] / 60), stats, probes,
                sum(1 for p in load.publishes if p[1] == 0), prebuilt)


# -- report ---------------------------------------------------------------------------------------

def mib(b: float) -> str:
    return f"{b / 2**20:.0f} MiB"


def capacity_rows(steps: list[Step], what: str, command: str, target: str) -> list[tuple[str, str, str, str]]:
    passed = [s for s in steps if s.passed]
    best = passed[-1] if passed else None
    failed = next((s for s in steps if not s.passed), None)
    tried = ", ".join(f"{s.n}{'' if s.passed else '✗'}" for s in steps)
    if best is None:
        measured = f"none passed (N tried: {tried})"
    else:
        measured = (f"**{best.n}** (p95 {best.p95 * 1000:.0f} ms, {best.reruns} reruns, 0 errors; N tried: {tried}"
                    + ("; no step failed up to the last one" if failed is None else "") + ")")
    rows = [(f"{what}: largest N with p95 ≤ 1 s and 0 errors", measured, target, command)]
    if failed is not None:
        why = f"p95 {failed.p95 * 1000:.0f} ms" + (f", {len(failed.errors)} errors: {failed.errors[0][:120]}"
                                                   if failed.errors else "")
        rows.append((f"{what}: first failing step", f"N={failed.n}: {why}", "—", "same"))
    if steps and steps[0].publishes:
        # Where the time goes: the seconds after a publish (every view computed afresh) against the rest.
        rows.append((f"{what}: p95 of the reruns away from the publishes (none running when one landed, none "
                     f"started in the {AFTER_PUBLISH:.0f} s after it)",
                     ", ".join(f"N={s.n}: {s.away_p95 * 1000:.0f} ms ({s.away_reruns} of {s.reruns} reruns)"
                               for s in steps), "shown", "same"))
    if best is not None:
        per_session = (best.rss_end - best.rss_idle) / best.n
        rows.append((f"{what}: server CPU at N={best.n}", f"{best.cores:.2f} cores, {best.cores / best.n * 100:.1f}% "
                     f"of a core per session (load generator {best.client_cores:.2f} cores)", "shown", "same"))
        rows.append((f"{what}: server memory at N={best.n}", f"{mib(best.rss_idle)} warm idle → {mib(best.rss_end)} "
                     f"with the sessions, {per_session / 2**20:.1f} MiB per session", "shown", "same"))
    return rows


def soak_attribution(s: Soak) -> str:
    """Why the settled server is larger than the warm one, from the probes (bench/memprobe.py)."""
    idle, settled = s.probes.get("idle") or {}, s.probes.get("settled") or {}
    if not idle or not settled or not settled.get("heap"):
        return ""
    heap0 = idle["heap_after_gc"]["in_use"]
    held = settled["heap_after_gc"]["in_use"] - settled.get("heap_after_expire", settled["heap_after_gc"])["in_use"]
    rest = settled.get("heap_after_expire", settled["heap_after_gc"])["in_use"] - heap0
    kept = settled["types_after_gc"].get("AppSession", 0) - idle["types_after_gc"].get("AppSession", 0)
    garbage_heap = settled["heap"]["in_use"] - settled["heap_after_gc"]["in_use"]
    verdict = ("not garbage left by runner.postScriptGC = false" if garbage_heap < 0.05 * max(held + rest, 1)
               else f"{mib(garbage_heap)} of heap was garbage awaiting a full collection (runner.postScriptGC = false)")
    return (f"{kept} disconnected sessions still stored by Streamlit after their TTL (it drops expired ones at its "
            f"next change; at most 128) held {mib(held)} of malloc heap; without them the heap is {mib(rest)} "
            f"above the warm server ({settled.get('shared_entries', 0)} shared query results and figures held "
            f"(dashboard.cache, each bounded), {settled['types_after_gc'].get('Figure', 0)} figures). A full gc.collect() found "
            f"{settled['gc_collected']} unreachable objects (RSS {mib(settled['rss'])} → {mib(settled['rss_after_gc'])}): "
            f"{verdict}. RSS after dropping the sessions and malloc_trim(0): "
            f"{mib(settled['rss_after_trim'])} (the allocator keeps freed memory for reuse)" + _pymalloc_note(idle, settled))


def _pymalloc_note(idle: dict, settled: dict) -> str:
    """CPython's own allocator, whose arenas glibc's heap figures do not count."""
    before, after = idle.get("pymalloc_after_trim") or {}, settled.get("pymalloc_after_trim") or {}
    if not before.get("arenas") or not after.get("arenas"):
        return ""
    return (f". CPython's object allocator (its 1 MiB arenas, not in glibc's heap): {before['arenas']} arenas "
            f"holding {mib(before['allocated'])} of live objects on the warm server, {after['arenas']} holding "
            f"{mib(after['allocated'])} once the sessions are dropped, {mib(after['available'])} free inside "
            f"arenas that still hold live objects (an arena is given back only when wholly empty)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, help="warehouse to copy for each step (default: the sample, built once)")
    ap.add_argument("--only", action="append", choices=["steps", "quiet", "replicas", "soak"])
    ap.add_argument("--quick", action="store_true", help="small N and short durations (a smoke run)")
    ap.add_argument("--steps", help="comma-separated N (default 10,20,35,50,70,100,140,200,280,400)")
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--think", default="5,10", help="think time range in seconds (default 5,10)")
    ap.add_argument("--publishes", type=int, default=2)
    ap.add_argument("--soak-minutes", type=float, default=30.0)
    ap.add_argument("--soak-sessions", type=int, default=TARGET_SESSIONS)
    ap.add_argument("--soak-replicas", type=int, default=SOAK_REPLICAS,
                    help=f"servers behind nginx for the soak (default {SOAK_REPLICAS}: the configuration that holds "
                         f"{TARGET_SESSIONS} sessions on this machine; 1 = one server, no proxy)")
    args = ap.parse_args()
    if args.quick:
        args.steps = args.steps or "5,10"
        args.duration, args.think = min(args.duration, 20.0), "2,4" if args.think == "5,10" else args.think
        args.soak_minutes, args.soak_sessions = min(args.soak_minutes, 3.0), min(args.soak_sessions, 10)
    steps = [int(x) for x in args.steps.split(",")] if args.steps else STEPS
    think = tuple(float(x) for x in args.think.split(","))
    modes = args.only or ["steps", "quiet", "replicas", "soak"]
    db = args.db or testing.sample_db()
    given = [a for a in sys.argv[1:] if a not in ("--only", *modes)]
    cmd = " ".join(["python bench/capacity_bench.py", *given])
    settings = (f"{args.duration:.0f} s of sessions per step, think {think[0]:g}–{think[1]:g} s, "
                f"{args.publishes} publishes")
    rows: list[tuple[str, str, str, str]] = []
    if "steps" in modes:
        got = step_up(db, steps, args.duration, think, args.publishes, label="one server: ")
        rows += capacity_rows(got, f"one server ({settings})", f"{cmd} --only steps", f"≥ {TARGET_SESSIONS}")
    if "quiet" in modes:
        # Not the target's setting: the same sessions with no publish during the run, the state a
        # server is in between the few publishes a year (what a planner sizes a server by).
        quiet = settings.replace(f"{args.publishes} publishes", "no publish")
        got = step_up(db, steps, args.duration, think, 0, label="one server, no publish: ")
        rows += capacity_rows(got, f"one server ({quiet}; not the target's setting)", f"{cmd} --only quiet", "shown")
    if "replicas" in modes and replicas.nginx_binary():
        for r in (1, 2):
            got = step_up(db, steps, args.duration, think, args.publishes, r=r, proxy=True, label=f"nginx R={r}: ")
            # The machine's target: one Python process runs on one core (the GIL), so on two cores
            # two replicas are how it is served (the soak's configuration); R=2 should also beat R=1.
            rows += capacity_rows(got, f"nginx + R={r} replica{'s' if r > 1 else ''} (same settings)",
                                  f"{cmd} --only replicas", f"≥ {TARGET_SESSIONS}" if r == 2 else "—")
    elif "replicas" in modes:
        rows.append(("nginx + replicas", "not measured: nginx not installed (make system-deps)", "—", cmd))
    if "soak" in modes:
        r = args.soak_replicas if replicas.nginx_binary() else 1
        s = soak(db, args.soak_minutes, args.soak_sessions, think, life=(15, 45) if args.quick else (60, 300),
                 probe=True, r=r)
        early = f"minutes {s.early_window[0]:.1f}–{s.early_window[1]:.1f}"
        print(f"soak: {s.opened} sessions opened, {s.reruns} reruns, p95 {s.p95 * 1000:.0f} ms, "
              f"{len(s.errors)} errors, RSS idle {mib(s.rss_idle)}, {early} {mib(s.rss_early)}, "
              f"end {mib(s.rss_late)} ({s.growth:+.1%}), settled {mib(s.rss_settled)}", flush=True)
        where = f"nginx + R={r} replicas, RSS summed" if r > 1 else "one server"
        what = (f"soak: {s.sessions} sessions coming and going for {s.minutes:g} min on {where} ({s.opened} opened, "
                f"{s.publishes} publishes; started {'after' if s.prebuilt else 'without waiting for'} the watchers' "
                f"idle pass)")
        rows.append((f"{what}: server RSS growth, last minute ÷ {early}",
                     f"{s.growth:+.1%} ({mib(s.rss_early)} → {mib(s.rss_late)})", "≤ +10%", f"{cmd} --only soak"))
        rows.append((f"{what}: idle RSS after the sessions (TTL passed) ÷ warm idle before",
                     f"{s.rss_settled / s.rss_idle - 1:+.1%} ({mib(s.rss_idle)} → {mib(s.rss_settled)})", "shown", "same"))
        rows.append((f"{what}: reruns, p95, errors", f"{s.reruns}, {s.p95 * 1000:.0f} ms, {len(s.errors)}"
                     + (f" (first: {s.errors[0][:120]})" if s.errors else "")
                     + "".join(f"; {e[:300]}" for e in s.errors if e.startswith("server log:"))[:1200],
                     "0 errors", "same"))
        every = max(1, round(len(s.samples) / 12))
        rows.append((f"{what}: server RSS over the run", ", ".join(f"{at / 60:.1f} min {mib(rss)}"
                                                                    for at, rss in s.samples[::every]), "shown", "same"))
        if s.probes:  # the whole probes, for a closer look than the table's line
            OUT.mkdir(parents=True, exist_ok=True)
            (OUT / "capacity_probes.json").write_text(json.dumps(s.probes, indent=1), encoding="utf-8")
        why = soak_attribution(s)
        if why:
            rows.append((f"{what}: what the server holds once the sessions are gone (bench/memprobe.py)", why,
                         "shown", "same"))
    table = ["# Capacity: sessions per server", "",
             "| figure | measured | target | command |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | `{d}` |" if d != "same" else f"| {a} | {b} | {c} | same |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "capacity_bench.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
