-- The document vault (issue #22): folders and documents in one tree, their versions (each encrypted with its own data
-- key, wrapped by a master key the database never holds), grants (inherited down the tree), vault groups, the stores'
-- copies, and an append-only, hash-chained audit trail.

CREATE TABLE vault_nodes (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('FOLDER', 'DOCUMENT')),
  -- null for the root only
  parent_id uuid REFERENCES vault_nodes (id),
  -- every folder above, the root first and the parent last ({} for the root): one read answers "where does it inherit from"
  ancestors uuid[] NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  -- the subject who made it (`user:<id>`), for "search by owner"
  owner text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  -- documents: stores that may read it fetch the content at once, not on first open
  offline boolean NOT NULL DEFAULT false,
  -- documents: the version read by default (the newest unless one was restored), its size and type, for listings
  current_version_id uuid,
  size bigint,
  media_type text,
  state text NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'TRASHED')),
  -- set on the node deleted and on everything under it: restoring `trash_root` restores them together
  trashed_at timestamptz,
  trashed_by text,
  trash_root uuid,
  -- name, tags and the lexemes of the current version's text (text-like documents); the text itself is not kept
  search tsvector NOT NULL DEFAULT ''::tsvector,
  -- bumps on every change a store's copy follows (name, move, tags, offline, new version, state)
  change_seq bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((parent_id IS NULL) = (kind = 'FOLDER' AND id = '00000000-0000-4000-8000-000000000000'))
);
-- two live siblings never share a name (case-insensitively): moving or renaming onto a name taken is a 409
CREATE UNIQUE INDEX vault_nodes_sibling_name ON vault_nodes (parent_id, lower(name)) WHERE state = 'ACTIVE';
CREATE INDEX vault_nodes_children ON vault_nodes (parent_id, kind, lower(name), id);
CREATE INDEX vault_nodes_ancestors ON vault_nodes USING gin (ancestors);
CREATE INDEX vault_nodes_search ON vault_nodes USING gin (search);
CREATE INDEX vault_nodes_tags ON vault_nodes USING gin (tags);
CREATE INDEX vault_nodes_owner ON vault_nodes (owner);
CREATE INDEX vault_nodes_trashed ON vault_nodes (trashed_at) WHERE state = 'TRASHED';

CREATE TABLE vault_versions (
  id uuid PRIMARY KEY,
  document_id uuid NOT NULL REFERENCES vault_nodes (id) ON DELETE CASCADE,
  version_no integer NOT NULL CHECK (version_no >= 1),
  size bigint NOT NULL CHECK (size >= 0),
  media_type text NOT NULL,
  -- of the plaintext, hex: what a store checks its copy against
  sha256 text NOT NULL,
  -- the ciphertext in the blob store (content address), its data key wrapped by master key `kek_id`
  blob_key text NOT NULL,
  wrapped_key bytea NOT NULL,
  kek_id text NOT NULL,
  -- PENDING until the scanner has read it; INFECTED versions are quarantined (never served); UNSCANNED: no scanner
  scan_state text NOT NULL DEFAULT 'PENDING' CHECK (scan_state IN ('PENDING', 'CLEAN', 'INFECTED', 'UNSCANNED')),
  scan_detail text,
  -- images: a small PNG, encrypted like the content
  thumb_blob_key text,
  thumb_wrapped_key bytea,
  thumb_kek_id text,
  -- the version this one restored, when it was made by "restore"
  restored_from integer,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (document_id, version_no)
);
CREATE INDEX vault_versions_kek ON vault_versions (kek_id);
CREATE INDEX vault_versions_pending ON vault_versions (created_at) WHERE scan_state = 'PENDING';
CREATE INDEX vault_versions_blob ON vault_versions (blob_key);

CREATE TABLE vault_grants (
  node_id uuid NOT NULL REFERENCES vault_nodes (id) ON DELETE CASCADE,
  subject text NOT NULL,
  -- READ 1 < WRITE 2 < DELETE 3 < SHARE 4 < OWNER 5
  level smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
  granted_by text NOT NULL,
  granted_at timestamptz NOT NULL,
  PRIMARY KEY (node_id, subject)
);
CREATE INDEX vault_grants_subject ON vault_grants (subject, node_id);

CREATE TABLE vault_groups (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX vault_groups_name ON vault_groups (lower(name));

CREATE TABLE vault_group_members (
  group_id uuid NOT NULL REFERENCES vault_groups (id) ON DELETE CASCADE,
  user_id text NOT NULL,
  added_at timestamptz NOT NULL,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX vault_group_members_user ON vault_group_members (user_id, group_id);

-- What each store was last sent for each document it may read (the store feed's bookkeeping).
CREATE TABLE vault_store_docs (
  store_id uuid NOT NULL,
  document_id uuid NOT NULL,
  change_seq bigint NOT NULL,
  PRIMARY KEY (store_id, document_id)
);
CREATE INDEX vault_store_docs_document ON vault_store_docs (document_id);

-- Append-only and hash-chained: each row's hash covers its fields and the previous row's hash, so an edited, removed
-- or inserted row breaks the chain from there on (`npm run vault:verify-audit`, the console's audit page).
CREATE TABLE vault_audit (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  -- `user:<id>`, `store:<id>` or `system`
  actor text NOT NULL,
  action text NOT NULL,
  node_id uuid,
  version_id uuid,
  detail jsonb NOT NULL DEFAULT '{}',
  -- where from: the client's address, or a store's device
  origin text,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX vault_audit_node ON vault_audit (node_id, seq);
CREATE INDEX vault_audit_actor ON vault_audit (actor, seq);

CREATE FUNCTION vault_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'vault_audit is append-only';
END
$$;
CREATE TRIGGER vault_audit_no_update BEFORE UPDATE OR DELETE ON vault_audit
  FOR EACH ROW EXECUTE FUNCTION vault_audit_append_only();
CREATE TRIGGER vault_audit_no_truncate BEFORE TRUNCATE ON vault_audit
  FOR EACH STATEMENT EXECUTE FUNCTION vault_audit_append_only();

-- The root, owned by head office's ADMINs (a grant like any other: no role bypasses the vault's permissions).
INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000000', 'FOLDER', NULL, '{}', 'Vault', 'system', now(), now());
INSERT INTO vault_grants (node_id, subject, level, granted_by, granted_at)
VALUES ('00000000-0000-4000-8000-000000000000', 'role:ADMIN', 5, 'system', now());
