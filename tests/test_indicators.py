"""The Digital Agency 自治体DXダッシュボード table (kind `indicators`), source citations on every load,
and the real public files of data/public in the default build — all through the real CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from core.store import SCHEMA_VERSION, UPGRADABLE_SCHEMAS
from testing import ROOT, etl_main, query, run_etl, write_csv

D = dt.date
PUBLIC = ROOT / "data" / "public"
MUNI_CSV = "da_dashboard_20240712/市区町村毎のDX進捗状況_市区町村比較.csv"
PREF_CSV = "da_dashboard_20240712/都道府県のDX進捗状況_都道府県比較.csv"
# Published 実施 counts on 2023-04-01 (../shared/reference/SOURCES.md).
PUBLISHED = {"CIOの任命": 1270, "CIO補佐官等の任命": 846, "全体方針策定": 862, "全庁的な体制構築": 1133,
             "外部人材活用": 522, "職員育成の取組": 1437}
SYSTEM_ITEMS = ("CIOの任命", "CIO補佐官等の任命", "全体方針策定", "全庁的な体制構築", "外部人材活用", "職員育成の取組",
                "全職員対象研修の実施")
DA_CITATION = ("デジタル庁『自治体DXの取組に関するダッシュボード』（2024-07-12更新、総務省 令和5年度 行政情報化推進状況調査、"
               "基準日 2023-04-01）")
COUNTS_SQL = """SELECT indicator, count_if(done), count(*) - count(done) FROM dx_indicators
                WHERE base_date = DATE '2023-04-01' GROUP BY 1"""


def check_real_table(db) -> None:
    """The published figures, from the warehouse the CLI built."""
    counts = {name: (done, nulls) for name, done, nulls in query(db, COUNTS_SQL)}
    for name, expected in PUBLISHED.items():
        assert counts[name][0] == expected, name
    assert {name: counts[name][1] for name in SYSTEM_ITEMS} == dict.fromkeys(SYSTEM_ITEMS, 8)  # 調査無し = NULL
    # the same 8 municipalities, all in 石川県 (Noto earthquake), never counted as 未実施
    assert query(db, """SELECT count(DISTINCT lg_code), min(left(lg_code, 2)), max(left(lg_code, 2))
                        FROM dx_indicators WHERE indicator IN ('CIOの任命', '外部人材活用') AND done IS NULL""") == [
        (8, "17", "17")]
    assert query(db, "SELECT count(DISTINCT lg_code), count(*) FROM dx_indicators") == [(1741, 15 * 1741)]
    # both 府中市 are there, each in its own prefecture
    assert query(db, """SELECT m.lg_code, m.prefecture_code FROM dx_indicators d JOIN municipalities m USING (lg_code)
                        WHERE m.name = '府中市' GROUP BY ALL ORDER BY 1""") == [("132063", "13"), ("342084", "34")]
    assert query(db, """SELECT value FROM dx_indicators WHERE lg_code = '011002'
                        AND indicator = 'マイナンバーカードの保有状況'""") == [(72.0,)]
    # the table's trailing space is trimmed from the indicator name
    assert query(db, "SELECT count(*) FROM dx_indicators WHERE indicator = '子育て・介護26手続のオンライン化状況'") == [
        (1741,)]


@pytest.mark.parametrize("source", ["shared_reference", "data/public"])
def test_the_real_table_loads_through_the_cli_with_the_published_counts(source, request, tmp_path):
    path = (request.getfixturevalue("shared_reference") / MUNI_CSV if source == "shared_reference"
            else PUBLIC / "da_dx_progress_municipalities_20240712.csv")  # data/public: shipped, never skipped
    db = tmp_path / "warehouse.duckdb"
    run = run_etl("load", "indicators", path, "--db", db)
    assert run.code == 0, run.text
    assert "基準日: 2023-04-01（公開ファイルの基準日）" in run.out  # recognised: no --base-date needed
    assert f"出典（画面に表示）: {DA_CITATION}" in run.out
    check_real_table(db)
    assert query(db, "SELECT kind, is_sample, source_publisher, source_title, source_updated, source_note, "
                     "source_licence FROM load_log") == [
        ("indicators", False, "デジタル庁", "自治体DXの取組に関するダッシュボード", D(2024, 7, 12),
         "総務省 令和5年度 行政情報化推進状況調査", "政府標準利用規約（CC BY 4.0 互換）")]
    # the two '%' cells (denominator 0) are kept as warnings at their row and column
    assert query(db, "SELECT row_number, column_name, value FROM reject_log ORDER BY column_name") == [
        (14, "AUI列（1231列目）", "%"), (14, "SF列（500列目）", "%")]


@pytest.mark.parametrize("encoding", ["cp932", "utf-8"])
def test_cp932_and_crlf_copies_of_the_real_table_load_the_same(encoding, shared_reference, tmp_path):
    text = (shared_reference / MUNI_CSV).read_text(encoding="utf-8-sig")
    src = tmp_path / "copy.csv"
    src.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "indicators", src, "--db", db)
    assert run.code == 0, run.text
    assert f"文字コード: {encoding}" in run.out
    check_real_table(db)
    # recognised by its text, whatever the bytes: the same citation and base date
    assert DA_CITATION in run.out and "（公開ファイルの基準日）" in run.out


def test_the_prefecture_table_loads_into_its_own_table(shared_reference, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "indicators", shared_reference / PREF_CSV, "--db", db)
    assert run.code == 0, run.text
    assert "単位: 都道府県" in run.out and "都道府県: 47 / 47" in run.out
    assert query(db, "SELECT count(*), count(DISTINCT prefecture_code), count(DISTINCT indicator) "
                     "FROM dx_indicators_prefecture") == [(47 * 13, 47, 13)]
    assert query(db, "SELECT count_if(done) FROM dx_indicators_prefecture WHERE indicator = '外部人材活用'") == [(37,)]
    assert query(db, "SELECT value FROM dx_indicators_prefecture WHERE prefecture_code = '01' "
                     "AND indicator = 'よく使う32手続のオンライン化状況'") == [(88.0,)]
    assert query(db, "SELECT count(*) FROM dx_indicators") == [(0,)]


# -- golden tests on tiny hand-made tables ----------------------------------------------------

def table(path, names, rows, encoding="utf-8-sig"):
    """A wide table as the agency writes it: names in row 1, a trailing empty column."""
    return write_csv(path, ["", "", *names, ""], [[*r, ""] for r in rows], encoding=encoding)


# 府中市 between 札幌市 (北海道) and 那覇市 (沖縄県) would be ambiguous; after 八王子市 and before 調布市
# it can only be 東京都's (132063).
NAMES = ["札幌市", "八王子市", "府中市", "調布市", "那覇市"]
ROWS = [
    ["自治体DXの推進体制等", "外部人材活用", "実施", "実施", "調査無し", "実施", "未実施"],
    ["自治体DXの推進体制等", "全庁的な体制構築", "未実施", "実施", "調査無し", "実施", "実施"],
    ["住民サービスのDX", "よく使う32手続のオンライン化状況", "58%", "50%", "100%", "50%", "0%"],
    ["住民サービスのDX", "よく使う32手続のオンライン化状況_実施されている手続総数（分母）", "24", "1", "1,024", "1", "0"],
]
EXPECTED = [
    ("011002", "外部人材活用", "自治体DXの推進体制等", True, None),
    ("011002", "全庁的な体制構築", "自治体DXの推進体制等", False, None),
    ("011002", "よく使う32手続のオンライン化状況", "住民サービスのDX", None, 58.0),
    ("011002", "よく使う32手続のオンライン化状況_実施されている手続総数（分母）", "住民サービスのDX", None, 24.0),
    ("132063", "外部人材活用", "自治体DXの推進体制等", None, None),  # 調査無し: NULL, never 未実施
    ("132063", "全庁的な体制構築", "自治体DXの推進体制等", None, None),
    ("132063", "よく使う32手続のオンライン化状況", "住民サービスのDX", None, 100.0),
    ("132063", "よく使う32手続のオンライン化状況_実施されている手続総数（分母）", "住民サービスのDX", None, 1024.0),
    ("472018", "外部人材活用", "自治体DXの推進体制等", False, None),
    ("472018", "全庁的な体制構築", "自治体DXの推進体制等", True, None),
    ("472018", "よく使う32手続のオンライン化状況", "住民サービスのDX", None, 0.0),
    ("472018", "よく使う32手続のオンライン化状況_実施されている手続総数（分母）", "住民サービスのDX", None, 0.0),
]
ROWS_SQL = """SELECT lg_code, indicator, category, done, value FROM dx_indicators
              WHERE lg_code IN ('011002', '132063', '472018')
              ORDER BY lg_code, CASE indicator WHEN '外部人材活用' THEN 1 WHEN '全庁的な体制構築' THEN 2
              WHEN 'よく使う32手続のオンライン化状況' THEN 3 ELSE 4 END"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_golden_flags_null_percentages_and_counts_in_every_encoding(encoding, tmp_path):
    src = table(tmp_path / "t.csv", NAMES, ROWS, encoding)
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "indicators", src, "--db", db, "--base-date", "2023-04-01")
    assert run.code == 0, run.text
    assert query(db, ROWS_SQL) == EXPECTED
    assert query(db, "SELECT DISTINCT base_date FROM dx_indicators") == [(D(2023, 4, 1),)]
    assert query(db, "SELECT lg_code FROM dx_indicators GROUP BY 1 ORDER BY 1") == [
        ("011002",), ("132012",), ("132063",), ("132080",), ("472018",)]


