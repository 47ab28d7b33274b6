"""ETL benchmark: sample build time, a 100× synthetic scale-up, and the cost of validation.

    .venv/bin/python bench/etl_bench.py            # full: 100 survey files × 1,741 rows, 50,000 roster rows
    .venv/bin/python bench/etl_bench.py --quick    # smoke test: 10× (10 surveys, 5,000 roster rows)

Plain Python (no pytest, no external timing tool). Every figure is wall-clock time of a
child process (`python -m etl build ...`), and peak memory is the child's ru_maxrss as the
kernel reports it when the child is reaped (os.wait4, the per-child form of
getrusage(RUSAGE_CHILDREN), so earlier children cannot inflate it). Prints a Markdown table and
writes it to bench/out/etl_bench.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402

from etl.build import DEFAULT_INPUTS, input_files  # noqa: E402
from etl.dates import wareki  # noqa: E402
from etl.reference import municipalities, prefectures  # noqa: E402

OUT_DIR = REPO / "bench" / "out"
SAMPLE = REPO / "data" / "sample"
SURVEY_HEADER = ["団体コード", "都道府県名", "市区町村名", "DX担当職員数", "専任", "兼任", "外部人材", "CIO補佐官等"]
ROSTER_HEADER = ["人材番号", "氏名", "メールアドレス", "電話番号", "役割", "雇用形態", "開始日", "終了日",
                 "アクセラレータ", "支援先市町村"]
ROLES = ["プロデューサー", "PM", "プロジェクトマネージャー", "SD", "サービスデザイナー", "エンジニア", "ＩＴエンジニア"]
FORMS = ["共同採用", "派遣", "業務委託", "兼業・副業", "任期付職員", "その他"]
KIND_SCALE = {"村": 1.5, "町": 2.5, "市": 6.0, "特別区": 30.0, "政令指定都市": 80.0}
ENCODINGS = ("utf-8", "utf-8-sig", "cp932")


# -- synthetic inputs -----------------------------------------------------------------------

def base_dates(n: int, latest: dt.date = dt.date(2025, 4, 1)) -> list[dt.date]:
    """n monthly base dates going back from latest (all in the past)."""
    out, y, m = [], latest.year, latest.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def _write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def generate(out: Path, surveys: int, roster_rows: int, seed: int = 7) -> dict[str, int]:
    """Survey CSVs (one per base date, every municipality) and 47 roster CSVs into out."""
    rng = random.Random(seed)
    munis = municipalities()
    prefs = prefectures()
    pref_name = dict(zip(prefs.prefecture_code, prefs.name, strict=True))
    records = list(zip(munis.lg_code, munis.prefecture_code, munis.name, munis.kind, strict=True))
    for k, day in enumerate(base_dates(surveys)):
        rows = []
        for code, pc, name, kind in records:
            if rng.random() < 0.005:
                rows.append([code, pref_name[pc], name, "－", "", "", "", ""])
                continue
            total = round(rng.expovariate(1 / KIND_SCALE[kind]) * 2) / 2
            dedicated = round(total * rng.random() * 2) / 2
            rows.append([code, pref_name[pc], name, _num(total), _num(dedicated), _num(total - dedicated),
                         str(rng.randint(0, 2)), rng.choice("○×")])
        _write_csv(out / f"survey_{day.isoformat()}.csv", SURVEY_HEADER, rows, ENCODINGS[k % len(ENCODINGS)])

    (out / "roster").mkdir(parents=True, exist_ok=True)
    by_pref: dict[str, list[tuple[str, str]]] = {}
    for code, pc, name, _ in records:
        by_pref.setdefault(pc, []).append((code, name))
    weights = {pc: len(v) for pc, v in by_pref.items()}
    total_w = sum(weights.values())
    counts = {pc: max(1, roster_rows * w // total_w) for pc, w in weights.items()}
    counts["13"] += roster_rows - sum(counts.values())  # exact total
    serial = 0
    for pc in sorted(by_pref):
        rows = []
        for n in range(1, counts[pc] + 1):
            serial += 1
            start = dt.date(2019, 4, 1) + dt.timedelta(days=rng.randrange(0, 2500))
            end = start + dt.timedelta(days=rng.randrange(90, 900)) if rng.random() < 0.2 else None
            picks = rng.sample(by_pref[pc], k=min(len(by_pref[pc]), rng.randint(0, 3)))
            assigned = "、".join(code if rng.random() < 0.3 else name for code, name in picks)
            started = wareki(start) if rng.random() < 0.2 else start.strftime("%Y/%m/%d")  # 平成31年, 令和元年 …
            rows.append([f"P{pc}-{n:06d}", f"架空 太郎{serial}", f"bench{serial:06d}@example.jp",
                         f"090-{serial // 10000:04d}-{serial % 10000:04d}", rng.choice(ROLES), rng.choice(FORMS),
                         started, end.strftime("%Y/%m/%d") if end else "", rng.choice(["○", ""]), assigned])
        _write_csv(out / "roster" / f"roster_{pc}.csv", ROSTER_HEADER, rows, "cp932")
    return {"survey_files": surveys, "survey_rows": surveys * len(records), "roster_files": len(by_pref),
            "roster_rows": sum(counts.values())}


# -- measuring ------------------------------------------------------------------------------

def run_child(args: list[str], log: Path) -> tuple[float, int, int, float]:
    """(wall seconds, peak RSS in bytes, exit code, CPU seconds user+sys) of one child process."""
    with log.open("wb") as f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, cwd=REPO, stdout=f, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss * 1024, proc.returncode, cpu  # Linux reports ru_maxrss in KiB


def build_cmd(db: Path, inputs: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "etl", "build", "--db", str(db)]
    return [*cmd, "--inputs", str(inputs)] if inputs else cmd


def pandas_read_seconds(*folders: Path) -> float:
    """Time pandas alone takes to read the same input files (no validation; TopoJSON as plain JSON)."""
    t0 = time.perf_counter()
    for _, path in (f for inputs in folders for f in input_files(inputs)):
        if path.suffix.lower() in (".topojson", ".geojson", ".json"):
            pd.read_json(path, typ="series")
            continue
        if path.suffix.lower() == ".xlsx":
            pd.read_excel(path, sheet_name=None, header=None)
            continue
        head = path.read_bytes()[:3]
        encoding = "utf-8-sig" if head == b"\xef\xbb\xbf" else None
        for enc in (encoding or "utf-8", "cp932"):
            try:
                pd.read_csv(path, encoding=enc, dtype=str)
                break
            except UnicodeDecodeError:
                continue
    return time.perf_counter() - t0


def loaded_rows(db: Path) -> dict[str, int]:
    """Rows the build published, so a fast build that dropped rows cannot pass."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "staff_survey": con.execute("SELECT count(*) FROM staff_survey").fetchone()[0],
            "talent_roster": con.execute("SELECT count(*) FROM talent_roster").fetchone()[0],
        }


