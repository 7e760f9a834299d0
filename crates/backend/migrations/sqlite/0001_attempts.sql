-- The attempt store as it was before migrations (issue 8): `IF NOT EXISTS` everywhere, so a
-- store made by that release is adopted as it is.
CREATE TABLE IF NOT EXISTS attempts (
    attempt_id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    order_id TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    provider_customer_id TEXT,
    provider_order_id TEXT NOT NULL,
    order_access_token TEXT,
    customer_access_token TEXT,
    checkout_url TEXT,
    status TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    try_number INTEGER NOT NULL DEFAULT 1,
    provider_session_id TEXT,
    details TEXT,
    UNIQUE (provider, order_id),
    UNIQUE (provider, provider_order_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS attempts_session ON attempts (provider, provider_session_id);
CREATE TABLE IF NOT EXISTS status_history (
    attempt_id TEXT NOT NULL REFERENCES attempts (attempt_id),
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_receipts (
    provider TEXT NOT NULL,
    receipt TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    PRIMARY KEY (provider, receipt)
);