def test_golden_ambiguous_name_is_rejected_with_its_column(tmp_path):
    src = table(tmp_path / "t.csv", ["札幌市", "府中市", "那覇市"], [["分類", "外部人材活用", "実施", "実施", "実施"]])
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "indicators", src, "--db", db, "--base-date", "2023-04-01")
    assert run.code == 1
    assert ("1行目 列「D列（4列目）」 値「府中市」: 「府中市」は東京都、広島県にあり、前後の列（C列「札幌市」（北海道）、"
            "E列「那覇市」（沖縄県））の都道府県の並びからどれか決められません") in run.err
    assert not db.exists()


def test_golden_crlf_and_lf_give_the_same_rows(tmp_path):
    names, rows = ["札幌市", "函館市"], [["分類", "外部人材活用", "実施", "調査無し"]]
    crlf = table(tmp_path / "crlf.csv", names, rows)
    lf = tmp_path / "lf.csv"
    lf.write_bytes(crlf.read_bytes().replace(b"\r\n", b"\n"))
    out = []
    for src in (crlf, lf):
        db = tmp_path / src.stem / "warehouse.duckdb"
        assert etl_main("load", "indicators", src, "--db", db, "--base-date", "2023-04-01").code == 0
        out.append(query(db, "SELECT lg_code, indicator, done, value FROM dx_indicators ORDER BY lg_code"))
    assert out[0] == out[1] == [("011002", "外部人材活用", True, None), ("012025", "外部人材活用", None, None)]


