import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUPON_PROMOTION, fakePricing, RULES_REVISION, THREE_FOR_TWO } from './support/pos-pricing-fake.js';
import { startTill, type Till } from './support/till-fixture.js';

/**
 * Issue #25 at the lane: every view of the open basket is priced by the store's pricing (its promotions per line, its
 * coupons verified), the tender charges that total, `sale.completed` carries each line's discount and the sale's
 * promotions, the receipt explains them, coupons that applied are redeemed in the sale's transaction, and a return of
 * a discounted item refunds its share of what was paid. The pricing here is a stand-in with fixed rules
 * (support/pos-pricing-fake.ts): "3 for 2 on cereal" and `COUPON-<n>` ($1 off headphones, single use).
 */
describe('promotions and coupons at the lane', () => {
  let till: Till;
  let pricing: ReturnType<typeof fakePricing>;
  beforeAll(async () => {
    till = await startTill();
    pricing = fakePricing(till.node);
  });
  afterAll(() => till?.stop());

  const view = async (saleId: string) => (await till.call('GET', `/api/pos/sales/${saleId}`)).body;
  const tender = (saleId: string, body: object) => till.call('POST', `/api/pos/sales/${saleId}/tender`, body);
  const coupons = (saleId: string, codes: unknown) => till.call('PUT', `/api/pos/sales/${saleId}/coupons`, { codes });
  const outbox = (type: string, saleId: string) =>
    (
      till.node.db
        .prepare(
          "SELECT payload FROM sync_outbox WHERE type = ? AND json_extract(payload, '$.saleId') = ? ORDER BY seq",
        )
        .pluck()
        .all(type, saleId) as string[]
    ).map((p) => JSON.parse(p));

  it('shows a 3-for-2 per line, charges the discounted total, and sends and prints the discount', async () => {
    const saleId = await till.basket({ CEREAL: 3, HEADPHONES: 1 });
    const open = await view(saleId);
    expect(open.lines.find((l: any) => l.sku === 'CEREAL')).toMatchObject({
      qty: 3,
      unitPriceMinor: 349,
      grossMinor: 1047,
      discountMinor: 349,
      totalMinor: 698,
      promotions: [{ promotionId: THREE_FOR_TWO, name: '3 for 2 on cereal', discountMinor: 349 }],
    });
    expect(open).toMatchObject({
      subtotalMinor: 1698,
      taxMinor: 89,
      totalMinor: 1787,
      discountMinor: 349,
      promotions: [{ promotionId: THREE_FOR_TWO, name: '3 for 2 on cereal', discountMinor: 349 }],
      rulesRevision: RULES_REVISION,
    });

    // The discounted total is what the lane charges: exact cash is enough (the undiscounted total was $21.36).
    const paid = await tender(saleId, { kind: 'CASH', givenMinor: 1787 });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'COMPLETED', totalMinor: 1787, discountMinor: 349 });
    const receipt: string = paid.body.receipt;
    expect(receipt).toMatch(/^3 x Oat cereal 500 g\s+\$10\.47$/m);
    expect(receipt).toMatch(/^ {2}3 for 2 on cereal\s+-\$3\.49$/m);
    expect(receipt).toMatch(/^TOTAL\s+\$17\.87$/m);
    expect(receipt).toMatch(/You saved \$3\.49/);

    const [event] = till.events('sale.completed', saleId) as any[];
    expect(event).toMatchObject({
      subtotalMinor: 1698,
      taxMinor: 89,
      totalMinor: 1787,
      promotions: [{ promotionId: THREE_FOR_TWO, name: '3 for 2 on cereal', discountMinor: 349 }],
      rulesRevision: RULES_REVISION,
      tenders: [{ kind: 'CASH', amountMinor: 1787, givenMinor: 1787 }],
    });
    expect(event!.lines).toEqual(
      expect.arrayContaining([
        {
          sku: 'CEREAL',
          qty: 3,
          unitPriceMinor: 349,
          taxClass: 'REDUCED',
          discountMinor: 349,
          subtotalMinor: 698,
          taxMinor: 0,
        },
        { sku: 'HEADPHONES', qty: 1, unitPriceMinor: 1000, taxClass: 'STANDARD', subtotalMinor: 1000, taxMinor: 89 },
      ]),
    );

    // The sale read back later (a reprint) says the same: the discount was kept with its lines.
    const again = await view(saleId);
    expect(again.receipt).toBe(receipt);
    expect(again.lines.find((l: any) => l.sku === 'CEREAL')).toMatchObject({ discountMinor: 349, totalMinor: 698 });
  });

  it('refunds a returned item of a 3-for-2 its share of what was paid, never more than the line cost', async () => {
    const saleId = await till.basket({ CEREAL: 3 });
    expect((await tender(saleId, { kind: 'CASH', givenMinor: 1000 })).body).toMatchObject({ totalMinor: 698 });
    const one = await till.call('POST', `/api/pos/sales/${saleId}/returns`, { items: [{ sku: 'CEREAL', qty: 1 }] });
    expect(one).toMatchObject({ status: 201, body: { refundMinor: 232 } }); // ⌊698 / 3⌋, not the shelf's 349
    const rest = await till.call('POST', `/api/pos/sales/${saleId}/returns`, { items: [{ sku: 'CEREAL', qty: 2 }] });
    expect(rest).toMatchObject({ status: 201, body: { refundMinor: 466 } }); // the rest of the 698 paid
    expect(till.events('sale.returned', saleId).map((r: any) => r.refundMinor)).toEqual([232, 466]);
  });

  it('keeps coupons on the basket, shows refused ones with why, redeems the one that applied, and refuses it next time', async () => {
    const saleId = await till.basket({ HEADPHONES: 1 });
    const put = await coupons(saleId, ['COUPON-1', 'NOT-OURS-9']);
    expect(put.status).toBe(200);
    expect(put.body.coupons).toEqual([
      expect.objectContaining({ code: 'COUPON-1', couponId: `${COUPON_PROMOTION}:1`, status: 'APPLIED' }),
      expect.objectContaining({ code: 'NOT-OURS-9', status: 'REFUSED', refusal: 'FORGED' }),
    ]);
    expect(put.body).toMatchObject({ subtotalMinor: 900, taxMinor: 80, totalMinor: 980, discountMinor: 100 });
    // kept on the basket: the next view verifies them again
    expect((await view(saleId)).coupons).toHaveLength(2);

    // Bad input changes nothing.
    for (const bad of [['has a space'], ['A', 'B', 'C', 'D', 'E', 'F'], 'COUPON-1', [42], ['x'.repeat(201)]]) {
      const r = await coupons(saleId, bad);
      expect(r.status).toBe(400);
      expect(r.body.type).toBeDefined();
    }
    expect((await till.call('PUT', `/api/pos/sales/${saleId}/coupons`, { codes: [], extra: 1 })).status).toBe(400);
    expect((await view(saleId)).coupons.map((c: any) => c.code)).toEqual(['COUPON-1', 'NOT-OURS-9']);

    const paid = await tender(saleId, { kind: 'CARD' });
    expect(paid.body).toMatchObject({ status: 'COMPLETED', totalMinor: 980 });
    expect(paid.body.receipt).toMatch(/Coupon #1: \$1\.00 off headphones/);
    expect(till.terminal.statement(paid.body.tender.reference)).toMatchObject({ authorisedMinor: 980 });
    // redeemed in the sale's own transaction: its event is in the outbox beside the sale's
    expect(outbox('coupon.redeemed', saleId)).toEqual([
      expect.objectContaining({ couponId: `${COUPON_PROMOTION}:1`, promotionId: COUPON_PROMOTION, discountMinor: 100 }),
    ]);
    expect(pricing.redeemed).toEqual([{ couponId: `${COUPON_PROMOTION}:1`, saleId, discountMinor: 100 }]);

    // The same code on the next basket: refused as used, nothing off, and nothing redeemed again.
    const next = await till.basket({ HEADPHONES: 1 });
    const refused = await coupons(next, ['COUPON-1']);
    expect(refused.body.coupons).toEqual([expect.objectContaining({ status: 'REFUSED', refusal: 'USED' })]);
    expect(refused.body).toMatchObject({ totalMinor: 1089, discountMinor: 0 });
    expect((await tender(next, { kind: 'CASH', givenMinor: 1089 })).body).toMatchObject({ totalMinor: 1089 });
    expect(outbox('coupon.redeemed', next)).toEqual([]);
  });

  it('shows the shared cart at the store priced with its promotions (no member prices without a card)', async () => {
    const customerId = '0190a000-0000-7000-8000-00000000c0de';
    const empty = await till.call('GET', `/api/carts/${customerId}`);
    expect(empty.body.priced).toBeNull();
    const cart = await till.call('POST', `/api/carts/${customerId}/lines`, { code: 'CEREAL', qty: 3 });
    expect(cart.status).toBe(200);
    expect(cart.body.priced).toMatchObject({
      subtotalMinor: 698,
      discountMinor: 349,
      lines: [{ sku: 'CEREAL', discountMinor: 349, promotions: [{ name: '3 for 2 on cereal' }] }],
    });
    const more = await till.call('PUT', `/api/carts/${customerId}/lines/CEREAL`, { qty: 2 });
    expect(more.body.priced).toMatchObject({ subtotalMinor: 698, discountMinor: 0 });
  });

  it('prices a basket with a loyalty card at member prices', async () => {
    const saleId = await till.basket({ HEADPHONES: 2 });
    expect((await view(saleId)).lines[0]).toMatchObject({ unitPriceMinor: 1000, totalMinor: 2000 });
    const withCard = await till.call('PUT', `/api/pos/sales/${saleId}/customer-card`, { card: '2912345678901236' });
    expect(withCard.status).toBe(200);
    expect(withCard.body.lines[0]).toMatchObject({ unitPriceMinor: 900, totalMinor: 1800 });
  });
});
