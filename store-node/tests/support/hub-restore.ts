import type { Hub } from '@storefleet/central';
import type { StoreNode } from '../../src/index.js';
import type { SyncFixture } from './sync-fixture.js';

/** What a restore rolls back for the feed: every store's feed, and the holds and held counts it announces. */
export const FEED_TABLES = [
  'sync_feed',
  'sync_feed_heads',
  'sync_feed_cursors',
  'reservations',
  'inventory_stock',
] as const;

/**
 * The hub's database as restored from a backup holding a store's first `kept` events: its later events leave the sync
 * tables and the test ledger (the store should be away meanwhile, as it would be while the hub is down).
 */
export async function hubLosesEventsAfter(hub: Hub, storeId: string, kept: number): Promise<void> {
  await hub.db.transaction(async (tx) => {
    await tx.query('DELETE FROM sync_events WHERE origin = $1 AND seq > $2', [storeId, kept]);
    await tx.query('DELETE FROM test_ledger WHERE origin = $1 AND seq > $2', [storeId, kept]);
    await tx.query(
      'UPDATE test_totals SET qty = (SELECT sum(qty) FROM test_ledger WHERE origin = $1) WHERE origin = $1',
      [storeId],
    );
    await tx.query('UPDATE sync_origins SET acked_seq = $2 WHERE store_id = $1', [storeId, kept]);
  });
}

/**
 * A copy of some hub tables taken now, and the rollback to it: the hub's database as restored from a backup taken at
 * that moment (the store should be away while it is restored, as it would be while the hub is down).
 */
export class HubTablesBackup {
  private constructor(
    readonly tables: readonly string[],
    readonly tag: string,
  ) {}

  static async take(hub: Hub, tables: readonly string[] = FEED_TABLES): Promise<HubTablesBackup> {
    const tag = `bk${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    await hub.db.transaction(async (tx) => {
      for (const t of tables) await tx.query(`CREATE TABLE ${tag}_${t} AS SELECT * FROM ${t}`);
    });
    return new HubTablesBackup(tables, tag);
  }

  async restore(hub: Hub): Promise<void> {
    await hub.db.transaction(async (tx) => {
      for (const t of this.tables) {
        await tx.query(`DELETE FROM ${t}`);
        await tx.query(`INSERT INTO ${t} SELECT * FROM ${this.tag}_${t}`);
      }
    });
  }
}

/** Head office's desk at the hub: signs in once and places holds through the API, as the web shop does. */
export class HoldDesk {
  private constructor(
    readonly f: SyncFixture,
    readonly cookie: string,
  ) {}

  static async open(f: SyncFixture, skus: readonly string[]): Promise<HoldDesk> {
    await f.hub.auth.createUser({
      email: 'desk@example.test',
      password: 'a long enough password',
      name: 'Desk',
      role: 'ADMIN',
    });
    const { sessionToken } = await f.hub.auth.login('desk@example.test', 'a long enough password', 'test');
    for (const sku of skus) {
      await f.hub.db.query(
        `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at) VALUES ($1, $1, 'Home', 1000, 'USD', 'STANDARD', 1)`,
        [sku],
      ); // the hub counts stock only for skus its catalog holds
    }
    return new HoldDesk(f, `sf_session=${sessionToken}`);
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(this.f.hubUrl + path, {
      method,
      headers: { cookie: this.cookie, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  async reserve(storeId: string, sku: string, qty = 1): Promise<string> {
    const r = await this.call('POST', '/api/reservations', {
      storeId,
      customerRef: 'Dana Smith',
      lines: [{ sku, qty }],
    });
    if (r.status !== 201 && r.status !== 200) throw new Error(`hold refused: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id as string;
  }

  /** Receives `qty` of `sku` at the store (a `stock.moved` event) and waits until the hub counts it. */
  async stock(
    store: StoreNode,
    storeId: string,
    sku: string,
    qty: number,
    wait: (what: string, check: () => Promise<boolean>) => Promise<unknown>,
  ): Promise<void> {
    store.sync.write((emit) => emit('stock.moved', { sku, delta: qty, kind: 'RECEIVE' }));
    await wait(`${qty} ${sku} at the hub`, async () => {
      const { rows } = await this.f.hub.db.query<{ on_hand: number }>(
        'SELECT on_hand FROM inventory_stock WHERE store_id = $1 AND sku = $2',
        [storeId, sku],
      );
      return Number(rows[0]?.on_hand ?? 0) >= qty;
    });
  }
}

/** The hold as the store has it, or undefined. */
export const holdAtStore = (store: StoreNode, id: string) => store.bopis.repo.get(id);
