-- The stock corrections the RFID count made here (each RFID_RECONCILE movement, with the count behind it), for the
-- handheld's "Counted 38, expected 40 — stock corrected 14:05": a drift the count settled leaves a trace. The
-- outbox forgets a movement once the hub has it; this keeps a week.
CREATE TABLE rfid_corrections (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL,
  expected INTEGER NOT NULL,
  counted INTEGER NOT NULL,
  delta INTEGER NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX rfid_corrections_at ON rfid_corrections (at);
