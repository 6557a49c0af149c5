import {
  DEFAULT_TAX_RATES_PPM,
  hlcEncode,
  price,
  pricingStorePageSchema,
  type PricingStorePage,
} from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

const DAY = 86_400_000;
const PRODUCTS = [
  { sku: 'PO-LAMP', name: 'Priced lamp', category: 'lamps', priceMinor: 2_000 },
  { sku: 'PO-BULB', name: 'Priced bulb', category: 'bulbs', priceMinor: 300 },
  { sku: 'PO-GONE', name: 'Soon gone', category: 'bulbs', priceMinor: 100 },
];

for (const target of dbTargets) {
  describe(`orders and carts priced through PRICING (${target.name})`, () => {
    let t: TestHub;
    let admin: string;
    let store = { id: '', token: '' };
    let customer = '';
    let promotionId = '';
    let couponPromotionId = '';
    const codes: string[] = [];
    let key = 0;
    let seq = 0;
    const who = () => ({ cookie: admin });
    const place = (body: Record<string, unknown>) =>
      t.call(
        'POST',
        '/api/orders',
        { customerId: customer, placeKey: `priced-${++key}-${target.name}`, ...body },
        who(),
      );
    const orderCount = async () =>
      Number((await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0]!.n);

    /** The store's copy: every row of its pull from 0, built into rules as the store prices with them. */
    const storeRules = async () => {
      const pages: PricingStorePage[] = [];
      let cursor: number | null = 0;
      for (let i = 0; cursor !== null && i < 200; i++) {
        const res = await t.call('GET', `/api/pricing/store-rules?after=${cursor}&limit=500`, undefined, {
          bearer: store.token,
        });
        expect(res.status).toBe(200);
        const page = pricingStorePageSchema.parse(res.body);
        pages.push(page);
        cursor = page.next;
      }
      const prices = new Map<string, PricingStorePage['prices'][number]>();
      const promotions = new Map<string, PricingStorePage['promotions'][number]>();
      const keys = new Map<string, PricingStorePage['keys'][number]>();
      const used = new Set<string>();
      for (const p of pages) {
        for (const e of p.prices) prices.set(e.id, e);
        for (const e of p.promotions) promotions.set(e.id, e);
        for (const k of p.keys) keys.set(k.keyId, k);
        for (const c of p.usedCoupons) used.add(c.couponId);
      }
      return {
        regionId: pages.at(-1)!.regionId,
        used,
        rules: {
          currency: pages.at(-1)!.currency,
          taxRatesPpm: DEFAULT_TAX_RATES_PPM,
          prices: [...prices.values()].filter((e) => !e.deleted).map(({ id: _, deleted: __, ...e }) => e),
          promotions: [...promotions.values()].filter((p) => !p.deleted).map(({ deleted: _, ...p }) => p),
          couponKeys: [...keys.values()],
          revision: pages.at(-1)!.revision,
        },
      };
    };
    const basketOf = (lines: { sku: string; qty: number }[]) =>
      lines.map((l) => {
        const p = PRODUCTS.find((x) => x.sku === l.sku)!;
        return { ...l, catalogPriceMinor: p.priceMinor, taxClass: 'STANDARD', category: p.category, name: p.name };
      });

    beforeAll(async () => {
      t = await TestHub.start(target);
      admin = await t.login();
      for (const p of PRODUCTS) {
        const { sku, ...rest } = p;
        expect((await t.call('PUT', `/api/catalog/products/${sku}`, rest, who())).status).toBe(200);
      }
      const st = await t.store('PRICED1', admin);
      store = { id: st.id, token: st.token };
      for (const [sku, qty] of [
        ['PO-LAMP', 20],
        ['PO-BULB', 50],
        ['PO-GONE', 5],
      ] as const) {
        seq += 1;
        await t.hub.sync.repo.applyBatch(
          store.id,
          [
            {
              origin: store.id,
              seq,
              hlc: hlcEncode({ wallMs: Date.now(), counter: seq, node: store.id }),
              type: 'stock.moved',
              payload: { sku, delta: qty, kind: 'RECEIVE' },
            },
          ],
          0,
        );
      }
      customer = (await t.call('POST', '/api/customers', { name: 'Ada Priced' }, who())).body.id;
      // the store's own book: the lamp at 1,800 (1,700 for members)
      const book = await t.call(
        'POST',
        '/api/pricing/books',
        { name: 'Store', scope: 'STORE', storeId: store.id },
        who(),
      );
      expect(book.status).toBe(201);
      const entries = await t.call(
        'POST',
        `/api/pricing/books/${book.body.id}/entries`,
        { entries: [{ sku: 'PO-LAMP', priceMinor: 1_800, memberPriceMinor: 1_700, from: Date.now() - 60_000 }] },
        who(),
      );
      expect(entries.status).toBeLessThan(300);
      const promo = await t.call(
        'POST',
        '/api/pricing/promotions',
        {
          name: '3 for 2 on bulbs',
          rule: { kind: 'MULTI_BUY', target: { skus: ['PO-BULB'] }, buy: 3, payFor: 2 },
          priority: 5,
          stacking: 'STACKABLE',
          from: Date.now() - 60_000,
          to: null,
        },
        who(),
      );
      expect(promo.status).toBe(201);
      promotionId = promo.body.id;
      const cp = await t.call(
        'POST',
        '/api/pricing/promotions',
        {
          name: '$5 off a lamp with a coupon',
          rule: { kind: 'AMOUNT_OFF', target: { skus: ['PO-LAMP'] }, amountMinor: 500 },
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
        { count: 3, expiresAt: Date.now() + 30 * DAY },
        who(),
      );
      expect(issued.status).toBe(201);
      codes.push(...issued.body.codes);
    }, 180_000);
    afterAll(() => t?.stop());

    it('the hub and a store price the same basket (with a coupon) to the same total', async () => {
      const lines = [
        { sku: 'PO-LAMP', qty: 2 },
        { sku: 'PO-BULB', qty: 3 },
      ];
      const hub = await t.call(
        'POST',
        '/api/pricing/price',
        { lines, storeId: store.id, member: true, coupons: [codes[2]] },
        { bearer: store.token },
      );
      expect(hub.status).toBe(200);
      expect(hub.body.discountMinor).toBeGreaterThan(0);
      const { rules, regionId, used } = await storeRules();
      const local = price(basketOf(lines), rules, {
        at: hub.body.at,
        storeId: store.id,
        regionId,
        member: true,
        coupons: [codes[2]!],
        isCouponUsed: (id) => used.has(id),
      });
      expect(local.totalMinor).toBe(hub.body.totalMinor);
      expect(local.discountMinor).toBe(hub.body.discountMinor);
      expect(local.coupons.map((c) => c.status)).toEqual(['APPLIED']);
    });

    it('an order with a coupon keeps its prices, discounts and net totals; the same coupon again is 409 and creates nothing', async () => {
      const lines = [
        { sku: 'PO-LAMP', qty: 1 },
        { sku: 'PO-BULB', qty: 3 },
      ];
      const quote = await t.call(
        'POST',
        '/api/pricing/price',
        { lines, storeId: store.id, member: true, coupons: [codes[0]] },
        who(),
      );
      expect(quote.status).toBe(200);
      const placeKey = `priced-coupon-${target.name}`;
      const body = {
        customerId: customer,
        placeKey,
        lines,
        fulfilment: { type: 'PICKUP', storeId: store.id },
        coupons: [codes[0]],
      };
      const first = await t.call('POST', '/api/orders', body, who());
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.body).toMatchObject({
        status: 'CONFIRMED',
        subtotalMinor: quote.body.subtotalMinor,
        taxMinor: quote.body.taxMinor,
        totalMinor: quote.body.totalMinor,
        discountMinor: quote.body.discountMinor,
        coupons: [{ couponId: `${couponPromotionId}:1`, promotionId: couponPromotionId, discountMinor: 500 }],
      });
      // member price 1,700 less the coupon's 500; three bulbs for the price of two
      const lamp = first.body.lines.find((l: { sku: string }) => l.sku === 'PO-LAMP');
      expect(lamp).toMatchObject({ unitPriceMinor: 1_700, discountMinor: 500 });
      const bulb = first.body.lines.find((l: { sku: string }) => l.sku === 'PO-BULB');
      expect(bulb).toMatchObject({ unitPriceMinor: 300, discountMinor: 300 });
      expect(first.body.promotions.map((p: { promotionId: string }) => p.promotionId).sort()).toEqual(
        [promotionId, couponPromotionId].sort(),
      );
      // placing again with the same key is the same order, not a refused coupon
      const again = await t.call('POST', '/api/orders', body, who());
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);

      const before = await orderCount();
      const second = await place({
        lines: [{ sku: 'PO-LAMP', qty: 1 }],
        fulfilment: { type: 'PICKUP', storeId: store.id },
        coupons: [codes[0]],
      });
      expect(second.status).toBe(409);
      expect(second.headers.get('content-type')).toContain('application/problem+json');
      // named by its id, never by its whole code (a code is a bearer token)
      expect(JSON.stringify(second.body)).not.toContain(codes[0]!);
      expect(JSON.stringify(second.body)).toContain(`${couponPromotionId}:1`);
      expect(await orderCount()).toBe(before);
      // the store hears the coupon is used
      const { used } = await storeRules();
      expect(used.has(`${couponPromotionId}:1`)).toBe(true);
    });

    it('refuses bad coupons before anything is created (forged 422, too many 400)', async () => {
      const before = await orderCount();
      const c = codes[1]!;
      const forged = `${c.slice(0, -1)}${c.at(-1) === 'A' ? 'B' : 'A'}`;
      const lines = [{ sku: 'PO-LAMP', qty: 1 }];
      const f = await place({ lines, fulfilment: { type: 'PICKUP', storeId: store.id }, coupons: [forged] });
      expect(f.status).toBe(422);
      expect(f.headers.get('content-type')).toContain('application/problem+json');
      const many = await place({
        lines,
        fulfilment: { type: 'PICKUP', storeId: store.id },
        coupons: ['a', 'b', 'c', 'd', 'e', 'f'],
      });
      expect(many.status).toBe(400);
      const twice = await place({ lines, fulfilment: { type: 'PICKUP', storeId: store.id }, coupons: [c, c] });
      expect(twice.status).toBe(400);
      expect(await orderCount()).toBe(before);
    });

    it('a cart shows its priced basket at its store; a product gone from the catalog makes priced null, never a failed read', async () => {
      expect(
        (await t.call('PUT', `/api/carts/${customer}/fulfilment`, { type: 'PICKUP', storeId: store.id }, who())).status,
      ).toBe(200);
      expect((await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'PO-BULB', qty: 3 }, who())).status).toBe(
        200,
      );
      expect((await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'PO-LAMP', qty: 1 }, who())).status).toBe(
        200,
      );
      const cart = await t.call('GET', `/api/carts/${customer}`, undefined, who());
      expect(cart.status).toBe(200);
      const quote = await t.call(
        'POST',
        '/api/pricing/price',
        {
          lines: [
            { sku: 'PO-BULB', qty: 3 },
            { sku: 'PO-LAMP', qty: 1 },
          ],
          storeId: store.id,
          member: true,
        },
        who(),
      );
      expect(cart.body.priced).toMatchObject({ totalMinor: quote.body.totalMinor, discountMinor: 300 });
      expect(cart.body.priced.lines.find((l: { sku: string }) => l.sku === 'PO-LAMP').unitPriceMinor).toBe(1_700);

      expect((await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'PO-GONE', qty: 1 }, who())).status).toBe(
        200,
      );
      await t.hub.db.query("DELETE FROM catalog_products WHERE sku = 'PO-GONE'");
      const gone = await t.call('GET', `/api/carts/${customer}`, undefined, who());
      expect(gone.status).toBe(200);
      expect(gone.body.priced).toBeNull();
      expect(gone.body.pricedProblem).toContain('PO-GONE');
      expect(gone.body.lines).toHaveLength(3);
    });
  });
}
