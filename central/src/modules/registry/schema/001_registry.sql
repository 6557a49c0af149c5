-- The OCI registry (issue #23): blobs kept once by digest (content-addressed files in the blob folder's `registry/`
-- subfolder), linked into the repositories that pushed or mounted them (a blob is readable in a repository only
-- through a link); manifests and tags; upload sessions; vulnerability scans; garbage-collection runs; releases to
-- stores and what each store runs; the mirror's progress; the key that signs bearer tokens.

CREATE TABLE registry_repositories (
  name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 255),
  -- bytes the repository's linked blobs and manifests may take; null = the hub's default (REGISTRY_DEFAULT_QUOTA_BYTES)
  quota_bytes bigint CHECK (quota_bytes IS NULL OR quota_bytes >= 0),
  -- pulls of a manifest whose scan found this severity or worse are refused (403 DENIED); null = never blocked
  block_severity text CHECK (block_severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- One row per stored blob (layers, configs, artefacts); the file is at its digest in the storage. `ref_count` counts
-- the repositories that link it (the dedup figure): kept in the same transaction as the links.
CREATE TABLE registry_blobs (
  digest text PRIMARY KEY CHECK (digest ~ '^sha256:[a-f0-9]{64}$'),
  size bigint NOT NULL CHECK (size >= 0),
  ref_count integer NOT NULL DEFAULT 0 CHECK (ref_count >= 0),
  created_at timestamptz NOT NULL,
  -- the last push, mount or existence check that leaned on it: garbage collection spares a blob this recent
  touched_at timestamptz NOT NULL
);
CREATE INDEX registry_blobs_touched ON registry_blobs (touched_at);

CREATE TABLE registry_repo_blobs (
  repository text NOT NULL REFERENCES registry_repositories (name) ON DELETE CASCADE,
  digest text NOT NULL REFERENCES registry_blobs (digest),
  linked_at timestamptz NOT NULL,
  PRIMARY KEY (repository, digest)
);
CREATE INDEX registry_repo_blobs_digest ON registry_repo_blobs (digest);

-- Manifests (image manifests, indexes, artefact manifests) with their bytes exactly as pushed.
CREATE TABLE registry_manifests (
  repository text NOT NULL REFERENCES registry_repositories (name) ON DELETE CASCADE,
  digest text NOT NULL CHECK (digest ~ '^sha256:[a-f0-9]{64}$'),
  media_type text NOT NULL,
  -- the artefact type (`artifactType`, else the config's media type for an artefact manifest), for referrers
  artifact_type text,
  -- the manifest this one refers to (`subject`), for the referrers API
  subject_digest text,
  annotations jsonb,
  size bigint NOT NULL CHECK (size >= 0),
  body bytea NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (repository, digest)
);
CREATE INDEX registry_manifests_subject ON registry_manifests (repository, subject_digest) WHERE subject_digest IS NOT NULL;

-- What each manifest names: blobs (config, layers) and, for an index, child manifests. The garbage collector's marks.
CREATE TABLE registry_manifest_refs (
  repository text NOT NULL,
  manifest_digest text NOT NULL,
  child_digest text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('BLOB', 'MANIFEST')),
  PRIMARY KEY (repository, manifest_digest, child_digest),
  FOREIGN KEY (repository, manifest_digest) REFERENCES registry_manifests (repository, digest) ON DELETE CASCADE
);
CREATE INDEX registry_manifest_refs_child ON registry_manifest_refs (child_digest);

CREATE TABLE registry_tags (
  repository text NOT NULL,
  tag text NOT NULL CHECK (tag ~ '^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$'),
  digest text NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (repository, tag),
  FOREIGN KEY (repository, digest) REFERENCES registry_manifests (repository, digest) ON DELETE CASCADE
);
CREATE INDEX registry_tags_digest ON registry_tags (repository, digest);

-- Upload sessions: the bytes so far sit in the storage's upload file of this id; the digest is known at the end.
CREATE TABLE registry_uploads (
  id uuid PRIMARY KEY,
  repository text NOT NULL,
  -- who started it (`user:<id>`, `store:<id>`): only they may continue it
  owner text NOT NULL,
  -- bytes received so far (the next chunk must start here)
  received bigint NOT NULL DEFAULT 0 CHECK (received >= 0),
  -- a POST that carried an Idempotency-Key answers the same session when sent again
  idempotency_key text,
  -- set when the session was completed: a PUT sent again answers the same blob
  completed_digest text,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX registry_uploads_idempotency ON registry_uploads (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX registry_uploads_idle ON registry_uploads (updated_at);

-- Vulnerability scans of pushed manifests, through the scanner adapter (Harbor's pluggable scanner API).
CREATE TABLE registry_scans (
  digest text PRIMARY KEY,
  -- a repository the manifest was pushed to (the scanner pulls it from there)
  repository text NOT NULL,
  state text NOT NULL CHECK (state IN ('PENDING', 'DONE', 'FAILED', 'UNSCANNED')),
  scanner text NOT NULL,
  -- the adapter's id for the scan request, while PENDING
  request_id text,
  critical integer NOT NULL DEFAULT 0,
  high integer NOT NULL DEFAULT 0,
  medium integer NOT NULL DEFAULT 0,
  low integer NOT NULL DEFAULT 0,
  -- the worst severity found, or null for none
  worst text CHECK (worst IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')),
  report jsonb,
  detail text,
  requested_at timestamptz NOT NULL,
  completed_at timestamptz,
  attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX registry_scans_pending ON registry_scans (requested_at) WHERE state = 'PENDING';

CREATE TABLE registry_gc_runs (
  id uuid PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('RUNNING', 'DONE', 'FAILED')),
  trigger text NOT NULL CHECK (trigger IN ('SCHEDULE', 'ADMIN')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  -- blobs the manifests reference (kept), blobs removed and their bytes, upload sessions dropped as idle
  marked integer NOT NULL DEFAULT 0,
  swept_blobs integer NOT NULL DEFAULT 0,
  swept_bytes bigint NOT NULL DEFAULT 0,
  dropped_uploads integer NOT NULL DEFAULT 0,
  detail text
);
CREATE INDEX registry_gc_runs_started ON registry_gc_runs (started_at DESC);

-- Releases to stores: a tagged artefact of a release repository, pinned by digest, for all stores or some.
CREATE TABLE registry_releases (
  id uuid PRIMARY KEY,
  track text NOT NULL,
  repository text NOT NULL,
  tag text NOT NULL,
  digest text NOT NULL,
  media_type text NOT NULL,
  size bigint NOT NULL,
  note text NOT NULL DEFAULT '',
  -- null = every store; else the stores it goes to
  store_ids uuid[],
  withdrawn boolean NOT NULL DEFAULT false,
  announced_by text NOT NULL,
  announced_at timestamptz NOT NULL
);
CREATE INDEX registry_releases_track ON registry_releases (track, announced_at DESC);

-- What each store last reported about each track: the console's "which store runs which release".
CREATE TABLE registry_store_releases (
  store_id uuid NOT NULL,
  track text NOT NULL,
  release_id uuid NOT NULL,
  digest text NOT NULL,
  state text NOT NULL CHECK (state IN ('DOWNLOADING', 'VERIFIED', 'RUNNING', 'FAILED')),
  detail text NOT NULL DEFAULT '',
  bytes bigint NOT NULL DEFAULT 0,
  -- the store's time of the report, and the last report id applied (a resent report counts once)
  reported_at timestamptz NOT NULL,
  report_id text NOT NULL,
  PRIMARY KEY (store_id, track)
);
CREATE INDEX registry_store_releases_release ON registry_store_releases (release_id);

-- Feed order per store and track (the `changeSeq` of `registry.release`).
CREATE TABLE registry_release_seq (
  store_id uuid NOT NULL,
  track text NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (store_id, track)
);

-- A mirror hub's progress through the registry it mirrors (REGISTRY_MIRROR_OF): per repository and tag, the digest
-- it has copied; blobs part-copied resume from `received` in their upload session.
CREATE TABLE registry_mirror_state (
  repository text NOT NULL,
  tag text NOT NULL,
  digest text,
  state text NOT NULL CHECK (state IN ('PENDING', 'COPYING', 'DONE', 'FAILED')),
  bytes_copied bigint NOT NULL DEFAULT 0,
  detail text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (repository, tag)
);

CREATE TABLE registry_mirror_runs (
  id uuid PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('RUNNING', 'DONE', 'FAILED')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  manifests_copied integer NOT NULL DEFAULT 0,
  blobs_copied integer NOT NULL DEFAULT 0,
  bytes_copied bigint NOT NULL DEFAULT 0,
  blobs_skipped integer NOT NULL DEFAULT 0,
  detail text
);

-- The HMAC key that signs the registry's bearer tokens (one row); shared by every hub replica on the database.
CREATE TABLE registry_signing_keys (
  id text PRIMARY KEY,
  key bytea NOT NULL,
  created_at timestamptz NOT NULL
);
