-- 011_query_indexes.sql: indexes for the admin API's commonest questions on a
-- large ledger (cunbao-bench --query, 10^7 reports).  A rollups question names
-- a kind and a period and an area subtree: (kind, period, area) scans exactly
-- that range (it replaces 001's rollups_kind).  Reports of a group, newest
-- first, with or without a kind: (area, id).
DROP INDEX IF EXISTS rollups_kind;
CREATE INDEX rollups_kind_period_area ON rollups(kind, period, area);
CREATE INDEX reports_area_id ON reports(area, id);
