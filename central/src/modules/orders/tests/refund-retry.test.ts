import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { consoleFixture } from '../../../../tests/support/console-fixture.js';
import { SimulatedPaymentProvider } from '../payments.js';
import { SimulatedWarehouse } from '../warehouse.js';
import { provide } from '../../../kernel/ports.js';
import { PAYMENTS_PROVIDER, WAREHOUSE } from '../ports.js';
import { randomUUID } from 'node:crypto';
import {
  REFUND_MAX_ATTEMPTS,
  REFUND_PROVIDER_DOWN,
  REFUND_RETRY_AFTER_MS,
  refundBackoffMs,
  retryRefunds,
} from '../refund-retry.js';
import { OrderRepository } from '../repository.js';

/** The payment simulator, whose next `failVoids` refunds (voids) throw as a provider that does not answer would. */
class FlakyPayments extends SimulatedPaymentProvider {
  failVoids = 0;
  voids = 0;
  override async void(key: string): Promise<void> {
    this.voids++;
    if (this.failVoids > 0) {
      this.failVoids--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:9 (the payment provider)');
    }
    return super.void(key);
  }
}

/** A hub whose payment provider is `payments` and whose clock runs `skew()` ms ahead, signed in, with the console's orders. */
async function refundHub(target: (typeof dbTargets)[number], payments: SimulatedPaymentProvider, skew: () => number) {
  const t = await TestHub.start(target, {
    logLevel: 'silent',
    now: () => Date.now() + skew(),
    externals: [provide(PAYMENTS_PROVIDER, payments), provide(WAREHOUSE, new SimulatedWarehouse())],
  });
  const admin = await t.login();
  return { t, admin, fx: await consoleFixture(t, admin) };
}

/** Issue #17, what a hostile caller found: a refund whose provider call failed was a raw 500 and hung forever. */
describe.each(dbTargets)('a refund the payment provider did not answer, on $name', (target) => {
  const payments = new FlakyPayments(150);
  let skew = 0;
  let t: TestHub;
  let admin: string;
  let fx: Awaited<ReturnType<typeof consoleFixture>>;
  beforeAll(async () => {
    ({ t, admin, fx } = await refundHub(target, payments, () => skew));
  });
  afterAll(() => t?.stop());

  const refundsRecorded = async (id: string) =>
    Number(
      (
        await t.hub.db.query<{ n: string | number }>(
          "SELECT count(*) AS n FROM order_events WHERE order_id = $1 AND kind = 'REFUNDED'",
          [id],
        )
      ).rows[0]!.n,
    );
  const requested = async (id: string) =>
    Number(
      (
        await t.hub.db.query<{ n: string | number }>(
          "SELECT count(*) AS n FROM order_events WHERE order_id = $1 AND kind = 'REFUND_REQUESTED'",
          [id],
        )
      ).rows[0]!.n,
    );

  it('answers 503 in plain words, keeps the request, and the job finishes it a minute later, once', async () => {
    payments.failVoids = 1;
    payments.voids = 0;
    const refused = await t.call('POST', `/api/orders/${fx.paidA.id}/refund`, {}, { cookie: admin });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.body.detail).toBe(REFUND_PROVIDER_DOWN);
    expect(await requested(fx.paidA.id)).toBe(1);
    expect(await refundsRecorded(fx.paidA.id)).toBe(0);
    // the job's sweep leaves it alone for a minute (the route's own call may still be on its way)
    expect(await retryRefunds(t.hub.db, payments, pino({ level: 'silent' }), () => Date.now())).toBe(0);
    expect(payments.voids).toBe(1);

    // a minute on, the job asks the provider again and records the refund
    skew = REFUND_RETRY_AFTER_MS + 5_000;
    await t.hub.jobs.enqueue('orders.retry-refunds');
    await expect.poll(() => refundsRecorded(fx.paidA.id), { timeout: 30_000 }).toBe(1);
    expect(await payments.status(fx.paidA.id)).toBe('REFUNDED');
    // asked again by hand now, it is refused as done: no second refund
    const again = await t.call('POST', `/api/orders/${fx.paidA.id}/refund`, {}, { cookie: admin });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/was already refunded/);
  });
});

/** The payment simulator refusing every refund of the orders in `refusing`, as a provider that rejects them would. */
class RefusingPayments extends SimulatedPaymentProvider {
  readonly refusing = new Set<string>();
  readonly asked: string[] = [];
  override async void(key: string): Promise<void> {
    this.asked.push(key);
    if (this.refusing.has(key)) throw new Error('the provider refused the refund (card account closed)');
  }
}

