"""Open data out: `python -m etl export --parquet DIR` (every public table + datapackage.json),
the column registry (etl/catalog.py) against the warehouse and the README, and a warehouse rebuilt
with `python -m etl import --parquet` that shows the app the same KPIs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import testing
from etl import catalog
from testing import run_etl, sha256

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

ROOT = Path(__file__).resolve().parent.parent
TABLE_SCHEMA_TYPES = {"string", "number", "integer", "boolean", "object", "array", "date", "time", "datetime",
                      "year", "yearmonth", "duration", "geopoint", "geojson", "any"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    """(warehouse, export folder) of the sample warehouse, through the real CLI."""
    db = testing.sample_db()
    folder = tmp_path_factory.mktemp("parquet") / "open data"  # a space: paths are quoted, not pasted
    run = run_etl("export", "--parquet", folder, "--db", db)
    assert run.code == 0, run.text
    return db, folder


@pytest.fixture(scope="module")
def rebuilt(exported, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("rebuilt") / "warehouse.duckdb"
    run = run_etl("import", "--parquet", exported[1], "--db", db)
    assert run.code == 0, run.text
    return db


def public(db: Path) -> dict[str, list[tuple[str, str]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: catalog.columns(con, t) for t in catalog.public_tables(con)}


def readme_tables() -> dict[str, list[str]]:
    """The README's table of public tables: name → the columns it lists (notes in brackets dropped)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Warehouse tables", 1)[1].split("\n## ", 1)[0]
    out = {}
    for line in section.splitlines():
        m = re.match(r"\| `(\w+)`(?: \(view\))? \|[^|]*\|([^|]*)\|", line)
        if m:
            cols = re.sub(r"\([^)]*\)|（[^）]*）", "", m.group(2))
            out[m.group(1)] = [c.strip() for c in cols.split(",") if c.strip()]
    return out


# -- the registry -------------------------------------------------------------------------------

def test_every_public_table_and_column_has_a_japanese_description():
    with duckdb.connect(str(testing.sample_db()), read_only=True) as con:
        assert catalog.missing_descriptions(con) == []
        for table in catalog.public_tables(con):
            described = catalog.TABLES[table].columns
            assert list(described) == [c for c, _ in catalog.columns(con, table)], f"{table}: registry is stale"
            assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", d) for d in described.values()), table


def test_a_new_public_table_is_exported_and_flagged_until_described(tmp_path):
    db = testing.copy_db(testing.sample_db(), tmp_path / "wh")
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE dx_extra AS SELECT 1 AS x")
        con.execute("CREATE TABLE stg_hidden AS SELECT 1 AS x")
        assert catalog.missing_descriptions(con) == ["dx_extra"]
        con.execute("ALTER TABLE staff_survey ADD COLUMN extra_col INTEGER")
        assert catalog.missing_descriptions(con) == ["staff_survey.extra_col", "dx_extra"]
    run = run_etl("export", "--parquet", tmp_path / "out", "--db", db)
    assert run.code == 0, run.text
    names = [r["name"] for r in json.loads((tmp_path / "out" / "datapackage.json").read_text())["resources"]]
    assert "dx_extra" in names and "stg_hidden" not in names
    assert (tmp_path / "out" / "dx_extra.parquet").exists()


def test_readme_lists_every_public_table_with_the_registrys_columns():
    readme = readme_tables()
    for table, cols in public(testing.sample_db()).items():
        assert table in readme, f"README: no row for {table}"
        assert readme[table] == [c for c, _ in cols], f"README row of {table}"
        assert readme[table] == list(catalog.TABLES[table].columns)
    assert set(readme) <= set(catalog.TABLES)


# -- export --------------------------------------------------------------------------------------

def test_export_writes_every_public_table_and_a_frictionless_package(exported):
    db, folder = exported
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    tables = public(db)
    assert [r["name"] for r in package["resources"]] == list(tables)
    assert {"staff_survey", "municipalities", "prefectures", "load_log", "meta"} <= set(tables)
    assert not [t for t in tables if t.startswith(("raw_", "ref_", "stg_"))]
    assert package["is_sample"] is True and "サンプル（架空）データ" in package["description"]
    assert package["licenses"] and package["sources"]
    with duckdb.connect(str(db), read_only=True) as con:
        for res in package["resources"]:
            path = folder / res["path"]
            assert res["path"] == f"{res['name']}.parquet" and res["format"] == "parquet"
            assert res["bytes"] == path.stat().st_size and res["hash"] == f"sha256:{sha256(path)}"
            frame = pd.read_parquet(path)  # pandas (pyarrow) reads it as an analyst would
            fields = res["schema"]["fields"]
            assert list(frame.columns) == [f["name"] for f in fields] == [c for c, _ in tables[res["name"]]]
            assert [f["duckdb_type"] for f in fields] == [t for _, t in tables[res["name"]]]
            assert {f["type"] for f in fields} <= TABLE_SCHEMA_TYPES
            assert all(f["description"] for f in fields) and res["title"] and res["sources"]
            expected = con.table(res["name"]).df()
            assert len(frame) == res["rows"] == len(expected)
    by_name = {r["name"]: r for r in package["resources"]}
    assert by_name["staff_survey"]["is_sample"] is True
    assert by_name["prefectures"]["is_sample"] is False  # reference data from the packages is real
    # the packages' licences, and the real boundaries' CC BY 4.0 (the default build loads data/public)
    assert {lic["name"] for lic in by_name["prefectures"]["licenses"]} == {"MIT", "Apache-2.0", "CC-BY-4.0"}
    types = {f["name"]: f["type"] for f in by_name["staff_survey"]["schema"]["fields"]}
    assert types == {"base_date": "date", "lg_code": "string", "dx_staff": "number", "dedicated": "number",
                     "concurrent": "number", "external_talent": "number", "has_cio_aide": "boolean",
                     "source_id": "integer"}
    assert by_name["staff_survey"]["schema"]["primaryKey"] == ["base_date", "lg_code"]


