import type { Queryable } from '../../db/db.js';
import type { ScanReport, Severity } from './types.js';

export type ScanState = 'PENDING' | 'DONE' | 'FAILED' | 'UNSCANNED';

/** A scan as the API answers it. */
export interface ScanView {
  readonly digest: string;
  readonly repository: string;
  readonly state: ScanState;
  readonly scanner: string;
  readonly counts: { readonly critical: number; readonly high: number; readonly medium: number; readonly low: number };
  readonly worst: Severity | null;
  readonly report: ScanReport | null;
  readonly detail: string | null;
  readonly requestedAt: number;
  readonly completedAt: number | null;
  readonly attempts: number;
}

/** A pending scan the poll job asks about. */
export interface PendingScan {
  readonly digest: string;
  readonly repository: string;
  readonly requestId: string | null;
  readonly attempts: number;
  readonly requestedAt: number;
}

/** The scan facts a pull checks: the manifest's own scan and, for an index, its children's. */
export interface ScanCounts {
  readonly digest: string;
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
}

const ms = (v: unknown) => new Date(v as string | Date).getTime();
const n = (v: unknown) => Number(v ?? 0);

function toView(r: Record<string, unknown>): ScanView {
  return {
    digest: r.digest as string,
    repository: r.repository as string,
    state: r.state as ScanState,
    scanner: r.scanner as string,
    counts: { critical: n(r.critical), high: n(r.high), medium: n(r.medium), low: n(r.low) },
    worst: (r.worst as Severity | null) ?? null,
    report: (typeof r.report === 'string' ? JSON.parse(r.report) : r.report) as ScanReport | null,
    detail: (r.detail as string | null) ?? null,
    requestedAt: ms(r.requested_at),
    completedAt: r.completed_at ? ms(r.completed_at) : null,
    attempts: n(r.attempts),
  };
}

