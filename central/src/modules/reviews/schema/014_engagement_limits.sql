-- Engagement fixes (#24 review H8, H11, D17; lane 4). Numbered 014 to stay clear of the other fix lanes' migrations.

-- Each vote or report that changed something, by customer and by the store credential that sent it (null for head
-- office): the daily limits read the newest rows of one customer or store (bounded: LIMIT the limit). Rows older than a
-- day count for nothing; the hourly photo sweep removes them.
CREATE TABLE review_engagement_log (
  customer_id uuid   NOT NULL,
  store_id    text,
  kind        text   NOT NULL CHECK (kind IN ('VOTE', 'REPORT')),
  at          bigint NOT NULL
);
CREATE INDEX review_engagement_log_customer ON review_engagement_log (customer_id, kind, at);
CREATE INDEX review_engagement_log_store ON review_engagement_log (store_id, at) WHERE store_id IS NOT NULL;
CREATE INDEX review_engagement_log_at ON review_engagement_log (at);

-- A report counts toward sending a review to a moderator only from a customer with a verified purchase (of anything)
-- or an account older than 7 days; another's report is kept (the moderator sees it) and does not count.
ALTER TABLE review_reports ADD COLUMN counts boolean NOT NULL DEFAULT true;

-- A customer's photos on no review (their upload quota is read from it).
CREATE INDEX review_photos_customer_unused ON review_photos (customer_id, created_at) WHERE review_id IS NULL;
