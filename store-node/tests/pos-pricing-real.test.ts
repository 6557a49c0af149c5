import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSigningKeyPair, type PricingStorePage, signCoupon } from '@storefleet/shared';
import { pricingSink } from '../src/pricing/index.js';
import { startTill, type Till } from './support/till-fixture.js';

const T0 = Date.parse('2026-03-02T09:00:00Z'); // the till fixture's clock
const HOUR = 3_600_000;
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const BOOK = uuid(900);
const THREE_FOR_TWO = uuid(501);
const COUPON_PROMO = uuid(502);
const keys = newSigningKeyPair('lane-e');
const coupon = (serial: number) =>
  signCoupon(keys.privateKey, { keyId: keys.keyId, promotionId: COUPON_PROMO, serial, expiresAt: T0 + 48 * HOUR });

/**
 * Issue #25 at the lane with the store's real pricing (the shared engine over the store's copy, loaded here as a cold
 * start would): a 3-for-2, a signed single-use coupon redeemed in the sale's transaction and refused on the next
 * basket, and a price change scheduled mid-basket that the basket shows at its next view and the tender charges.
 */
describe('the lane priced by the store’s copy of the rules', () => {
  let till: Till;
  beforeAll(async () => {
    till = await startTill();
    const page: PricingStorePage = {
      revision: 12,
      regionId: null,
      currency: 'USD',
      prices: [
        {
          id: uuid(1),
          bookId: BOOK,
          scope: 'CHAIN',
          sku: 'HEADPHONES',
          priceMinor: 900,
          memberPriceMinor: null,
          from: T0 + HOUR,
          to: null,
          revision: 10,
        },
      ],
      promotions: [
        {
          id: THREE_FOR_TWO,
          name: '3 for 2 on cereal',
          rule: { kind: 'MULTI_BUY', target: { skus: ['CEREAL'] }, buy: 3, payFor: 2 },
          priority: 10,
          stacking: 'EXCLUSIVE',
          from: T0 - HOUR,
          to: null,
          revision: 11,
        },
        {
          id: COUPON_PROMO,
          name: '$1 off headphones with the coupon',
          rule: { kind: 'AMOUNT_OFF', target: { skus: ['HEADPHONES'] }, amountMinor: 100 },
          priority: 20,
          stacking: 'EXCLUSIVE',
          from: T0 - HOUR,
          to: null,
          couponRequired: true,
          revision: 12,
        },
      ],
      keys: [
        { keyId: keys.keyId, publicKey: keys.publicKey, createdAt: T0 - 10 * HOUR, retiredAt: null, revision: 12 },
      ],
      usedCoupons: [],
      next: null,
    } as PricingStorePage;
    pricingSink(till.node.pricing)(till.node.db, [page]);
  });
  afterAll(() => till?.stop());

  const view = async (saleId: string) => (await till.call('GET', `/api/pos/sales/${saleId}`)).body;

  it('a 3-for-2 comes off the line and the total the lane charges', async () => {
    const saleId = await till.basket({ CEREAL: 3 });
    const open = await view(saleId);
    expect(open.lines[0]).toMatchObject({ sku: 'CEREAL', discountMinor: 349, totalMinor: 698 });
    expect(open).toMatchObject({ totalMinor: 698, discountMinor: 349, rulesRevision: 12 });
    const paid = await till.call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CASH', givenMinor: 698 });
    expect(paid.body).toMatchObject({ status: 'COMPLETED', totalMinor: 698 });
    expect(paid.body.receipt).toMatch(/^ {2}3 for 2 on cereal\s+-\$3\.49$/m);
    expect(till.events('sale.completed', saleId)[0]).toMatchObject({
      promotions: [{ promotionId: THREE_FOR_TWO, discountMinor: 349 }],
      rulesRevision: 12,
    });
  });

  it('a signed coupon applies once: redeemed with the sale, refused on the next basket as used', async () => {
    const code = coupon(1);
    const saleId = await till.basket({ HEADPHONES: 1 });
    const put = await till.call('PUT', `/api/pos/sales/${saleId}/coupons`, { codes: [code] });
    expect(put.body.coupons).toEqual([expect.objectContaining({ status: 'APPLIED', couponId: `${COUPON_PROMO}:1` })]);
    expect(put.body).toMatchObject({ subtotalMinor: 900, discountMinor: 100 });
    const paid = await till.call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' });
    expect(paid.body).toMatchObject({ status: 'COMPLETED', totalMinor: put.body.totalMinor });
    const redeemed = till.node.db
      .prepare("SELECT payload FROM sync_outbox WHERE type = 'coupon.redeemed'")
      .pluck()
      .all() as string[];
    expect(redeemed.map((p) => JSON.parse(p))).toEqual([
      expect.objectContaining({ couponId: `${COUPON_PROMO}:1`, saleId, discountMinor: 100 }),
    ]);

    const next = await till.basket({ HEADPHONES: 1 });
    const again = await till.call('PUT', `/api/pos/sales/${next}/coupons`, { codes: [code] });
    expect(again.body.coupons).toEqual([expect.objectContaining({ status: 'REFUSED', refusal: 'USED' })]);
    expect(again.body).toMatchObject({ subtotalMinor: 1000, discountMinor: 0 });
    // Codes that are no coupon at all are refused each with why, never a failure.
    const junk = await till.call('PUT', `/api/pos/sales/${next}/coupons`, { codes: ['abc', 'x.y.z', code, code] });
    expect(junk.status).toBe(200);
    expect(junk.body.coupons.map((c: { status: string }) => c.status)).toEqual(['REFUSED', 'REFUSED', 'REFUSED']);
    expect(junk.body.coupons.every((c: { message: string }) => c.message.length > 0)).toBe(true);
    await till.call('POST', `/api/pos/sales/${next}/void`, {});
  });

  it('a price change scheduled mid-basket shows at the basket’s next view and is what the tender charges', async () => {
    const saleId = await till.basket({ HEADPHONES: 1 });
    expect((await view(saleId)).lines[0]).toMatchObject({ unitPriceMinor: 1000 });
    till.clock.now = T0 + HOUR; // the book's new price starts
    expect((await view(saleId)).lines[0]).toMatchObject({ unitPriceMinor: 900 });
    const paid = await till.call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CASH', givenMinor: 2000 });
    expect(paid.body.lines[0]).toMatchObject({ unitPriceMinor: 900 });
    expect(till.events('sale.completed', saleId)[0]).toMatchObject({
      lines: [expect.objectContaining({ sku: 'HEADPHONES', unitPriceMinor: 900, subtotalMinor: 900 })],
    });
  });
});
