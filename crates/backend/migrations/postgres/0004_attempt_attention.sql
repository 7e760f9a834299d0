-- As in the SQLite migration of the same number: why an attempt needs the merchant's eyes,
-- the provider the shopper switched to, until when the current try's page can be paid, and
-- when the provider was last read for it.
ALTER TABLE attempts ADD COLUMN attention TEXT;
ALTER TABLE attempts ADD COLUMN superseded_by TEXT;
ALTER TABLE attempts ADD COLUMN payable_until_ms BIGINT;
ALTER TABLE attempts ADD COLUMN provider_read_ms BIGINT;
