CREATE OR REPLACE TABLE municipalities AS
SELECT m.lg_code, m.prefecture_code, m.name, m.name_kana, m.kind, m.lat, m.lng,
       pop.population, b.geometry,
       pop.source_id AS population_source_id, b.source_id AS geometry_source_id
FROM ref_municipalities m
LEFT JOIN stg_population pop USING (lg_code)
LEFT JOIN stg_boundaries b ON b.level = 'municipality' AND b.code = m.lg_code
ORDER BY m.lg_code;
