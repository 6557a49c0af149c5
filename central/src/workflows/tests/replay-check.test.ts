import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import {
  catalogRows,
  placeDemoOrders,
  seedCatalog,
  seedCustomers,
  seedDistributionCentre,
} from '../../demo/demo-seed.js';
import { defaultReplaySources, runReplay } from '../replay/replay-sources.js';
import { FlowHub, until } from './support/flow-hub.js';

/** A seeded generator (mulberry32): the burst is the same every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;

describe.each(dbTargets)('replay check on the demo data ($name)', (target) => {
  const f = new FlowHub();
  const check = () => runReplay(f.t.hub.db, defaultReplaySources());
  let confirmed: { id: string; reservationId: string }[] = [];
  let storeA: string;
  let sku: string;

  beforeAll(async () => {
    await f.start(target, ['RPA', 'RPB']);
    storeA = f.storeA.id;
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const r = await f.t.call(method, path, body, f.admin);
      if (r.status >= 400) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as T;
    };
    // The demo's seed: its catalog, its distribution centre stocked by receipt events, its shoppers, its orders.
    await seedCatalog(api, () => {});
    await seedDistributionCentre(f.t.hub, api);
    const customers = await seedCustomers(api);
    const skus = catalogRows()
      .map((p) => p.sku)
      .sort();
    sku = skus[0]!;
    // A burst at two stores: receipts of 20 products, seeded random sales, pickups placed, handed over, cancelled.
    const random = seeded(27);
    for (const store of [f.storeA.id, f.storeB.id])
      for (const s of skus.slice(0, 20)) {
        await f.stock(store, s, 20, 'RECEIVE');
        const sold = 1 + Math.floor(random() * 5);
        await f.stock(store, s, -sold, 'SALE');
      }
    const stores = [
      { code: 'RPA', name: 'Store RPA', lat: 40.7, lon: -74, timezone: 'America/New_York', storeId: f.storeA.id },
      { code: 'RPB', name: 'Store RPB', lat: 40.7, lon: -74, timezone: 'America/New_York', storeId: f.storeB.id },
    ];
    await placeDemoOrders(
      api,
      stores,
      customers.map((c) => c.id),
    );
    confirmed = [];
    for (let i = 0; i < 6; i++)
      confirmed.push(
        await f.placePickup(i % 2 ? f.storeB.id : f.storeA.id, skus[i]!, 1 + (i % 3), `replay-burst-${i}`),
      );
    // handed over at the lane; cancelled by head office; cancelled, then handed over offline after all
    await f.storeEvent(f.storeA.id, 'reservation.picked-up', { reservationId: confirmed[0]!.reservationId });
    const cancel = await f.t.call('POST', `/api/orders/${confirmed[1]!.id}/cancel`, undefined, f.admin);
    expect(cancel.status).toBe(200);
    await f.handedOverAfterCancel(f.storeA.id, skus[7]!, 'replay-burst-late');
    // a hold of its own (the reservations API), still held
    const held = await f.t.call(
      'POST',
      '/api/reservations',
      { storeId: f.storeB.id, customerRef: 'walk-in', lines: [{ sku: skus[9]!, qty: 2 }] },
      f.admin,
    );
    expect(held.status).toBe(201);
    // every saga that turned back has ended (CANCELLED or FAILED)
    await until(
      async () => (await f.t.hub.db.query(`SELECT 1 FROM orders WHERE status IN ('PENDING', 'COMPENSATING')`)).rowCount,
      (n) => n === 0,
      'the turned-back orders to end',
    );
  }, 240_000);
  afterAll(() => f.stop());

  it('finds no difference after the demo seed and a burst of sales, holds and orders', async () => {
    const report = await check();
    expect(report.differences).toEqual([]);
    expect(report.differenceCount).toBe(0);
    // the DC's 2,000 products, the stores' 40 rows and those the holds touched
    expect(report.checked.stock).toBeGreaterThanOrEqual(2_040);
    expect(report.checked.reservations).toBeGreaterThanOrEqual(8);
    expect(report.checked.orders).toBeGreaterThanOrEqual(12); // 5 demo orders, 7 of the burst
    const statuses = await f.t.hub.db.query<{ status: string }>('SELECT DISTINCT status FROM orders ORDER BY 1');
    expect(statuses.rows.map((r) => r.status)).toEqual(
      expect.arrayContaining(['CANCELLED', 'CONFIRMED', 'FAILED', 'PICKED_UP']),
    );
  });

  it('runs as a job from POST /api/replay/check (ADMIN only), its outcome on /api/jobs/:id', async () => {
    const refused = await f.t.call('POST', '/api/replay/check', {}, { bearer: f.storeA.token });
    expect(refused.status).toBe(403);
    const bad = await f.t.call('POST', '/api/replay/check', { stores: 'all' }, f.admin);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const started = await f.t.call('POST', '/api/replay/check', {}, f.admin);
    expect(started.status).toBe(202);
    const run = await until(
      async () => (await f.t.call('GET', `/api/jobs/${started.body.jobId}`, undefined, f.admin)).body,
      (j) => j.state === 'DONE' || j.state === 'FAILED',
      'the replay job to end',
    );
    expect(run.state).toBe('DONE');
    expect(run.progress.message).toContain('no differences');
  });

  it('reports exactly the key of a live row changed behind the log: stock, a hold, an order', async () => {
    const order = confirmed[2]!;
    const holdStore = (await f.hold(order.reservationId)).storeId;
    await f.t.hub.db.query('UPDATE inventory_stock SET on_hand = on_hand + 1 WHERE store_id = $1 AND sku = $2', [
      storeA,
      sku,
    ]);
    await f.t.hub.db.query(`UPDATE reservations SET status = 'RELEASED' WHERE id = $1`, [order.reservationId]);
    await f.t.hub.db.query(`UPDATE orders SET status = 'CANCELLED' WHERE id = $1`, [order.id]);
    try {
      const report = await check();
      expect(report.differenceCount).toBe(3);
      expect(report.differences.map((d) => [d.kind, d.key])).toEqual([
        ['stock', `${storeA}/${sku}`],
        ['reservations', `${holdStore}/${order.reservationId}`],
        ['orders', order.id],
      ]);
      const [stock, hold, placed] = report.differences;
      expect(stock!.live!.onHand).toBe(Number(stock!.rebuilt!.onHand) + 1);
      expect(hold).toMatchObject({ live: { status: 'RELEASED' }, rebuilt: { status: 'CONFIRMED' } });
      expect(placed).toMatchObject({ live: { status: 'CANCELLED' }, rebuilt: { status: 'CONFIRMED' } });
    } finally {
      await f.t.hub.db.query('UPDATE inventory_stock SET on_hand = on_hand - 1 WHERE store_id = $1 AND sku = $2', [
        storeA,
        sku,
      ]);
      await f.t.hub.db.query(`UPDATE reservations SET status = 'CONFIRMED' WHERE id = $1`, [order.reservationId]);
      await f.t.hub.db.query(`UPDATE orders SET status = 'CONFIRMED' WHERE id = $1`, [order.id]);
    }
    expect((await check()).differenceCount).toBe(0);
  });

  it('after retention pruned the feeds, archived events and timelines, and an archive month was detached: no false difference', async () => {
    // The stores acknowledged their whole feeds; a year and more passes; the hub's retention sweeps.
    await f.t.hub.db.query(
      `INSERT INTO sync_feed_cursors (store_id, acked, acked_at) SELECT store_id, head, 0 FROM sync_feed_heads
       ON CONFLICT (store_id) DO UPDATE SET acked = EXCLUDED.acked`,
    );
    f.t.clock.offsetMs += 401 * DAY;
    await f.t.hub.retention.run('test');
    const left = await f.t.hub.db.query<{ feed: number; archived: number; timelines: number }>(
      `SELECT (SELECT count(*)::int FROM sync_feed WHERE type = 'reservation.changed') AS feed,
              (SELECT count(*)::int FROM sync_events_archive) AS archived,
              (SELECT count(*)::int FROM orders WHERE timeline_archived_at IS NOT NULL) AS timelines`,
    );
    expect(left.rows[0]!.archived).toBeGreaterThan(0);
    expect(left.rows[0]!.timelines).toBeGreaterThan(0);
    const pruned = await check();
    expect(pruned.differences).toEqual([]);
    expect(pruned.outOfLog.reservations).toBeGreaterThan(0);
    // the ended orders' timelines are read from the archive: still checked, none out of the log
    expect(pruned.outOfLog.orders).toBe(0);

    // An operator detaches (dumps, drops) the archive's months: those orders are out of the log, not different.
    const months = await f.t.hub.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'order_events_archive'::regclass`,
    );
    for (const m of months.rows) await f.t.hub.db.query(`ALTER TABLE order_events_archive DETACH PARTITION ${m.name}`);
    const detached = await check();
    expect(detached.differences).toEqual([]);
    expect(detached.outOfLog.orders).toBe(left.rows[0]!.timelines);
    // a live row changed behind a pruned log is still found when its log is there: the open hold's store kept it
    await f.t.hub.db.query('UPDATE inventory_stock SET on_hand = on_hand + 5 WHERE store_id = $1 AND sku = $2', [
      storeA,
      sku,
    ]);
    const after = await check();
    expect(after.differences.map((d) => d.key)).toEqual([`${storeA}/${sku}`]);
  });
});
