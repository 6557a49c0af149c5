-- The names staff give devices on the handheld ("Lane 3 scanner", "Back-room RFID reader"), by the device's config
-- name. A device without a row shows its configured label, else one made from its kind and place in the config.
CREATE TABLE device_labels (
  name TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
