-- Issue #15, saga fencing. lease_epoch counts the saga's lease acquisitions (a claim, a steal after expiry, a
-- cancellation handing it back): every step record is written only under the epoch its runner claimed, so a runner
-- whose lease expired finds its record refused ("lease lost") instead of interleaving with the runner that took over.
-- event_seq is the last seq of the order's timeline, bumped under the order's row lock by every writer (saga steps,
-- payment callbacks, flows), so two events written at once never take the same seq. Orders older than this migration
-- keep 0 until their next event, which then numbers on from their timeline (hot and archived).
ALTER TABLE orders ADD COLUMN lease_epoch bigint NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN event_seq int NOT NULL DEFAULT 0;
