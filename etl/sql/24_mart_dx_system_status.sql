CREATE OR REPLACE TABLE dx_system_status AS
SELECT prefecture_code, milestone, milestone_name, achieved_on, model, note, source_id
FROM stg_dx_system_status
ORDER BY prefecture_code, milestone;
