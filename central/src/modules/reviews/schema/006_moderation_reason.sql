-- Moderation fixes (#24 review D7, D9, H3).
-- The status a review had when open reports sent it to a moderator (set by the report that queues it, cleared when
-- a moderator decides or resolves the reports): "keep it" restores it, and the REPORTED queue lists report-queued
-- reviews and shown ones only (never a fraud hold or a refused review).
ALTER TABLE reviews ADD COLUMN status_before_reports text
  CHECK (status_before_reports IN ('APPROVED', 'MANUAL_REVIEW', 'REJECTED'));

-- A decision keeps the revision of the text it judged (training learns from a decision only while the review still
-- has that revision) and why a review was refused (training learns "generated" from FAKE alone). Older rows have
-- neither: they are kept for the record and not learned from.
ALTER TABLE review_moderation_log ADD COLUMN revision integer;
ALTER TABLE review_moderation_log ADD COLUMN reason text
  CHECK (reason IN ('FAKE', 'OFFENSIVE', 'OFF_TOPIC', 'SPAM', 'OTHER'));
-- each review's last decision (training reads it with DISTINCT ON (review_id) … ORDER BY review_id, at DESC, id DESC)
CREATE INDEX review_moderation_log_decisions ON review_moderation_log (review_id, at DESC, id DESC)
  WHERE action IN ('APPROVE', 'REJECT');
