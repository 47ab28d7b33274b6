CREATE OR REPLACE TABLE prefectures AS
SELECT p.prefecture_code, p.name, p.name_kana, p.name_short, p.name_en, p.region,
       coalesce(b.geometry, p.geometry) AS geometry,
       CASE WHEN b.geometry IS NULL THEN 'japanmap' ELSE 'boundaries:' || b.source_id END AS geometry_source
FROM ref_prefectures p
LEFT JOIN stg_boundaries b ON b.level = 'prefecture' AND b.code = p.prefecture_code
ORDER BY p.prefecture_code;
