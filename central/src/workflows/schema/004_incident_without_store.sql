-- Issue #15: a notice the sender refused for good (NOTICE_REFUSED) is an incident staff must see, so they can tell
-- the customer another way; it concerns a customer and maybe an order, but no store.
ALTER TABLE workflow_incidents ALTER COLUMN store_id DROP NOT NULL;
