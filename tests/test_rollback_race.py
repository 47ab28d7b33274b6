"""Kept versions and rollback (etl.versions, `python -m etl versions|rollback`), and the
publish/read race: one process publishes 8 times (40 under `make stress`) while another reads at
least 10 times as often with fresh read-only connections; every read sees one complete state and
none fails."""

from __future__ import annotations

import csv
import datetime as dt
import io
import multiprocessing
import time
from pathlib import Path

import duckdb
import pytest

import testing
from etl.validate import validate
from etl.versions import current_version_id, list_versions, rollback, version_path, versions_dir
from etl.warehouse import load_file, person_salt, publish

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

DATE = dt.date(2025, 10, 1)
MART_TABLES = ("staff_survey", "talent_roster", "talent_assignment", "dx_system_status", "municipalities",
               "prefectures")
READS_PER_PUBLISH = 10  # the reader reads on after the last publish until it has read this many per publish


@pytest.fixture
def db(tmp_path) -> Path:
    return testing.copy_db(testing.sample_db(), tmp_path / "wh")


def sql(db: Path, text: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(text, params).fetchall()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    return {t: sql(db, f"SELECT * FROM {t} ORDER BY ALL") for t in MART_TABLES}


def survey_file(db: Path, folder: Path, name: str, shift: int, padding: int = 0) -> Path:
    """鳥取県's 19 municipalities with counts (i + shift) % 7; padding adds blank lines, which
    the reader skips, so the figures stay the same but the file (and its sha256) is new."""
    rows = sql(db, "SELECT m.lg_code, p.name, m.name FROM municipalities m JOIN prefectures p USING (prefecture_code) "
                   "WHERE m.prefecture_code = '31' ORDER BY m.lg_code")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["団体コード", "都道府県名", "団体名", "DX担当職員数"])
    w.writerows((code, pref, muni, (i + shift) % 7) for i, (code, pref, muni) in enumerate(rows))
    path = folder / name
    path.write_bytes((buf.getvalue() + "\r\n" * padding).encode("utf-8"))
    return path


def load(db: Path, path: Path, base_date: dt.date | None = DATE, by: str = "テスト"):
    report = validate("survey", path, salt=person_salt(db), base_date=base_date)
    assert report.ok, report.summary_lines()
    return load_file(db, report, path, loaded_by=by)


# -- rollback ----------------------------------------------------------------------------

def test_rollback_restores_the_earlier_figures_exactly_and_deletes_nothing(db, tmp_path):
    before = snapshot(db)
    revised = survey_file(db, tmp_path, "survey_2025-04-01_revised.csv", shift=3)
    result = load(db, revised, base_date=None)  # the base date comes from the file name
    assert result.status == "loaded"
    after_load = snapshot(db)
    assert after_load["staff_survey"] != before["staff_survey"]
    kept = list_versions(db)
    assert len(kept) == 2 and kept.is_current.tolist() == [False, True]
    target = kept.version_id.iloc[0]  # the sample as built, kept when the load replaced it
    archive = db.parent / "raw" / f"{result.report.sha256}.csv"
    assert archive.exists()

    restored = rollback(db, target, loaded_by="管理者")
    assert restored.status == "restored"
    assert snapshot(db) == before, "every public table is back exactly as it was"

    log = sql(db, "SELECT source_id, kind, status, loaded_by, file_name FROM load_log ORDER BY source_id DESC LIMIT 2")
    assert log[0][1:] == ("rollback", "loaded", "管理者", f"{target}.duckdb")
    assert log[1][0] == result.source_id and log[1][2] == "rolled_back", "the undone load stays in the history"
    assert log[0][0] > result.source_id, "source ids are never reused"
    assert sql(db, "SELECT value FROM meta WHERE key = 'is_sample'") == [("true",)]

    # nothing was deleted: every earlier version, the raw archive, and the state it replaced
    now = list_versions(db)
    assert set(kept.version_id) < set(now.version_id)
    assert archive.exists()
    assert now.is_current.tolist()[-1] and now.version_id.iloc[-1] == restored.new_version_id
    assert version_path(db, kept.version_id.iloc[1]).stat().st_mode & 0o222 == 0, "kept versions are read-only"

    # the rollback is itself undoable
    again = rollback(db, kept.version_id.iloc[1], loaded_by="管理者")
    assert again.status == "restored"
    assert snapshot(db) == after_load

    # rolling back to where we already are changes nothing
    unchanged = rollback(db, kept.version_id.iloc[1])
    assert unchanged.status == "unchanged"
    assert current_version_id(db) == again.new_version_id


def test_a_rolled_back_file_can_be_loaded_again(db, tmp_path):
    revised = survey_file(db, tmp_path, "survey_revised.csv", shift=2)
    first = load(db, revised)
    rollback(db, list_versions(db).version_id.iloc[0])
    assert sql(db, "SELECT count(*) FROM staff_survey WHERE base_date = ?", [DATE]) == [(0,)]
    second = load(db, revised)
    assert second.status == "loaded" and second.source_id > first.source_id
    assert sql(db, "SELECT count(*) FROM staff_survey WHERE base_date = ?", [DATE]) == [(19,)]


def test_a_failed_publish_leaves_no_version_and_no_change(db):
    load(db, survey_file(db, db.parent, "survey_a.csv", shift=1))
    before_bytes, before_versions = db.read_bytes(), sorted(versions_dir(db).iterdir())

    def broken(con):
        con.execute("INSERT INTO load_log (source_id) VALUES (NULL)").fetchall()  # violates NOT NULL

    with pytest.raises(duckdb.Error):
        publish(db, broken)
    assert db.read_bytes() == before_bytes
    assert sorted(versions_dir(db).iterdir()) == before_versions


