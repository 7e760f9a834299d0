-- As in the SQLite migration of the same number: the shop's notifications, one per status
-- change, written with the change.
CREATE TABLE notifications (
    attempt_id TEXT NOT NULL,
    step BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    tries BIGINT NOT NULL DEFAULT 0,
    next_ms BIGINT NOT NULL,
    delivered_ms BIGINT,
    failed_ms BIGINT,
    last_error TEXT,
    PRIMARY KEY (attempt_id, step)
);
CREATE INDEX notifications_due ON notifications (next_ms) WHERE delivered_ms IS NULL AND failed_ms IS NULL;
