import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { stockedStore } from '../../../../tests/support/stocked-store.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { OrderSaga, stepRecords, type NewOrder } from '../order-saga.js';
import { SimulatedPaymentProvider } from '../payments.js';
import { OrderRepository } from '../repository.js';
import { SimulatedWarehouse } from '../warehouse.js';

const ORDERS = Number(process.env.RECORD_BATCH_ORDERS ?? 128);

/** Declines the order of 1¢ with a reason the database cannot store (U+0000): recording that failure is refused. */
class HostileDecline extends SimulatedPaymentProvider {
  override async authorise(req: { key: string; amountMinor: number; currency: string }) {
    if (req.amountMinor === 1) return { approved: false as const, reason: 'card\u0000refused' };
    return super.authorise(req);
  }
}

/**
 * Step records of concurrent orders share group commits (the hub's one batcher): one the database refuses fails its
 * order alone; and a provider's text the database cannot store no longer gets a record refused.
 */
describe.each(dbTargets)('saga step records in a group commit, on $name', (target) => {
  let t: TestHub;
  let saga: OrderSaga;
  let storeId: string;
  const order = (i: number, priceMinor = 1000): NewOrder => ({
    customerId: uuidv7(),
    customerName: `Rec ${i}`,
    placeKey: `rec-${i}-${target.name}`,
    placedStoreId: null,
    lines: [
      { sku: 'REC-SKU', name: 'Rec', qty: 1, unitPriceMinor: priceMinor, taxClass: 'EXEMPT' },
    ] as NewOrder['lines'],
    fulfilment: { type: 'PICKUP', storeId } as NewOrder['fulfilment'],
    fromCart: false,
    currency: 'USD',
  });

  beforeAll(async () => {
    t = await TestHub.start(target);
    const stocked = await stockedStore(t, 'REC-A', 'REC-SKU', ORDERS * 2);
    storeId = stocked.storeId;
    saga = new OrderSaga({
      db: t.hub.db,
      reservations: () => stocked.reservations,
      payments: new HostileDecline(),
      warehouse: new SimulatedWarehouse(),
      availability: () => ({ dcsCovering: async () => [] }),
      docs: t.hub.sync.docs,
      log: t.hub.log,
      now: Date.now,
      recordBatches: 1,
    });
  });
  afterAll(() => t?.stop());

  it(`one refused record among ${ORDERS} concurrent step records fails alone; the other records land`, async () => {
    const repo = new OrderRepository(t.hub.db);
    const now = Date.now();
    const ids = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => {
        const o = order(i);
        const id = uuidv7();
        await repo.insertOrGet(
          {
            ...o,
            id,
            reservationId: uuidv7(),
            status: 'PENDING',
            step: 'RESERVE',
            fulfilment: { ...o.fulfilment, locationId: null },
            subtotalMinor: 1000,
            taxMinor: 0,
            totalMinor: 1000,
            createdAt: now,
            updatedAt: now,
          },
          now + 60_000,
          {},
        );
        return id;
      }),
    );
    const bad = Math.floor(ORDERS / 2);
    const records = stepRecords(t.hub.db, 1);
    // A runner whose clock reads NaN: its record has no time, which the database refuses.
    const results = await Promise.allSettled(
      ids.map((id, i) =>
        records.call({
          id,
          patch: { step: 'AUTHORISE' },
          events: [{ kind: 'RESERVE' }],
          now: i === bad ? Number.NaN : now,
          leaseUntil: now + 60_000,
          epoch: 1,
        }),
      ),
    );
    expect(results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []))).toEqual([bad]);
    for (const [i, id] of ids.entries())
      expect((await repo.events(id)).map((e) => e.kind)).toEqual(i === bad ? ['PLACED'] : ['PLACED', 'RESERVE']);
  });

  it('a decline whose reason the database cannot store (U+0000) still fails its order, its hold released, instead of leaving it pending', async () => {
    const placed = await saga.place(order(ORDERS + 1, 1));
    expect(placed.order).toMatchObject({ status: 'FAILED', failure: 'payment declined: card\uFFFDrefused' });
    const hold = await t.hub.db.query<{ status: string }>('SELECT status FROM reservations WHERE id = $1', [
      placed.order.reservationId,
    ]);
    expect(hold.rows[0]!.status).toBe('RELEASED');
  });
});
