import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { stockedStore } from '../../../../tests/support/stocked-store.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { OrderSaga, type NewOrder } from '../order-saga.js';
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

/** Step records of concurrent orders share group commits (the hub's one batcher): one the database refuses fails alone. */
describe.each(dbTargets)('saga step records in a group commit, on $name', (target) => {
  let t: TestHub;
  let saga: OrderSaga;
  let storeId: string;

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

  it(`one refused record among ${ORDERS} orders placed at once fails its order alone; the others are confirmed`, async () => {
    const bad = Math.floor(ORDERS / 2);
    const order = (i: number): NewOrder => ({
      customerId: uuidv7(),
      customerName: `Rec ${i}`,
      placeKey: `rec-${i}-${target.name}`,
      placedStoreId: null,
      lines: [{ sku: 'REC-SKU', name: 'Rec', qty: 1, unitPriceMinor: i === bad ? 1 : 1000, taxClass: 'EXEMPT' }] as NewOrder['lines'],
      fulfilment: { type: 'PICKUP', storeId } as NewOrder['fulfilment'],
      fromCart: false,
      currency: 'USD',
    });
    const results = await Promise.allSettled(Array.from({ length: ORDERS }, (_, i) => saga.place(order(i))));
    const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    expect(refused).toEqual([bad]);
    const repo = new OrderRepository(t.hub.db);
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      expect(r.value.order.status).toBe('CONFIRMED');
      expect((await repo.events(r.value.order.id)).map((e) => e.kind)).toEqual(['PLACED', 'RESERVE', 'AUTHORISE', 'FULFIL', 'CONFIRM', 'CONFIRMED']);
    }
  });
});
