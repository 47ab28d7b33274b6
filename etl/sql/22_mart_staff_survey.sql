-- dx_staff NULL = surveyed file said 未回答/調査無し for that municipality.
CREATE OR REPLACE TABLE staff_survey AS
SELECT base_date, lg_code, dx_staff, dedicated, concurrent, external_talent, has_cio_aide, source_id
FROM stg_staff_survey
ORDER BY base_date, lg_code;
