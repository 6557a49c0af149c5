import type { Queryable } from '../../db/db.js';
import type { Descriptor, StoredManifest } from './types.js';
import { msParam as TS } from '../../kernel/sql-time.js';

/** A timestamptz from epoch ms, written the same way on pg and PGlite. */

interface ManifestRow {
  repository: string;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  subject_digest: string | null;
  annotations: Record<string, string> | null;
  size: number;
  body: Buffer | Uint8Array;
  created_at: number;
}
const MANIFEST_COLUMNS = `m.repository, m.digest, m.media_type, m.artifact_type, m.subject_digest, m.annotations,
  m.size, m.body, (extract(epoch FROM m.created_at) * 1000)::float8 AS created_at`;

const toManifest = (r: ManifestRow): StoredManifest => ({
  repository: r.repository,
  digest: r.digest,
  mediaType: r.media_type,
  artifactType: r.artifact_type,
  subjectDigest: r.subject_digest,
  annotations: r.annotations,
  size: Number(r.size),
  body: Buffer.from(r.body),
  createdAt: Number(r.created_at),
});

/** A manifest to store, with what it names. */
export interface NewManifest {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType: string | null;
  readonly subject: string | null;
  readonly annotations: Readonly<Record<string, string>> | null;
  readonly body: Buffer;
  readonly blobs: readonly string[];
  readonly manifests: readonly string[];
}

