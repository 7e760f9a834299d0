-- Why an attempt needs the merchant's eyes (a provider reported money for another amount or
-- currency than the order's, or money arrived on a try or attempt that was no longer current);
-- NULL while nothing does.
ALTER TABLE attempts ADD COLUMN attention TEXT;
-- The provider the shopper switched to for the same merchant order: this attempt is no longer
-- the order's current one. NULL while it is.
ALTER TABLE attempts ADD COLUMN superseded_by TEXT;
-- Until when (ms since the epoch) the page handed out for the current try can still be paid at
-- the provider (RBS sessionTimeoutSecs, ECommPay best_before, Paytone expires).
ALTER TABLE attempts ADD COLUMN payable_until_ms BIGINT;
-- When (ms since the epoch, the database's clock) the provider was last asked for this
-- attempt's status: polls of one attempt read the provider at most once a second.
ALTER TABLE attempts ADD COLUMN provider_read_ms BIGINT;
