-- As in the SQLite migration of the same number: why an attempt needs the merchant's eyes.
ALTER TABLE attempts ADD COLUMN attention TEXT;
