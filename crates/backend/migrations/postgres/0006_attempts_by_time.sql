-- As in the SQLite migration of the same number: attempts newest first, for the admin API.
CREATE INDEX attempts_created ON attempts (created_ms, attempt_id);
