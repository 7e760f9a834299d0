-- Checkout sessions: what the shop's server said a shopper is to pay (POST /sessions). One live
-- session per merchant order; the browser holds only its client secret.
CREATE TABLE checkout_sessions (
    session_id TEXT PRIMARY KEY,
    client_secret TEXT NOT NULL,
    order_id TEXT NOT NULL UNIQUE,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    request TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
);
-- "Has this order an attempt at any provider?" (a session's price may change only before one).
CREATE INDEX attempts_order ON attempts (order_id);
