"""Everything the pages share: the read-only warehouse connection, queries, charts, geometry and exports."""
