-- 001_init.sql: cunbao's first schema (roster, journal, reports, rollups).
--
-- Applied by cunbaod when the database's user_version is below 1; the SQL
-- files under schema/sql are embedded into the binary at build time.
-- Times are unix seconds (UTC).  Values are exact decimals stored as scaled
-- integers: value / 10^scale.  Kind and field codes are the catalog's.

-- Areas: paths of slugs, top down ("xinzhuang/hexi/g03").  An "expected"
-- area is a reporting unit that completeness counts.
CREATE TABLE areas (
	path     TEXT PRIMARY KEY,
	name     TEXT NOT NULL DEFAULT '',
	parent   TEXT,			-- NULL at the top
	depth    INTEGER NOT NULL,	-- 1..5
	expected INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX areas_parent ON areas(parent);

-- Who may report: phone numbers (E.164) and chat ids ("tg:1234").
CREATE TABLE reporters (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL DEFAULT '',
	area TEXT NOT NULL,
	role TEXT NOT NULL DEFAULT 'leader',	-- leader | admin
	lang TEXT NOT NULL DEFAULT 'zh'		-- zh | en
) WITHOUT ROWID;
CREATE INDEX reporters_area ON reporters(area);

-- Every change to the roster, by whom (an import, the admin API, cunbaoctl).
CREATE TABLE roster_changes (
	seq  INTEGER PRIMARY KEY,
	who  TEXT NOT NULL,
	at   INTEGER NOT NULL,
	what TEXT NOT NULL
);

-- Every inbound message, raw, with its outcome.  msg_id is the sender's
-- idempotency key (NULL when it could not be read); a repeat is answered
-- with the stored receipt, marked duplicate.
CREATE TABLE journal (
	seq         INTEGER PRIMARY KEY,
	msg_id      TEXT UNIQUE,
	source      TEXT,
	channel     TEXT,		-- envelope channel ("sms", "tg"); NULL for reports
	sender      TEXT,		-- envelope "from", report "reporter"
	topic       TEXT NOT NULL,
	payload     BLOB NOT NULL,
	received_at INTEGER NOT NULL,	-- cunbaod's clock
	status      TEXT NOT NULL,	-- accepted | rejected
	error       TEXT,		-- error code (cunbao.h names) when rejected
	detail      TEXT,		-- what failed, for people
	command     TEXT,		-- report | help | query | fix | undo
	report_id   INTEGER,		-- the report it made or withdrew
	receipt     BLOB		-- the receipt as sent
);
CREATE INDEX journal_received ON journal(received_at);

-- Reports.  A correction (更正) supersedes, a withdrawal (撤销) withdraws:
-- nothing is deleted, and only "active" reports count in rollups.
CREATE TABLE reports (
	id            INTEGER PRIMARY KEY,
	journal_seq   INTEGER NOT NULL,
	area          TEXT NOT NULL,
	kind          TEXT NOT NULL,
	period        TEXT NOT NULL,	-- "2023-12", "2023-W48", ...
	reporter      TEXT,		-- NULL for an app report without one
	created_at    INTEGER NOT NULL,
	status        TEXT NOT NULL DEFAULT 'active',	-- active | superseded | withdrawn
	superseded_by INTEGER,		-- the correction that replaced it
	replaces      INTEGER		-- for a correction: the report it replaced
);
-- One index serves every lookup cunbaod makes on the hot path (a group's
-- reports in effect, a sender's last report of a kind and period, the groups
-- that reported): every secondary index costs a random page per report.
CREATE INDEX reports_kind_period ON reports(kind, period, status, area);

CREATE TABLE report_values (
	report INTEGER NOT NULL,
	field  TEXT NOT NULL,
	value  INTEGER NOT NULL,
	scale  INTEGER NOT NULL,
	PRIMARY KEY (report, field)
) WITHOUT ROWID;

-- Materialized rollups, one row per area (every level), kind, period and
-- field: enough state for every aggregation (lib/rollup.h).
CREATE TABLE rollups (
	area       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	period     TEXT NOT NULL,
	field      TEXT NOT NULL,
	sum        INTEGER NOT NULL,
	count      INTEGER NOT NULL,
	max        INTEGER NOT NULL,
	last       INTEGER NOT NULL,
	yes        INTEGER NOT NULL,
	scale      INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (area, kind, period, field)
) WITHOUT ROWID;
CREATE INDEX rollups_kind ON rollups(kind, period);
