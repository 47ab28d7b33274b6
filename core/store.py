"""The warehouse's identity, shared by its writer (etl) and its readers (dashboard, exports):
the schema version, the default paths and the marker of synthetic inputs."""

from __future__ import annotations

from pathlib import Path

# 2: load_log citation columns, dx_indicators (etl/sql/00_schema.sql);
# 3: the active_on macro and the summary marts as table macros (etl/sql/01_*, 30_*, 31_*);
# 4: shortage_summary compares only prefectures answered on both dates (paired_* columns).
SCHEMA_VERSION = "4"
# Older schemas that a publish upgrades in place (new columns, tables and macros only), so a kept
# version from before can still be restored; anything else is refused.
UPGRADABLE_SCHEMAS = ("1", "2", "3")

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "warehouse.duckdb"
DB_ENV = "DXGAP_DB"  # the warehouse the app and the export CLI read, when set
SAMPLE_DIR = DATA_DIR / "sample"
PUBLIC_DIR = DATA_DIR / "public"
SAMPLE_MARKER = ".synthetic"  # present in a folder of synthetic inputs
SAMPLE_NOTICE = "サンプル（架空）データ"  # said on every page, chart, slide and export made from them