def test_exported_figures_equal_the_warehouse(exported):
    db, folder = exported
    got = pd.read_parquet(folder / "staff_survey.parquet")
    at = got[got.base_date == pd.Timestamp("2023-04-01").date()]
    assert ((at.dx_staff <= 3).sum(), (at.dx_staff <= 1).sum(), (at.dx_staff == 0).sum()) == (850, 213, 37)
    assert got.lg_code.str.fullmatch(r"\d{6}").all()  # codes stay text with their leading zeros


def test_geometry_is_wkb_with_geoparquet_metadata(exported):
    import geopandas

    shapes = geopandas.read_parquet(exported[1] / "prefectures.parquet")
    assert len(shapes) == 47 and shapes.geometry.notna().all() and shapes.is_valid.all()
    assert shapes.crs.to_string() == "OGC:CRS84"
    minx, miny, maxx, maxy = shapes.total_bounds
    assert 122 < minx < maxx < 154 and 20 < miny < maxy < 46  # lon/lat of Japan
    raw = pd.read_parquet(exported[1] / "prefectures.parquet")
    assert isinstance(raw.geometry.iloc[0], bytes)  # plain readers get the WKB bytes


# -- import and the round trip --------------------------------------------------------------------

def test_rebuilt_warehouse_has_the_same_tables_types_and_rows(exported, rebuilt):
    db, _ = exported
    assert public(rebuilt) == public(db)
    with duckdb.connect(str(db), read_only=True) as a, duckdb.connect(str(rebuilt), read_only=True) as b:
        for table in catalog.public_tables(a):
            if table == "meta":
                continue
            rows_a, rows_b = a.table(table).fetchall(), b.table(table).fetchall()
            assert sorted(rows_a, key=repr) == sorted(rows_b, key=repr), table  # views have no row order
        meta = dict(b.execute("SELECT key, value FROM meta").fetchall())
        assert meta["rebuilt_from"].startswith("parquet:") and meta["is_sample"] == "true"


@pytest.mark.parametrize(("page", "params"), [
    (None, {"date": "2023-04-01", "n": "3"}),
    (None, {"date": "2022-04-01", "n": "1", "region": "近畿"}),
    ("pages/prefecture.py", {"pref": "01", "date": "2023-04-01", "n": "3"}),
    ("pages/talent.py", {}),
])
def test_the_app_on_the_rebuilt_warehouse_shows_the_same_kpis(exported, rebuilt, page, params):
    def kpis(db):
        at = testing.app_test(db, page=page, params=params)
        assert not at.exception
        return [(m.label, m.value, m.delta) for m in at.metric], [a.value for a in at.warning]

    original, copy = kpis(exported[0]), kpis(rebuilt)
    assert original[0], "the page shows KPIs"
    assert copy == original


def test_import_refuses_a_warehouse_built_by_the_etl(exported, tmp_path):
    db = testing.copy_db(exported[0], tmp_path)
    before = sha256(db)
    run = run_etl("import", "--parquet", exported[1], "--db", db)
    assert run.code == 1 and "ETL で作った倉庫" in run.err and "上書きしません" in run.err
    assert sha256(db) == before


def test_loads_into_a_rebuilt_warehouse_are_refused(rebuilt, tmp_path):
    target = testing.copy_db(rebuilt, tmp_path)
    before = sha256(target)
    run = run_etl("load", "survey", ROOT / "data" / "sample" / "survey_2025-04-01.csv", "--db", target)
    assert run.code == 1 and "Parquet から作った閲覧用の倉庫" in run.err, run.text
    assert sha256(target) == before


def _copy_folder(src: Path, dest: Path) -> Path:
    dest.mkdir()
    for f in src.iterdir():
        (dest / f.name).write_bytes(f.read_bytes())
    return dest


@pytest.mark.parametrize("fault", ["tampered", "traversal", "missing", "columns"])
def test_import_rejects_a_bad_folder_with_a_message_naming_the_file(exported, tmp_path, fault):
    folder = _copy_folder(exported[1], tmp_path / "in")
    package_path = folder / "datapackage.json"
    package = json.loads(package_path.read_text(encoding="utf-8"))
    if fault == "tampered":
        with duckdb.connect() as con:
            con.execute(f"COPY (SELECT * FROM read_parquet('{folder}/meta.parquet') LIMIT 1) "
                        f"TO '{folder}/meta.parquet' (FORMAT parquet)")
        expected = "meta.parquet の大きさか SHA-256"
    elif fault == "traversal":
        package["resources"][0]["path"] = "../../etc/passwd"
        expected = "resources[0] の name／path"
    elif fault == "missing":
        (folder / "talent_roster.parquet").unlink()
        expected = "talent_roster.parquet がありません"
    else:
        package["resources"][2]["schema"]["fields"].pop()
        expected = "staff_survey.parquet の列が datapackage.json の schema.fields と違います"
    package_path.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    target = tmp_path / "rebuilt" / "warehouse.duckdb"
    run = run_etl("import", "--parquet", folder, "--db", target)
    assert run.code == 1 and expected in run.err, run.text
    assert "Traceback" not in run.text
    assert not target.exists() and not list(target.parent.glob(".*.tmp*"))