def test_cli_versions_and_rollback(db, tmp_path):
    load(db, survey_file(db, tmp_path, "survey_a.csv", shift=1))
    listed = testing.run_etl("versions", "--db", db, check=True)
    ids = list_versions(db).version_id.tolist()
    assert all(i in listed.out for i in ids) and "*" in listed.out

    done = testing.run_etl("rollback", "--to", ids[0], "--db", db, "--loaded-by", "運用担当", check=True)
    assert done.code == 0 and "に戻しました" in done.out
    assert sql(db, "SELECT kind, loaded_by FROM load_log ORDER BY source_id DESC LIMIT 1") == [("rollback", "運用担当")]
    same = testing.run_etl("rollback", "--to", ids[0], "--db", db, check=True)
    assert same.code == 0 and "何も変更していません" in same.out

    for bad in ("20990101-000000.000-s1", "../../warehouse"):
        proc = testing.run_etl("rollback", "--to", bad, "--db", str(db))
        assert proc.code == 2 and "使い方の誤り" in proc.err
    missing = testing.run_etl("versions", "--db", str(tmp_path / "none" / "warehouse.duckdb"))
    assert missing.code == 2
    usage = testing.run_etl("rollback", "--db", str(db))  # --to is required
    assert usage.code == 2

    # a lost warehouse file is restored from its kept versions
    expected = snapshot(db)
    db.unlink()
    restored = testing.run_etl("rollback", "--to", ids[-1], "--db", db, check=True)
    assert restored.code == 0
    assert snapshot(db)["staff_survey"] != expected["staff_survey"]  # ids[-1] = the state with survey_a
    assert sql(db, "SELECT count(*) FROM staff_survey WHERE base_date = ?", [DATE]) == [(19,)]


# -- the publish/read race -----------------------------------------------------------------

CHECKSUM_SQL = """
    SELECT count(*), coalesce(sum(dx_staff), 0),
           coalesce(string_agg(lg_code || ':' || coalesce(dx_staff::VARCHAR, '-'), ',' ORDER BY lg_code), '')
    FROM staff_survey WHERE base_date = ?"""


def checksum(db: str) -> tuple:
    con = duckdb.connect(db, read_only=True)  # a fresh connection for every read
    try:
        return tuple(con.execute(CHECKSUM_SQL, [DATE]).fetchall()[0])
    finally:
        con.close()


def reader(db: str, count, stop, out, minimum: int) -> None:
    """Runs in its own (spawned) process: read until told to stop, and at least minimum times."""
    seen: dict[tuple, int] = {}
    errors: list[str] = []
    while not (stop.is_set() and count.value >= minimum):
        try:
            key = checksum(db)
            seen[key] = seen.get(key, 0) + 1
        except Exception as exc:  # any failure is a finding, reported back
            errors.append(f"{type(exc).__name__}: {exc}")
        with count.get_lock():
            count.value += 1
    out.put((seen, errors))


def wait_for_reads(count, target: int, proc) -> None:
    deadline = time.monotonic() + 120
    while count.value < target:
        assert proc.is_alive(), "the reader process died"
        assert time.monotonic() < deadline, "the reader made no progress"
        time.sleep(0.01)


# Eight publishes (two of them rollbacks) in `make test`; `make stress` runs forty.
@pytest.mark.parametrize("publishes", [pytest.param(8, id="short"), pytest.param(40, id="long", marks=pytest.mark.stress)])
def test_readers_see_the_old_or_the_new_state_never_a_mix_or_an_error(db, tmp_path, publishes):
    a = load(db, survey_file(db, tmp_path, "survey_a.csv", shift=0))
    state_a, version_a = checksum(str(db)), current_version_id(db)
    b = load(db, survey_file(db, tmp_path, "survey_b.csv", shift=4))
    state_b, version_b = checksum(str(db)), current_version_id(db)
    assert a.status == b.status == "loaded"
    assert state_a != state_b and state_a[0] == state_b[0] == 19

    ctx = multiprocessing.get_context("spawn")
    count, stop, out = ctx.Value("i", 0), ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=reader, args=(str(db), count, stop, out, READS_PER_PUBLISH * publishes), daemon=True)
    proc.start()
    try:
        current = "b"
        for i in range(publishes):
            wait_for_reads(count, count.value + 5, proc)  # reads keep running during every publish
            target = "a" if current == "b" else "b"
            if i % 4 == 3:  # every fourth publish is a rollback to a kept version with that state
                result = rollback(db, version_a if target == "a" else version_b, loaded_by="race")
                assert result.status == "restored"
            else:  # a new file (new sha256) with the same figures as state a or b
                path = survey_file(db, tmp_path, f"survey_{target}_{i}.csv", shift=0 if target == "a" else 4,
                                   padding=i + 1)
                assert load(db, path, by="race").status == "loaded"
            current = target
            assert checksum(str(db)) == (state_a if current == "a" else state_b)
        wait_for_reads(count, count.value + 5, proc)
        stop.set()
        seen, errors = out.get(timeout=120)
        proc.join(60)
    finally:
        if proc.is_alive():
            proc.terminate()
            proc.join(10)

    assert errors == []
    assert sum(seen.values()) >= READS_PER_PUBLISH * publishes
    assert set(seen) == {state_a, state_b}, "a read saw a state that was never published"
    published = sql(db, "SELECT count(*) FROM load_log WHERE loaded_by = 'race'")[0][0]
    assert published == publishes

