-- 013_journal_source_id.sql: the journal's idempotency key is (source,
-- msg_id), as the protocol promises ids unique per sender, not msg_id
-- alone.  With msg_id UNIQUE a second gateway whose ids restart at 1 had
-- its messages answered `duplicate` (lost), and any client could claim
-- another sender's id to read its receipt.
--
-- SQLite cannot drop a column's UNIQUE constraint, so the table is rebuilt
-- with the same columns and every row kept (seq, msg_id, receipts...):
-- rows unique on msg_id are unique on (source, msg_id).  Rows whose id or
-- source could not be read (NULL) are never duplicates of anything.
CREATE TABLE journal_013 (
	seq         INTEGER PRIMARY KEY,
	msg_id      TEXT,		-- the sender's id; unique per source (below)
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
INSERT INTO journal_013 (seq, msg_id, source, channel, sender, topic, payload, received_at,
	status, error, detail, command, report_id, receipt)
	SELECT seq, msg_id, source, channel, sender, topic, payload, received_at,
	status, error, detail, command, report_id, receipt FROM journal ORDER BY seq;
DROP TABLE journal;
ALTER TABLE journal_013 RENAME TO journal;
CREATE INDEX journal_received ON journal(received_at);
CREATE UNIQUE INDEX journal_source_msg ON journal(source, msg_id);
