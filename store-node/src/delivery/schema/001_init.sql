-- Issue #18, the store's delivery desk. Each delivery that leaves from this store as the hub's feed last described it
-- (`delivery.changed`, the newest by the hub's updated_at), plus what this store did itself: when it handed the goods
-- to the driver, and to whom (kept whatever the hub sends later, as a hold's hand-over is).
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  order_number TEXT NOT NULL,
  reservation_id TEXT NOT NULL,   -- the order's hold at this store: handing the goods over hands it over
  status TEXT NOT NULL,           -- the hub's status (DELIVERY_STATUSES)
  speed TEXT NOT NULL,
  window_from INTEGER NOT NULL,
  window_to INTEGER NOT NULL,
  customer_name TEXT NOT NULL,    -- "Ann L.": a first name and an initial
  area TEXT NOT NULL,             -- postcode and city
  lines TEXT NOT NULL,            -- JSON [{ sku, qty }]
  carrier_kind TEXT,
  carrier_name TEXT,
  driver_name TEXT,
  driver_vehicle TEXT,
  collect_by INTEGER,             -- when the driver is due at the store; null until assigned
  age_restricted INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,    -- the hub's updatedAt of the copy kept
  handed_at INTEGER,              -- this store's clock, when it handed the goods to the driver
  handed_to TEXT                  -- the driver's name as the associate checked it
);
-- The desk's day: by collection time, else the start of the customer's window.
CREATE INDEX deliveries_day ON deliveries (coalesce(collect_by, window_from));
CREATE INDEX deliveries_order_number ON deliveries (order_number);
CREATE INDEX deliveries_reservation ON deliveries (reservation_id);
CREATE INDEX deliveries_handed ON deliveries (handed_at);
-- Bags from an earlier day still waiting for their driver (the desk keeps them listed): few, found without reading the
-- store's whole delivery history. The query repeats this WHERE word for word, so SQLite can use it.
CREATE INDEX deliveries_waiting ON deliveries (coalesce(collect_by, window_from))
  WHERE handed_at IS NULL AND status IN ('REQUESTED', 'ASSIGNED');

-- Goods of a failed delivery put back into this store's stock (`delivery.returned`): one row per delivery, so a
-- resent or replayed entry moves no stock twice.
CREATE TABLE delivery_returns (
  delivery_id TEXT PRIMARY KEY,
  order_number TEXT NOT NULL,
  lines TEXT NOT NULL,            -- JSON [{ sku, qty }] as put back
  reason TEXT NOT NULL,
  returned_at INTEGER NOT NULL,   -- the hub's: when the goods came back
  applied_at INTEGER NOT NULL,    -- this store's clock, when it was recorded
  stock_moved INTEGER NOT NULL    -- 0: the goods never left this store's count (it had not handed them over)
);
CREATE INDEX delivery_returns_applied ON delivery_returns (applied_at);
