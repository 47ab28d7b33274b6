CREATE OR REPLACE TABLE talent_roster AS
SELECT person_id, prefecture_code, role, employment_form, start_date, end_date, is_accelerator, source_id
FROM stg_talent_roster
ORDER BY prefecture_code, start_date, person_id;

CREATE OR REPLACE TABLE talent_assignment AS
SELECT person_id, lg_code, start_date, end_date, source_id
FROM stg_talent_assignment
ORDER BY lg_code, person_id, start_date;
