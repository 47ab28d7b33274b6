-- The Digital Agency 自治体DXダッシュボード indicators (real data): one row per base date ×
-- municipality × indicator; done NULL = 調査無し (never 未実施).
CREATE OR REPLACE TABLE dx_indicators AS
SELECT base_date, lg_code, indicator, category, done, value, source_id
FROM stg_dx_indicators
ORDER BY base_date, indicator, lg_code;

CREATE OR REPLACE TABLE dx_indicators_prefecture AS
SELECT base_date, prefecture_code, indicator, category, done, value, source_id
FROM stg_dx_indicators_prefecture
ORDER BY base_date, indicator, prefecture_code;
