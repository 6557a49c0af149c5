-- Issue #19, booking at the store: the shows and service slots this store runs as the hub's feed last described them
-- (`booking.show`, the highest version kept), the bookings of them cancelled (`booking.cancelled`: never undone), the
-- tickets let in at this store's door (offline too), and the hub's ticket key the door checks signatures with.
CREATE TABLE booking_shows (
  show_id TEXT PRIMARY KEY,
  store_id TEXT NOT NULL,
  venue_name TEXT NOT NULL,
  title TEXT NOT NULL,
  kind TEXT NOT NULL,                 -- SEATED or CAPACITY
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  capacity INTEGER NOT NULL,
  price_from_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,               -- ON_SALE or CANCELLED
  version INTEGER NOT NULL            -- the hub's change counter of the copy kept
);
CREATE INDEX booking_shows_start ON booking_shows (starts_at);

-- One row per booking cancelled: its tickets are refused at the door, whatever order the entries come in.
CREATE TABLE booking_cancelled (
  booking_id TEXT PRIMARY KEY,
  show_id TEXT NOT NULL,
  cancelled_at INTEGER NOT NULL      -- the hub's
);

-- One row per ticket let in here, so a ticket is let in once; the outbox event `booking.admitted` is written with it.
CREATE TABLE booking_admissions (
  booking_id TEXT NOT NULL,
  ticket_no INTEGER NOT NULL,
  show_id TEXT NOT NULL,
  seat TEXT NOT NULL,                -- the seat's label, or '' for a place
  admitted_at INTEGER NOT NULL,      -- this store's clock
  PRIMARY KEY (booking_id, ticket_no)
);
CREATE INDEX booking_admissions_show ON booking_admissions (show_id);

-- The hub's ticket public key (SPKI DER, base64url), kept so the door checks tickets while the hub is unreachable.
CREATE TABLE booking_keys (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
