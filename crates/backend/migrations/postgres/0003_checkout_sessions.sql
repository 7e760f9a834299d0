-- As in the SQLite migration of the same number: checkout sessions.
CREATE TABLE checkout_sessions (
    session_id TEXT PRIMARY KEY,
    client_secret TEXT NOT NULL,
    order_id TEXT NOT NULL UNIQUE,
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    request TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
-- "Has this order an attempt at any provider?" (a session's price may change only before one).
CREATE INDEX attempts_order ON attempts (order_id);
