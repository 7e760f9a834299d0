-- The provider's reference of the try a notification reports, as it was when the change was
-- recorded (a later try has another one).
ALTER TABLE notifications ADD COLUMN reference TEXT;
