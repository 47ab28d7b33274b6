"""The public tables of the warehouse: which they are, and what each column means (Japanese).

One registry for the Parquet export's datapackage.json, checked by the tests against the
warehouse and against the README's table of public tables. Public tables are discovered from the
warehouse (every table or view without the ref_/raw_/stg_ prefixes and not internal), so a table
added later is exported at once; tests/test_parquet.py fails until it is described here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from core.policy import EMPLOYMENT_FORMS, MILESTONES, MODELS, PREFECTURES, ROLES, SYSTEM
from core.store import SAMPLE_NOTICE

PRIVATE_PREFIXES = ("ref_", "raw_", "stg_")
INTERNAL: frozenset[str] = frozenset()  # public-looking names that are not part of the contract
NAME = re.compile(r"[a-z][a-z0-9_]*")  # a table name that is also a file name (<name>.parquet)
GEOMETRY_NOTE = ("WKB（Well-Known Binary）の地理形状。経度・緯度（OGC:CRS84）。Parquet ではバイナリ列で、"
                 "GeoParquet のメタデータ付き（geopandas.read_parquet で読めます）")


@dataclass(frozen=True)
class Table:
    title: str
    description: str
    kinds: tuple[str, ...]  # load kinds (load_log.kind) whose files feed the table
    columns: dict[str, str]
    primary_key: tuple[str, ...] = ()
    reference: bool = False  # also built from the installed reference packages


_SOURCE_ID = "取り込み番号（load_log.source_id）"

TABLES: dict[str, Table] = {
    "prefectures": Table(
        "都道府県", f"{PREFECTURES}都道府県（JIS順）。名称、8地方区分、輪郭。", ("boundaries",), {
            "prefecture_code": f"都道府県コード（'01'〜'{PREFECTURES}'、文字列）",
            "name": "都道府県名（例: 北海道）",
            "name_kana": "都道府県名のよみ（カタカナ）",
            "name_short": "都道府県名の短縮形（例: 北海道、東京、大阪）",
            "name_en": "都道府県名（英語）",
            "region": "8地方区分（北海道・東北・関東・中部・近畿・中国・四国・九州・沖縄）",
            "geometry": "都道府県の輪郭。" + GEOMETRY_NOTE,
            "geometry_source": "輪郭の出典（japanmap、または boundaries:<取り込み番号>）",
        }, ("prefecture_code",), reference=True),
    "municipalities": Table(
        "市区町村", "1,741市区町村（特別区・政令指定都市を含む）。代表点、人口（取り込み後）、境界（取り込み後）。",
        ("population", "boundaries"), {
            "lg_code": "団体コード（6桁、検査数字付き、文字列）",
            "prefecture_code": f"都道府県コード（'01'〜'{PREFECTURES}'）",
            "name": "市区町村名",
            "name_kana": "市区町村名のよみ（カタカナ）",
            "kind": "区分（特別区／政令指定都市／市／町／村）",
            "lat": "代表点の緯度（度）",
            "lng": "代表点の経度（度）",
            "population": "人口（国勢調査。未取り込みなら空）",
            "geometry": "市区町村の境界（未取り込みなら空）。" + GEOMETRY_NOTE,
            "population_source_id": "人口の" + _SOURCE_ID,
            "geometry_source_id": "境界の" + _SOURCE_ID,
        }, ("lg_code",), reference=True),
    "staff_survey": Table(
        "DX担当職員数（現行値）", "調査基準日×市区町村のDX・情報政策担当職員数。基準日ごとに最新の取り込みの値。", ("survey",), {
            "base_date": "調査基準日",
            "lg_code": "団体コード（6桁）",
            "dx_staff": "DX・情報政策担当職員数（合計。兼務は按分のため小数あり。空は未回答・調査無し、0 ではない）",
            "dedicated": "うち専任の職員数",
            "concurrent": "うち兼任の職員数",
            "external_talent": "外部人材の数",
            "has_cio_aide": "CIO補佐官等の任命の有無",
            "source_id": _SOURCE_ID,
        }, ("base_date", "lg_code")),
    "staff_survey_history": Table(
        "DX担当職員数（全版）", "取り込んだすべての版の職員数。is_current が現行値。", ("survey",), {
            "source_id": _SOURCE_ID,
            "base_date": "調査基準日",
            "lg_code": "団体コード（6桁）",
            "dx_staff": "DX・情報政策担当職員数（合計）",
            "dedicated": "うち専任の職員数",
            "concurrent": "うち兼任の職員数",
            "external_talent": "外部人材の数",
            "has_cio_aide": "CIO補佐官等の任命の有無",
            "file_name": "取り込んだファイル名",
            "loaded_at": "取り込み日時",
            "is_current": "この基準日・団体の現行値か",
        }, ("source_id", "base_date", "lg_code")),
    "talent_roster": Table(
        "人材プール名簿", "都道府県ごとの人材プール（仮名化済み）。氏名・メール・電話は含みません。", ("roster",), {
            "person_id": "仮名ID（ソルト付きハッシュ。氏名は含まない）",
            "prefecture_code": "人材プールの都道府県コード",
            "role": f"役割（スキル標準: {'／'.join(ROLES)}）",
            "employment_form": f"雇用形態（{'／'.join(EMPLOYMENT_FORMS)}）",
            "start_date": "開始日",
            "end_date": "終了日（空は継続中）",
            "is_accelerator": "自治体DXアクセラレータか",
            "source_id": _SOURCE_ID,
        }, ("person_id", "prefecture_code", "start_date")),
    "talent_assignment": Table(
        "人材の支援先", "各人材が支援する市区町村と期間。", ("roster",), {
            "person_id": "仮名ID（talent_roster.person_id）",
            "lg_code": "支援先の団体コード（6桁）",
            "start_date": "開始日",
            "end_date": "終了日（空は継続中）",
            "source_id": _SOURCE_ID,
        }, ("person_id", "lg_code", "start_date")),
    "dx_system_status": Table(
        "地域DX推進体制の進捗", "都道府県×マイルストーンの達成日とモデル。", ("status",), {
            "prefecture_code": "都道府県コード",
            "milestone": f"マイルストーン番号（{min(MILESTONES)}〜{max(MILESTONES)}）",
            "milestone_name": f"マイルストーン名（例: {MILESTONES[SYSTEM]}）",
            "achieved_on": "達成日（空は未達成）",
            "model": f"モデル（{'／'.join(MODELS)}）",
            "note": "備考",
            "source_id": _SOURCE_ID,
        }, ("prefecture_code", "milestone")),
    "dx_indicators": Table(
        "自治体DXの取組指標", "基準日×市区町村×指標（デジタル庁ダッシュボードの表）。", ("indicators",), {
            "base_date": "基準日",
            "lg_code": "団体コード（6桁）",
            "indicator": "指標名（例: CIOの任命）",
            "category": "指標の分類（例: 自治体DXの推進体制等）",
            "done": "実施なら true、未実施なら false、調査無しは空",
            "value": "値（割合は 0〜100 のパーセント、または件数）",
            "source_id": _SOURCE_ID,
        }, ("base_date", "lg_code", "indicator")),
    "dx_indicators_prefecture": Table(
        "自治体DXの取組指標（都道府県）", "基準日×都道府県×指標（デジタル庁ダッシュボードの都道府県比較の表）。", ("indicators",), {
            "base_date": "基準日",
            "prefecture_code": "都道府県コード",
            "indicator": "指標名（例: CIOの任命）",
            "category": "指標の分類（例: 自治体DXの推進体制等）",
            "done": "実施なら true、未実施なら false、調査無しは空",
            "value": "値（割合は 0〜100 のパーセント、または件数）",
            "source_id": _SOURCE_ID,
        }, ("base_date", "prefecture_code", "indicator")),
    "load_log": Table(
        "取り込み履歴", "取り込み・戻しの1回ごとの記録。", (), {
            "source_id": _SOURCE_ID,
            "kind": "種類（survey／roster／status／population／boundaries／rollback など）",
            "file_name": "ファイル名",
            "sha256": "ファイルの SHA-256",
            "rows_read": "読み込んだ行数",
            "rows_loaded": "取り込んだ行数",
            "rows_rejected": "エラーの行数",
            "warnings": "警告の数",
            "loaded_at": "取り込み日時",
            "loaded_by": "実行者のラベル（cli、build、管理画面の入力）",
            "status": "状態（loaded／rolled_back など）",
            "scope": "範囲（基準日、都道府県など）",
            "is_sample": f"{SAMPLE_NOTICE}か",
            "archive_path": "原本の保管パス（取り込んだサーバー上）",
            "source_publisher": "出典の発行者（例: デジタル庁）",
            "source_title": "出典の表題",
            "source_updated": "出典の更新日",
            "source_note": "出典の補足（調査名など）",
            "source_credit": "クレジット表記（画面・書き出しに表示）",
            "source_licence": "ライセンス（例: CC BY 4.0）",
        }, ("source_id",)),
    "reject_log": Table(
        "警告の記録", "取り込んだファイルの警告（行・列・値・理由）。", (), {
            "source_id": _SOURCE_ID,
            "severity": "重さ（warning など）",
            "sheet": "シート名",
            "row_number": "行番号（ファイル上）",
            "column_name": "列名",
            "value": "値（最大100文字）",
            "reason": "理由（日本語）",
        }),
    "meta": Table(
        "倉庫の情報", "キーと値（is_sample、built_at、schema_version、version_id）。", (), {
            "key": "キー",
            "value": "値（文字列）",
        }, ("key",)),
}


def public_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every public table or view in the warehouse, in the registry's order, then by name."""
    rows = con.execute("""
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'main' AND table_catalog = current_database()""").fetchall()
    names = {r[0] for r in rows if not r[0].startswith(PRIVATE_PREFIXES) and not r[0].startswith("_")
             and r[0] not in INTERNAL}
    order = list(TABLES)
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) in table order."""
    return [(r[0], r[1]) for r in con.execute("""
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'main' AND table_catalog = current_database() AND table_name = ?
        ORDER BY ordinal_position""", [table]).fetchall()]


def missing_descriptions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """'table' or 'table.column' for every public table or column the registry does not describe."""
    out = []
    for table in public_tables(con):
        if table not in TABLES:
            out.append(table)
            continue
        out += [f"{table}.{c}" for c, _ in columns(con, table) if not TABLES[table].columns.get(c)]
    return out
