-- The current version of each fact: the latest load wins for its own grain, so a file for
-- one prefecture or one base date never wipes the rest.
CREATE OR REPLACE VIEW stg_staff_survey AS
SELECT * EXCLUDE (rn) FROM (
    SELECT r.*, row_number() OVER (PARTITION BY base_date, lg_code ORDER BY source_id DESC) AS rn
    FROM raw_staff_survey r
) WHERE rn = 1;

-- A roster is a full snapshot of one prefecture's pool: its latest load replaces the earlier ones.
CREATE OR REPLACE VIEW stg_roster_source AS
SELECT prefecture_code, max(source_id) AS source_id FROM raw_talent_roster GROUP BY prefecture_code;

CREATE OR REPLACE VIEW stg_talent_roster AS
SELECT r.* FROM raw_talent_roster r JOIN stg_roster_source s USING (prefecture_code, source_id);

CREATE OR REPLACE VIEW stg_talent_assignment AS
SELECT DISTINCT a.* FROM raw_talent_assignment a
JOIN stg_talent_roster r ON r.person_id = a.person_id AND r.source_id = a.source_id;

CREATE OR REPLACE VIEW stg_dx_system_status AS
SELECT r.* FROM raw_dx_system_status r
JOIN (SELECT prefecture_code, max(source_id) AS source_id FROM raw_dx_system_status GROUP BY 1) s
USING (prefecture_code, source_id);

CREATE OR REPLACE VIEW stg_population AS
SELECT * EXCLUDE (rn) FROM (
    SELECT r.*, row_number() OVER (PARTITION BY lg_code ORDER BY source_id DESC) AS rn FROM raw_population r
) WHERE rn = 1;

CREATE OR REPLACE VIEW stg_boundaries AS
SELECT * EXCLUDE (rn) FROM (
    SELECT r.*, row_number() OVER (PARTITION BY level, code ORDER BY source_id DESC) AS rn FROM raw_boundaries r
) WHERE rn = 1;

-- Indicators: the latest load wins per base date × municipality (or prefecture) × indicator, so a
-- revised table for a base date replaces it and earlier loads stay in raw_ as history.
CREATE OR REPLACE VIEW stg_dx_indicators AS
SELECT * EXCLUDE (rn) FROM (
    SELECT r.*, row_number() OVER (PARTITION BY base_date, lg_code, indicator ORDER BY source_id DESC) AS rn
    FROM raw_dx_indicators r
) WHERE rn = 1;

CREATE OR REPLACE VIEW stg_dx_indicators_prefecture AS
SELECT * EXCLUDE (rn) FROM (
    SELECT r.*, row_number() OVER (PARTITION BY base_date, prefecture_code, indicator ORDER BY source_id DESC) AS rn
    FROM raw_dx_indicators_prefecture r
) WHERE rn = 1;

-- Every version ever loaded, for comparison and audit.
CREATE OR REPLACE VIEW staff_survey_history AS
SELECT r.*, l.file_name, l.loaded_at,
       r.source_id = max(r.source_id) OVER (PARTITION BY r.base_date, r.lg_code) AS is_current
FROM raw_staff_survey r JOIN load_log l USING (source_id);
