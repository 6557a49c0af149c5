-- migrate: amends b2125bfe72c26626
-- An event's identity survives renumbering (issue #14): a store restored from a backup renumbers events it had
-- already sent under other seqs. Found by (origin, hlc) with the same type and payload, such a repeat is kept at its
-- new seq (so seqs stay contiguous and the ack moves on) with `repeat_of` naming the seq that holds it; its payload
-- is not stored twice and no handler sees it again.
-- A nullable column without a default: a change to the catalog only, however large sync_events is. The lookup's
-- indexes, sync_events_identity and sync_parked_identity (origin, hlc), are built in 013 without holding up uploads.
ALTER TABLE sync_events ADD COLUMN repeat_of bigint;
