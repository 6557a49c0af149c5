-- Staff at the store (issue #27): PINs the hub hashes and sends to each person's store, the stores' rosters,
-- the audit of what people did at the lanes (uploaded by stores), and the audit of writes people made through the
-- hub's API (the console's admin actions).

-- A person's PIN: only its scrypt hash (shared/src/staff-pin.ts), never the PIN.
CREATE TABLE staff_pins (
  user_id uuid PRIMARY KEY,
  pin_hash text NOT NULL,
  set_at bigint NOT NULL,
  set_by uuid NOT NULL
);

-- Each store's roster: the version of the last one sent (a store keeps the highest it has seen). A new version is
-- the greater of the last one plus one and the hub's clock, so a hub restored from an older backup still sends
-- versions above the ones its stores hold.
CREATE TABLE staff_roster_versions (
  store_id uuid PRIMARY KEY,
  version bigint NOT NULL
);

-- Which store's roster last carried a person, so moving someone to another store (or to head office) sends the
-- roster they left too.
CREATE TABLE staff_roster_members (
  user_id uuid PRIMARY KEY,
  store_id uuid NOT NULL
);

-- The lanes' audit (the `staff.audit` events stores send): kept as sent, once per (store, audit id).
CREATE TABLE staff_audit (
  id bigint GENERATED ALWAYS AS IDENTITY,
  store_id uuid NOT NULL,
  audit_id uuid NOT NULL,
  at bigint NOT NULL,
  action text NOT NULL,
  lane integer,
  actor_user_id uuid,
  approver_user_id uuid,
  sale_id text,
  sku text,
  amount_minor bigint,
  detail text NOT NULL,
  received_at bigint NOT NULL,
  PRIMARY KEY (store_id, audit_id)
);
CREATE UNIQUE INDEX staff_audit_id ON staff_audit (id);
CREATE INDEX staff_audit_store_at ON staff_audit (store_id, at DESC, id DESC);
CREATE INDEX staff_audit_at ON staff_audit (at DESC, id DESC);

-- Writes signed-in people made through /api and /graphql: who, which route, the answer's status, from where. No body.
CREATE TABLE admin_actions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at bigint NOT NULL,
  user_id uuid NOT NULL,
  role text NOT NULL,
  store_id uuid,
  route text NOT NULL,
  path text NOT NULL,
  status integer NOT NULL,
  address text NOT NULL,
  idempotency_key text
);
CREATE INDEX admin_actions_at ON admin_actions (at DESC, id DESC);
CREATE INDEX admin_actions_user_at ON admin_actions (user_id, at DESC, id DESC);