def test_a_revised_table_for_a_base_date_replaces_it_and_history_stays(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    first = table(tmp_path / "v1.csv", ["札幌市", "函館市"], [["分類", "外部人材活用", "未実施", "未実施"]])
    second = table(tmp_path / "v2.csv", ["札幌市"], [["分類", "外部人材活用", "実施"]])
    other = table(tmp_path / "r6.csv", ["札幌市"], [["分類", "外部人材活用", "未実施"]])
    for src, day in ((first, "2023-04-01"), (second, "2023-04-01"), (other, "2024-04-01")):
        assert etl_main("load", "indicators", src, "--db", db, "--base-date", day).code == 0
    assert query(db, "SELECT base_date, lg_code, done, source_id FROM dx_indicators ORDER BY 1, 2") == [
        (D(2023, 4, 1), "011002", True, 2), (D(2023, 4, 1), "012025", False, 1), (D(2024, 4, 1), "011002", False, 3)]
    assert query(db, "SELECT count(*) FROM raw_dx_indicators") == [(4,)]  # every version is kept


# -- citations --------------------------------------------------------------------------------

def test_a_users_own_file_carries_the_source_given_on_the_command_line(tmp_path):
    src = table(tmp_path / "mine.csv", ["札幌市"], [["分類", "外部人材活用", "実施"]])
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("load", "indicators", src, "--db", db, "--base-date", "2024-04-01", "--publisher", "北海道",
                   "--source", "道内市町村のDX調査", "--source-date", "2024-09-30", "--source-note", "令和6年度")
    assert run.code == 0, run.text
    assert "出典（画面に表示）: 北海道『道内市町村のDX調査』（2024-09-30更新、令和6年度、基準日 2024-04-01）" in run.out
    assert query(db, "SELECT source_publisher, source_title, source_updated, source_note FROM load_log") == [
        ("北海道", "道内市町村のDX調査", D(2024, 9, 30), "令和6年度")]


def test_without_options_a_file_gets_the_default_of_its_kind_never_its_file_name(tmp_path):
    src = table(tmp_path / "mine.csv", ["札幌市"], [["分類", "外部人材活用", "実施"]])
    db = tmp_path / "warehouse.duckdb"
    assert etl_main("load", "indicators", src, "--db", db, "--base-date", "2024-04-01").code == 0
    assert query(db, "SELECT source_publisher, source_title, source_updated FROM load_log") == [
        ("デジタル庁", "自治体DXの取組に関するダッシュボード", None)]


def test_a_bad_source_date_is_a_usage_error(tmp_path):
    src = table(tmp_path / "mine.csv", ["札幌市"], [["分類", "外部人材活用", "実施"]])
    run = etl_main("load", "indicators", src, "--db", tmp_path / "w.duckdb", "--source-date", "昨日")
    assert run.code == 2 and "--source-date" in run.err


# -- the default build: data/public (real) + data/sample (synthetic) ------------------------------

def test_default_build_loads_every_public_file_with_its_citation(sample_warehouse):
    rows = query(sample_warehouse, """SELECT file_name, kind, is_sample, source_publisher, source_title, source_updated
                                      FROM load_log WHERE NOT is_sample ORDER BY source_id""")
    assert rows == [
        ("da_prefecture_area.topojson", "boundaries", False, "国土交通省", "国土数値情報（行政区域データ）", None),
        ("da_municipality_area.topojson", "boundaries", False, "国土交通省", "国土数値情報（行政区域データ）", None),
        ("census2020_population_prelim.csv", "population", False, "総務省統計局", "令和2年国勢調査 人口速報集計", None),
        ("da_dx_progress_municipalities_20240712.csv", "indicators", False, "デジタル庁",
         "自治体DXの取組に関するダッシュボード", D(2024, 7, 12)),
        ("da_dx_progress_prefectures_20240712.csv", "indicators", False, "デジタル庁",
         "自治体DXの取組に関するダッシュボード", D(2024, 7, 12)),
    ]
    check_real_table(sample_warehouse)
    # every synthetic load says so in its citation
    assert query(sample_warehouse, "SELECT DISTINCT source_publisher, source_title, source_note FROM load_log "
                                   "WHERE is_sample") == [(None, "サンプル（架空）データ", "data/generate_sample.py で生成")]


def test_public_files_match_the_reference_and_the_manifest(shared_reference):
    manifest = json.loads((PUBLIC / "manifest.json").read_text(encoding="utf-8"))
    originals = {"da_dx_progress_municipalities_20240712.csv": MUNI_CSV,
                 "da_dx_progress_prefectures_20240712.csv": PREF_CSV}
    files = {e["file"] for e in manifest["files"]}
    assert files == {p.name for p in PUBLIC.iterdir()} - {"manifest.json", "README.md"}
    for name in files:  # shipped copies are the reference files, byte for byte
        assert (PUBLIC / name).read_bytes() == (shared_reference / originals.get(name, name)).read_bytes(), name
    readme = (PUBLIC / "README.md").read_text(encoding="utf-8")
    for e in manifest["files"]:
        assert e["citation"]["credit"] in readme, e["file"]


def test_build_refuses_a_public_file_that_differs_from_its_manifest(tmp_path):
    public = tmp_path / "public"
    shutil.copytree(PUBLIC, public)
    path = public / "da_dx_progress_prefectures_20240712.csv"
    path.write_bytes(path.read_bytes().replace("実施".encode(), "未実施".encode(), 1))
    db = tmp_path / "w" / "warehouse.duckdb"
    run = etl_main("build", "--db", db, "--inputs", public)
    assert run.code == 1
    assert "da_dx_progress_prefectures_20240712.csv" in run.err
    assert "manifest.json の sha256 と違います" in run.err
    assert not db.exists()


def test_build_of_the_sample_alone_still_works(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    run = etl_main("build", "--db", db, "--inputs", ROOT / "data" / "sample")
    assert run.code == 0, run.text
    assert query(db, "SELECT bool_and(is_sample), count(*) FROM load_log") == [(True, 53)]
    assert query(db, "SELECT count(*) FROM dx_indicators") == [(0,)]


# -- schema 2 and rollback to versions kept before it ----------------------------------------

def _as_schema_1(path) -> None:
    """Turn a kept version into what schema 1 wrote: no citation columns, no indicator tables."""
    import duckdb

    path.chmod(0o644)
    with duckdb.connect(str(path)) as con:
        for col in ("publisher", "title", "updated", "note", "credit", "licence"):
            con.execute(f"ALTER TABLE load_log DROP COLUMN source_{col}")
        for t in ("dx_indicators", "dx_indicators_prefecture", "raw_dx_indicators", "raw_dx_indicators_prefecture"):
            con.execute(f"DROP TABLE {t}")
        con.execute("DROP VIEW IF EXISTS stg_dx_indicators")
        con.execute("DROP VIEW IF EXISTS stg_dx_indicators_prefecture")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    path.chmod(0o444)


@pytest.fixture
def two_versions(tmp_path):
    """A tiny warehouse: a survey load (version 1), then an indicator load (version 2)."""
    db = tmp_path / "wh" / "warehouse.duckdb"
    survey = write_csv(tmp_path / "s.csv", ["団体コード", "団体名", "DX担当職員数"], [["011002", "札幌市", "5"]])
    assert etl_main("load", "survey", survey, "--db", db, "--base-date", "2023-04-01").code == 0
    src = table(tmp_path / "t.csv", ["札幌市"], [["分類", "外部人材活用", "未実施"]])
    assert etl_main("load", "indicators", src, "--db", db, "--base-date", "2023-04-01").code == 0
    kept = sorted((db.parent / "versions" / "warehouse").glob("*.duckdb"))
    assert len(kept) == 2
    return db, kept[0]


def test_rollback_to_a_schema_1_version_upgrades_it(two_versions):
    db, old = two_versions
    _as_schema_1(old)
    run = etl_main("rollback", "--to", old.stem, "--db", db)
    assert run.code == 0, run.text
    assert query(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(SCHEMA_VERSION,)]
    assert query(db, "SELECT count(*) FROM dx_indicators") == [(0,)]  # the state before the indicators
    assert query(db, "SELECT lg_code, dx_staff FROM staff_survey") == [("011002", 5.0)]
    # the undone load keeps its citation; the old survey row has none (NULL), never an invented one
    assert query(db, "SELECT kind, status, source_publisher FROM load_log ORDER BY source_id") == [
        ("survey", "loaded", None), ("indicators", "rolled_back", "デジタル庁"), ("rollback", "loaded", None)]


def test_rollback_to_an_unknown_newer_schema_is_refused_clearly(two_versions):
    import duckdb

    db, old = two_versions
    old.chmod(0o644)
    with duckdb.connect(str(old)) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    old.chmod(0o444)
    before = db.read_bytes()
    run = etl_main("rollback", "--to", old.stem, "--db", db)
    assert run.code == 1
    assert f"schema_version=99、扱える形式 {'、'.join((*UPGRADABLE_SCHEMAS, SCHEMA_VERSION))}）戻せません" in run.err
    assert db.read_bytes() == before


def test_build_if_missing_upgrades_a_schema_1_warehouse_and_keeps_its_loads(two_versions):
    db, _ = two_versions
    _as_schema_1(db)
    db.chmod(0o644)
    before = query(db, "SELECT source_id, kind, file_name FROM load_log ORDER BY 1")
    run = etl_main("build", "--if-missing", "--db", db)
    assert run.code == 0, run.text
    assert f"新しい形式（schema_version={SCHEMA_VERSION}）に更新しました" in run.out
    assert query(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(SCHEMA_VERSION,)]
    assert query(db, "SELECT source_id, kind, file_name FROM load_log ORDER BY 1") == before
    assert query(db, "SELECT lg_code, dx_staff FROM staff_survey") == [("011002", 5.0)]
    assert query(db, "SELECT count(*), count(source_title) FROM load_log") == [(2, 0)]  # no citation invented
    again = etl_main("build", "--if-missing", "--db", db)
    assert again.code == 0 and "倉庫は既にあります" in again.out
