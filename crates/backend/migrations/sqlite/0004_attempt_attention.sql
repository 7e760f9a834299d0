-- Why an attempt needs the merchant's eyes (a provider reported money for another amount or
-- currency than the order's); NULL while nothing does.
ALTER TABLE attempts ADD COLUMN attention TEXT;
