-- 012_reports_kind_period_area.sql: the admin API's lists of reports on a
-- large ledger (cunbao-bench --query, 10^7 reports).  Two indexes replace
-- two, so a report costs no more to store.
--
-- A subtree's reports of one kind and period, any status: 001's
-- reports_kind_period (kind, period, status, area) could use only kind and
-- period and read every group's reports of that cell (200,000 for a yearly
-- kind; p99 88 ms, 0.8 s from a cold cache).  With area before status it
-- is one range.  Every lookup cunbaod makes on the hot path (a group's
-- reports in effect, a sender's last report, the groups that reported)
-- gives all four columns, or kind, period and status, and is served as
-- before.
--
-- A subtree's reports with a kind but no period, or none: 011's
-- reports_area_id (area, id) gave their ids only when no other filter was
-- set; (area, kind, period) still holds the id and also answers kind and
-- period from the index alone (a group's livestock reports: 1 ms, not
-- 150 ms through the kind's whole range).  A subtree is a range of paths,
-- so (area, id) never gave its ids in order anyway.
DROP INDEX IF EXISTS reports_kind_period;
CREATE INDEX IF NOT EXISTS reports_kind_period_area ON reports(kind, period, area, status);
DROP INDEX IF EXISTS reports_area_id;
CREATE INDEX IF NOT EXISTS reports_area_kind_period ON reports(area, kind, period);
