-- Notifications to the shop (TOLEM_NOTIFY_URL): one row per status change, written in the
-- transaction that records the change, so a crash loses none. The payload is built from the
-- attempt and its history step when it is sent.
CREATE TABLE notifications (
    attempt_id TEXT NOT NULL,
    -- The status_history step it reports (the attempt's 1st, 2nd, … change).
    step INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    -- Delivery tries so far, and when the next may start (ms since the epoch).
    tries INTEGER NOT NULL DEFAULT 0,
    next_ms INTEGER NOT NULL,
    -- Set once the shop answered 2xx, or once the retry window ran out (then replayable).
    delivered_ms INTEGER,
    failed_ms INTEGER,
    -- What the last failed try got (an HTTP status, a timeout): no secrets, no bodies.
    last_error TEXT,
    PRIMARY KEY (attempt_id, step)
);
CREATE INDEX notifications_due ON notifications (next_ms) WHERE delivered_ms IS NULL AND failed_ms IS NULL;
