-- Warehouse schema. ref_ = reference dimensions, raw_ = every accepted row of every load
-- (append-only, so history stays queryable), stg_ = the current version, mart = public tables.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);

CREATE TABLE IF NOT EXISTS ref_prefectures (
    prefecture_code TEXT PRIMARY KEY, name TEXT NOT NULL, name_kana TEXT, name_short TEXT,
    name_en TEXT, region TEXT NOT NULL, geometry BLOB
);
CREATE TABLE IF NOT EXISTS ref_municipalities (
    lg_code TEXT PRIMARY KEY, prefecture_code TEXT NOT NULL, name TEXT NOT NULL, name_kana TEXT,
    kind TEXT NOT NULL, lat DOUBLE, lng DOUBLE
);
CREATE TABLE IF NOT EXISTS ref_designated_wards (
    ward_code TEXT PRIMARY KEY, prefecture_code TEXT, ward_name TEXT, ward_kana TEXT, city_code TEXT,
    valid_from DATE, valid_until DATE
);
-- a ward's first and last day where it did not always exist (浜松市's wards changed on 2024-01-01)
ALTER TABLE ref_designated_wards ADD COLUMN IF NOT EXISTS valid_from DATE;
ALTER TABLE ref_designated_wards ADD COLUMN IF NOT EXISTS valid_until DATE;

CREATE TABLE IF NOT EXISTS load_log (
    source_id INTEGER PRIMARY KEY, kind TEXT NOT NULL, file_name TEXT NOT NULL, sha256 TEXT NOT NULL,
    rows_read INTEGER, rows_loaded INTEGER, rows_rejected INTEGER, warnings INTEGER,
    loaded_at TIMESTAMP NOT NULL, loaded_by TEXT, status TEXT NOT NULL, scope TEXT,
    is_sample BOOLEAN NOT NULL DEFAULT false, archive_path TEXT
);
CREATE TABLE IF NOT EXISTS reject_log (
    source_id INTEGER, severity TEXT, sheet TEXT, row_number INTEGER, column_name TEXT,
    value TEXT, reason TEXT
);

CREATE TABLE IF NOT EXISTS raw_staff_survey (
    source_id INTEGER NOT NULL, base_date DATE NOT NULL, lg_code TEXT NOT NULL, dx_staff DOUBLE,
    dedicated DOUBLE, concurrent DOUBLE, external_talent DOUBLE, has_cio_aide BOOLEAN
);
CREATE TABLE IF NOT EXISTS raw_talent_roster (
    source_id INTEGER NOT NULL, person_id TEXT NOT NULL, prefecture_code TEXT NOT NULL, role TEXT NOT NULL,
    employment_form TEXT, start_date DATE NOT NULL, end_date DATE, is_accelerator BOOLEAN
);
CREATE TABLE IF NOT EXISTS raw_talent_assignment (
    source_id INTEGER NOT NULL, person_id TEXT NOT NULL, lg_code TEXT NOT NULL, start_date DATE, end_date DATE
);
CREATE TABLE IF NOT EXISTS raw_dx_system_status (
    source_id INTEGER NOT NULL, prefecture_code TEXT NOT NULL, milestone INTEGER NOT NULL,
    milestone_name TEXT, achieved_on DATE, model TEXT, note TEXT
);
CREATE TABLE IF NOT EXISTS raw_population (source_id INTEGER NOT NULL, lg_code TEXT NOT NULL, population DOUBLE);
CREATE TABLE IF NOT EXISTS raw_boundaries (
    source_id INTEGER NOT NULL, level TEXT NOT NULL, code TEXT NOT NULL, geometry BLOB NOT NULL
);
-- The Digital Agency 自治体DXダッシュボード table (etl/indicators.py): done = 実施 true / 未実施 false /
-- 調査無し NULL; value = a percentage 0–100 or a count.
CREATE TABLE IF NOT EXISTS raw_dx_indicators (
    source_id INTEGER NOT NULL, base_date DATE NOT NULL, lg_code TEXT NOT NULL, category TEXT,
    indicator TEXT NOT NULL, done BOOLEAN, value DOUBLE
);
CREATE TABLE IF NOT EXISTS raw_dx_indicators_prefecture (
    source_id INTEGER NOT NULL, base_date DATE NOT NULL, prefecture_code TEXT NOT NULL, category TEXT,
    indicator TEXT NOT NULL, done BOOLEAN, value DOUBLE
);

-- Schema 2: every load's source citation (etl/citations.py), read by the dashboard's 出典 notes.
ALTER TABLE load_log ADD COLUMN IF NOT EXISTS source_publisher TEXT;
ALTER TABLE load_log ADD COLUMN IF NOT EXISTS source_title TEXT;
ALTER TABLE load_log ADD COLUMN IF NOT EXISTS source_updated DATE;
ALTER TABLE load_log ADD COLUMN IF NOT EXISTS source_note TEXT;
ALTER TABLE load_log ADD COLUMN IF NOT EXISTS source_credit TEXT;
ALTER TABLE load_log ADD COLUMN IF NOT EXISTS source_licence TEXT;
