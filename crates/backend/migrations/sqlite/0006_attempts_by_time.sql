-- The admin API lists attempts newest first, a page at a time (created_ms, then attempt_id).
CREATE INDEX attempts_created ON attempts (created_ms, attempt_id);
