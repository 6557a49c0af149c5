-- A store's deliveries, newest first (ids are UUIDv7, so id order is creation order): the delivery desk's and the
-- console's list, paged by id.
CREATE INDEX deliveries_store_recent ON deliveries (store_id, id);
