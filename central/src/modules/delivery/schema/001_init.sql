-- Last-mile delivery (issue #18): the carriers the hub can offer a delivery to, the deliveries of DELIVERY orders,
-- every offer made and its answer, each delivery's timeline, and the planned routes of in-house vans.

-- A carrier: an in-house van (depot = a store or DC, a shift, a capacity), a gig driver, a third-party delivery
-- partner (DSP) or a drone (range, payload, grounded by weather). Money in minor units, weights in grams.
CREATE TABLE delivery_carriers (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,                 -- what staff read: VAN-S001-1, GIG-0042, DSP-SWIFT, DRONE-S001-2
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('VAN', 'GIG', 'DSP', 'DRONE')),
  depot_id uuid REFERENCES locations (id),   -- where a van or drone starts and ends; null for gig drivers and DSPs
  lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),  -- the depot's, or the centre of the area served
  lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  radius_km double precision NOT NULL CHECK (radius_km > 0),     -- how far from (lat, lon) it delivers (a drone's range)
  capacity_grams integer NOT NULL CHECK (capacity_grams > 0),    -- a drone's payload, a van's load
  capacity_stops integer NOT NULL CHECK (capacity_stops > 0),    -- deliveries it can carry on one run
  speed_kmh double precision NOT NULL CHECK (speed_kmh > 0),
  shift_start_min integer NOT NULL DEFAULT 0 CHECK (shift_start_min BETWEEN 0 AND 1440),  -- minutes into the day, UTC
  shift_end_min integer NOT NULL DEFAULT 1440 CHECK (shift_end_min BETWEEN 0 AND 1440),
  cost_base_minor integer NOT NULL DEFAULT 0 CHECK (cost_base_minor >= 0),   -- per delivery
  cost_per_km_minor integer NOT NULL DEFAULT 0 CHECK (cost_per_km_minor >= 0),
  grounded boolean NOT NULL DEFAULT false,   -- drones: the weather flag; nothing is offered while it is set
  active boolean NOT NULL DEFAULT true,
  driver_token_hash text UNIQUE,             -- sha-256 of the driver app's token (location stream); the token is shown once, never stored
  simulator jsonb,                           -- the simulator's behaviour (acceptance rate, delays, drop-outs); null = a real integration
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX delivery_carriers_depot ON delivery_carriers (depot_id) WHERE depot_id IS NOT NULL;

-- A delivery: one per DELIVERY order (order_id unique, so a saga resumed after a crash finds it rather than doubling it).
CREATE TABLE deliveries (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL UNIQUE,
  order_number text NOT NULL,
  store_id uuid NOT NULL REFERENCES locations (id),   -- where the goods leave from
  reservation_id uuid NOT NULL,                       -- the order's hold at that store
  customer_name text NOT NULL,
  request jsonb NOT NULL,                             -- DeliveryRequest: speed, address (with lat/lon), phone
  lines jsonb NOT NULL,                               -- [{ sku, qty }]
  weight_grams integer NOT NULL CHECK (weight_grams >= 0),
  age_restricted boolean NOT NULL DEFAULT false,
  window_from bigint NOT NULL,                        -- the promised window
  window_to bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('REQUESTED', 'ASSIGNED', 'OUT_FOR_DELIVERY', 'ARRIVING', 'DELIVERED', 'FAILED',
                                         'RETURNING', 'RETURNED', 'UNASSIGNED', 'CANCELLED')),
  carrier_id uuid REFERENCES delivery_carriers (id),  -- set once, when an offer is accepted
  driver jsonb,                                       -- { name, vehicle } as the carrier named them
  collect_by bigint,                                  -- when the driver is due at the store
  eta bigint,                                         -- the latest estimate of arrival at the door
  tracking_token_hash text UNIQUE,                    -- sha-256 of the customer's tracking link token; the token is never stored
  failure text,                                       -- why it was not assigned, failed or was cancelled
  version integer NOT NULL DEFAULT 1,                 -- bumped on every change (the store keeps the newest by updated_at)
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  CHECK (window_to > window_from)
);
CREATE INDEX deliveries_store_status ON deliveries (store_id, status);
CREATE INDEX deliveries_open ON deliveries (status, window_to) WHERE status IN ('REQUESTED', 'ASSIGNED', 'OUT_FOR_DELIVERY', 'ARRIVING', 'RETURNING');
CREATE INDEX deliveries_carrier ON deliveries (carrier_id, status) WHERE carrier_id IS NOT NULL;

-- Every offer and its answer. At most one offer per delivery is open and at most one is accepted, by construction:
-- a carrier that answers twice, or two hubs that both time an offer out, cannot make two assignments.
CREATE TABLE delivery_offers (
  id uuid PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES deliveries (id),
  carrier_id uuid NOT NULL REFERENCES delivery_carriers (id),
  rank integer NOT NULL CHECK (rank >= 1),            -- 1 = the best-scored carrier
  score jsonb NOT NULL,                               -- { total, terms: [{ name, value, weight, points, why }] }
  status text NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'DECLINED', 'TIMED_OUT', 'WITHDRAWN')),
  offered_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  answered_at bigint,
  note text,                                          -- the carrier's reason, or why it was withdrawn
  UNIQUE (delivery_id, carrier_id)
);
CREATE UNIQUE INDEX delivery_offers_one_pending ON delivery_offers (delivery_id) WHERE status = 'PENDING';
CREATE UNIQUE INDEX delivery_offers_one_accepted ON delivery_offers (delivery_id) WHERE status = 'ACCEPTED';
CREATE INDEX delivery_offers_expiring ON delivery_offers (expires_at) WHERE status = 'PENDING';
CREATE INDEX delivery_offers_carrier ON delivery_offers (carrier_id, answered_at);

-- A delivery's timeline: what happened, when, in order.
CREATE TABLE delivery_events (
  delivery_id uuid NOT NULL REFERENCES deliveries (id),
  seq bigserial,
  at bigint NOT NULL,
  kind text NOT NULL,
  detail jsonb,
  PRIMARY KEY (delivery_id, seq)
);

-- The planned run of an in-house van: stops in order with planned arrival times; re-planned as deliveries arrive or
-- a driver drops out, never moving a stop already under way.
CREATE TABLE delivery_routes (
  id uuid PRIMARY KEY,
  carrier_id uuid NOT NULL REFERENCES delivery_carriers (id),
  depot_id uuid NOT NULL REFERENCES locations (id),
  status text NOT NULL CHECK (status IN ('PLANNED', 'UNDER_WAY', 'DONE', 'ABANDONED')),
  stops jsonb NOT NULL,                               -- [{ deliveryId, arriveAt, departAt, state: PLANNED|UNDER_WAY|DONE }]
  distance_km double precision NOT NULL DEFAULT 0,
  plan_version integer NOT NULL DEFAULT 1,
  planned_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX delivery_routes_one_live ON delivery_routes (carrier_id) WHERE status IN ('PLANNED', 'UNDER_WAY');
