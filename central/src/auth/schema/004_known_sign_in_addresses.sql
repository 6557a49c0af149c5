-- Addresses an account signed in from successfully (an IPv6 address as its /64), with the last time: within 30 days
-- such an address is exempt from the account-wide failure cap, so others' wrong passwords cannot lock the owner out
-- from where they usually sign in (the per-address caps still apply there). Purged 30 days after the last success.
CREATE TABLE sign_in_known_addresses (
  account text NOT NULL,            -- the email as accounts are stored (trimmed, lower-case)
  address text NOT NULL,            -- addressKey(): IPv4 as is, IPv6 as its /64
  last_success_at bigint NOT NULL,  -- epoch ms
  PRIMARY KEY (account, address)
);
