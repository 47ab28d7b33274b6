-- active_on(start_date, end_date, d): a roster period or an assignment runs on day d when it has
-- started by d and not ended before d (a blank end date is ongoing). The one definition of "active":
-- every pool count, coverage figure and assignment list (marts and dashboard queries) calls it.
CREATE OR REPLACE MACRO active_on(start_date, end_date, d) AS
    start_date <= d AND (end_date IS NULL OR end_date >= d);
