-- Issue #17: open holds granted before typed pickup codes get one after the upgrade (typed-code-backfill.ts); this is
-- what that sweep looks for, empty once they all have one.
CREATE INDEX reservations_open_without_code ON reservations (created_at)
  WHERE pickup_code_hash IS NULL AND status IN ('HELD', 'CONFIRMED');
