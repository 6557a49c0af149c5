-- Why this store ended a hold on its own (issue #14): the hub's snapshot after a feed rebase did not list it, so the
-- hub no longer holds it (its database was restored from an older backup). Shown to staff with the hold.
ALTER TABLE bopis_reservations ADD COLUMN ended_reason TEXT;
