import type { Queryable } from '../../db/db.js';
import type { RepositorySummary, Severity } from './types.js';

/** A tag as the console shows it: what it points at, how big that is, when it was pushed, what the scan found. */
export interface TagDetail {
  readonly tag: string;
  readonly digest: string;
  readonly mediaType: string;
  /** The manifest and everything it names (an index: its children and theirs), each blob once. */
  readonly size: number;
  readonly pushedAt: number;
  readonly scan: {
    readonly state: 'PENDING' | 'DONE' | 'FAILED' | 'UNSCANNED';
    readonly critical: number;
    readonly high: number;
    readonly medium: number;
    readonly low: number;
    readonly worst: Severity | null;
    readonly completedAt: number | null;
  } | null;
}

/** What the registry holds, and what deduplication saves. */
export interface RegistryStats {
  readonly repositories: number;
  readonly tags: number;
  readonly manifests: number;
  /** Distinct blobs stored (each file once). */
  readonly blobs: number;
  /** Links of blobs into repositories (a blob in three repositories counts three times). */
  readonly links: number;
  /** Bytes on disk: each blob once. */
  readonly storedBytes: number;
  /** Bytes as pushed: each blob once per repository that links it. */
  readonly pushedBytes: number;
  /** pushedBytes − storedBytes. */
  readonly savedBytes: number;
  /** pushedBytes / storedBytes (1 when nothing is stored). */
  readonly dedupRatio: number;
  readonly manifestBytes: number;
}

const ms = (v: unknown): number => new Date(v as string | Date).getTime();
const num = (v: unknown): number => Number(v ?? 0);

/** A repository's summary columns; `r` is registry_repositories. Bytes: linked blobs plus its manifests, each once. */
const SUMMARY = `r.name, r.quota_bytes, r.block_severity, r.updated_at,
  (SELECT count(*) FROM registry_tags t WHERE t.repository = r.name)::int AS tags,
  (SELECT count(*) FROM registry_manifests m WHERE m.repository = r.name)::int AS manifests,
  ((SELECT coalesce(sum(b.size), 0) FROM registry_repo_blobs l JOIN registry_blobs b ON b.digest = l.digest
     WHERE l.repository = r.name)
   + (SELECT coalesce(sum(m.size), 0) FROM registry_manifests m WHERE m.repository = r.name))::float8 AS bytes,
  greatest(r.updated_at,
    (SELECT max(t.updated_at) FROM registry_tags t WHERE t.repository = r.name)) AS last_change`;

function summaryOf(r: Record<string, unknown>): RepositorySummary {
  return {
    name: r.name as string,
    tags: num(r.tags),
    manifests: num(r.manifests),
    bytes: num(r.bytes),
    quotaBytes: r.quota_bytes === null ? null : num(r.quota_bytes),
    blockSeverity: (r.block_severity as Severity | null) ?? null,
    updatedAt: ms(r.last_change ?? r.updated_at),
  };
}

/** The console's SQL (lane: mirror-console): read-only views of the registry's tables, and a repository's settings. */
export class ConsoleRepository {
  constructor(readonly db: Queryable) {}

  /** Repositories in name order after `after`, whose name starts with `prefix`; `limit + 1` read to know of a next page. */
  async list(prefix: string, after: string | null, limit: number): Promise<RepositorySummary[]> {
    const { rows } = await this.db.query(
      `SELECT ${SUMMARY} FROM registry_repositories r
       WHERE left(r.name, length($1)) = $1 AND ($2::text IS NULL OR r.name > $2)
       ORDER BY r.name LIMIT $3`,
      [prefix, after, limit],
    );
    return rows.map(summaryOf);
  }

  async get(name: string): Promise<RepositorySummary | null> {
    const { rows } = await this.db.query(`SELECT ${SUMMARY} FROM registry_repositories r WHERE r.name = $1`, [name]);
    return rows[0] ? summaryOf(rows[0]) : null;
  }

