-- Booking (issue #19): venues with seat maps, shows and service slots, holds that become bookings, waitlists, and
-- the tickets let in at the door. Times are epoch ms (bigint) like the rest of the hub.

-- A place with a seat map (a cinema, a store's workshop room). store_id NULL: head office's own venue.
CREATE TABLE booking_venues (
  id uuid PRIMARY KEY,
  store_id text NULL,
  name text NOT NULL,
  time_zone text NOT NULL,
  currency text NOT NULL,
  seat_count integer NOT NULL DEFAULT 0 CHECK (seat_count >= 0 AND seat_count <= 100000),
  created_at bigint NOT NULL
);
CREATE INDEX booking_venues_store ON booking_venues (store_id);

-- A priced part of the map (stalls, circle); every seat is in one.
CREATE TABLE booking_sections (
  venue_id uuid NOT NULL REFERENCES booking_venues (id),
  code text NOT NULL,
  name text NOT NULL,
  price_minor integer NOT NULL CHECK (price_minor >= 0),
  PRIMARY KEY (venue_id, code)
);

-- seat_no: 0..seat_count-1 in map order (section, row, number), so the seats of a row are consecutive numbers and a
-- seat map is one character per seat_no.
CREATE TABLE booking_seats (
  venue_id uuid NOT NULL REFERENCES booking_venues (id),
  seat_no integer NOT NULL CHECK (seat_no >= 0),
  section_code text NOT NULL,
  row_label text NOT NULL,
  number integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('STANDARD', 'WHEELCHAIR', 'COMPANION')),
  PRIMARY KEY (venue_id, seat_no),
  UNIQUE (venue_id, section_code, row_label, number)
);

-- A show (SEATED: the venue's seats) or a service slot (CAPACITY: `capacity` places, `taken` of them held or sold —
-- the one conditional write that keeps a slot from being overbooked).
CREATE TABLE booking_shows (
  id uuid PRIMARY KEY,
  venue_id uuid NOT NULL REFERENCES booking_venues (id),
  store_id text NULL,
  title text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('SEATED', 'CAPACITY')),
  starts_at bigint NOT NULL,
  ends_at bigint NOT NULL CHECK (ends_at > starts_at),
  capacity integer NOT NULL CHECK (capacity >= 1),
  taken integer NOT NULL DEFAULT 0 CHECK (taken >= 0 AND taken <= capacity),
  price_minor integer NULL CHECK (price_minor >= 0),
  currency text NOT NULL,
  hold_minutes integer NULL CHECK (hold_minutes BETWEEN 1 AND 120),
  refund_cutoff_hours integer NULL CHECK (refund_cutoff_hours BETWEEN 0 AND 8760),
  status text NOT NULL DEFAULT 'ON_SALE' CHECK (status IN ('ON_SALE', 'CANCELLED')),
  version bigint NOT NULL DEFAULT 1,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX booking_shows_store_start ON booking_shows (store_id, starts_at);
CREATE INDEX booking_shows_start ON booking_shows (starts_at);

-- A hold, which becomes the booking when confirmed (same id: the booking id). seat_nos: its seats (SEATED);
-- places: how many seats or places. payment_key: what the payment provider knows it by ('booking:' || id).
CREATE TABLE booking_holds (
  id uuid PRIMARY KEY,
  show_id uuid NOT NULL REFERENCES booking_shows (id),
  customer_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('HELD', 'CONFIRMING', 'CONFIRMED', 'EXPIRED', 'RELEASED', 'FAILED', 'CANCELLED')),
  origin text NOT NULL DEFAULT 'DIRECT' CHECK (origin IN ('DIRECT', 'WAITLIST')),
  seat_nos integer[] NOT NULL DEFAULT '{}',
  places integer NOT NULL CHECK (places BETWEEN 1 AND 100),
  amount_minor integer NOT NULL CHECK (amount_minor >= 0),
  currency text NOT NULL,
  expires_at bigint NOT NULL,
  created_at bigint NOT NULL,
  created_by text NOT NULL,
  updated_at bigint NOT NULL,
  payment_key text NULL,
  payment_ref text NULL,
  confirming_since bigint NULL,
  confirmed_at bigint NULL,
  ended_at bigint NULL,
  ended_reason text NULL,
  refund_minor integer NULL CHECK (refund_minor >= 0),
  refund_state text NULL CHECK (refund_state IN ('NONE', 'DUE', 'DONE')),
  refund_tries integer NOT NULL DEFAULT 0
);
-- A customer has at most one live hold per show.
CREATE UNIQUE INDEX booking_holds_one_live ON booking_holds (show_id, customer_id) WHERE status IN ('HELD', 'CONFIRMING');
CREATE INDEX booking_holds_due ON booking_holds (expires_at) WHERE status = 'HELD';
CREATE INDEX booking_holds_confirming ON booking_holds (confirming_since) WHERE status = 'CONFIRMING';
CREATE INDEX booking_holds_refunds ON booking_holds (ended_at) WHERE refund_state = 'DUE';
CREATE INDEX booking_holds_show ON booking_holds (show_id, status);
CREATE INDEX booking_holds_customer ON booking_holds (customer_id, created_at);

-- The seats a live hold or a booking has: at most one row per show and seat, so no seat is held or sold twice —
-- by construction, whatever the callers race. A hold's rows are deleted when it ends without a booking.
CREATE TABLE booking_seat_claims (
  show_id uuid NOT NULL,
  seat_no integer NOT NULL,
  hold_id uuid NOT NULL,
  sold boolean NOT NULL DEFAULT false,
  PRIMARY KEY (show_id, seat_no)
);
CREATE INDEX booking_seat_claims_hold ON booking_seat_claims (hold_id);

-- Customers waiting for a sold-out show, in `position` order; an offer is a hold (offer_hold_id) for 10 minutes.
CREATE TABLE booking_waitlist (
  id uuid PRIMARY KEY,
  position bigserial NOT NULL,
  show_id uuid NOT NULL REFERENCES booking_shows (id),
  customer_id uuid NOT NULL,
  places integer NOT NULL CHECK (places BETWEEN 1 AND 10),
  section_code text NULL,
  status text NOT NULL CHECK (status IN ('WAITING', 'OFFERED', 'BOOKED', 'LAPSED', 'LEFT')),
  offer_hold_id uuid NULL,
  joined_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  created_by text NOT NULL
);
CREATE UNIQUE INDEX booking_waitlist_one_live ON booking_waitlist (show_id, customer_id) WHERE status IN ('WAITING', 'OFFERED');
CREATE INDEX booking_waitlist_queue ON booking_waitlist (show_id, position) WHERE status = 'WAITING';

-- Tickets let in at a door: one row per ticket, so a ticket is let in once whichever door reports it first.
CREATE TABLE booking_admissions (
  booking_id uuid NOT NULL,
  ticket_no integer NOT NULL,
  show_id uuid NOT NULL,
  store_id text NULL,
  admitted_at bigint NOT NULL,
  recorded_at bigint NOT NULL,
  by text NULL,
  PRIMARY KEY (booking_id, ticket_no)
);
