-- 010_api.sql: what the admin API and the reminders keep (daemon/api*.c,
-- daemon/remind.c).  Times are unix seconds (UTC).

-- Every reminder sent to a leader (before a kind's deadline), every
-- escalation to a village's admins (after it) and every reminder an admin
-- asked for (POST /v1/reminders).  Automatic ones go once per reporter,
-- kind and period: the partial unique index makes a second one impossible.
CREATE TABLE reminders (
	id       INTEGER PRIMARY KEY,	-- outbox message id "rm-<id>"
	reporter TEXT NOT NULL,		-- who got it (reporters.id)
	area     TEXT NOT NULL,		-- the group it was about (escalations: the village)
	kind     TEXT NOT NULL,
	period   TEXT NOT NULL,
	type     TEXT NOT NULL,		-- remind | escalate | manual
	channel  TEXT NOT NULL,		-- sms | tg
	sent_at  INTEGER NOT NULL,
	who      TEXT			-- the API token's name for manual ones
);
CREATE UNIQUE INDEX reminders_once ON reminders(reporter, kind, period, type)
	WHERE type <> 'manual';
CREATE INDEX reminders_cell ON reminders(kind, period, reporter);

-- Roster lookups by area subtree use range scans on path; reports by kind,
-- period, status and area (completeness, the ledger) use 001's
-- reports_kind_period.
CREATE INDEX roster_changes_at ON roster_changes(at);

-- /healthz proves the database writable by updating this one row.
CREATE TABLE api_health (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at INTEGER NOT NULL
);
