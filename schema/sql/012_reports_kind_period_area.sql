-- 012_reports_kind_period_area.sql: the admin API asks for a subtree's
-- reports of one kind and period without a status (cunbao-bench --query,
-- 10^7 reports: p99 88 ms, up to 0.8 s with a cold cache).  001's
-- reports_kind_period (kind, period, status, area) could then use only kind
-- and period and read every group's reports of that cell (200,000 for a
-- yearly kind).  With area before status the same question is one range,
-- while every lookup cunbaod makes on the hot path (a group's reports in
-- effect, a sender's last report, the groups that reported) gives all four
-- columns, or kind, period and status, and is served as before: one index
-- replaces the other, so a report costs no more to store.
DROP INDEX IF EXISTS reports_kind_period;
CREATE INDEX IF NOT EXISTS reports_kind_period_area ON reports(kind, period, area, status);
