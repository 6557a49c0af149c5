-- Scan & Go at the store (issue #25, lane F).
-- The baskets paid in the app at this store (`scango.paid`), each recorded once as a completed sale (`sales`, tender
-- APP) with its stock moves; kept by session so the door can show what was bought.
CREATE TABLE scan_go_sales (
  session_id TEXT PRIMARY KEY,
  sale_id TEXT NOT NULL UNIQUE,
  currency TEXT NOT NULL,
  item_count INTEGER NOT NULL,
  total_minor INTEGER NOT NULL,
  lines_json TEXT NOT NULL,
  paid_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL
);

-- Each exit token let out once: PASSED, or AUDIT_DUE (the token said check the bag) until the associate's count makes
-- it AUDITED. A second scan of the same token is refused with this row's time.
CREATE TABLE scan_go_exits (
  session_id TEXT PRIMARY KEY,
  outcome TEXT NOT NULL CHECK (outcome IN ('PASSED', 'AUDIT_DUE', 'AUDITED')),
  at INTEGER NOT NULL,
  item_count INTEGER NOT NULL,
  total_minor INTEGER NOT NULL,
  counted INTEGER,
  matched INTEGER,
  audited_at INTEGER,
  refused_again INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX scan_go_exits_at ON scan_go_exits (at);
