-- Issue #19 review: the holds this store's booking screens placed at the hub, so a screen confirms or lets go only a
-- hold it placed (a kiosk: one of its own; the back office or a handheld: one placed at this store), holds one live
-- hold at a time, and places them at a bounded rate. A hold the hub has that is not here is not this node's to touch.
CREATE TABLE booking_screen_holds (
  hold_id TEXT PRIMARY KEY,
  screen TEXT NOT NULL,             -- the caller's scope: `kiosk`, `lane`, `device:<id>`
  show_id TEXT NOT NULL,
  placed_at INTEGER NOT NULL,       -- this store's clock
  expires_at INTEGER NOT NULL,      -- the hub's
  state TEXT NOT NULL,              -- HELD, CONFIRMED or RELEASED
  confirm_key TEXT                  -- the hashed Idempotency-Key of the confirm that booked it: only its replay answers
);
CREATE INDEX booking_screen_holds_screen ON booking_screen_holds (screen, placed_at);
