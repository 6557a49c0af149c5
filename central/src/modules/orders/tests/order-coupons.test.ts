import { hlcEncode, type PricingStorePage, pricingStorePageSchema } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { provide } from '../../../kernel/ports.js';
import { SimulatedPaymentProvider } from '../payments.js';
import { PAYMENTS_PROVIDER } from '../ports.js';

const DAY = 86_400_000;

/**
 * Issue #25 review: an order's coupons come back when the order fails (payment declined) or is cancelled — the hub
 * prices them again, a store's pull hears them released, a new order may use them; refusals never echo a whole code;
 * a basket over the engine's unit limit is a 422, never a 500.
 */
describe.each(dbTargets)('orders with coupons given back, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store = { id: '', token: '' };
  let customer = '';
  let couponPromotionId = '';
  const codes: string[] = [];
  const payments = new SimulatedPaymentProvider(50);
  let key = 0;
  const who = () => ({ cookie: admin });
  const place = (coupons: string[], lines = [{ sku: 'OC-LAMP', qty: 1 }]) =>
    t.call(
      'POST',
      '/api/orders',
      {
        customerId: customer,
        placeKey: `coupon-order-${++key}-${target.name}`,
        lines,
        fulfilment: { type: 'PICKUP', storeId: store.id },
        coupons,
      },
      who(),
    );
  const quote = (code: string) =>
    t.call(
      'POST',
      '/api/pricing/price',
      { lines: [{ sku: 'OC-LAMP', qty: 1 }], storeId: store.id, coupons: [code] },
      { bearer: store.token },
    );
  /** The store's pull from 0: the last row of each used coupon (what its copy ends with). */
  const pulledUsed = async () => {
    const rows = new Map<string, PricingStorePage['usedCoupons'][number]>();
    let cursor: number | null = 0;
    for (let i = 0; cursor !== null && i < 200; i++) {
      const res = await t.call('GET', `/api/pricing/store-rules?after=${cursor}&limit=500`, undefined, {
        bearer: store.token,
      });
      expect(res.status).toBe(200);
      const page = pricingStorePageSchema.parse(res.body);
      for (const c of page.usedCoupons) rows.set(c.couponId, c);
      cursor = page.next;
    }
    return rows;
  };

  beforeAll(async () => {
    t = await TestHub.start(target, { externals: [provide(PAYMENTS_PROVIDER, payments)] });
    admin = await t.login();
    expect(
      (
        await t.call(
          'PUT',
          '/api/catalog/products/OC-LAMP',
          { name: 'Coupon lamp', category: 'lamps', priceMinor: 2_000 },
          who(),
        )
      ).status,
    ).toBe(200);
    const st = await t.store('OCOUPON1', admin);
    store = { id: st.id, token: st.token };
    await t.hub.sync.repo.applyBatch(
      store.id,
      [
        {
          origin: store.id,
          seq: 1,
          hlc: hlcEncode({ wallMs: Date.now(), counter: 1, node: store.id }),
          type: 'stock.moved',
          payload: { sku: 'OC-LAMP', delta: 50, kind: 'RECEIVE' },
        },
      ],
      0,
    );
    customer = (await t.call('POST', '/api/customers', { name: 'Cora Coupon' }, who())).body.id;
    const cp = await t.call(
      'POST',
      '/api/pricing/promotions',
      {
        name: '$5 off a lamp with a coupon',
        rule: { kind: 'AMOUNT_OFF', target: { skus: ['OC-LAMP'] }, amountMinor: 500 },
        priority: 10,
        stacking: 'STACKABLE',
        from: Date.now() - 60_000,
        to: null,
        couponRequired: true,
      },
      who(),
    );
    expect(cp.status).toBe(201);
    couponPromotionId = cp.body.id;
    const issued = await t.call(
      'POST',
      `/api/pricing/promotions/${couponPromotionId}/coupons`,
      { count: 4, expiresAt: Date.now() + 30 * DAY },
      who(),
    );
    expect(issued.status).toBe(201);
    codes.push(...issued.body.codes);
  }, 180_000);
  afterAll(() => t?.stop());

  it('a declined order gives its coupon back: the hub prices it again, stores hear it released, a new order takes it', async () => {
    const code = codes[0]!;
    const couponId = `${couponPromotionId}:1`;
    payments.next('decline');
    const failed = await place([code]);
    expect(failed.status, JSON.stringify(failed.body)).toBe(201);
    expect(failed.body.status).toBe('FAILED');
    expect((await quote(code)).body.coupons.map((c: { status: string }) => c.status)).toEqual(['APPLIED']);
    expect((await pulledUsed()).get(couponId)).toMatchObject({ couponId, released: true });
    const timeline = await t.call('GET', `/api/orders/${failed.body.id}`, undefined, who());
    expect(timeline.body.timeline.map((e: { kind: string }) => e.kind)).toContain('COUPONS_RELEASED');

    const again = await place([code]);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toMatchObject({ status: 'CONFIRMED', discountMinor: 500 });
    expect((await quote(code)).body.coupons[0]).toMatchObject({ status: 'REFUSED', refusal: 'USED' });
    const row = (await pulledUsed()).get(couponId);
    expect(row).toMatchObject({ couponId });
    expect(row?.released).toBeUndefined();
  });

  it('a cancelled order gives its coupon back (once: cancelling again releases nothing of another order)', async () => {
    const code = codes[1]!;
    const couponId = `${couponPromotionId}:2`;
    const placed = await place([code]);
    expect(placed.body.status).toBe('CONFIRMED');
    expect((await quote(code)).body.coupons[0]).toMatchObject({ status: 'REFUSED', refusal: 'USED' });
    const cancelled = await t.call('POST', `/api/orders/${placed.body.id}/cancel`, {}, who());
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect((await quote(code)).body.coupons.map((c: { status: string }) => c.status)).toEqual(['APPLIED']);
    expect((await pulledUsed()).get(couponId)).toMatchObject({ released: true });

    const next = await place([code]);
    expect(next.body.status).toBe('CONFIRMED');
    // the first order cancelled again: the coupon is the second order's now and stays used
    expect((await t.call('POST', `/api/orders/${placed.body.id}/cancel`, {}, who())).body.status).toBe('CANCELLED');
    expect((await quote(code)).body.coupons[0]).toMatchObject({ status: 'REFUSED', refusal: 'USED' });
  });

  it('a refused coupon is named by its id or its last characters, never its whole code', async () => {
    const code = codes[2]!;
    expect((await place([code])).body.status).toBe('CONFIRMED');
    const used = await place([code]);
    expect(used.status).toBe(409);
    expect(used.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(used.body)).not.toContain(code);
    expect(used.body.detail ?? used.body.title).toContain(`${couponPromotionId}:3`);
    const forged = `${code.slice(0, -1)}${code.at(-1) === 'A' ? 'B' : 'A'}`;
    const bad = await place([forged]);
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).not.toContain(forged);
    expect(JSON.stringify(bad.body)).toContain(forged.slice(-6));
  });

  it('a basket over the engine’s 100,000 units is a 422 naming the limit, at /api/orders and /api/pricing/price', async () => {
    const lines = Array.from({ length: 11 }, (_, i) => ({ sku: i === 0 ? 'OC-LAMP' : `OC-BULK-${i}`, qty: 10_000 }));
    for (const l of lines.slice(1))
      expect(
        (await t.call('PUT', `/api/catalog/products/${l.sku}`, { name: l.sku, category: 'bulk', priceMinor: 1 }, who()))
          .status,
      ).toBe(200);
    const priced = await t.call('POST', '/api/pricing/price', { lines, storeId: null }, who());
    expect(priced.status).toBe(422);
    expect(priced.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(priced.body)).toContain('100000');
    const before = await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
    const order = await t.call(
      'POST',
      '/api/orders',
      { customerId: customer, placeKey: `coupon-order-bulk-${target.name}`, lines, fulfilment: { type: 'SHIP' } },
      who(),
    );
    expect(order.status, JSON.stringify(order.body)).toBe(422);
    expect(JSON.stringify(order.body)).toContain('100000');
    const after = await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });
});
