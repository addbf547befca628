-- 015_roster_since.sql: when each area and reporter first appeared in
-- cunbao, so that reminders and escalations never chase a period that was
-- over before cunbao knew the group (or the person): on the first start of a
-- new database every group is missing every earlier period, and the village
-- admins would hear about all of them.
--
-- since is the unix time of the row's first insert, set by the triggers
-- below whatever inserts it (the files cunbaod loads, the admin API); an
-- update (the upserts' DO UPDATE) keeps it.  Rows from before this
-- migration keep NULL: known since before, chased as before.
ALTER TABLE areas ADD COLUMN since INTEGER;
ALTER TABLE reporters ADD COLUMN since INTEGER;
CREATE TRIGGER areas_since AFTER INSERT ON areas WHEN NEW.since IS NULL
BEGIN
	UPDATE areas SET since = CAST(strftime('%s', 'now') AS INTEGER) WHERE path = NEW.path;
END;
CREATE TRIGGER reporters_since AFTER INSERT ON reporters WHEN NEW.since IS NULL
BEGIN
	UPDATE reporters SET since = CAST(strftime('%s', 'now') AS INTEGER) WHERE id = NEW.id;
END;