/**
 * Issue #17 (last review, M2): the job took the ten oldest open refunds each round with no backoff and no end, so ten
 * refunds that always fail blocked every newer one for ever.
 */
describe.each(dbTargets)('refunds that keep failing, on $name', (target) => {
  const payments = new RefusingPayments(150);
  let skew = 0;
  let t: TestHub;
  let fx: Awaited<ReturnType<typeof consoleFixture>>;
  beforeAll(async () => {
    ({ t, fx } = await refundHub(target, payments, () => skew));
  });
  afterAll(() => t?.stop());

  /** A copy of the paid order under a new id (the job needs only the order's row). */
  const anOrder = async (): Promise<string> => {
    const id = randomUUID();
    await t.hub.db.query(
      `INSERT INTO orders SELECT (jsonb_populate_record(NULL::orders, to_jsonb(o) || jsonb_build_object(
         'id', $2::text, 'place_key', $2::text, 'order_number', 'T-' || $2::text))).* FROM orders o WHERE o.id = $1`,
      [fx.paidA.id, id],
    );
    return id;
  };
  const refunded = async (id: string) =>
    (await new OrderRepository(t.hub.db).events(id)).some((e) => e.kind === 'REFUNDED');
  const tries = (id: string) => payments.asked.filter((k) => k === id).length;
  const log = pino({ level: 'silent' });

  it(`a refund refused ${REFUND_MAX_ATTEMPTS} times becomes an order incident, and the job stops asking`, async () => {
    const id = await anOrder();
    payments.refusing.add(id);
    const base = 1_950_000_000_000;
    await new OrderRepository(t.hub.db).scheduleRefund(id, 1_234, 'EUR', base);
    // the hub's own job, one round an hour apart (past any backoff), until the provider was asked 8 times
    try {
      for (let i = 0; i < REFUND_MAX_ATTEMPTS; i++) {
        skew = base + i * 3_600_000 - Date.now();
        await t.hub.jobs.enqueue('orders.retry-refunds');
        await expect.poll(() => tries(id), { timeout: 30_000 }).toBe(i + 1);
      }
    } finally {
      skew = 0; // the next test's refunds must not be due to the hub's own schedule
    }
    const staff = await t.login(); // the admin's first session ran out in the hours the clock went on
    const incidents = async () => {
      const r = await t.call('GET', '/api/workflows/incidents?state=OPEN&limit=100', undefined, { cookie: staff });
      return (r.body.items as { orderId: string; kind: string; sentence: string }[]).filter((x) => x.orderId === id);
    };
    await expect.poll(async () => (await incidents()).length, { timeout: 30_000 }).toBe(1);
    const [incident] = await incidents();
    expect(incident!.kind).toBe('REFUND_KEEPS_FAILING');
    expect(incident!.sentence).toContain(`The refund of order ${id} (12.34 EUR) keeps failing`);
    expect(incident!.sentence).toContain(`refused it ${REFUND_MAX_ATTEMPTS} times`);
    expect(incident!.sentence).toContain('card account closed');
    // no more tries, however long one waits
    expect(await retryRefunds(t.hub.db, payments, log, () => base + 30 * 86_400_000)).toBe(0);
    expect(tries(id)).toBe(REFUND_MAX_ATTEMPTS);
    expect(await refunded(id)).toBe(false);
  });

  it('ten refunds the provider always refuses do not stop an eleventh, requested later, from being made', async () => {
    const repo = new OrderRepository(t.hub.db);
    const start = 1_900_000_000_000;
    const failing: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = await anOrder();
      failing.push(id);
      payments.refusing.add(id);
      await repo.scheduleRefund(id, 900, 'EUR', start + i);
    }
    const later = await anOrder();
    await repo.scheduleRefund(later, 500, 'EUR', start + 60_000);
    payments.asked.length = 0;

    // first round: the ten oldest are due and fail; the eleventh is not due yet
    expect(await retryRefunds(t.hub.db, payments, log, () => start + 1_000)).toBe(0);
    expect([...payments.asked].sort()).toEqual([...failing].sort());
    // a minute later the eleventh is due; the ten wait (1 min after their failure) and do not take the round
    payments.asked.length = 0;
    expect(await retryRefunds(t.hub.db, payments, log, () => start + 60_500)).toBe(1);
    expect(payments.asked).toEqual([later]);
    expect(await refunded(later)).toBe(true);
    for (const id of failing) expect(await refunded(id)).toBe(false);
    // after each failure the wait doubles: one minute, two, four … at most an hour
    expect([1, 2, 3, 7, 8, 20].map(refundBackoffMs)).toEqual([
      60_000, 120_000, 240_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
  });
});