/** The SQL of vulnerability scans (scans.ts). */
export const scansRepository = {
  /**
   * Records a scan of `digest` as asked for (`state`: PENDING with a scanner, UNSCANNED without); true when this call
   * made the row (a manifest already scanned, or being scanned, is not scanned again for another push).
   */
  async request(
    q: Queryable,
    s: { digest: string; repository: string; state: 'PENDING' | 'UNSCANNED'; scanner: string; at: number },
  ): Promise<boolean> {
    const { rows } = await q.query(
      `INSERT INTO registry_scans (digest, repository, state, scanner, requested_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (digest) DO NOTHING RETURNING digest`,
      [s.digest, s.repository, s.state, s.scanner, new Date(s.at)],
    );
    return rows.length === 1;
  },

  /** Starts the scan of `digest` over (a rescan, or a first scan once a scanner is configured). */
  async restart(
    q: Queryable,
    s: { digest: string; repository: string; state: 'PENDING' | 'UNSCANNED'; scanner: string; at: number },
  ): Promise<void> {
    await q.query(
      `INSERT INTO registry_scans (digest, repository, state, scanner, requested_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (digest) DO UPDATE SET repository = $2, state = $3, scanner = $4, requested_at = $5,
         request_id = NULL, critical = 0, high = 0, medium = 0, low = 0, worst = NULL, report = NULL, detail = NULL,
         completed_at = NULL, attempts = 0`,
      [s.digest, s.repository, s.state, s.scanner, new Date(s.at)],
    );
  },

  async submitted(q: Queryable, digest: string, requestId: string): Promise<void> {
    await q.query(`UPDATE registry_scans SET request_id = $2 WHERE digest = $1 AND state = 'PENDING'`, [
      digest,
      requestId,
    ]);
  },

  /** Counts a failed ask (submit or report): the reason is kept; past `maxAttempts` the scan is FAILED. */
  async attemptFailed(q: Queryable, digest: string, detail: string, maxAttempts: number, at: number): Promise<void> {
    await q.query(
      `UPDATE registry_scans SET attempts = attempts + 1, detail = $2,
         state = CASE WHEN attempts + 1 >= $3 THEN 'FAILED' ELSE state END,
         completed_at = CASE WHEN attempts + 1 >= $3 THEN $4 ELSE completed_at END
       WHERE digest = $1 AND state = 'PENDING'`,
      [digest, detail.slice(0, 1000), maxAttempts, new Date(at)],
    );
  },

  /** An ask that found the report not ready yet. */
  async stillPending(q: Queryable, digest: string, maxAttempts: number, at: number): Promise<void> {
    await scansRepository.attemptFailed(q, digest, 'the scanner has not finished yet', maxAttempts, at);
  },

  async done(q: Queryable, digest: string, requestId: string, report: ScanReport, at: number): Promise<void> {
    const count = (s: Severity) => report.vulnerabilities.filter((v) => v.severity === s).length;
    await q.query(
      `UPDATE registry_scans SET state = 'DONE', critical = $3, high = $4, medium = $5, low = $6, worst = $7,
         report = $8::jsonb, detail = NULL, completed_at = $9, attempts = attempts + 1
       WHERE digest = $1 AND state = 'PENDING' AND request_id = $2`,
      [
        digest,
        requestId,
        count('CRITICAL'),
        count('HIGH'),
        count('MEDIUM'),
        count('LOW'),
        report.severity === 'NONE' ? null : report.severity,
        JSON.stringify(report),
        new Date(at),
      ],
    );
  },

  async pending(q: Queryable, limit: number): Promise<PendingScan[]> {
    const { rows } = await q.query<Record<string, unknown>>(
      `SELECT digest, repository, request_id, attempts, requested_at FROM registry_scans WHERE state = 'PENDING'
       ORDER BY requested_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      digest: r.digest as string,
      repository: r.repository as string,
      requestId: (r.request_id as string | null) ?? null,
      attempts: n(r.attempts),
      requestedAt: ms(r.requested_at),
    }));
  },

  async get(q: Queryable, digest: string): Promise<ScanView | null> {
    const { rows } = await q.query<Record<string, unknown>>('SELECT * FROM registry_scans WHERE digest = $1', [digest]);
    return rows[0] ? toView(rows[0]) : null;
  },

  /**
   * The repository's blocking severity (undefined when the repository does not exist) and, when it has one, the
   * counts of the manifest's scan and of its child manifests' scans (an index). One statement: every pull asks.
   */
  async policyAndCounts(
    q: Queryable,
    repository: string,
    digest: string,
  ): Promise<{ block: Severity | null; scans: ScanCounts[] } | undefined> {
    const { rows } = await q.query<Record<string, unknown>>(
      `SELECT r.block_severity, s.digest, s.critical, s.high, s.medium, s.low
         FROM registry_repositories r
         LEFT JOIN registry_scans s ON r.block_severity IS NOT NULL AND s.state = 'DONE' AND (s.digest = $2 OR s.digest IN
           (SELECT child_digest FROM registry_manifest_refs
             WHERE repository = $1 AND manifest_digest = $2 AND kind = 'MANIFEST'))
        WHERE r.name = $1`,
      [repository, digest],
    );
    if (rows.length === 0) return undefined;
    return {
      block: (rows[0]!.block_severity as Severity | null) ?? null,
      scans: rows
        .filter((r) => r.digest)
        .map((r) => ({
          digest: r.digest as string,
          critical: n(r.critical),
          high: n(r.high),
          medium: n(r.medium),
          low: n(r.low),
        })),
    };
  },

  /** The findings of these scans (only read when a pull is refused, to name them). */
  async findings(q: Queryable, digests: readonly string[]): Promise<ScanReport['vulnerabilities']> {
    const { rows } = await q.query<{ report: unknown }>(
      `SELECT report FROM registry_scans WHERE digest = ANY($1::text[]) AND report IS NOT NULL ORDER BY digest`,
      [digests],
    );
    return rows.flatMap((r) => {
      const report = (typeof r.report === 'string' ? JSON.parse(r.report) : r.report) as ScanReport;
      return report.vulnerabilities;
    });
  },

  /** A manifest's bytes in a repository (what the simulator reads, as a scanner would pull it). */
  async manifestBody(q: Queryable, repository: string, digest: string): Promise<Buffer | null> {
    const { rows } = await q.query<{ body: Buffer | Uint8Array }>(
      'SELECT body FROM registry_manifests WHERE repository = $1 AND digest = $2',
      [repository, digest],
    );
    return rows[0] ? Buffer.from(rows[0].body) : null;
  },

  async manifestMediaType(q: Queryable, repository: string, digest: string): Promise<string | null> {
    const { rows } = await q.query<{ media_type: string }>(
      'SELECT media_type FROM registry_manifests WHERE repository = $1 AND digest = $2',
      [repository, digest],
    );
    return rows[0]?.media_type ?? null;
  },
};
