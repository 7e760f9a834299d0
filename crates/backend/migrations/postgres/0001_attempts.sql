-- The attempt store, as in the SQLite migration of the same number.
CREATE TABLE attempts (
    attempt_id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    order_id TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    provider_customer_id TEXT,
    provider_order_id TEXT NOT NULL,
    order_access_token TEXT,
    customer_access_token TEXT,
    checkout_url TEXT,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    try_number BIGINT NOT NULL DEFAULT 1,
    provider_session_id TEXT,
    details TEXT,
    UNIQUE (provider, order_id),
    UNIQUE (provider, provider_order_id)
);
CREATE UNIQUE INDEX attempts_session ON attempts (provider, provider_session_id);
CREATE TABLE status_history (
    attempt_id TEXT NOT NULL REFERENCES attempts (attempt_id),
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE TABLE webhook_receipts (
    provider TEXT NOT NULL,
    receipt TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (provider, receipt)
);
