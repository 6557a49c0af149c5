-- Ratings and reviews (issue #24). Times are epoch ms (bigint).

-- One review per customer and product while it stands; a review the author deleted keeps its row (DELETED) for the
-- rate limits and the fraud rules, and the customer may write a new one.
CREATE TABLE reviews (
  id              uuid     PRIMARY KEY,
  sku             text     NOT NULL,
  customer_id     uuid     NOT NULL,
  rating          smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title           text     NOT NULL,
  body            text     NOT NULL,
  -- "Ana P.": what stores and other customers see of the author (never the id or email)
  author_name     text     NOT NULL,
  status          text     NOT NULL CHECK (status IN ('APPROVED', 'MANUAL_REVIEW', 'REJECTED', 'DELETED')),
  verified        boolean  NOT NULL DEFAULT false,
  photo_count     smallint NOT NULL DEFAULT 0,
  helpful         integer  NOT NULL DEFAULT 0,
  unhelpful       integer  NOT NULL DEFAULT 0,
  reports_open    integer  NOT NULL DEFAULT 0,
  -- fraud scoring at the last submit or edit: the combined score 0..1, the reasons [{code, weight, detail}], the model
  fraud_score     real     NOT NULL DEFAULT 0,
  fraud_reasons   jsonb    NOT NULL DEFAULT '[]'::jsonb,
  model_version   integer,
  -- where it came from (the web/app backend passes its customer's address and device; a store, its kiosk's)
  client_ip       text,
  device_id       text,
  -- how many times the author has written it (1 = as first submitted); the revisions hold the earlier texts
  revision        integer  NOT NULL DEFAULT 1,
  created_at      bigint   NOT NULL,
  updated_at      bigint   NOT NULL,
  -- the last moderator's decision
  moderated_by    text,
  moderated_at    bigint,
  moderator_note  text
);
CREATE UNIQUE INDEX reviews_one_per_customer_product ON reviews (customer_id, sku) WHERE status <> 'DELETED';
CREATE INDEX reviews_product_shown ON reviews (sku, created_at DESC) WHERE status = 'APPROVED';
CREATE INDEX reviews_product_helpful ON reviews (sku, helpful DESC, created_at DESC) WHERE status = 'APPROVED';
CREATE INDEX reviews_queue ON reviews (created_at) WHERE status = 'MANUAL_REVIEW';
CREATE INDEX reviews_customer ON reviews (customer_id, created_at);
CREATE INDEX reviews_client_ip ON reviews (client_ip, created_at) WHERE client_ip IS NOT NULL;
CREATE INDEX reviews_device ON reviews (device_id, created_at) WHERE device_id IS NOT NULL;

-- Each earlier text of a review (an edit keeps the one it replaces), newest revision last.
CREATE TABLE review_revisions (
  review_id  uuid     NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
  revision   integer  NOT NULL,
  rating     smallint NOT NULL,
  title      text     NOT NULL,
  body       text     NOT NULL,
  photo_ids  uuid[]   NOT NULL DEFAULT '{}',
  written_at bigint   NOT NULL,
  PRIMARY KEY (review_id, revision)
);

-- Photos: uploaded first (owner = the customer), then named by a review; the bytes in the blob store by content.
CREATE TABLE review_photos (
  id           uuid    PRIMARY KEY,
  customer_id  uuid    NOT NULL,
  review_id    uuid    REFERENCES reviews (id) ON DELETE SET NULL,
  position     smallint,
  blob_key     text    NOT NULL,
  media_type   text    NOT NULL,
  size         integer NOT NULL,
  width        integer,
  height       integer,
  created_at   bigint  NOT NULL
);
CREATE INDEX review_photos_review ON review_photos (review_id, position) WHERE review_id IS NOT NULL;
CREATE INDEX review_photos_unused ON review_photos (created_at) WHERE review_id IS NULL;

-- One vote per customer and review; a changed vote replaces the old one.
CREATE TABLE review_votes (
  review_id   uuid    NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
  customer_id uuid    NOT NULL,
  helpful     boolean NOT NULL,
  voted_at    bigint  NOT NULL,
  PRIMARY KEY (review_id, customer_id)
);

-- The brand's or head office's answer to a review (one; a new answer replaces it).
CREATE TABLE review_responses (
  review_id    uuid   PRIMARY KEY REFERENCES reviews (id) ON DELETE CASCADE,
  body         text   NOT NULL,
  responder    text   NOT NULL,            -- the user's id
  responder_as text   NOT NULL,            -- the name shown ("Acme Coffee", "Storefleet Customer Care")
  created_at   bigint NOT NULL,
  updated_at   bigint NOT NULL
);

-- Reports of inappropriate content, one per customer and review; resolved by a moderator.
CREATE TABLE review_reports (
  review_id   uuid   NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
  customer_id uuid   NOT NULL,
  reason      text   NOT NULL CHECK (reason IN ('OFFENSIVE', 'SPAM', 'OFF_TOPIC', 'PERSONAL_DATA', 'OTHER')),
  note        text,
  created_at  bigint NOT NULL,
  resolved_at bigint,
  resolved_by text,
  PRIMARY KEY (review_id, customer_id)
);
CREATE INDEX review_reports_open ON review_reports (created_at) WHERE resolved_at IS NULL;

-- Per product: counts of approved reviews by rating, kept current in the transaction that changes a review's status
-- or rating (never by rescanning the product's reviews). `revision` grows with each change (stores keep the highest).
CREATE TABLE review_summaries (
  sku        text    PRIMARY KEY,
  n1         integer NOT NULL DEFAULT 0,
  n2         integer NOT NULL DEFAULT 0,
  n3         integer NOT NULL DEFAULT 0,
  n4         integer NOT NULL DEFAULT 0,
  n5         integer NOT NULL DEFAULT 0,
  verified   integer NOT NULL DEFAULT 0,
  with_photos integer NOT NULL DEFAULT 0,
  revision   bigint  NOT NULL DEFAULT 0,
  updated_at bigint  NOT NULL
);

-- Purchases that give the verified badge (port REVIEW_PURCHASES: a confirmed order, a carded sale at a lane).
CREATE TABLE review_purchases (
  customer_id uuid   NOT NULL,
  sku         text   NOT NULL,
  source      text   NOT NULL CHECK (source IN ('order', 'pos')),
  source_ref  text   NOT NULL,
  store_id    text,
  at          bigint NOT NULL,
  PRIMARY KEY (customer_id, sku, source, source_ref)
);

-- MinHash/LSH buckets of each review's text (bands of the signature), for near-duplicates across customers.
CREATE TABLE review_text_buckets (
  band        smallint NOT NULL,
  bucket      bigint   NOT NULL,
  review_id   uuid     NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
  customer_id uuid     NOT NULL,
  PRIMARY KEY (band, bucket, review_id)
);
CREATE INDEX review_text_buckets_review ON review_text_buckets (review_id);
-- each review's whole MinHash signature (to estimate the Jaccard similarity of a candidate pair)
CREATE TABLE review_signatures (
  review_id uuid  PRIMARY KEY REFERENCES reviews (id) ON DELETE CASCADE,
  signature bytea NOT NULL
);

-- The text model's versions: at most one ACTIVE; the weights in `weights` (Float32 little-endian), the features it
-- hashes in `spec` ({ kind, dims, ngrams, … }), what it was trained on and its cross-validated figures in `summary`.
CREATE TABLE review_models (
  version     serial  PRIMARY KEY,
  state       text    NOT NULL CHECK (state IN ('TRAINING', 'ACTIVE', 'RETIRED', 'FAILED')),
  started_at  bigint  NOT NULL,
  finished_at bigint,
  spec        jsonb   NOT NULL DEFAULT '{}'::jsonb,
  weights     bytea,
  summary     jsonb   NOT NULL DEFAULT '{}'::jsonb,
  error       text
);
CREATE UNIQUE INDEX review_models_one_active ON review_models ((true)) WHERE state = 'ACTIVE';

-- Moderation decisions, append-only (who, what, when, the note): what the console shows and retraining learns from.
CREATE TABLE review_moderation_log (
  id         bigserial PRIMARY KEY,
  review_id  uuid   NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
  action     text   NOT NULL CHECK (action IN ('APPROVE', 'REJECT', 'RESOLVE_REPORTS')),
  from_status text  NOT NULL,
  to_status  text   NOT NULL,
  actor      text   NOT NULL,
  note       text,
  at         bigint NOT NULL
);
CREATE INDEX review_moderation_log_review ON review_moderation_log (review_id, at);

-- Products whose summary or top reviews changed since the stores last heard (the feed job empties it).
CREATE TABLE review_store_dirty (
  sku      text   PRIMARY KEY,
  since    bigint NOT NULL
);
