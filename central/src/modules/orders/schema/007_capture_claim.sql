-- Issue #15: the payment capture of a picked-up order is claimed before the provider is called. Every hub process
-- captured every due order (its own loop, no claim), so two hubs called the provider twice for one order. A claim
-- holds the order until capture_claimed_until; a hub that dies mid-capture leaves it to expire, then any hub captures.
ALTER TABLE orders ADD COLUMN capture_claimed_until bigint;
