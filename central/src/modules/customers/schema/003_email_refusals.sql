-- A store's sign-ups and edits refused because the email belongs to another customer. A store may learn that an email
-- is registered (any sign-up form tells), but only so often: past its cap (customers/email-refusals.ts) every
-- sign-up or edit with an email from that store gets 429 until the oldest refusal leaves the window. One row per
-- store holds the times of its refusals still inside the window; a refusal is recorded by one conditional upsert on
-- that row, which concurrent refusals take in turn, so a burst gets at most the cap (as sign_in_attempts does).
CREATE TABLE customer_email_refusals (
  store_id uuid PRIMARY KEY,
  refusals bigint[] NOT NULL    -- epoch ms of the refusals in the window, oldest first
);