  /**
   * The repository's tags, newest push first, with each tag's full size (the manifest, its blobs, an index's child
   * manifests and theirs: each digest once) and the scan of its manifest.
   */
  async tags(name: string, limit: number): Promise<TagDetail[]> {
    const { rows } = await this.db.query(
      `WITH RECURSIVE tree (tag, digest, kind, depth) AS (
         SELECT t.tag, t.digest, 'MANIFEST'::text, 0 FROM registry_tags t WHERE t.repository = $1
         UNION
         SELECT tree.tag, f.child_digest, f.kind, tree.depth + 1
         FROM tree JOIN registry_manifest_refs f ON f.repository = $1 AND f.manifest_digest = tree.digest
         WHERE tree.kind = 'MANIFEST' AND tree.depth < 4
       ),
       sizes AS (
         SELECT x.tag, sum(coalesce(b.size, m.size, 0))::float8 AS size
         FROM (SELECT DISTINCT tag, digest, kind FROM tree) x
         LEFT JOIN registry_blobs b ON x.kind = 'BLOB' AND b.digest = x.digest
         LEFT JOIN registry_manifests m ON x.kind = 'MANIFEST' AND m.repository = $1 AND m.digest = x.digest
         GROUP BY x.tag
       )
       SELECT t.tag, t.digest, t.updated_at, m.media_type, coalesce(s.size, 0) AS size,
              sc.state AS scan_state, sc.critical, sc.high, sc.medium, sc.low, sc.worst, sc.completed_at
       FROM registry_tags t
       JOIN registry_manifests m ON m.repository = t.repository AND m.digest = t.digest
       LEFT JOIN sizes s ON s.tag = t.tag
       LEFT JOIN registry_scans sc ON sc.digest = t.digest
       WHERE t.repository = $1
       ORDER BY t.updated_at DESC, t.tag
       LIMIT $2`,
      [name, limit],
    );
    return rows.map((r) => ({
      tag: r.tag as string,
      digest: r.digest as string,
      mediaType: r.media_type as string,
      size: num(r.size),
      pushedAt: ms(r.updated_at),
      scan:
        r.scan_state === null || r.scan_state === undefined
          ? null
          : {
              state: r.scan_state as 'PENDING' | 'DONE' | 'FAILED' | 'UNSCANNED',
              critical: num(r.critical),
              high: num(r.high),
              medium: num(r.medium),
              low: num(r.low),
              worst: (r.worst as Severity | null) ?? null,
              completedAt: r.completed_at === null ? null : ms(r.completed_at),
            },
    }));
  }

  /**
   * Sets the quota and/or the pull-blocking policy (each when given; null clears it). Resolves false when the
   * repository does not exist (nothing written).
   */
  async updateSettings(
    name: string,
    change: { readonly quotaBytes?: number | null; readonly blockSeverity?: Severity | null },
    at: number,
  ): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE registry_repositories
       SET quota_bytes = CASE WHEN $2 THEN $3::bigint ELSE quota_bytes END,
           block_severity = CASE WHEN $4 THEN $5::text ELSE block_severity END,
           updated_at = $6
       WHERE name = $1`,
      [
        name,
        change.quotaBytes !== undefined,
        change.quotaBytes ?? null,
        change.blockSeverity !== undefined,
        change.blockSeverity ?? null,
        new Date(at),
      ],
    );
    return rowCount > 0;
  }

  async stats(): Promise<RegistryStats> {
    const { rows } = await this.db.query(
      `SELECT (SELECT count(*) FROM registry_repositories)::int AS repositories,
              (SELECT count(*) FROM registry_tags)::int AS tags,
              (SELECT count(*) FROM registry_manifests)::int AS manifests,
              (SELECT coalesce(sum(size), 0) FROM registry_manifests)::float8 AS manifest_bytes,
              (SELECT count(*) FROM registry_blobs)::int AS blobs,
              (SELECT coalesce(sum(size), 0) FROM registry_blobs)::float8 AS stored,
              (SELECT count(*) FROM registry_repo_blobs)::int AS links,
              (SELECT coalesce(sum(b.size), 0) FROM registry_repo_blobs l
                 JOIN registry_blobs b ON b.digest = l.digest)::float8 AS pushed`,
    );
    const r = rows[0]!;
    const stored = num(r.stored);
    const pushed = num(r.pushed);
    return {
      repositories: num(r.repositories),
      tags: num(r.tags),
      manifests: num(r.manifests),
      blobs: num(r.blobs),
      links: num(r.links),
      storedBytes: stored,
      pushedBytes: pushed,
      savedBytes: Math.max(0, pushed - stored),
      dedupRatio: stored > 0 ? Math.round((pushed / stored) * 1000) / 1000 : 1,
      manifestBytes: num(r.manifest_bytes),
    };
  }
}
