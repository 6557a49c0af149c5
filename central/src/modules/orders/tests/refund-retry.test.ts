import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { consoleFixture } from '../../../../tests/support/console-fixture.js';
import { SimulatedPaymentProvider } from '../payments.js';
import { SimulatedWarehouse } from '../warehouse.js';
import { provide } from '../../../kernel/ports.js';
import { PAYMENTS_PROVIDER, WAREHOUSE } from '../ports.js';
import { REFUND_PROVIDER_DOWN, REFUND_RETRY_AFTER_MS, retryRefunds } from '../refund-retry.js';

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

/** Issue #17, what a hostile caller found: a refund whose provider call failed was a raw 500 and hung forever. */
describe.each(dbTargets)('a refund the payment provider did not answer, on $name', (target) => {
  const payments = new FlakyPayments(150);
  let skew = 0;
  let t: TestHub;
  let admin: string;
  let fx: Awaited<ReturnType<typeof consoleFixture>>;
  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'silent',
      now: () => Date.now() + skew,
      externals: [provide(PAYMENTS_PROVIDER, payments), provide(WAREHOUSE, new SimulatedWarehouse())],
    });
    admin = await t.login();
    fx = await consoleFixture(t, admin);
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
