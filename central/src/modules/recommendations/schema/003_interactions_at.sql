-- The retention sweep (oldest first) and live popularity before the first model (the last 30 days) read by time.
CREATE INDEX recs_interactions_at ON recs_interactions (at);
