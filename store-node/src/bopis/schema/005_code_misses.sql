-- Issue #17, what a hostile caller found: the typed codes the desk's search box was given that matched no hold, one
-- row each, so the store-wide cap on guessing (20 in 10 minutes) survives a restart of the node. Rows older than the
-- window are deleted as new misses come in.
CREATE TABLE bopis_code_misses (at INTEGER NOT NULL);
CREATE INDEX bopis_code_misses_at ON bopis_code_misses (at);
