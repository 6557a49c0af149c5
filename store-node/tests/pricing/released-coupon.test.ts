import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSigningKeyPair, type PricingStorePage, signCoupon } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { pricingSink } from '../../src/pricing/index.js';

/**
 * Issue #25 review: a coupon head office gives back (the order that used it failed or was cancelled) arrives in the
 * store's pull as `released: true`; the store's copy drops the hub's row, so the coupon prices again at its lanes — but
 * a coupon a sale HERE took stays used whatever the hub says.
 */
const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
const PROMO = '00000000-0000-4000-8000-000000000500';
const keys = newSigningKeyPair('k1');
const page = (p: Partial<PricingStorePage> & { revision: number }): PricingStorePage => ({
  regionId: null,
  currency: 'USD',
  prices: [],
  promotions: [],
  keys: [],
  usedCoupons: [],
  next: null,
  ...p,
});
const coupon = (serial: number) =>
  signCoupon(keys.privateKey, { keyId: keys.keyId, promotionId: PROMO, serial, expiresAt: T0 + 48 * HOUR });

describe('a released coupon at the store', () => {
  const clock = { at: T0 };
  let node: StoreNode;
  const sink = (...rows: unknown[]) => pricingSink(node.pricing)(node.db, rows);
  const coffee = () => node.pricing.line(node.pricing.product('COFFEE')!, 1);
  const statusOf = (code: string) =>
    node.pricing.price([coffee()], { member: false, coupons: [code] }).coupons.map((c) => c.refusal ?? c.status);

  beforeAll(() => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-released-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      now: () => clock.at,
    });
    node.db
      .prepare(
        `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
         VALUES ('COFFEE', NULL, 'Coffee beans 1 kg', NULL, NULL, 'Pantry', 1200, 'USD', 'STANDARD', 1)`,
      )
      .run();
    sink(
      page({
        promotions: [
          {
            id: PROMO,
            name: '20 % off coffee with the coupon',
            rule: { kind: 'PERCENT_OFF', target: { skus: ['COFFEE'] }, bp: 2_000 },
            priority: 10,
            stacking: 'EXCLUSIVE',
            from: T0 - HOUR,
            to: null,
            couponRequired: true,
            revision: 1,
          },
        ],
        keys: [{ keyId: keys.keyId, publicKey: keys.publicKey, createdAt: T0 - HOUR, retiredAt: null, revision: 2 }],
        usedCoupons: [
          { couponId: `${PROMO}:1`, revision: 3 },
          { couponId: `${PROMO}:2`, revision: 4 },
        ],
        revision: 4,
      }),
    );
  });
  afterAll(() => node?.stop());

  it('the hub’s used row, then its release: the coupon is refused, then applies again', () => {
    expect(statusOf(coupon(1))).toEqual(['USED']);
    expect(node.pricing.checkCoupon(coupon(1)).status).toBe('USED');
    sink(page({ usedCoupons: [{ couponId: `${PROMO}:1`, revision: 5, released: true }], revision: 5 }));
    expect(statusOf(coupon(1))).toEqual(['APPLIED']);
    expect(node.pricing.checkCoupon(coupon(1)).status).toBe('VALID');
    expect(node.pricing.status().revision).toBe(5);
    // used again at the hub later (another order): refused again
    sink(page({ usedCoupons: [{ couponId: `${PROMO}:1`, revision: 6 }], revision: 6 }));
    expect(statusOf(coupon(1))).toEqual(['USED']);
  });

  it('a coupon a sale here took stays used when the hub releases it', () => {
    node.db.transaction(() => node.pricing.repo.putUsedHere(`${PROMO}:3`, 'sale-here-1', T0))();
    sink(page({ usedCoupons: [{ couponId: `${PROMO}:3`, revision: 7, released: true }], revision: 7 }));
    expect(statusOf(coupon(3))).toEqual(['USED']);
    // a coupon the store never heard of, released: nothing to drop, the row is accepted (not refused as malformed)
    sink(page({ usedCoupons: [{ couponId: `${PROMO}:9`, revision: 8, released: true }], revision: 8 }));
    expect(node.pricing.repo.state().refused).toBe(0);
    expect(statusOf(coupon(9))).toEqual(['APPLIED']);
  });
});
