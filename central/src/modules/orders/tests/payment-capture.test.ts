import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { Db } from '../../../db/db.js';
import { openMigratedDb } from '../../../../tests/support/migrated-db.js';
import { CAPTURE_CLAIM_MS, captureDue } from '../payment-capture.js';
import { type PaymentProvider, SimulatedPaymentProvider } from '../payments.js';
import { OrderRepository } from '../repository.js';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 2, 1, 9, 0);

/**
 * The payment provider as two hubs share it: the simulator, counting the captures it is asked for; the first one
 * waits for the test to let it answer (a slow gateway), so a second hub's capture round runs meanwhile.
 */
class SlowFirstCapture implements PaymentProvider {
  readonly sim = new SimulatedPaymentProvider(50);
  readonly captureCalls: string[] = [];
  #answer!: () => void;
  readonly answered = new Promise<void>((resolve) => (this.#answer = resolve));
  #asked!: () => void;
  readonly asked = new Promise<void>((resolve) => (this.#asked = resolve));
  failNext = false;
  authorise = this.sim.authorise.bind(this.sim);
  void = this.sim.void.bind(this.sim);
  status = this.sim.status.bind(this.sim);
  answer = () => this.#answer();
  async capture(key: string): Promise<void> {
    this.captureCalls.push(key);
    if (this.captureCalls.length === 1) {
      this.#asked();
      await this.answered;
    }
    if (this.failNext) {
      this.failNext = false;
      throw new Error('gateway 502');
    }
    await this.sim.capture(key);
  }
}

describe.each(dbTargets)('capturing picked-up orders, on $name', (target) => {
  let db: Db;
  let close: () => Promise<void>;
  const clock = { ms: T0 };
  const now = () => clock.ms;

  /** A confirmed pickup order, paid (authorised at the provider), that a store has just handed over. */
  const pickedUp = async (payments: PaymentProvider): Promise<string> => {
    const id = uuidv7(clock.ms);
    await db.query(
      `INSERT INTO orders (id, customer_id, place_key, status, step, fulfilment, lines, from_cart, subtotal_minor,
         tax_minor, total_minor, currency, payment_attempted, created_at, updated_at, picked_up_at, picked_up_store_id)
       VALUES ($1, $2, $3, 'PICKED_UP', 'DONE', '{"type":"PICKUP"}', '[]', false, 2500, 0, 2500, 'USD', true, $4, $4,
         $4, $2)`,
      [id, uuidv7(clock.ms), `place-${id}`, clock.ms],
    );
    await payments.authorise({ key: id, amountMinor: 2500, currency: 'USD' });
    return id;
  };
  const timeline = async (id: string) => (await new OrderRepository(db).events(id)).map((e) => e.kind);

  beforeEach(async () => {
    clock.ms = T0;
    const opened = await openMigratedDb(
      target,
      [{ module: 'orders', dir: new URL('../schema/', import.meta.url) }],
      log,
    );
    db = opened.db;
    close = opened.close;
  });
  afterEach(async () => {
    await close();
  });

  it('two hubs capturing at once ask the provider once per order', async () => {
    const payments = new SlowFirstCapture();
    const [first, second] = [await pickedUp(payments), await pickedUp(payments)];
    // hub-a's round (its orders.capture-payments run) is inside the provider's call for the first order when hub-b's
    // round (a hand-over's nudge) starts
    const hubA = captureDue(db, payments, log, now);
    try {
      await payments.asked;
      expect(await captureDue(db, payments, log, now)).toBe(0);
    } finally {
      payments.answer();
    }
    expect(await hubA).toBe(2);
    expect(payments.captureCalls.sort()).toEqual([first, second].sort());
    expect(await payments.status(first)).toBe('CAPTURED');
    expect(await timeline(first)).toEqual(['PAYMENT_CAPTURED']);
    expect(await captureDue(db, payments, log, now)).toBe(0); // nothing is left to capture
  });

  it('a failed capture is tried again next round, and a dead hub’s claim runs out', async () => {
    const payments = new SlowFirstCapture();
    payments.answer();
    payments.failNext = true;
    const order = await pickedUp(payments);
    expect(await captureDue(db, payments, log, now)).toBe(0); // the gateway failed: the claim is given back
    expect(await captureDue(db, payments, log, now)).toBe(1);
    expect(payments.captureCalls).toEqual([order, order]);

    // a hub claims an order and dies before calling the provider: the order waits for its claim to run out
    const stranded = await pickedUp(payments);
    expect((await new OrderRepository(db).claimCaptures(now(), CAPTURE_CLAIM_MS, 10)).map((o) => o.id)).toEqual([
      stranded,
    ]);
    expect(await captureDue(db, payments, log, now)).toBe(0);
    clock.ms += CAPTURE_CLAIM_MS + 1;
    expect(await captureDue(db, payments, log, now)).toBe(1);
    expect(await timeline(stranded)).toEqual(['PAYMENT_CAPTURED']);
  });
});
