-- Tracking (issue #18): where each carrier's driver is, the proof taken at the door, and the PIN age-restricted
-- goods are handed over against.

-- The latest position a carrier's driver app sent (one row per carrier), and the slot of the trail the next one takes.
CREATE TABLE delivery_positions (
  carrier_id uuid PRIMARY KEY REFERENCES delivery_carriers (id),
  lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  at bigint NOT NULL,                        -- the driver app's clock
  received_at bigint NOT NULL,               -- the hub's
  delivery_id uuid,                          -- the delivery the driver said it was heading for, if any
  trail_next integer NOT NULL DEFAULT 0
);

-- The console's trail: the last 120 positions of each carrier, a ring (slot = position count mod 120), so it never
-- grows and needs no sweep.
CREATE TABLE delivery_trail (
  carrier_id uuid NOT NULL REFERENCES delivery_carriers (id),
  slot integer NOT NULL CHECK (slot >= 0 AND slot < 120),
  lat double precision NOT NULL,
  lon double precision NOT NULL,
  at bigint NOT NULL,
  delivery_id uuid,
  PRIMARY KEY (carrier_id, slot)
);

-- Proof of delivery: a photo or a signature (a reference into the carrier's store of them; blobs are not kept here),
-- whether the age check's PIN was taken, and where the driver was.
CREATE TABLE delivery_proofs (
  delivery_id uuid PRIMARY KEY REFERENCES deliveries (id),
  carrier_id uuid NOT NULL REFERENCES delivery_carriers (id),
  kind text NOT NULL CHECK (kind IN ('PHOTO', 'SIGNATURE')),
  ref text NOT NULL,
  pin_checked boolean NOT NULL,
  lat double precision,
  lon double precision,
  at bigint NOT NULL
);

-- Age-restricted goods: the PIN the customer's tracking page shows, derived from the link's token (which is never
-- stored), kept only as a slow salted hash; wrong tries are counted so a PIN cannot be guessed at the door.
CREATE TABLE delivery_pins (
  delivery_id uuid PRIMARY KEY REFERENCES deliveries (id),
  pin_hash text NOT NULL,
  wrong_tries integer NOT NULL DEFAULT 0,
  created_at bigint NOT NULL
);
