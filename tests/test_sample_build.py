"""The committed sample builds into the calibrated warehouse, and the generator reproduces it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import shapely

from core.store import SCHEMA_VERSION
from testing import ROOT, SAMPLE_DIR, etl_env, query, sha256

D = dt.date
ON = "DATE '2023-04-01'"
ACTIVE = f"start_date <= {ON} AND (end_date IS NULL OR end_date >= {ON})"


def test_2023_calibration_850_213_37_of_1741(sample_warehouse):
    assert query(sample_warehouse, f"""
        SELECT count(*), count(dx_staff), count_if(dx_staff <= 3), count_if(dx_staff <= 1), count_if(dx_staff = 0)
        FROM staff_survey WHERE base_date = {ON}""") == [(1741, 1741, 850, 213, 37)]


def test_2023_national_total_within_5_percent_of_10203(sample_warehouse):
    [(total,)] = query(sample_warehouse, f"SELECT sum(dx_staff) FROM staff_survey WHERE base_date = {ON}")
    assert abs(total - 10_203) <= 0.05 * 10_203


def test_base_dates_2021_to_2025_every_municipality(sample_warehouse):
    assert query(sample_warehouse, "SELECT base_date, count(*) FROM staff_survey GROUP BY 1 ORDER BY 1") == [
        (D(y, 4, 1), 1741) for y in range(2021, 2026)]
    # not surveyed is NULL (未回答), never 0; 2023 is complete
    nulls = dict(query(sample_warehouse, "SELECT year(base_date), count(*) - count(dx_staff) FROM staff_survey "
                                         "GROUP BY 1"))
    assert nulls[2023] == 0 and nulls[2021] > 0


def test_meta_says_sample_and_each_load_says_whether_it_is(sample_warehouse):
    meta = dict(query(sample_warehouse, "SELECT key, value FROM meta"))
    assert meta["is_sample"] == "true"  # some figures are synthetic
    assert meta["schema_version"] == SCHEMA_VERSION
    # the 5 real public files (data/public) are real; the 53 sample files are synthetic
    assert query(sample_warehouse, "SELECT kind, is_sample, count(*) FROM load_log GROUP BY ALL ORDER BY ALL") == [
        ("boundaries", False, 2), ("indicators", False, 2), ("population", False, 1),
        ("roster", True, 47), ("status", True, 1), ("survey", True, 5)]


@pytest.mark.parametrize(("pref", "expected"), [
    ("38", {"プロデューサー": 1, "プロジェクトマネージャー": 1, "サービスデザイナー": 5}),  # 愛媛 協働宣言
    ("34", {"プロデューサー": 2, "プロジェクトマネージャー": 2, "サービスデザイナー": 3}),  # 広島 共同採用
    ("20", {"プロデューサー": 2, "プロジェクトマネージャー": 2, "サービスデザイナー": 5}),  # 長野 共同調達
], ids=["愛媛", "広島", "長野"])
def test_model_prefecture_pools_on_2023_04_01(sample_warehouse, pref, expected):
    rows = query(sample_warehouse, f"SELECT role, count(*) FROM talent_roster WHERE prefecture_code = ? AND {ACTIVE} "
                                   "GROUP BY 1", [pref])
    assert dict(rows) == expected


def test_kumamoto_pool_pm_3_and_engineer_or_designer_7(sample_warehouse):
    rows = dict(query(sample_warehouse, f"SELECT role, count(*) FROM talent_roster WHERE prefecture_code = '43' "
                                        f"AND {ACTIVE} GROUP BY 1"))
    assert rows.pop("プロジェクトマネージャー") == 3
    assert set(rows) <= {"エンジニア", "サービスデザイナー"} and sum(rows.values()) == 7


def test_only_model_prefectures_had_a_pool_on_2023_04_01(sample_warehouse):
    assert query(sample_warehouse, f"SELECT DISTINCT prefecture_code FROM talent_roster WHERE {ACTIVE} "
                                   "ORDER BY 1") == [("20",), ("34",), ("38",), ("43",)]


def test_rosters_for_all_47_prefectures(sample_warehouse):
    assert query(sample_warehouse, "SELECT count(DISTINCT prefecture_code) FROM talent_roster") == [(47,)]
    # every assignment stays inside the talent's prefecture and points at a real municipality
    assert query(sample_warehouse, """
        SELECT count(*) FROM talent_assignment a JOIN talent_roster r USING (person_id)
        LEFT JOIN municipalities m ON m.lg_code = a.lg_code
        WHERE m.lg_code IS NULL OR m.prefecture_code <> r.prefecture_code""") == [(0,)]


def test_status_timeline_runs_to_the_fy2025_deadline(sample_warehouse):
    [(first, last, prefs)] = query(sample_warehouse, "SELECT min(achieved_on), max(achieved_on), "
                                                     "count(DISTINCT prefecture_code) FROM dx_system_status "
                                                     "WHERE achieved_on <= '2026-03-31'")
    assert D(2022, 4, 1) <= first and D(2026, 1, 1) <= last and prefs == 47
    # After the deadline (generate_sample.late_rows): three laggards build their set-up (milestone 2)
    # and two secure their pool (3), April–November 2026, so the pages have something since to report.
    late = query(sample_warehouse, "SELECT milestone, count(DISTINCT prefecture_code), min(achieved_on), max(achieved_on) "
                                   "FROM dx_system_status WHERE achieved_on > '2026-03-31' AND milestone IN (2, 3) "
                                   "GROUP BY 1 ORDER BY 1")
    assert [r[:2] for r in late] == [(2, 3), (3, 2)]
    assert all(D(2026, 4, 10) <= r[2] and r[3] <= D(2026, 11, 20) for r in late)
    assert query(sample_warehouse, "SELECT prefecture_code, model FROM dx_system_status WHERE prefecture_code IN "
                                   "('20', '34', '38', '43') GROUP BY ALL ORDER BY 1") == [
        ("20", "共同調達"), ("34", "共同採用"), ("38", "協働宣言"), ("43", "民間人材派遣")]


def test_default_build_draws_the_real_boundaries_clockwise(sample_warehouse):
    rows = query(sample_warehouse, "SELECT prefecture_code, geometry_source, geometry FROM prefectures")
    assert len(rows) == 47 and {r[1] for r in rows} == {"boundaries:1"}  # data/public, not japanmap
    # 双葉町's census population is blank (evacuated in 2020): unknown, NULL, never 0
    assert query(sample_warehouse, "SELECT count(geometry), count(population) FROM municipalities") == [(1741, 1740)]
    assert query(sample_warehouse, "SELECT name FROM municipalities WHERE population IS NULL") == [("双葉町",)]
    for code, _, wkb in rows:
        geom = shapely.from_wkb(wkb)
        assert geom.is_valid, code
        assert not any(p.exterior.is_ccw for p in shapely.get_parts(geom)), code


def test_fallback_prefecture_outlines_are_clockwise():
    """japanmap's outlines, used until boundaries are loaded (e.g. `etl build --inputs data/sample`)."""
    from etl.reference import prefectures

    for code, wkb in zip(prefectures().prefecture_code, prefectures().geometry, strict=True):
        geom = shapely.from_wkb(wkb)
        assert geom.is_valid, code
        assert not any(p.exterior.is_ccw for p in shapely.get_parts(geom)), code


def test_generator_reproduces_the_committed_sample_byte_for_byte(tmp_path):
    out = tmp_path / "sample"
    proc = subprocess.run([sys.executable, "data/generate_sample.py", "--out", str(out)], cwd=ROOT,
                          env=etl_env(), capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    generated = {p.relative_to(out).as_posix(): sha256(p) for p in out.rglob("*") if p.is_file()}
    committed = {p.relative_to(SAMPLE_DIR).as_posix(): sha256(p) for p in SAMPLE_DIR.rglob("*") if p.is_file()}
    assert len(generated) == 54  # 3 xlsx, 2 survey CSVs, 47 rosters, status.csv, .synthetic
    assert set(committed) - set(generated) == {"README.md"}  # hand-written documentation only
    differ = sorted(name for name in generated if generated[name] != committed.get(name))
    assert differ == [], f"regenerate data/sample with data/generate_sample.py: {differ}"
