-- shortage_summary(survey_date, previous_date, n, as_of, system_milestone, pool_milestone):
-- the shortage, pool and progress figures of every prefecture (area_code '01'..'47', JIS order)
-- and of the nation (area_code '00', first) for one view of the dashboard:
--   staff on survey_date (previous_date: the survey the change compares with, or NULL), 不足 = staff <= n,
--   pools and assignments active on as_of, milestones reached by as_of (system_milestone and
--   pool_milestone: the numbers of 推進体制の構築 and 人材プール機能の確保, from core.policy).
-- A table macro, so the parameters reach every step; it runs on the read-only warehouse.
-- Counts of the nation are the sums of the prefectures'; a rate is NULL (未算出) where its
-- denominator is 0 or unknown, never 0. Municipalities not surveyed are 未回答, never 0 staff.
-- A change (前回比) compares only prefectures that answered on both dates: a prefecture missing
-- from either has none (never 0 − its previous count), and the nation's adds up the others'.
CREATE OR REPLACE MACRO shortage_summary(survey_date, previous_date, n, as_of, system_milestone, pool_milestone) AS TABLE
WITH staff AS (  -- source: every municipality with its staff on the base date (NULL = 未回答)
    SELECT m.prefecture_code, m.lg_code, m.population, m.population_source_id, s.dx_staff
    FROM municipalities m
    LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = survey_date
), previous_staff AS (  -- source: the municipalities the previous survey has
    SELECT m.prefecture_code, s.dx_staff
    FROM municipalities m
    JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = previous_date
), covered AS (  -- source: municipalities with at least one talent assigned on as_of
    SELECT DISTINCT lg_code FROM talent_assignment WHERE active_on(start_date, end_date, as_of)
), pool AS (
    SELECT prefecture_code, count(DISTINCT person_id) AS pool_talent,
           count(DISTINCT person_id) FILTER (WHERE is_accelerator) AS accelerators
    FROM talent_roster WHERE active_on(start_date, end_date, as_of)
    GROUP BY prefecture_code
), status AS (
    SELECT prefecture_code,
           max(milestone) FILTER (WHERE achieved_on <= as_of) AS milestone,
           min(achieved_on) FILTER (WHERE milestone = system_milestone) AS system_on,
           min(achieved_on) FILTER (WHERE milestone = pool_milestone) AS pool_on,
           any_value(model) AS model
    FROM dx_system_status GROUP BY prefecture_code
), shortage AS (
    SELECT prefecture_code,
           count(*) AS municipalities,
           count(dx_staff) AS surveyed,
           count(*) FILTER (WHERE dx_staff <= n) AS shortage,
           count(*) FILTER (WHERE dx_staff <= 1) AS severe,
           count(*) FILTER (WHERE dx_staff = 0) AS zero,
           median(dx_staff) AS median_staff,
           sum(dx_staff) AS staff_total,
           -- per capita: staff and people of the same municipalities (surveyed, population known);
           -- population_missing > 0 (not in the population file) makes the prefecture 未算出
           sum(dx_staff) FILTER (WHERE population IS NOT NULL) AS staff_with_population,
           sum(population) FILTER (WHERE dx_staff IS NOT NULL) AS population_surveyed,
           count(*) FILTER (WHERE population_source_id IS NULL) AS population_missing,
           count(*) FILTER (WHERE dx_staff <= n AND lg_code IN (SELECT lg_code FROM covered)) AS shortage_covered
    FROM staff GROUP BY prefecture_code
), previous AS (
    SELECT prefecture_code, count(dx_staff) AS prev_surveyed,
           count(*) FILTER (WHERE dx_staff <= n) AS prev_shortage
    FROM previous_staff GROUP BY prefecture_code
), prefecture_rows AS (
    SELECT p.prefecture_code AS area_code, p.name, p.region, s.* EXCLUDE (prefecture_code),
           -- the previous counts only where the prefecture answered on survey_date too
           CASE WHEN s.surveyed > 0 THEN pv.prev_surveyed END AS prev_surveyed,
           CASE WHEN s.surveyed > 0 THEN pv.prev_shortage END AS prev_shortage,
           -- the current counts of the same prefectures: what a change is taken from
           CASE WHEN s.surveyed > 0 AND pv.prev_surveyed > 0 THEN s.surveyed END AS paired_surveyed,
           CASE WHEN s.surveyed > 0 AND pv.prev_surveyed > 0 THEN s.shortage END AS paired_shortage,
           coalesce(pl.pool_talent, 0) AS pool_talent, coalesce(pl.accelerators, 0) AS accelerators,
           st.milestone, st.system_on, st.pool_on, st.model,
           1 AS prefectures,
           CASE WHEN st.system_on <= as_of THEN 1 ELSE 0 END AS systems_built,
           CASE WHEN st.pool_on <= as_of THEN 1 ELSE 0 END AS pools_built
    FROM prefectures p
    JOIN shortage s USING (prefecture_code)
    LEFT JOIN previous pv USING (prefecture_code)
    LEFT JOIN pool pl USING (prefecture_code)
    LEFT JOIN status st USING (prefecture_code)
), national_row AS (
    SELECT '00' AS area_code, '全国' AS name,
           sum(municipalities)::BIGINT AS municipalities, sum(surveyed)::BIGINT AS surveyed,
           sum(shortage)::BIGINT AS shortage, sum(severe)::BIGINT AS severe, sum(zero)::BIGINT AS zero,
           (SELECT median(dx_staff) FROM staff_survey WHERE base_date = survey_date) AS median_staff,
           sum(staff_total) AS staff_total, sum(staff_with_population) AS staff_with_population,
           sum(population_surveyed) AS population_surveyed, sum(population_missing)::BIGINT AS population_missing,
           sum(shortage_covered)::BIGINT AS shortage_covered,
           sum(prev_surveyed)::BIGINT AS prev_surveyed, sum(prev_shortage)::BIGINT AS prev_shortage,
           sum(paired_surveyed)::BIGINT AS paired_surveyed, sum(paired_shortage)::BIGINT AS paired_shortage,
           sum(pool_talent)::BIGINT AS pool_talent, sum(accelerators)::BIGINT AS accelerators,
           sum(prefectures)::BIGINT AS prefectures,
           sum(systems_built)::BIGINT AS systems_built, sum(pools_built)::BIGINT AS pools_built
    FROM prefecture_rows
), areas AS (
    SELECT * FROM prefecture_rows
    UNION ALL BY NAME
    SELECT * FROM national_row
), final AS (
    SELECT *,
           shortage / nullif(surveyed, 0) AS shortage_share,
           severe / nullif(surveyed, 0) AS severe_share,
           zero / nullif(surveyed, 0) AS zero_share,
           -- only where the population file covers every municipality: never a whole prefecture's
           -- staff divided by the people of the few towns a partial file happens to hold
           CASE WHEN population_missing = 0 AND population_surveyed > 0
                THEN staff_with_population / population_surveyed * 10000 END AS staff_per_10k,
           pool_talent / nullif(shortage, 0) AS pool_per_shortage,
           shortage_covered / nullif(shortage, 0) AS coverage,
           prev_shortage / nullif(prev_surveyed, 0) AS prev_shortage_share,
           paired_shortage / nullif(paired_surveyed, 0) - prev_shortage / nullif(prev_surveyed, 0) AS shortage_share_change,
           paired_shortage - prev_shortage AS shortage_change
    FROM areas
)
SELECT * FROM final ORDER BY area_code;
