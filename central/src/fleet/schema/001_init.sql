-- Every place that holds stock: 5,000+ stores and 150 distribution centres are rows here, not code.
CREATE TABLE locations (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,                 -- the retailer's own short code, e.g. S0042 or DC-07
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('STORE', 'DC')),
  lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  timezone text NOT NULL DEFAULT 'UTC',
  secret_hash text,                          -- scrypt hash of the store node's credential; NULL for DCs
  credential_version int NOT NULL DEFAULT 1, -- bumped on rotation; tokens of older versions are refused
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX locations_kind ON locations (kind);
