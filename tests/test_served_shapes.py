"""Map shapes served as static files (dashboard.geo) and figures built once (dashboard.memo).

Real warehouse, real files under a tmp folder; the browser side (plotly fetching the URL offline)
is covered by the Playwright map tests, and the inlined PNG by test_exports."""

from __future__ import annotations

import json
import os

import plotly.graph_objects as go
import pytest

import testing


@pytest.fixture(scope="module")
def v() -> str:
    db = testing.sample_db()
    os.environ["DXGAP_DB"] = str(db)
    from dashboard import db as dbmod

    return dbmod.version(db)


def test_publish_writes_each_geometry_once_named_by_its_content(tmp_path):
    from dashboard import geo

    gj = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": "01", "properties": {},
                                                    "geometry": {"type": "Point", "coordinates": [141.3, 43.1]}}]}
    url = geo.publish(gj, tmp_path)
    assert isinstance(url, str) and url.startswith(geo.GEO_URL) and url.endswith(".json")
    path = tmp_path / url[len(geo.GEO_URL):]
    assert json.loads(path.read_text(encoding="utf-8")) == gj
    mtime = path.stat().st_mtime_ns
    assert geo.publish(gj, tmp_path) == url and path.stat().st_mtime_ns == mtime  # not rewritten
    other = geo.publish({**gj, "features": []}, tmp_path)
    assert other != url
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, other[len(geo.GEO_URL):]])


def test_an_unwritable_static_folder_falls_back_to_inline_geometry(tmp_path):
    """(A file where the folder should be: permissions would not stop root, which runs CI.)"""
    from dashboard import geo

    blocker = tmp_path / "geo"
    blocker.write_text("not a folder")
    gj = {"type": "FeatureCollection", "features": []}
    assert geo.publish(gj, blocker) == gj


def test_prefecture_shapes_are_served_and_inlined_for_pictures(v):
    from dashboard import geo

    shapes = geo.prefecture_shapes(v)
    assert isinstance(shapes.ref, str) and len(shapes.ids) == 47
    served = json.loads(geo.local_file(shapes.ref).read_text(encoding="utf-8"))
    assert served == json.loads(json.dumps(geo.prefecture_geojson(v)))  # shapely gives tuples
    assert shapes.subset(["01"]) == shapes.ref  # plotly draws only the trace's locations
    fig = go.Figure(go.Choropleth(geojson=shapes.ref, locations=["01"], z=[1], featureidkey="id"))
    inlined = geo.inline_spec(fig.to_dict())
    assert inlined["data"][0]["geojson"]["features"] == served["features"]
    assert fig.data[0].geojson == shapes.ref  # the original (a cached figure) is left alone


def test_a_deleted_shape_file_is_written_again(v):
    from dashboard import geo

    shapes = geo.prefecture_shapes(v)
    path = geo.local_file(shapes.ref)
    path.unlink()
    assert geo.prefecture_shapes(v).ref == shapes.ref
    assert path.exists()


def test_inline_geometry_fallback_keeps_only_the_traces_features(v):
    from dashboard import geo

    gj = geo.prefecture_geojson(v)
    shapes = geo.Shapes(gj, frozenset(f["id"] for f in gj["features"]))
    assert [f["id"] for f in shapes.subset(["13", "01"])["features"]] == ["01", "13"]


def test_local_file_accepts_only_served_shape_names():
    from dashboard import geo

    assert geo.local_file(geo.GEO_URL + "abc.json") == geo.GEO_DIR / "abc.json"
    assert geo.local_file(geo.GEO_URL + "../secrets.json") is None
    assert geo.local_file("https://example.com/x.json") is None


def test_built_computes_once_per_distinct_arguments():
    import pandas as pd

    from dashboard.memo import built

    calls = []

    def make(df, n):
        calls.append(n)
        return go.Figure(go.Bar(x=df.a, y=[n] * len(df)))

    a, b = pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [1, 3]})
    first = built(make, a, 1)
    assert built(make, a.copy(), 1) is first  # equal content: the same figure
    assert built(make, b, 1) is not first and built(make, a, 2) is not first
    assert calls == [1, 1, 2]


def test_built_with_a_key_does_not_look_at_the_arguments():
    from dashboard.memo import built

    calls = []

    def make(x):
        calls.append(x)
        return x

    assert built(make, "first", key=("v1", 3)) == "first"
    assert built(make, "other", key=("v1", 3)) == "first"  # same key: the built value
    assert built(make, "other", key=("v2", 3)) == "other"
    assert calls == ["first", "other"]


def test_shapes_outlive_a_publish_that_leaves_the_boundaries_alone(tmp_path, monkeypatch):
    """Keyed by the polygons' content: a survey publish reuses every prefecture's shapes (the
    watcher rebuilt them all after each publish), a changed polygon gives its prefecture new ones."""
    import shutil

    import duckdb

    from dashboard import db as dbmod
    from dashboard import geo

    db = testing.copy_db(testing.sample_db(), tmp_path / "wh")
    first = dbmod.version(db)
    tottori, hokkaido = geo.municipality_shapes(first, "31"), geo.municipality_shapes(first, "01")
    outline, labels = geo.prefecture_shapes(first), geo.prefecture_label_points(first)
    testing.run_etl("load", "survey", testing.prefecture_survey(tmp_path, "s.csv", 3, 1), "--db", db,
                    "--base-date", "2024-10-01", check=True)
    second = dbmod.version(db)
    assert second != first

    def no_rebuild(*args):
        raise AssertionError(f"shapes rebuilt for {args}")

    with monkeypatch.context() as m:
        m.setattr(geo, "_municipality_shapes", no_rebuild)
        m.setattr(geo, "_shapes", no_rebuild)
        m.setattr(geo, "_label_points", no_rebuild)
        assert geo.municipality_shapes(second, "31") is tottori and geo.municipality_shapes(second, "01") is hokkaido
        assert geo.prefecture_shapes(second) is outline and geo.prefecture_label_points(second) is labels

    # One 鳥取県 municipality given another's polygon (in a copy, published by replacing the file).
    edited = tmp_path / "edited.duckdb"
    shutil.copyfile(db, edited)
    with duckdb.connect(str(edited)) as con:
        codes = [r[0] for r in con.execute("SELECT lg_code FROM municipalities WHERE prefecture_code = '31' "
                                           "AND geometry IS NOT NULL ORDER BY lg_code LIMIT 2").fetchall()]
        con.execute("UPDATE municipalities SET geometry = (SELECT geometry FROM municipalities WHERE lg_code = ?) "
                    "WHERE lg_code = ?", [codes[1], codes[0]])
    edited.replace(db)
    third = dbmod.version(db)
    before, after = geo.boundary_fingerprints(second), geo.boundary_fingerprints(third)
    assert after["31"] != before["31"] and after[geo.ALL] != before[geo.ALL]
    assert {k: fp for k, fp in after.items() if k not in ("31", geo.ALL)} == \
        {k: fp for k, fp in before.items() if k not in ("31", geo.ALL)}
    redrawn = geo.municipality_shapes(third, "31")
    assert redrawn is not tottori and redrawn.ids == tottori.ids and redrawn.ref != tottori.ref
    assert geo.municipality_shapes(third, "01") is hokkaido