def fail(what: str, log: Path) -> None:
    sys.stderr.write(f"{what} failed; last lines of {log}:\n")
    sys.stderr.write("\n".join(log.read_text(errors="replace").splitlines()[-30:]) + "\n")
    sys.exit(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10× instead of 100× (smoke test)")
    ap.add_argument("--repeat", type=int, default=3, help="sample builds to take the median of")
    ap.add_argument("--keep", type=Path, help="generate the synthetic inputs here and keep them")
    opts = ap.parse_args()
    scale = 10 if opts.quick else 100
    surveys, roster_rows = scale, 500 * scale

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="etl_bench_") as tmp:
        tmp = Path(tmp)
        # 1. the sample build
        times, cpus = [], []
        for i in range(opts.repeat):
            db = tmp / f"sample{i}" / "warehouse.duckdb"
            wall, _, code, cpu = run_child(build_cmd(db), tmp / "sample.log")
            if code != 0:
                fail("sample build", tmp / "sample.log")
            times.append(wall)
            cpus.append(cpu)
        sample_wall = statistics.median(times)
        sample_pandas = pandas_read_seconds(*DEFAULT_INPUTS)
        cmd = "python -m etl build --db <tmp>/warehouse.duckdb"
        what = "default build (data/public + data/sample)"
        rows.append((f"{what}, wall (median of {opts.repeat})", f"{sample_wall:.2f} s", "≤ 10 s", cmd))
        rows.append((f"{what}, CPU user+sys (median)", f"{statistics.median(cpus):.2f} s", "–", cmd))
        rows.append(("default: pandas alone reads the same files", f"{sample_pandas:.2f} s", "–",
                     "pd.read_excel / pd.read_csv / pd.read_json of each input"))
        rows.append(("default: build ÷ pandas read", f"{sample_wall / sample_pandas:.1f}×", "–", "ratio"))
        only = []
        for i in range(opts.repeat):
            wall, _, code, _ = run_child(build_cmd(tmp / f"only{i}" / "warehouse.duckdb", SAMPLE), tmp / "only.log")
            if code != 0:
                fail("sample-only build", tmp / "only.log")
            only.append(wall)
        rows.append((f"data/sample alone, wall (median of {opts.repeat})", f"{statistics.median(only):.2f} s", "–",
                     "python -m etl build --inputs data/sample --db <tmp>/warehouse.duckdb"))

        # 2. the scale-up
        inputs = opts.keep or tmp / "inputs"
        inputs.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        info = generate(inputs, surveys, roster_rows)
        gen_wall = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in inputs.rglob("*") if p.is_file()) / 1e6
        print(f"generated {info} ({size_mb:.1f} MB) in {gen_wall:.1f} s", file=sys.stderr)
        db = tmp / "big" / "warehouse.duckdb"
        log = tmp / "big.log"
        big_wall, big_rss, code, big_cpu = run_child(build_cmd(db, inputs), log)
        if code != 0:
            fail(f"{scale}× build", log)
        loaded = loaded_rows(db)
        expected = {"staff_survey": info["survey_rows"], "talent_roster": info["roster_rows"]}
        if loaded != expected:
            sys.exit(f"{scale}× build loaded {loaded}, expected {expected}")
        big_pandas = pandas_read_seconds(inputs)
        db_mb = db.stat().st_size / 1e6
        label = f"{scale}×"
        what = (f"{info['survey_files']} survey CSVs × 1,741 = {info['survey_rows']:,} rows; "
                f"{info['roster_rows']:,} roster rows in {info['roster_files']} files; {size_mb:.1f} MB")
        cmd = "python -m etl build --inputs <tmp> --db <tmp>/warehouse.duckdb"
        target_wall = "≤ 60 s" if scale == 100 else "–"
        target_mem = "≤ 2 GB" if scale == 100 else "–"
        rows.append((f"{label} build, wall ({what})", f"{big_wall:.1f} s", target_wall, cmd))
        rows.append((f"{label} build, CPU user+sys", f"{big_cpu:.1f} s", "–", cmd))
        rows.append((f"{label} build, peak memory (ru_maxrss)", f"{big_rss / 2**20:,.0f} MiB", target_mem, cmd))
        rows.append((f"{label}: pandas alone reads the same files", f"{big_pandas:.1f} s", "–",
                     "pd.read_csv of each input"))
        rows.append((f"{label}: build ÷ pandas read", f"{big_wall / big_pandas:.1f}×", "–", "ratio"))
        rows.append((f"{label}: rows published (staff_survey / talent_roster)",
                     f"{loaded['staff_survey']:,} / {loaded['talent_roster']:,}", "all", "SELECT count(*)"))
        rows.append((f"{label}: warehouse file size", f"{db_mb:.1f} MB", "–", "os.stat"))

    lines = [
        f"# ETL benchmark ({'quick, 10×' if opts.quick else 'full, 100×'})",
        "",
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{platform.machine()}, load average {os.getloadavg()[0]:.1f} at the end "
        "(CPU time is the figure to compare when the machine is busy)",
        "",
        "| figure | measured | target | command |",
        "|---|---|---|---|",
        *(f"| {a} | {b} | {c} | `{d}` |" for a, b, c, d in rows),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (OUT_DIR / "etl_bench.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
