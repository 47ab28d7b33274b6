"""The real reference files (Digital Agency TopoJSON, 2020 census) loaded THROUGH THE CLI."""

from __future__ import annotations

import pytest
import shapely

from testing import copy_db, query, run_etl

CENSUS_TOTAL = 126_226_568  # the 全国 row of the census file = sum of the 1,741 municipalities


@pytest.fixture(scope="module")
def reference_warehouse(shared_reference, sample_warehouse, tmp_path_factory):
    db = copy_db(sample_warehouse, tmp_path_factory.mktemp("reference_join"))
    for kind, name in (("boundaries", "da_municipality_area.topojson"),
                       ("boundaries", "da_prefecture_area.topojson"),
                       ("population", "census2020_population_prelim.csv")):
        run = run_etl("load", kind, shared_reference / name, "--db", db)
        assert run.code == 0, run.text
    return db


def test_every_municipality_gets_geometry_and_population(reference_warehouse):
    assert query(reference_warehouse, """
        SELECT count(*), count(geometry), count(population), count(geometry_source_id),
               count(population_source_id)
        FROM municipalities""") == [(1741, 1741, 1740, 1741, 1741)]  # 双葉町: in the file, blank (NULL)


def test_population_sum_equals_the_census_total(reference_warehouse):
    assert query(reference_warehouse, "SELECT sum(population) FROM municipalities") == [(CENSUS_TOTAL,)]
    # 双葉町 (evacuated in 2020) is blank in the census: unknown (NULL), with a warning, never 0.
    assert query(reference_warehouse, """
        SELECT lg_code, population, population_source_id IS NOT NULL FROM municipalities
        WHERE prefecture_code = '07' AND name = '双葉町'""") == [("075469", None, True)]
    reasons = [r[0] for r in query(reference_warehouse, "SELECT reason FROM reject_log WHERE severity = 'warning'")]
    assert "双葉町の人口が空欄です（不明として扱い、0人とはみなしません）" in reasons


def test_all_47_prefectures_take_geometry_from_the_boundaries(reference_warehouse):
    rows = query(reference_warehouse, "SELECT geometry_source, count(*) FROM prefectures GROUP BY 1")
    assert len(rows) == 1 and rows[0][0].startswith("boundaries:") and rows[0][1] == 47


def test_hoppo_villages_are_skipped_with_a_warning(reference_warehouse):
    assert query(reference_warehouse, """
        SELECT l.rows_read, l.rows_loaded FROM load_log l
        WHERE l.file_name = 'da_municipality_area.topojson'""") == [(1747, 1741)]
    reasons = [r[0] for r in query(reference_warehouse, "SELECT reason FROM reject_log WHERE severity = 'warning'")]
    assert any("北方領土の村（6件）" in r for r in reasons)


def test_every_polygon_is_valid_and_its_exterior_ring_is_clockwise(reference_warehouse):
    geoms = query(reference_warehouse, """
        SELECT 'municipality ' || lg_code, geometry FROM municipalities
        UNION ALL SELECT 'prefecture ' || prefecture_code, geometry FROM prefectures""")
    assert len(geoms) == 1741 + 47
    bad = []
    for label, wkb in geoms:
        geom = shapely.from_wkb(wkb)
        if not geom.is_valid or geom.geom_type not in ("Polygon", "MultiPolygon"):
            bad.append((label, geom.geom_type, "invalid"))
            continue
        for poly in shapely.get_parts(geom):
            if poly.exterior.is_ccw:
                bad.append((label, "exterior counter-clockwise"))
            if any(not ring.is_ccw for ring in poly.interiors):
                bad.append((label, "hole clockwise"))
    assert bad == []


def test_municipality_polygons_contain_their_own_point(reference_warehouse):
    """Codes were joined to the right shapes: the reference lat/lng lies in (or next to) its polygon."""
    rows = query(reference_warehouse, "SELECT lg_code, lng, lat, geometry FROM municipalities")
    far = [code for code, lng, lat, wkb in rows
           if shapely.from_wkb(wkb).distance(shapely.Point(lng, lat)) > 0.05]
    assert len(far) <= 5, far  # a few town halls sit on a coast line the simplification moved
