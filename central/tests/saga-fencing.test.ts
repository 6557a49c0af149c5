import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@storefleet/shared';
import { dbTargets } from './support/db-targets.js';
import { stockedStore } from './support/stocked-store.js';
import { TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait-for.js';
import type { ReservationService } from '../src/modules/reservations/service.js';
import { OrderSaga, type NewOrder } from '../src/modules/orders/order-saga.js';
import { PaymentTimeoutError, SimulatedPaymentProvider } from '../src/modules/orders/payments.js';
import { OrderRepository } from '../src/modules/orders/repository.js';
import { SimulatedWarehouse } from '../src/modules/orders/warehouse.js';

/** The simulator, with a gate: the next authorisation waits until the test lets it answer (or time out). */
class GatedPayments extends SimulatedPaymentProvider {
  voids = 0;
  #gate: { arrived: () => void; answer: Promise<'answer' | 'timeout'> } | undefined;

  hold(): { arrived: Promise<void>; release: (how: 'answer' | 'timeout') => void } {
    let arrived!: () => void;
    let release!: (how: 'answer' | 'timeout') => void;
    const reached = new Promise<void>((r) => (arrived = r));
    this.#gate = { arrived, answer: new Promise((r) => (release = r)) };
    return { arrived: reached, release };
  }

  override async authorise(req: { key: string; amountMinor: number; currency: string }) {
    const gate = this.#gate;
    this.#gate = undefined;
    if (gate) {
      gate.arrived();
      if ((await gate.answer) === 'timeout')
        throw new PaymentTimeoutError('the payment provider did not answer in time');
    }
    return super.authorise(req);
  }

  override async void(key: string): Promise<void> {
    this.voids++;
    return super.void(key);
  }
}

/**
 * Two runners of one order after its lease expired (two OrderSaga instances on one database, one injected clock): the
 * lease's epoch fences every step record, a slow step keeps its lease by renewal, and a payment callback's timeline
 * line never takes a step's seq.
 */
describe.each(dbTargets)('order saga fencing on $name', (target) => {
  let t: TestHub;
  let storeId: string;
  let reservations: ReservationService;
  const clock = { ms: Date.now() };
  let n = 0;

  const saga = (payments: GatedPayments, leaseMs?: number) =>
    new OrderSaga({
      db: t.hub.db,
      reservations: () => reservations,
      payments,
      warehouse: new SimulatedWarehouse(),
      availability: () => ({ dcsCovering: async () => [] }),
      docs: t.hub.sync.docs,
      log: t.hub.log,
      now: () => clock.ms,
      leaseMs,
    });
  const newOrder = (): NewOrder => ({
    customerId: uuidv7(),
    customerName: 'Ada Fence',
    placeKey: `fence-${++n}-${target.name}`,
    placedStoreId: null,
    lines: [{ sku: 'FENCE-SKU', name: 'Fence', qty: 1, unitPriceMinor: 1000, taxClass: 'EXEMPT' }] as NewOrder['lines'],
    fulfilment: { type: 'PICKUP', storeId } as NewOrder['fulfilment'],
    fromCart: false,
    currency: 'USD',
  });
  const repo = () => new OrderRepository(t.hub.db);
  const timeline = async (id: string) => (await repo().events(id)).map((e) => `${e.seq}:${e.kind}`);

  beforeAll(async () => {
    t = await TestHub.start(target);
    ({ storeId, reservations } = await stockedStore(t, 'FENCE-A', 'FENCE-SKU', 100));
  });
  afterAll(() => t?.stop());

  it('after a lease expiry only the runner that took the order over records its steps; the stale one stops with lease lost and voids nothing', async () => {
    const payments = new GatedPayments();
    const [a, b] = [saga(payments, 60_000), saga(payments, 60_000)];
    const gate = payments.hold();
    const order = newOrder();
    const placing = a.place(order);
    try {
      await gate.arrived; // runner A holds the hold and waits on the provider; its process stalls past its lease
      clock.ms += 60_001;
      expect(await b.resumeStale()).toBe(1);
    } finally {
      gate.release('timeout'); // A's call finally answers: no answer in time
    }
    const byA = await placing;
    const id = byA.order.id;
    const final = (await repo().get(id))!;
    expect(final.status).toBe('CONFIRMED');
    expect(byA.order.status).toBe('CONFIRMED');
    expect(payments.charged(id)).toBe(1000);
    expect(payments.voids).toBe(0);
    expect(await timeline(id)).toEqual([
      '1:PLACED',
      '2:RESERVE',
      '3:AUTHORISE',
      '4:FULFIL',
      '5:CONFIRM',
      '6:CONFIRMED',
    ]);
    expect((await reservations.get(final.reservationId!)).status).toBe('CONFIRMED');
  });

  it('a step slower than the lease keeps it: the lease is renewed while the payment call runs, so no second runner gets in', async () => {
    const payments = new GatedPayments();
    const [a, b] = [saga(payments), saga(payments)]; // the default lease: 5 s, renewed every 1.7 s
    const gate = payments.hold();
    const placing = a.place(newOrder());
    try {
      await gate.arrived;
      const id = (
        await t.hub.db.query<{ id: string }>('SELECT id FROM orders WHERE place_key = $1', [
          `fence-${n}-${target.name}`,
        ])
      ).rows[0]!.id;
      clock.ms += 5001; // the lease as placed has run out by the clock
      const lease = async () =>
        Number(
          (await t.hub.db.query<{ l: number }>('SELECT lease_until AS l FROM orders WHERE id = $1', [id])).rows[0]!.l,
        );
      await waitFor('the slow runner to renew its lease', async () => (await lease()) > clock.ms, 10_000);
      expect(await b.resumeStale()).toBe(0);
    } finally {
      gate.release('answer');
    }
    const byA = await placing;
    expect(byA.order.status).toBe('CONFIRMED');
    expect(payments.authorisations).toBe(1);
    expect(await timeline(byA.order.id)).toEqual([
      '1:PLACED',
      '2:RESERVE',
      '3:AUTHORISE',
      '4:FULFIL',
      '5:CONFIRM',
      '6:CONFIRMED',
    ]);
  });

  it("a payment callback's timeline line written while a step record is under way gets its own seq", async () => {
    const id = uuidv7();
    const o = newOrder();
    await repo().insertOrGet(
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
        createdAt: clock.ms,
        updatedAt: clock.ms,
      },
      clock.ms + 60_000,
      {},
    );
    let commit!: () => void;
    const written = new Promise<void>((r) => (commit = r));
    let added!: () => void;
    const addedNow = new Promise<void>((r) => (added = r));
    const callback = t.hub.db.transaction(async (tx) => {
      await new OrderRepository(tx).addEvent(id, 'LATE_PAYMENT_VOIDED', null, clock.ms);
      added();
      await written; // the callback's transaction is still open while the step record runs
    });
    await addedNow;
    const step = repo().recordMany([
      {
        id,
        patch: { step: 'AUTHORISE' },
        events: [{ kind: 'RESERVE' }],
        now: clock.ms,
        leaseUntil: clock.ms + 60_000,
        epoch: 1,
      },
    ]);
    try {
      // On Postgres the record reaches the database and waits behind the callback (PGlite runs one statement at a time).
      if (target.name === 'postgres') {
        await waitFor(
          'the step record to wait for the callback',
          async () =>
            (
              await t.hub.db.query(
                `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
              )
            ).rowCount! > 0,
        );
      }
    } finally {
      commit();
    }
    await callback;
    expect(await step).toHaveLength(1);
    expect(await timeline(id)).toEqual(['1:PLACED', '2:LATE_PAYMENT_VOIDED', '3:RESERVE']);
  });
});
