import type { Queryable } from '../db/db.js';
import type { ChangeBus } from './change-bus.js';

export const FEED_CHANNEL = 'sf_feed';

export interface FeedItem {
  readonly type: string;
  readonly payload: unknown;
}

/**
 * What a module says a store should hold after its feed was rebased (a hub restored from an older backup lost entries
 * the store had applied): entries appended right after the renumbered ones, in the rebase's transaction and under
 * the lock on the store's feed head, so every later change of that module follows them. Keep them idempotent at the
 * store. A throw fails the rebase (the store asks again on its next connection).
 */
export type FeedReconciler = (tx: Queryable, storeId: string) => Promise<readonly FeedItem[]>;

/**
 * How modules put hub-owned changes into a store's feed: call `append` with the transaction that makes the change,
 * so the feed entry exists exactly when the change does. Every hub replica hears of it at commit (the ChangeBus).
 */
export class FeedWriter {
  readonly #reconcilers = new Map<string, FeedReconciler>();

  constructor(
    readonly now: () => number,
    readonly bus: ChangeBus,
  ) {}

  /** A module's reconcile entries for rebased feeds (see FeedReconciler); one per module name. */
  reconcileWith(module: string, reconciler: FeedReconciler): void {
    this.#reconcilers.set(module, reconciler);
  }

  /** Every module's reconcile entries for `storeId`, in registration order. */
  async reconcileItems(tx: Queryable, storeId: string): Promise<FeedItem[]> {
    const items: FeedItem[] = [];
    for (const reconcile of this.#reconcilers.values()) items.push(...(await reconcile(tx, storeId)));
    return items;
  }

  /** Appends entries to one store's feed; returns the new head. */
  async append(tx: Queryable, storeId: string, items: readonly FeedItem[]): Promise<number> {
    if (items.length === 0) return 0;
    return (
      await this.appendMany(
        tx,
        items.map((i) => ({ ...i, storeId })),
      )
    )[storeId]!;
  }

  /**
   * Appends entries to many stores' feeds in three statements (group commits of reservations touch dozens of stores).
   * Entries keep their order within each store. Returns each store's new head.
   */
  async appendMany(
    tx: Queryable,
    items: readonly (FeedItem & { readonly storeId: string })[],
  ): Promise<Record<string, number>> {
    if (items.length === 0) return {};
    const count = new Map<string, number>();
    for (const i of items) count.set(i.storeId, (count.get(i.storeId) ?? 0) + 1);
    // Each entry's rank within its store (1, 2, …) turns the store's new head into the entry's seq, so heads and
    // entries are written in one statement.
    const ranks = new Map<string, number>();
    const rank = items.map((i) => {
      const r = (ranks.get(i.storeId) ?? 0) + 1;
      ranks.set(i.storeId, r);
      return r;
    });
    // With LISTEN/NOTIFY as the bus, the notices ride in the same statement (one round trip less per feed write).
    const inline = this.bus.kind === 'postgres-notify';
    const { rows } = await tx.query<{ store_id: string; head: number }>(
      `WITH heads AS (
         INSERT INTO sync_feed_heads (store_id, head) SELECT * FROM unnest($1::uuid[], $2::bigint[])
         ON CONFLICT (store_id) DO UPDATE SET head = sync_feed_heads.head + EXCLUDED.head RETURNING store_id, head),
       counts AS (SELECT * FROM unnest($1::uuid[], $2::bigint[]) AS c(store_id, n)),
       entries AS (
         INSERT INTO sync_feed (store_id, seq, type, payload, created_at)
         SELECT x.s, h.head - c.n + x.r, x.t, x.p, $7
         FROM unnest($3::uuid[], $4::bigint[], $5::text[], $6::jsonb[]) AS x(s, r, t, p)
         JOIN heads h ON h.store_id = x.s JOIN counts c ON c.store_id = x.s)
       ${inline ? `SELECT h.store_id, h.head FROM heads h, (SELECT count(pg_notify('${FEED_CHANNEL}', c.store_id::text)) FROM counts c) n` : 'SELECT store_id, head FROM heads'}`,
      [
        [...count.keys()],
        [...count.values()],
        items.map((i) => i.storeId),
        rank,
        items.map((i) => i.type),
        items.map((i) => JSON.stringify(i.payload ?? null)),
        this.now(),
      ],
    );
    const heads = Object.fromEntries(rows.map((r) => [r.store_id, r.head]));
    if (!inline) await this.bus.publishMany(tx, FEED_CHANNEL, [...count.keys()]);
    return heads;
  }

  /**
   * Appends one entry to the feed of every store (a catalog or price change): one statement whatever the fleet's
   * size. Keep such entries small notices ("catalog version 812 exists"); stores fetch the data themselves, so a
   * 5,000-product import costs 5,000 feed rows, not 25 million.
   */
  async broadcast(tx: Queryable, item: FeedItem): Promise<number> {
    const { rowCount } = await tx.query(
      `WITH heads AS (
         INSERT INTO sync_feed_heads (store_id, head) SELECT id, 1 FROM locations WHERE kind = 'STORE'
         ON CONFLICT (store_id) DO UPDATE SET head = sync_feed_heads.head + 1 RETURNING store_id, head)
       INSERT INTO sync_feed (store_id, seq, type, payload, created_at) SELECT store_id, head, $1, $2::jsonb, $3 FROM heads`,
      [item.type, JSON.stringify(item.payload ?? null), this.now()],
    );
    await this.bus.publish(tx, FEED_CHANNEL, '*');
    return rowCount;
  }
}
