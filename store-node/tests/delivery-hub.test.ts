import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { DeliveryChanged } from '@storefleet/shared';
import type { StoreNode } from '../src/index.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

// Issue #18 end to end: the hub's feed brings a delivery to the store; the store hands it to the driver while the hub
// is unreachable; the hub then hears the hold picked up, the stock moved and the hand-over; a failed delivery's goods
// come back through the feed, twice, and are counted once at the store and at the hub. The hub's delivery module is
// built by other lanes: the feed entries are written here as its feed writer would, and the hand-over is checked as
// the event the hub received.
describe.each(dbTargets)('the delivery desk with a hub on $name', (target) => {
  let f: SyncFixture;
  let cookie: string;
  let store: StoreNode;
  let storeId: string;

  const hubStock = async (sku: string) =>
    (
      await f.hub.db.query<{ on_hand: number; reserved: number }>(
        'SELECT on_hand, reserved FROM inventory_stock WHERE store_id = $1 AND sku = $2',
        [storeId, sku],
      )
    ).rows[0];
  const toStoreFeed = (type: string, payload: unknown) =>
    f.hub.db.transaction((tx) => f.hub.sync.feed.append(tx, storeId, [{ type, payload }]));

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    await f.hub.auth.createUser({
      email: 'web@example.test',
      password: 'a long enough password',
      name: 'Web',
      role: 'ADMIN',
    });
    cookie = `sf_session=${(await f.hub.auth.login('web@example.test', 'a long enough password', 'test')).sessionToken}`;
    await f.hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       VALUES ('KETTLE', 'Kettle', 'Home', 3000, 'USD', 'STANDARD', 1)`,
    );
    store = await f.store('DELIVERY');
    storeId = f.credentials.get('DELIVERY')!.storeId;
    store.sync.write((emit) => store.delivery.stock.move(emit, 'KETTLE', 10, 'RECEIVE', Date.now()));
    await waitFor('stock at the hub', async () => (await hubStock('KETTLE'))?.on_hand === 10);
  }, 120_000);
  afterAll(() => f?.stop());

  it('hands a bag to the driver offline; the hub hears hold, stock and hand-over; a return counts once', async () => {
    const hold = await fetch(`${f.hubUrl}/api/reservations`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ storeId, customerRef: 'Ann Lee', lines: [{ sku: 'KETTLE', qty: 2 }] }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const now = Date.now();
    const delivery: DeliveryChanged = {
      id: randomUUID(),
      orderNumber: 'SF-61001',
      reservationId: hold.id,
      status: 'ASSIGNED',
      speed: 'TWO_HOUR',
      window: { from: now + 3_600_000, to: now + 4_800_000 },
      customerName: 'Ann L.',
      area: '10115 Berlin',
      lines: [{ sku: 'KETTLE', qty: 2 }],
      carrier: { kind: 'VAN', name: 'Harbour vans' },
      driver: { name: 'Sam K.', vehicle: 'B-SF 1042' },
      collectBy: now + 1_800_000,
      ageRestricted: false,
      updatedAt: now,
    };
    await toStoreFeed('delivery.changed', delivery);
    await waitFor(
      'the hold and the delivery at the store',
      () => store.bopis.repo.get(hold.id) !== undefined && store.delivery.repo.get(delivery.id) !== undefined,
    );

    store.sync.client!.stop(); // the network goes down
    const handed = await fetch(`${store.url}/api/delivery/${delivery.id}/hand-to-driver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: '{}',
    });
    expect(handed.status).toBe(200);
    expect(store.delivery.stock.onHand('KETTLE')).toBe(8);
    expect(await hubStock('KETTLE')).toEqual({ on_hand: 10, reserved: 2 }); // the hub does not know yet

    store.sync.client!.start();
    await waitFor('the hub to see the pickup', async () => (await hubStock('KETTLE'))?.reserved === 0);
    expect(await hubStock('KETTLE')).toEqual({ on_hand: 8, reserved: 0 });
    const { rows } = await f.hub.db.query<{ payload: unknown }>(
      `SELECT payload FROM sync_events WHERE origin = $1 AND type = 'delivery.handed-to-driver'`,
      [storeId],
    );
    expect(rows).toEqual([{ payload: { deliveryId: delivery.id, at: expect.any(Number), driverName: 'Sam K.' } }]);

    // the delivery failed; the goods come back, and the entry is sent twice
    const back = {
      id: delivery.id,
      orderNumber: 'SF-61001',
      lines: [{ sku: 'KETTLE', qty: 2 }],
      reason: 'nobody home',
      at: Date.now(),
    };
    await toStoreFeed('delivery.returned', back);
    await toStoreFeed('delivery.returned', back);
    await waitFor('the return at the hub', async () => (await hubStock('KETTLE'))?.on_hand === 10);
    await waitFor(
      'the store to apply both entries',
      () => store.sync.status().feedCursor === store.sync.status().feedHead,
    );
    expect(store.delivery.stock.onHand('KETTLE')).toBe(10);
    expect(await hubStock('KETTLE')).toEqual({ on_hand: 10, reserved: 0 });
  });
});
