-- Staff at the store (issue #27). The roster the hub sends in its feed (`staff.roster`), whole each time: the version
-- kept is the highest seen, and the members are that version's (PIN hashes only, never a PIN).
CREATE TABLE staff_roster_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE staff_members (
  user_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('ASSOCIATE', 'STORE_MANAGER')),
  pin_hash TEXT,
  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1))
);
-- Who is signed in at a lane: the sha256 of the `sf_staff` cookie's random token, bound to one lane (0: the back
-- office). A lane has at most one person.
CREATE TABLE staff_sessions (
  token_hash TEXT PRIMARY KEY,
  lane INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  signed_in_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE INDEX staff_sessions_by_lane ON staff_sessions (lane);
-- Wrong PINs at a lane, and until when its sign-in is locked (kept across a restart).
CREATE TABLE staff_lane_locks (
  lane INTEGER PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until INTEGER
);
-- A manager's approval: the sha256 of its random id, single use, for one lane, one action and one target.
CREATE TABLE staff_approvals (
  id_hash TEXT PRIMARY KEY,
  lane INTEGER NOT NULL,
  action TEXT NOT NULL,
  sale_id TEXT,
  sku TEXT,
  amount_minor INTEGER,
  approver_user_id TEXT NOT NULL,
  approver_name TEXT NOT NULL,
  actor_user_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX staff_approvals_by_expiry ON staff_approvals (expires_at);
-- What people did at the lanes (sent up as `staff.audit` events too); never a PIN.
CREATE TABLE staff_audit (
  audit_id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  lane INTEGER,
  actor_user_id TEXT,
  approver_user_id TEXT,
  sale_id TEXT,
  sku TEXT,
  amount_minor INTEGER,
  detail TEXT NOT NULL
);
CREATE INDEX staff_audit_by_at ON staff_audit (at);
