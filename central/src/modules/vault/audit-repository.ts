import type { Queryable } from '../../db/db.js';
import type { VaultAuditAction, VaultAuditEntry } from './types.js';

/** A stored line as the chain reads it: the hashed fields and the two hashes. `detail` parsed from jsonb's text. */
export interface AuditRow {
  readonly seq: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly nodeId: string | null;
  readonly versionId: string | null;
  readonly detail: unknown;
  readonly origin: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

/** What a listing may filter on; `before` is a seq (the page's cursor), newest first. */
export interface AuditFilter {
  readonly nodeId?: string | undefined;
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
  readonly before?: number | undefined;
  readonly limit: number;
}

// `at` as float8 ms: a stored time with a fraction of a millisecond (never written by append) reads with its fraction
// and so fails its hash instead of being rounded back to the value that was hashed
const COLUMNS = `seq, (extract(epoch FROM at) * 1000)::float8 AS at, actor, action, node_id, version_id,
  detail::text AS detail, origin, prev_hash, hash`;

interface RawRow {
  seq: number | string;
  at: number;
  actor: string;
  action: string;
  node_id: string | null;
  version_id: string | null;
  detail: string;
  origin: string | null;
  prev_hash: string;
  hash: string;
}

const toRow = (r: RawRow): AuditRow => ({
  seq: Number(r.seq),
  at: Number(r.at),
  actor: r.actor,
  action: r.action,
  nodeId: r.node_id,
  versionId: r.version_id,
  detail: JSON.parse(r.detail) as unknown,
  origin: r.origin,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** All SQL of the audit trail (vault_audit, schema/001_vault.sql). Every method takes the caller's `Queryable`. */
export const auditRepository = {
  /**
   * Takes the trail's append lock for the rest of the caller's transaction: appends from every transaction and every
   * hub process on the database take turns, so each reads the true last line and none reuses its seq or forks. Held
   * until commit, so what the transaction does after this is done by every audited writer in turn (VaultAudit).
   */
  async lockForAppend(q: Queryable): Promise<void> {
    await q.query("SELECT pg_advisory_xact_lock(hashtext('vault_audit'))");
  },

  /** The last line's seq and hash (none on an empty trail). */
  async head(q: Queryable): Promise<{ seq: number; hash: string } | null> {
    const { rows } = await q.query<{ seq: number | string; hash: string }>(
      'SELECT seq, hash FROM vault_audit ORDER BY seq DESC LIMIT 1',
    );
    const r = rows[0];
    return r ? { seq: Number(r.seq), hash: r.hash } : null;
  },

  /**
   * Writes lines (consecutive seqs, each linked to the one before) in one statement, whatever their number: a batch
   * of store views costs the lock one round trip, not one per line. `detailJson` is the canonical JSON already hashed
   * (stored as jsonb, read back identically).
   */
  async insertMany(q: Queryable, rows: readonly (Omit<AuditRow, 'detail'> & { readonly detailJson: string })[]) {
    if (!rows.length) return;
    const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]);
    await q.query(
      `INSERT INTO vault_audit (seq, at, actor, action, node_id, version_id, detail, origin, prev_hash, hash)
       SELECT seq, timestamptz 'epoch' + at_ms * interval '1 millisecond', actor, action, node_id, version_id,
              detail::jsonb, origin, prev_hash, hash
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::text[], $8::text[],
                   $9::text[], $10::text[])
            AS line(seq, at_ms, actor, action, node_id, version_id, detail, origin, prev_hash, hash)`,
      [
        column('seq'),
        column('at'),
        column('actor'),
        column('action'),
        column('nodeId'),
        column('versionId'),
        column('detailJson'),
        column('origin'),
        column('prevHash'),
        column('hash'),
      ],
    );
  },

  /** Up to `limit` lines after `afterSeq`, in seq order: one batch of a walk over the whole chain. */
  async batchAfter(q: Queryable, afterSeq: number, limit: number): Promise<AuditRow[]> {
    const { rows } = await q.query<RawRow>(`SELECT ${COLUMNS} FROM vault_audit WHERE seq > $1 ORDER BY seq LIMIT $2`, [
      afterSeq,
      limit,
    ]);
    return rows.map(toRow);
  },

  /** The highest seq (how long the chain should be), 0 when empty. */
  async lastSeq(q: Queryable): Promise<number> {
    const { rows } = await q.query<{ last: number | string | null }>('SELECT max(seq) AS last FROM vault_audit');
    return Number(rows[0]?.last ?? 0);
  },

  /** A page of lines newest first matching every filter given; one more than `limit` is read to know if more exist. */
  async list(q: Queryable, f: AuditFilter): Promise<AuditRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.nodeId !== undefined) add('node_id = ?', f.nodeId);
    if (f.actor !== undefined) add('actor = ?', f.actor);
    if (f.action !== undefined) add('action = ?', f.action);
    if (f.before !== undefined) add('seq < ?', f.before);
    params.push(f.limit + 1);
    const { rows } = await q.query<RawRow>(
      `SELECT ${COLUMNS} FROM vault_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRow);
  },

  /** The names of the nodes still in the vault (trashed ones too), for lines that name a node by id. */
  async nodeNames(q: Queryable, ids: readonly string[]): Promise<Map<string, { name: string; kind: string }>> {
    if (!ids.length) return new Map();
    const { rows } = await q.query<{ id: string; name: string; kind: string }>(
      'SELECT id, name, kind FROM vault_nodes WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { name: r.name, kind: r.kind }]));
  },
};

/** A stored line as the API shows it. */
export const toEntry = (r: AuditRow): VaultAuditEntry => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action as VaultAuditAction,
  nodeId: r.nodeId,
  versionId: r.versionId,
  detail: (r.detail ?? {}) as Record<string, unknown>,
  origin: r.origin,
  prevHash: r.prevHash,
  hash: r.hash,
});
