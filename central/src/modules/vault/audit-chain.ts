import { createHash } from 'node:crypto';

/**
 * The audit chain's arithmetic, apart from any database: the canonical form of a line and its hash.
 *
 * Invariants: row 1 links to GENESIS_HASH; row n links to row n-1's hash (`prev_hash`); a row's `hash` is
 * sha256(prev_hash ‖ canonical JSON of its fields). The canonical JSON sorts object keys at every depth and writes
 * numbers and strings as JSON.stringify does, so the same fields read back from either database give the same text
 * (and the same hash) years later: re-verification is exact, never "close enough".
 */

/** What row 1 links to. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed fields of one line (times in epoch ms; absent values are null, never left out). */
export interface AuditRecord {
  readonly seq: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly nodeId: string | null;
  readonly versionId: string | null;
  readonly detail: unknown;
  readonly origin: string | null;
}

/**
 * The value as JSON with keys sorted at every depth. Strings are made well-formed and lose NUL (Postgres' jsonb
 * stores neither a lone surrogate nor \u0000, and what is hashed must be exactly what is stored); numbers that are
 * not finite become null, as JSON.stringify writes them.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalValue(value));
}

/** Half of a surrogate pair without its other half (String#toWellFormed, which ES2023 lacks, replaces these). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string as the chain keeps it: well-formed, without NUL (what text and jsonb columns can store). */
export const storableText = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '');

function canonicalValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return storableText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalValue(v)));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || typeof v === 'function') continue; // as JSON.stringify leaves them out
      out[canonicalValue(key) as string] = canonicalValue(v);
    }
    return out;
  }
  return null;
}

/** The text hashed for one line (after the previous hash). */
export const recordText = (r: AuditRecord): string =>
  canonicalJson({
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    node_id: r.nodeId,
    version_id: r.versionId,
    detail: r.detail ?? {},
    origin: r.origin,
  });

/** sha256(prev ‖ canonical record), hex. */
export const chainHash = (prevHash: string, r: AuditRecord): string =>
  createHash('sha256').update(prevHash).update(recordText(r)).digest('hex');
