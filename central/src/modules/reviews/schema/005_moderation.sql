-- The moderation queue (lane E): the refused reviews in the order the queue pages them (the waiting ones have
-- reviews_queue, the reported ones review_reports_open), so neither a page nor a count reads every review.
CREATE INDEX reviews_refused ON reviews (created_at, id) WHERE status = 'REJECTED';