/** All SQL of manifests, their references, tags, referrers and the catalog (lane: manifests). */
export const manifestsRepository = {
  async repositoryExists(q: Queryable, name: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM registry_repositories WHERE name = $1', [name]);
    return rows.length > 0;
  },

  /** Locks the repository's row for the push's transaction (quota checks see one push at a time) and touches it. */
  async lockRepository(q: Queryable, name: string, now: number): Promise<void> {
    await q.query(`UPDATE registry_repositories SET updated_at = ${TS(2)} WHERE name = $1`, [name, now]);
  },

  /** Of `digests`, those stored as manifests in `repository`, their rows locked FOR SHARE (a delete waits). */
  async storedManifests(q: Queryable, repository: string, digests: readonly string[]): Promise<Set<string>> {
    if (digests.length === 0) return new Set();
    const { rows } = await q.query<{ digest: string }>(
      `SELECT digest FROM registry_manifests WHERE repository = $1 AND digest = ANY($2::text[])
        ORDER BY digest FOR SHARE`,
      [repository, digests],
    );
    return new Set(rows.map((r) => r.digest));
  },

  /** Stores a manifest and its references; false when the repository held it already (same digest, same bytes). */
  async insert(q: Queryable, m: NewManifest, now: number): Promise<boolean> {
    const { rowCount } = await q.query(
      `INSERT INTO registry_manifests
         (repository, digest, media_type, artifact_type, subject_digest, annotations, size, body, created_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, ${TS(9)})
       ON CONFLICT (repository, digest) DO NOTHING`,
      [
        m.repository,
        m.digest,
        m.mediaType,
        m.artifactType,
        m.subject,
        m.annotations === null ? null : JSON.stringify(m.annotations),
        m.body.length,
        m.body,
        now,
      ],
    );
    const children = [...m.blobs, ...m.manifests];
    if (children.length > 0)
      await q.query(
        `INSERT INTO registry_manifest_refs (repository, manifest_digest, child_digest, kind)
         SELECT $1, $2, c.digest, c.kind FROM unnest($3::text[], $4::text[]) AS c(digest, kind)
         ON CONFLICT DO NOTHING`,
        [m.repository, m.digest, children, children.map((_, i) => (i < m.blobs.length ? 'BLOB' : 'MANIFEST'))],
      );
    return rowCount > 0;
  },

  async setTag(q: Queryable, repository: string, tag: string, digest: string, now: number): Promise<void> {
    await q.query(
      `INSERT INTO registry_tags (repository, tag, digest, updated_at) VALUES ($1, $2, $3, ${TS(4)})
       ON CONFLICT (repository, tag) DO UPDATE SET digest = EXCLUDED.digest, updated_at = EXCLUDED.updated_at`,
      [repository, tag, digest, now],
    );
  },

  async byDigest(q: Queryable, repository: string, digest: string): Promise<StoredManifest | null> {
    const { rows } = await q.query<ManifestRow>(
      `SELECT ${MANIFEST_COLUMNS} FROM registry_manifests m WHERE m.repository = $1 AND m.digest = $2`,
      [repository, digest],
    );
    return rows[0] ? toManifest(rows[0]) : null;
  },

  async byTag(q: Queryable, repository: string, tag: string): Promise<StoredManifest | null> {
    const { rows } = await q.query<ManifestRow>(
      `SELECT ${MANIFEST_COLUMNS} FROM registry_tags t
         JOIN registry_manifests m ON m.repository = t.repository AND m.digest = t.digest
        WHERE t.repository = $1 AND t.tag = $2`,
      [repository, tag],
    );
    return rows[0] ? toManifest(rows[0]) : null;
  },

  /**
   * What still needs the manifest `digest` of `repository` (a DELETE by digest is refused while any is there): the
   * indexes of the repository that name it, and the releases not withdrawn that pin it. Call with the repository's row
   * locked (`lockRepository`), so an index pushed at the same moment waits for the delete, or the delete sees it.
   */
  async dependents(
    q: Queryable,
    repository: string,
    digest: string,
  ): Promise<{ indexes: string[]; releases: { id: string; track: string; tag: string }[] }> {
    const { rows: indexes } = await q.query<{ manifest_digest: string }>(
      `SELECT manifest_digest FROM registry_manifest_refs
        WHERE repository = $1 AND child_digest = $2 AND kind = 'MANIFEST' AND manifest_digest <> $2
        ORDER BY manifest_digest LIMIT 20`,
      [repository, digest],
    );
    const { rows: releases } = await q.query<{ id: string; track: string; tag: string }>(
      `SELECT id::text AS id, track, tag FROM registry_releases
        WHERE repository = $1 AND digest = $2 AND NOT withdrawn ORDER BY announced_at, id LIMIT 20`,
      [repository, digest],
    );
    return { indexes: indexes.map((r) => r.manifest_digest), releases };
  },

  /** Removes a manifest with its tags and references (the foreign keys cascade); false when it was not there. */
  async deleteManifest(q: Queryable, repository: string, digest: string): Promise<boolean> {
    const { rowCount } = await q.query('DELETE FROM registry_manifests WHERE repository = $1 AND digest = $2', [
      repository,
      digest,
    ]);
    return rowCount > 0;
  },

  async deleteTag(q: Queryable, repository: string, tag: string): Promise<boolean> {
    const { rowCount } = await q.query('DELETE FROM registry_tags WHERE repository = $1 AND tag = $2', [
      repository,
      tag,
    ]);
    return rowCount > 0;
  },

  /** Up to `limit` tags after `last` in byte order (the spec's lexical order, whatever the database's collation). */
  async tags(q: Queryable, repository: string, last: string | null, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ tag: string }>(
      `SELECT tag FROM registry_tags WHERE repository = $1 AND ($2::text IS NULL OR tag COLLATE "C" > $2::text COLLATE "C")
        ORDER BY tag COLLATE "C" LIMIT $3`,
      [repository, last, limit],
    );
    return rows.map((r) => r.tag);
  },

  /** Up to `limit` repository names after `last`, in byte order. */
  async catalog(q: Queryable, last: string | null, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ name: string }>(
      `SELECT name FROM registry_repositories WHERE ($1::text IS NULL OR name COLLATE "C" > $1::text COLLATE "C")
        ORDER BY name COLLATE "C" LIMIT $2`,
      [last, limit],
    );
    return rows.map((r) => r.name);
  },

  /** The manifests of `repository` whose subject is `digest`, as descriptors, oldest first. */
  async referrers(
    q: Queryable,
    repository: string,
    digest: string,
    artifactType: string | null,
  ): Promise<Descriptor[]> {
    const { rows } = await q.query<{
      media_type: string;
      digest: string;
      size: number;
      artifact_type: string | null;
      annotations: Record<string, string> | null;
    }>(
      `SELECT media_type, digest, size, artifact_type, annotations FROM registry_manifests
        WHERE repository = $1 AND subject_digest = $2 AND ($3::text IS NULL OR artifact_type = $3::text)
        ORDER BY created_at, digest`,
      [repository, digest, artifactType],
    );
    return rows.map((r) => ({
      mediaType: r.media_type,
      digest: r.digest,
      size: Number(r.size),
      ...(r.artifact_type === null ? {} : { artifactType: r.artifact_type }),
      ...(r.annotations === null ? {} : { annotations: r.annotations }),
    }));
  },

  /**
   * Bytes a pull of the manifest takes: it, every child manifest under it (an index's platforms), and every blob any
   * of them names, each counted once.
   */
  async totalSize(q: Queryable, repository: string, digest: string): Promise<number> {
    const { rows } = await q.query<{ total: number }>(
      `WITH RECURSIVE tree(digest) AS (
         SELECT $2::text
         UNION
         SELECT r.child_digest FROM registry_manifest_refs r JOIN tree t ON r.manifest_digest = t.digest
          WHERE r.repository = $1 AND r.kind = 'MANIFEST'
       )
       SELECT ((SELECT coalesce(sum(m.size), 0) FROM registry_manifests m
                 WHERE m.repository = $1 AND m.digest IN (SELECT digest FROM tree))
             + (SELECT coalesce(sum(b.size), 0) FROM registry_blobs b
                 WHERE b.digest IN (SELECT r.child_digest FROM registry_manifest_refs r
                                     WHERE r.repository = $1 AND r.kind = 'BLOB'
                                       AND r.manifest_digest IN (SELECT digest FROM tree))))::float8 AS total`,
      [repository, digest],
    );
    return Number(rows[0]?.total ?? 0);
  },
};
