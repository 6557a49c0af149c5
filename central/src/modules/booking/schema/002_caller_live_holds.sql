-- A store caller's live holds at a show are counted before each of its holds (at most STORE_CALLER_LIVE_HOLDS, #19
-- review F3): one probe of this index, not a scan of the show's holds.
CREATE INDEX booking_holds_caller_live ON booking_holds (show_id, created_by) WHERE status IN ('HELD', 'CONFIRMING');
