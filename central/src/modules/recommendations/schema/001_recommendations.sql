-- Recommendations (issue #21).

-- What customers (and anonymous sessions) did with products: the training data and the session's recent views.
-- Recorded by the port RECS_INTERACTIONS (orders, carts, sales at the lane with a customer card, kiosk views).
CREATE TABLE recs_interactions (
  id          bigserial PRIMARY KEY,
  customer_id text,                       -- null: an anonymous session (counts for popularity and the session only)
  session_id  text,
  sku         text   NOT NULL,
  kind        text   NOT NULL CHECK (kind IN ('VIEW', 'CART_ADD', 'PURCHASE')),
  store_id    text,
  source      text   NOT NULL CHECK (source IN ('order', 'cart', 'pos', 'kiosk', 'web')),
  source_ref  text   NOT NULL,            -- the order, sale or view it came from: recorded once
  at          bigint NOT NULL,
  UNIQUE (source, source_ref, sku, kind)
);
CREATE INDEX recs_interactions_customer ON recs_interactions (customer_id, at) WHERE customer_id IS NOT NULL;
CREATE INDEX recs_interactions_session ON recs_interactions (session_id, at) WHERE session_id IS NOT NULL;

-- One row per training run. At most one ACTIVE model: serving reads its rows; a new READY one replaces it.
CREATE TABLE recs_models (
  version      bigserial PRIMARY KEY,
  state        text   NOT NULL CHECK (state IN ('TRAINING', 'ACTIVE', 'RETIRED', 'FAILED')),
  started_at   bigint NOT NULL,
  finished_at  bigint,
  -- what it learned from: {interactions, customers, products}; its settings {factors, alpha, …}; its timings
  summary      jsonb  NOT NULL DEFAULT '{}'::jsonb,
  error        text
);
CREATE UNIQUE INDEX recs_models_one_active ON recs_models ((true)) WHERE state = 'ACTIVE';

-- Precomputed candidates of a model: per customer (iALS), per product (bought with, similar), popular per scope.
-- `items`: [{ "sku", "score", "why" }] best first, where `why` is the sku that explains it (bought with X) or null.
CREATE TABLE recs_customer_candidates (
  model_version bigint NOT NULL REFERENCES recs_models (version) ON DELETE CASCADE,
  customer_id   text   NOT NULL,
  items         jsonb  NOT NULL,
  PRIMARY KEY (model_version, customer_id)
);
CREATE TABLE recs_product_neighbours (
  model_version bigint NOT NULL REFERENCES recs_models (version) ON DELETE CASCADE,
  sku           text   NOT NULL,
  kind          text   NOT NULL CHECK (kind IN ('BOUGHT_WITH', 'SIMILAR')),
  items         jsonb  NOT NULL,
  PRIMARY KEY (model_version, sku, kind)
);
-- scope: 'all', 'category:<category>', 'store:<storeId>'
CREATE TABLE recs_popular (
  model_version bigint NOT NULL REFERENCES recs_models (version) ON DELETE CASCADE,
  scope         text   NOT NULL,
  items         jsonb  NOT NULL,
  PRIMARY KEY (model_version, scope)
);

-- A/B: the variants served (each a set of per-surface weights), Thompson sampling over their clicks per impression.
CREATE TABLE recs_variants (
  name        text   PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  description text   NOT NULL DEFAULT '',
  weights     jsonb  NOT NULL,
  state       text   NOT NULL CHECK (state IN ('RUNNING', 'STOPPED')),
  impressions bigint NOT NULL DEFAULT 0,
  clicks      bigint NOT NULL DEFAULT 0,
  created_at  bigint NOT NULL,
  stopped_at  bigint,
  stopped_by  text
);

-- One row per list served: what was shown, by which variant, and the first click on it (a click counts once).
CREATE TABLE recs_impressions (
  id           text   PRIMARY KEY,
  variant      text   NOT NULL REFERENCES recs_variants (name),
  surface      text   NOT NULL CHECK (surface IN ('home', 'product', 'cart', 'kiosk')),
  customer_id  text,
  session_id   text,
  store_id     text,
  skus         jsonb  NOT NULL,
  at           bigint NOT NULL,
  clicked_sku  text,
  clicked_at   bigint
);
CREATE INDEX recs_impressions_at ON recs_impressions (at);
