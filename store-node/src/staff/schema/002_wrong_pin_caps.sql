-- Wrong PINs at this store in the last minutes and where they came from (the caller: a screen's address or a paired
-- device), so that a screen cannot spread its guesses over many lanes: a screen's wrong PINs and the store's are
-- capped as well as each lane's. Rows older than the window are deleted as new ones come.
CREATE TABLE staff_wrong_pins (
  at INTEGER NOT NULL,
  caller TEXT NOT NULL,
  lane INTEGER NOT NULL
);
CREATE INDEX staff_wrong_pins_by_at ON staff_wrong_pins (at);
-- Sign-in and approvals paused for one caller, or with caller '*' at every lane of the store (kept across a restart).
CREATE TABLE staff_pauses (
  caller TEXT PRIMARY KEY,
  locked_until INTEGER NOT NULL
);
