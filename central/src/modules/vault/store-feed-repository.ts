import type { Queryable } from '../../db/db.js';
import type { VaultScanState } from './types.js';

/** A document as the store feed reads it: the node, its current version, and where it inherits from. */
export interface FeedDocRow {
  readonly id: string;
  readonly kind: string;
  readonly state: string;
  readonly name: string;
  readonly ancestors: readonly string[];
  readonly tags: readonly string[];
  readonly offline: boolean;
  readonly updatedAt: number;
  readonly versionId: string | null;
  readonly versionNo: number | null;
  readonly size: number | null;
  readonly mediaType: string | null;
  readonly sha256: string | null;
  readonly scanState: VaultScanState | null;
}

/** What a store was last sent for one document. */
export interface SentRow {
  readonly storeId: string;
  readonly documentId: string;
  readonly changeSeq: number;
  readonly fingerprint: string;
}

/** All SQL of the vault's store feed (store-feed.ts). */
export class VaultStoreFeedRepository {
  constructor(readonly db: Queryable) {}

  /** Marks nodes changed (each gets a fresh mark, so a run that read the older one leaves it). */
  async mark(nodeIds: readonly string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO vault_store_dirty (node_id, marked)
       SELECT n, nextval('vault_store_dirty_seq') FROM unnest($1::uuid[]) AS n
       ON CONFLICT (node_id) DO UPDATE SET marked = EXCLUDED.marked`,
      [nodeIds],
    );
  }

  async dirty(limit: number): Promise<{ nodeId: string; marked: number }[]> {
    const { rows } = await this.db.query<{ node_id: string; marked: number }>(
      'SELECT node_id, marked FROM vault_store_dirty ORDER BY marked LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ nodeId: r.node_id, marked: Number(r.marked) }));
  }

  /** Clears the marks a run read; a node marked again since keeps its newer mark. */
  async clearDirty(marks: readonly { nodeId: string; marked: number }[]): Promise<void> {
    await this.db.query(
      `DELETE FROM vault_store_dirty d USING unnest($1::uuid[], $2::bigint[]) AS m(node_id, marked)
       WHERE d.node_id = m.node_id AND d.marked <= m.marked`,
      [marks.map((m) => m.nodeId), marks.map((m) => m.marked)],
    );
  }

  /**
   * Documents a change to `nodeIds` may concern, after `after` by id: the nodes themselves, everything under them, and
   * documents some store was sent that no longer exist (emptied from the trash).
   */
  async affectedDocuments(nodeIds: readonly string[] | null, after: string | null, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      nodeIds === null
        ? `SELECT id FROM (SELECT id FROM vault_nodes WHERE kind = 'DOCUMENT'
                          UNION SELECT document_id FROM vault_store_docs) d
           WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`
        : `SELECT id FROM (SELECT id FROM vault_nodes WHERE kind = 'DOCUMENT' AND (id = ANY($3::uuid[]) OR ancestors && $3::uuid[])
                          UNION SELECT document_id FROM vault_store_docs WHERE document_id = ANY($3::uuid[])) d
           WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      nodeIds === null ? [after, limit] : [after, limit, nodeIds],
    );
    return rows.map((r) => r.id);
  }

  /** Every store, after `after` by id. */
  async stores(after: string | null, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM locations WHERE kind = 'STORE' AND ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => r.id);
  }

  async storeCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM locations WHERE kind = 'STORE'`,
    );
    return rows[0]!.n;
  }

  /** Stores that never had their full list. */
  async unsyncedStores(limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT l.id FROM locations l WHERE l.kind = 'STORE'
         AND NOT EXISTS (SELECT 1 FROM vault_store_synced s WHERE s.store_id = l.id) ORDER BY l.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  async markSynced(storeIds: readonly string[], now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO vault_store_synced (store_id, synced_at) SELECT unnest($1::uuid[]), $2
       ON CONFLICT (store_id) DO NOTHING`,
      [storeIds, now],
    );
  }

  /** Forgets what the store was sent, so the next run sends its whole list again (a rebased feed). */
  async forgetStore(storeId: string): Promise<void> {
    await this.db.query('DELETE FROM vault_store_docs WHERE store_id = $1', [storeId]);
    await this.db.query('DELETE FROM vault_store_synced WHERE store_id = $1', [storeId]);
  }

  /** The feed's lock (one batch at a time across hub processes), and changeSeq kept at least the clock × 1000. */
  async lock(now: number): Promise<void> {
    await this.db.query('SELECT id FROM vault_store_feed_lock WHERE id = 1 FOR UPDATE');
    await this.db.query(
      `SELECT setval('vault_store_feed_seq', $1::bigint) WHERE (SELECT last_value FROM vault_store_feed_seq) < $1::bigint`,
      [now * 1000],
    );
  }

  async nextChangeSeqs(n: number): Promise<number[]> {
    if (n === 0) return [];
    const { rows } = await this.db.query<{ v: string }>(
      `SELECT nextval('vault_store_feed_seq')::text AS v FROM generate_series(1, $1)`,
      [n],
    );
    return rows.map((r) => Number(r.v));
  }

  async documents(ids: readonly string[]): Promise<FeedDocRow[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT n.id, n.kind, n.state, n.name, n.ancestors, n.tags, n.offline, n.updated_at,
              v.id AS version_id, v.version_no, v.size, v.media_type, v.sha256, v.scan_state
       FROM vault_nodes n LEFT JOIN vault_versions v ON v.id = n.current_version_id
       WHERE n.id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map((r) => ({
      id: r.id as string,
      kind: r.kind as string,
      state: r.state as string,
      name: r.name as string,
      ancestors: (r.ancestors as string[]) ?? [],
      tags: (r.tags as string[]) ?? [],
      offline: Boolean(r.offline),
      updatedAt: new Date(r.updated_at as string | Date).getTime(),
      versionId: (r.version_id as string | null) ?? null,
      versionNo: r.version_no === null ? null : Number(r.version_no),
      size: r.size === null ? null : Number(r.size),
      mediaType: (r.media_type as string | null) ?? null,
      sha256: (r.sha256 as string | null) ?? null,
      scanState: (r.scan_state as VaultScanState | null) ?? null,
    }));
  }

  async names(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.db.query<{ id: string; name: string }>(
      'SELECT id, name FROM vault_nodes WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Grants on `nodeIds` that a store reads through: to every associate, to everyone, or to one of `storeIds`. */
  async storeGrants(
    nodeIds: readonly string[],
    storeIds: readonly string[],
  ): Promise<{ nodeId: string; subject: string }[]> {
    const { rows } = await this.db.query<{ node_id: string; subject: string }>(
      `SELECT node_id, subject FROM vault_grants
       WHERE node_id = ANY($1::uuid[]) AND (subject IN ('role:ASSOCIATE', 'everyone') OR subject = ANY($2::text[]))`,
      [nodeIds, storeIds.map((s) => `store:${s}`)],
    );
    return rows.map((r) => ({ nodeId: r.node_id, subject: r.subject }));
  }

  async sent(storeIds: readonly string[], documentIds: readonly string[]): Promise<SentRow[]> {
    const { rows } = await this.db.query<{
      store_id: string;
      document_id: string;
      change_seq: number;
      fingerprint: string;
    }>(
      `SELECT store_id, document_id, change_seq, fingerprint FROM vault_store_docs
       WHERE store_id = ANY($1::uuid[]) AND document_id = ANY($2::uuid[])`,
      [storeIds, documentIds],
    );
    return rows.map((r) => ({
      storeId: r.store_id,
      documentId: r.document_id,
      changeSeq: Number(r.change_seq),
      fingerprint: r.fingerprint,
    }));
  }

  async recordSent(rows: readonly SentRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO vault_store_docs (store_id, document_id, change_seq, fingerprint)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[])
       ON CONFLICT (store_id, document_id) DO UPDATE SET change_seq = EXCLUDED.change_seq, fingerprint = EXCLUDED.fingerprint`,
      [
        rows.map((r) => r.storeId),
        rows.map((r) => r.documentId),
        rows.map((r) => r.changeSeq),
        rows.map((r) => r.fingerprint),
      ],
    );
  }

  async recordRemoved(rows: readonly { storeId: string; documentId: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.query(
      `DELETE FROM vault_store_docs d USING unnest($1::uuid[], $2::uuid[]) AS r(store_id, document_id)
       WHERE d.store_id = r.store_id AND d.document_id = r.document_id`,
      [rows.map((r) => r.storeId), rows.map((r) => r.documentId)],
    );
  }

  /** Views not counted before (by store and viewId); returns the ones new now. */
  async firstViews(views: readonly { storeId: string; viewId: string }[], now: number): Promise<Set<string>> {
    if (views.length === 0) return new Set();
    const { rows } = await this.db.query<{ store_id: string; view_id: string }>(
      `INSERT INTO vault_store_views (store_id, view_id, seen_at)
       SELECT s, v, $3 FROM unnest($1::uuid[], $2::text[]) AS x(s, v)
       ON CONFLICT (store_id, view_id) DO NOTHING RETURNING store_id, view_id`,
      [views.map((v) => v.storeId), views.map((v) => v.viewId), now],
    );
    return new Set(rows.map((r) => `${r.store_id} ${r.view_id}`));
  }
}
