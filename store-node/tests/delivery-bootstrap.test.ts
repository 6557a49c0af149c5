import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { DeliveryChanged } from '@storefleet/shared';
import { FEED_TABLES, HoldDesk, holdAtStore, HubTablesBackup } from './support/hub-restore.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

const DAY = 86_400_000;
let orderSeq = 72_000;

/**
 * Issue #18: a store on a new disk (or one whose feed was rebased after a hub restore) learns the deliveries leaving
 * from it from the hub's `deliveries` bootstrap section and the delivery module's reconcile entries — not only from
 * feed entries it may never see again. Without them its delivery desk is empty and, worse, the pickup desk hands a
 * delivery's hold to a walk-in customer. Deliveries are written into the hub's table as its delivery module would,
 * without feed entries (as if retention had removed them).
 */
describe.each(dbTargets)('a store’s deliveries after a cold start or a feed rebase, on $name', (target) => {
  let f: SyncFixture;
  let desk: HoldDesk;

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    desk = await HoldDesk.open(f, ['MUG']);
  }, 120_000);
  afterAll(() => f?.stop());

  /**
   * A delivery row at the hub for the hold `reservationId`, ASSIGNED by default (a REQUESTED one with no carrier would be
   * taken up by the hub's assignment); no feed entry.
   */
  async function deliveryAtHub(
    storeId: string,
    reservationId: string,
    over: { status?: string; windowFrom?: number; updatedAt?: number } = {},
  ): Promise<{ id: string; orderNumber: string }> {
    const id = randomUUID();
    const orderNumber = `SF-${++orderSeq}`;
    const from = over.windowFrom ?? Date.now() + 3_600_000;
    await f.hub.db.query(
      `INSERT INTO deliveries (id, order_id, order_number, store_id, reservation_id, customer_name, request, lines,
         weight_grams, window_from, window_to, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'Dana Smith', $6, $7, 350, $8, $9, $10, $11, $11)`,
      [
        id,
        randomUUID(),
        orderNumber,
        storeId,
        reservationId,
        JSON.stringify({
          speed: 'TWO_HOUR',
          address: { line1: '1 Main St', city: 'Jersey City', postcode: '07302', lat: 40.72, lon: -74.04 },
        }),
        JSON.stringify([{ sku: 'MUG', qty: 1 }]),
        from,
        from + 2 * 3_600_000,
        over.status ?? 'ASSIGNED',
        over.updatedAt ?? Date.now(),
      ],
    );
    return { id, orderNumber };
  }

  const stockAtHub = (storeId: string) =>
    f.hub.db.query(
      `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at) VALUES ($1, 'MUG', 100, 1) ON CONFLICT DO NOTHING`,
      [storeId],
    );

  const handOverAtPickupDesk = (url: string | undefined, holdId: string) =>
    fetch(`${url}/api/bopis/pickups/${holdId}/hand-over`, { method: 'POST' }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { detail?: string; status?: string },
    }));

  it('a new disk gets the deliveries its desk shows before the holds, and refuses a delivery’s hold at the pickup desk', async () => {
    const store = await f.store('DCOLD', {}, false); // registered, not started: its disk has never synced
    const storeId = f.credentials.get('DCOLD')!.storeId;
    await stockAtHub(storeId);
    const holdForDelivery = await desk.reserve(storeId, 'MUG');
    const walkIn = await desk.reserve(storeId, 'MUG');
    const open = await deliveryAtHub(storeId, holdForDelivery);
    const cancelled = await deliveryAtHub(storeId, randomUUID(), { status: 'CANCELLED', updatedAt: Date.now() - DAY });
    const lastWeek = await deliveryAtHub(storeId, randomUUID(), {
      status: 'DELIVERED',
      windowFrom: Date.now() - 7 * DAY,
      updatedAt: Date.now() - 7 * DAY,
    });

    await store.start();
    await waitFor('the cold start', () => store.sync.bootstrap!.progress().state === 'done', 60_000);
    const sections = store.sync.bootstrap!.progress().sections;
    expect(sections).toContainEqual({ name: 'deliveries', rows: 2, total: 2, done: true });
    const names = sections.map((s) => s.name);
    expect(names.indexOf('deliveries')).toBeLessThan(names.indexOf('holds')); // known before their holds
    expect(store.delivery.repo.get(open.id)).toMatchObject({
      orderNumber: open.orderNumber,
      reservationId: holdForDelivery,
      status: 'ASSIGNED',
      customerName: 'Dana S.',
      area: '07302 Jersey City',
      lines: [{ sku: 'MUG', qty: 1 }],
    });
    expect(store.delivery.repo.get(cancelled.id)).toMatchObject({ status: 'CANCELLED' });
    expect(store.delivery.repo.get(lastWeek.id)).toBeUndefined(); // history, not the desk's

    await waitFor('both holds at the store', () => holdAtStore(store, holdForDelivery) && holdAtStore(store, walkIn));
    const refused = await handOverAtPickupDesk(store.url, holdForDelivery);
    expect(refused).toEqual({
      status: 409,
      body: expect.objectContaining({
        detail: `${open.orderNumber} leaves by delivery: its goods go to the driver at the delivery desk`,
      }),
    });
    expect(holdAtStore(store, holdForDelivery)).toMatchObject({ status: 'HELD' });
    expect(await handOverAtPickupDesk(store.url, walkIn)).toMatchObject({
      status: 200,
      body: { status: 'FULFILLED' },
    });
    await store.stop();
  }, 120_000);

  it('a feed rebased after a hub restore brings the deliveries as the restored hub has them', async () => {
    const store = await f.store('DREBASE');
    const storeId = f.credentials.get('DREBASE')!.storeId;
    await stockAtHub(storeId);
    const hold = await desk.reserve(storeId, 'MUG');
    const d = await deliveryAtHub(storeId, hold, { status: 'ASSIGNED' });
    const copy = (status: DeliveryChanged['status'], updatedAt: number): DeliveryChanged => ({
      id: d.id,
      orderNumber: d.orderNumber,
      reservationId: hold,
      status,
      speed: 'TWO_HOUR',
      window: { from: Date.now() + 3_600_000, to: Date.now() + 3 * 3_600_000 },
      customerName: 'Dana S.',
      area: '07302 Jersey City',
      lines: [{ sku: 'MUG', qty: 1 }],
      carrier: null,
      driver: null,
      collectBy: null,
      ageRestricted: false,
      updatedAt,
    });
    const toFeed = (payload: DeliveryChanged) =>
      f.hub.db.transaction((tx) => f.hub.sync.feed.append(tx, storeId, [{ type: 'delivery.changed', payload }]));
    const ackedAtHead = async () =>
      Number(
        (await f.hub.db.query<{ acked: number }>('SELECT acked FROM sync_feed_cursors WHERE store_id = $1', [storeId]))
          .rows[0]?.acked ?? 0,
      ) === (await f.hub.sync.repo.feedHead(storeId));
    await toFeed(copy('ASSIGNED', Date.now()));
    await waitFor('the assigned delivery at the store', () => store.delivery.repo.get(d.id)?.status === 'ASSIGNED');
    await waitFor('the store’s cursor at the hub', ackedAtHead);
    const backup = await HubTablesBackup.take(f.hub, [...FEED_TABLES, 'deliveries']);

    // Cancelled after the backup: the restore loses it, and the hub will send the van after all.
    const cancelledAt = Date.now() + 1;
    await f.hub.db.query("UPDATE deliveries SET status = 'CANCELLED', updated_at = $2 WHERE id = $1", [
      d.id,
      cancelledAt,
    ]);
    await toFeed(copy('CANCELLED', cancelledAt));
    await waitFor('the cancel at the store', () => store.delivery.repo.get(d.id)?.status === 'CANCELLED');
    await waitFor('the store’s cursor at the hub', ackedAtHead);
    store.sync.stop();
    await backup.restore(f.hub);

    store.sync.start();
    await waitFor('the store to hear its feed was rebased', () => store.sync.status().lastFeedRebase, 60_000);
    await waitFor(
      'the delivery as the restored hub has it',
      () => store.delivery.repo.get(d.id)?.status === 'ASSIGNED',
      60_000,
    );
    const refused = await handOverAtPickupDesk(store.url, hold);
    expect(refused.status).toBe(409);
    await store.stop();
  }, 120_000);

  it('a deliveries page with rows that are not deliveries applies the rest and refuses those alone', async () => {
    const store = await f.store('DODD', {}, false);
    const good = {
      id: '01a22000-0000-7000-8000-000000000002',
      orderNumber: 'SF-72999',
      reservationId: '01a22000-0000-7000-8000-000000000003',
      status: 'ASSIGNED',
      speed: 'SAME_DAY',
      window: { from: 10, to: 20 },
      customerName: 'Ali K.',
      area: '10115 Berlin',
      lines: [{ sku: 'MUG', qty: 2 }],
      carrier: { kind: 'VAN', name: 'Harbour vans' },
      driver: { name: 'Sam K.', vehicle: 'B-SF 1042' },
      collectBy: 15,
      ageRestricted: false,
      updatedAt: 5,
    };
    const sink = store.sync.bootstrap!.sinks.get('deliveries')!;
    sink(store.db, [
      { id: 'nope' },
      null,
      'ASSIGNED',
      { ...good, status: 'LOST' },
      good,
      { ...good, updatedAt: 4, status: 'REQUESTED' },
    ]);
    expect(store.delivery.repo.get(good.id)).toMatchObject({
      status: 'ASSIGNED',
      carrier: { kind: 'VAN', name: 'Harbour vans' },
    }); // the older copy did not win
    expect(store.db.prepare('SELECT count(*) AS n FROM deliveries').get()).toEqual({ n: 1 });
    await store.stop();
  });
});
