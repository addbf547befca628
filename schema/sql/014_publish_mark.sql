-- 014_publish_mark.sql: how far cunbaod's retained rollups are known to be
-- published, so that a restart after a crash (kill -9, power loss)
-- republishes what was committed but not yet published.
--
-- cunbaod publishes a changed rollup cell some time after the commit that
-- changed it (rollup-interval, leaf-rollup-interval); the set of cells that
-- wait lives in memory.  journal_seq is a journal seq such that every cell
-- changed by the journal rows up to it has been published and acknowledged
-- by the broker.  cunbaod rewrites this one row inside the transaction of a
-- batch it commits anyway (never a transaction or an fsync of its own), and
-- at start republishes every cell the journal rows after it touched.
--
-- An existing database starts at its last journal row: the daemon that
-- wrote it published everything when it stopped cleanly.
CREATE TABLE publish_mark (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	journal_seq INTEGER NOT NULL
);
INSERT INTO publish_mark (id, journal_seq) SELECT 1, coalesce(max(seq), 0) FROM journal;
