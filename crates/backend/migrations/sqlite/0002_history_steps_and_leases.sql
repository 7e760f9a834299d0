-- Each history row gets its place in the attempt's history (1, 2, …), unique per attempt, so
-- the order no longer rests on SQLite's rowid; rows from before are numbered in rowid order.
ALTER TABLE status_history ADD COLUMN step INTEGER NOT NULL DEFAULT 0;
UPDATE status_history SET step = (
    SELECT COUNT(*) FROM status_history AS earlier
    WHERE earlier.attempt_id = status_history.attempt_id AND earlier.rowid <= status_history.rowid
);
CREATE UNIQUE INDEX status_history_step ON status_history (attempt_id, step);

-- Short leases on a name (`start:ioka:A-1`, `pay:att_…`): the instance holding one is the only
-- one calling the provider for it; a crashed holder's lease runs out and another takes over.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
);
