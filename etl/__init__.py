"""ETL: reads survey files, rosters and reference data into one DuckDB warehouse."""
