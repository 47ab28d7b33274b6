-- indicator_summary(indicator_date, ext_indicator, cio_indicator, org_indicator): three of the
-- Digital Agency's indicators (dx_indicators, real data) on one indicator base date, for every
-- prefecture (area_code '01'..'47') and the nation ('00', first). <key>_done = municipalities that
-- answered 実施, <key>_answered = 実施 or 未実施 (調査無し is NULL and not counted), <key> = the share
-- done ÷ answered (NULL where nobody answered). With indicator_date NULL every count is 0.
-- Keys: ext_talent_share (外部人材活用), cio_aide_share (CIO補佐官等の任命), org_wide_share (全庁的な体制構築).
CREATE OR REPLACE MACRO indicator_summary(indicator_date, ext_indicator, cio_indicator, org_indicator) AS TABLE
WITH answers AS (  -- source: every municipality with its answers on the indicator base date
    SELECT m.prefecture_code, d.indicator, d.done
    FROM municipalities m
    LEFT JOIN dx_indicators d ON d.lg_code = m.lg_code AND d.base_date = indicator_date
), counts AS (
    SELECT coalesce(prefecture_code, '00') AS area_code,
           count(*) FILTER (WHERE indicator = ext_indicator AND done) AS ext_talent_share_done,
           count(done) FILTER (WHERE indicator = ext_indicator) AS ext_talent_share_answered,
           count(*) FILTER (WHERE indicator = cio_indicator AND done) AS cio_aide_share_done,
           count(done) FILTER (WHERE indicator = cio_indicator) AS cio_aide_share_answered,
           count(*) FILTER (WHERE indicator = org_indicator AND done) AS org_wide_share_done,
           count(done) FILTER (WHERE indicator = org_indicator) AS org_wide_share_answered
    FROM answers
    GROUP BY GROUPING SETS ((prefecture_code), ())
), final AS (
    SELECT *,
           ext_talent_share_done / nullif(ext_talent_share_answered, 0) AS ext_talent_share,
           cio_aide_share_done / nullif(cio_aide_share_answered, 0) AS cio_aide_share,
           org_wide_share_done / nullif(org_wide_share_answered, 0) AS org_wide_share
    FROM counts
)
SELECT * FROM final ORDER BY area_code;
