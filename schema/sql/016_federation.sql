-- 016_federation.sql: a federating cunbaod's inputs (config key upstream-of).
--
-- A federating cunbaod (a city's or a province's) takes as its inputs the
-- retained rollups and completeness its child cunbaods (the counties')
-- publish for their top areas, bridged up by the brokers.  fed_inputs keeps
-- the latest of each (child, kind, period, what): what is 'rollup' or
-- 'completeness', payload the child's very JSON.  A newer one replaces it:
-- a greater seq (the child's journal position), or, from a child without
-- seq, a later updated_at; an older or equal one (a repeat, a bridge's double
-- delivery, the retained copy sent again on every subscribe) changes
-- nothing.  fseq is the fed_journal row that set it.
--
-- fed_journal is the log of the inputs that changed something, in order:
-- which child rollup, its seq and updated_at, when it arrived.  Its seq is
-- also the seq a federating cunbaod writes in its own rollups, so its own
-- parent (a nation over provinces) can order them the same way.
CREATE TABLE fed_inputs (
	child       TEXT NOT NULL,
	kind        TEXT NOT NULL,
	period      TEXT NOT NULL,
	what        TEXT NOT NULL CHECK (what IN ('rollup', 'completeness')),
	seq         INTEGER NOT NULL,
	updated_at  TEXT NOT NULL,
	payload     TEXT NOT NULL,
	fseq        INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	PRIMARY KEY (child, kind, period, what)
) WITHOUT ROWID;
CREATE INDEX fed_inputs_kind_period ON fed_inputs(kind, period);

CREATE TABLE fed_journal (
	seq         INTEGER PRIMARY KEY,
	child       TEXT NOT NULL,
	kind        TEXT NOT NULL,
	period      TEXT NOT NULL,
	what        TEXT NOT NULL,
	child_seq   INTEGER NOT NULL,
	updated_at  TEXT NOT NULL,
	received_at INTEGER NOT NULL
);
