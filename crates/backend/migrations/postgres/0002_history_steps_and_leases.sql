-- As in the SQLite migration of the same number: numbered history, and leases.
ALTER TABLE status_history ADD COLUMN step BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX status_history_step ON status_history (attempt_id, step);
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
