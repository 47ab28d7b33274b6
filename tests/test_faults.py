"""Fault injection: the ETL killed with SIGKILL at random points of a load, and a full disk.

After every kill the warehouse opens and holds exactly the state before the load, or (only when
load_log shows the load, i.e. the kill came after the atomic replace) exactly the state after it;
the temp files of a killed run never break a later load. A full disk (a small tmpfs) makes the
load fail with exit 1 and a clear Japanese message, and leaves the warehouse byte-identical.

`make test` runs 5 kills; `make stress` runs 20 (seed fixed, figures in bench/out/faults.md).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import testing

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DATE = dt.date(2024, 10, 1)
PREF = "31"  # 鳥取県: 19 municipalities, every file covers all of them
SEED = 20251001
MART_TABLES = ("talent_roster", "talent_assignment", "dx_system_status", "municipalities", "prefectures")
SURVEY_COLUMNS = "base_date, lg_code, dx_staff, dedicated, concurrent, external_talent, has_cio_aide"


# -- helpers ----------------------------------------------------------------------------------

def load_args(path: Path, db: Path) -> list[object]:
    return ["load", "survey", path, "--db", db, "--base-date", DATE.isoformat()]


def load_cmd(path: Path, db: Path) -> list[str]:
    """The load as a child process to kill (testing.run_etl waits for it)."""
    return [sys.executable, "-m", "etl", *map(str, load_args(path, db))]


def run_load(path: Path, db: Path) -> testing.Run:
    return testing.run_etl(*load_args(path, db))


def survey_file(folder: Path, parity: int, serial: int) -> Path:
    """All 19 municipalities of 鳥取県 with counts (i + 3·parity) % 7; serial blank lines at the end
    give each file its own sha256, same figures."""
    return testing.prefecture_survey(folder, f"survey_{parity}_{serial:03d}.csv", 3 * parity, serial, PREF)


def figures(db: Path) -> dict[str, list[tuple]]:
    """The published figures (opening the file is itself part of the check)."""
    with duckdb.connect(str(db), read_only=True) as con:
        # Tables by name through the relational API (no SQL text); rows sorted for comparison.
        out = {t: sorted(con.table(t).fetchall(), key=repr) for t in MART_TABLES}
        out["staff_survey"] = sorted(con.table("staff_survey").select(SURVEY_COLUMNS).fetchall(), key=repr)
    return out


def loaded_shas(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT sha256 FROM load_log WHERE status = 'loaded' ORDER BY source_id")
                .fetchall()]


def stale_temps(db: Path) -> list[Path]:
    """Temp files of a writer: the publish copy (and its WAL), version copies, archive copies."""
    folder = db.parent
    return sorted([*folder.glob(f".{db.name}.*.tmp*"), *(folder / "versions").glob("*/.*.tmp"),
                   *(folder / "raw").glob("*.tmp")])


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> dict:
    """The figures after an uninterrupted load of each content (0 and 1), on scratch copies,
    and how long a whole load takes (the window the kills are drawn from)."""
    scratch = tmp_path_factory.mktemp("faults_expected")
    out: dict = {"durations": []}
    for parity in (0, 1):
        db = testing.copy_db(testing.sample_db(), scratch / f"wh{parity}")
        started = time.monotonic()
        run = run_load(survey_file(scratch, parity, 0), db)
        out["durations"].append(time.monotonic() - started)
        assert run.code == 0, run.out + run.err
        out[parity] = figures(db)
    out["before"] = figures(testing.sample_db())
    assert out[0]["staff_survey"] != out[1]["staff_survey"] != out["before"]["staff_survey"]
    out["duration"] = statistics.median(out["durations"])
    return out


# -- SIGKILL at random points -----------------------------------------------------------------

def kill_runs(kills: int, expected: dict, folder: Path) -> dict[str, int]:
    db = testing.copy_db(testing.sample_db(), folder / "wh")
    inputs = folder / "inputs"
    inputs.mkdir()
    rng = random.Random(SEED)
    phases = {"before publish": 0, "during publish": 0, "after the swap": 0, "finished": 0}
    for i in range(1, kills + 1):
        before_sha, before_fig, before_log = testing.sha256(db), figures(db), loaded_shas(db)
        temps_before = set(stale_temps(db))
        parity = i % 2
        src = survey_file(inputs, parity, i)
        src_sha = testing.sha256(src)
        proc = subprocess.Popen(load_cmd(src, db), cwd=ROOT, env=testing.etl_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, expected["duration"]))
        if proc.poll() is None:
            proc.kill()  # SIGKILL: no finally blocks, no cleanup
        code = proc.wait()
        log = loaded_shas(db)
        if src_sha in log:
            assert log == [*before_log, src_sha], "exactly one new load"
            assert figures(db) == expected[parity], f"kill {i}: the figures after the load"
            phases["finished" if code == 0 else "after the swap"] += 1
        else:
            assert code != 0, f"kill {i}: the load finished but is not in load_log"
            assert testing.sha256(db) == before_sha, f"kill {i}: the warehouse changed although the load is not in load_log"
            assert figures(db) == before_fig
            temps = set(stale_temps(db))  # new temp files, or old ones cleaned: it reached the publish
            phases["during publish" if temps != temps_before else "before publish"] += 1

    # The next load, left alone, succeeds and leaves no temp file of any killed run behind.
    last = (kills + 1) % 2
    run = run_load(survey_file(inputs, last, kills + 1), db)
    assert run.code == 0, run.out + run.err
    assert "取り込みました" in run.out
    assert figures(db) == expected[last]
    assert not [p for p in stale_temps(db) if p.name.startswith(f".{db.name}.")], stale_temps(db)
    from etl.versions import list_versions

    assert list_versions(db).readable.all()
    return phases


def _report(kills: int, phases: dict[str, int], expected: dict) -> str:
    lines = [f"# Fault injection: SIGKILL during `python -m etl load survey` ({kills} kills, seed {SEED})", "",
             f"{dt.datetime.now():%Y-%m-%d %H:%M}; kill delay uniform in [0, {expected['duration']:.2f} s] "
             "(the median uninterrupted load)", "",
             "| where the kill landed | runs | warehouse afterwards |", "|---|---|---|"]
    state = {"before publish": "byte-identical to before", "during publish": "byte-identical to before",
             "after the swap": "exactly the new figures", "finished": "exactly the new figures (load ended first)"}
    lines += [f"| {k} | {v} | {state[k]} |" for k, v in phases.items()]
    lines += ["", "Every run: the warehouse opens; figures equal the state before or (load in load_log) after; "
              "the next uninterrupted load succeeds and no temp file is left.", "",
              "Command: `make stress` (tests/test_faults.py::test_sigkill_during_load_full)"]
    return "\n".join(lines) + "\n"


def test_sigkill_during_load_short(expected, tmp_path):
    phases = kill_runs(5, expected, tmp_path)
    print(f"\n5 kills: {phases}")


@pytest.mark.stress
def test_sigkill_during_load_full(expected, tmp_path):
    phases = kill_runs(20, expected, tmp_path)
    print(f"\n20 kills: {phases}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "faults.md").write_text(_report(20, phases, expected), encoding="utf-8")


def test_kill_in_the_middle_of_publishing_leaves_a_temp_file_the_next_load_removes(expected, tmp_path):
    """Deterministic: wait until the publish copy exists, then SIGKILL."""
    db = testing.copy_db(testing.sample_db(), tmp_path / "wh")
    before = testing.sha256(db)
    proc = subprocess.Popen(load_cmd(survey_file(tmp_path, 0, 1), db), cwd=ROOT, env=testing.etl_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(db.parent.glob(f".{db.name}.*.tmp")):
        assert proc.poll() is None, "the load ended before its publish copy was seen"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    proc.kill()
    proc.wait()
    left = list(db.parent.glob(f".{db.name}.*.tmp"))
    assert left, "the killed run left its publish copy"
    assert testing.sha256(db) == before and figures(db) == expected["before"]

    run = run_load(survey_file(tmp_path, 1, 2), db)
    assert run.code == 0, run.out + run.err
    assert figures(db) == expected[1]
    assert not [p for p in left if p.exists()], "the next publish removes the dead run's temp file"


# -- a full disk ------------------------------------------------------------------------------

def _mount_tmpfs(target: Path, kib: int) -> None:
    if os.geteuid() != 0:
        pytest.skip("a full disk is simulated with a tmpfs mount, which needs root")
    target.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(target)],
                         capture_output=True, text=True, check=False)
    if run.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({run.stderr.strip() or run.returncode}); needs CAP_SYS_ADMIN")


@pytest.mark.parametrize("room", [0.4, 1.6], ids=["no_room_for_the_publish_copy", "no_room_for_the_kept_versions"])
def test_full_disk_fails_cleanly_and_changes_nothing(room, tmp_path):
    """room: free space after the warehouse, as a share of its size. 0.4: the copy cannot be
    made; 1.6: the copy fits, the kept versions (another copy or two) do not."""
    src = testing.sample_db()
    size = src.stat().st_size
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, int(size * (1 + room)) // 1024 + 64)
    try:
        db = disk / "warehouse.duckdb"
        shutil.copyfile(src, db)
        shutil.copyfile(src.parent / ".salt", disk / ".salt")
        before = testing.sha256(db)
        free_before = shutil.disk_usage(disk).free
        run = run_load(survey_file(tmp_path, 0, 1), db)
        assert run.code == 1, run.out + run.err
        assert "ディスクの空き容量が足りないため公開を中止しました" in run.err, run.err
        assert "倉庫は変更していません" in run.err and "Traceback" not in run.err
        assert testing.sha256(db) == before, "the warehouse is byte-identical"
        assert figures(db)["staff_survey"], "and still opens"
        assert not stale_temps(db), "the partial copies are removed"
        assert shutil.disk_usage(disk).free >= free_before - 64 * 1024, "the space is given back"
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
