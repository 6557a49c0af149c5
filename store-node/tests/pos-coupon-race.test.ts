import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newSigningKeyPair, type PricingStorePage, signCoupon } from '@storefleet/shared';
import type { Authorisation } from '../src/pos/payment-terminal.js';
import { pricingSink } from '../src/pricing/index.js';
import { startTill, type Till } from './support/till-fixture.js';

const T0 = Date.parse('2026-03-02T09:00:00Z'); // the till fixture's clock
const HOUR = 3_600_000;
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const BOOK = uuid(900);
const COUPON_PROMO = uuid(502);
const MEMBERS_PROMO = uuid(503);
const OPEN_PROMO = uuid(504);
const keys = newSigningKeyPair('lane-race');
const coupon = (serial: number, promotionId = COUPON_PROMO) =>
  signCoupon(keys.privateKey, { keyId: keys.keyId, promotionId, serial, expiresAt: T0 + 48 * HOUR });

const page = (revision: number, prices: PricingStorePage['prices'] = []): PricingStorePage =>
  ({
    revision,
    regionId: null,
    currency: 'USD',
    prices,
    promotions: [
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
      {
        id: MEMBERS_PROMO,
        name: 'Members: 50c off cereal with the coupon',
        rule: { kind: 'AMOUNT_OFF', target: { skus: ['CEREAL'] }, amountMinor: 50 },
        priority: 30,
        stacking: 'EXCLUSIVE',
        from: T0 - HOUR,
        to: null,
        couponRequired: true,
        membersOnly: true,
        revision: 12,
      },
      {
        id: OPEN_PROMO,
        name: '10c off cereal for everyone',
        rule: { kind: 'AMOUNT_OFF', target: { skus: ['CEREAL'] }, amountMinor: 10 },
        priority: 40,
        stacking: 'STACKABLE',
        from: T0 - HOUR,
        to: null,
        revision: 12,
      },
    ],
    keys: [{ keyId: keys.keyId, publicKey: keys.publicKey, createdAt: T0 - 10 * HOUR, retiredAt: null, revision: 12 }],
    usedCoupons: [],
    next: null,
  }) as PricingStorePage;

/**
 * One single-use coupon at two lanes of one store (hostile review #2, #5): the store knows both sales, so only one
 * takes it. A card tender holds its basket's coupons from its start (another basket refuses them meanwhile), the
 * sale's write checks them again against the used list in the same transaction (a coupon used meanwhile fails the
 * completion: a cash sale is told with its basket priced again, a card approved is voided), and a card tender
 * completes with exactly the basket priced when it began, whatever the rules heard since.
 */
describe('a coupon at two lanes at once', () => {
  let till: Till;
  let restore: (() => void) | undefined;
  beforeAll(async () => {
    till = await startTill();
    pricingSink(till.node.pricing)(till.node.db, [page(12)]);
  });
  afterEach(() => {
    restore?.();
    restore = undefined;
  });
  afterAll(() => till?.stop());

  const view = async (saleId: string) => (await till.call('GET', `/api/pos/sales/${saleId}`)).body;
  const withCoupon = async (code: string) => {
    const saleId = await till.basket({ HEADPHONES: 1 });
    const put = await till.call('PUT', `/api/pos/sales/${saleId}/coupons`, { codes: [code] });
    expect(put.body.coupons).toEqual([expect.objectContaining({ status: 'APPLIED' })]);
    expect(put.body).toMatchObject({ totalMinor: 980 }); // 900 + 8.875 % tax
    return saleId;
  };
  const redeemed = (couponId: string) =>
    (
      till.node.db
        .prepare(
          "SELECT payload FROM sync_outbox WHERE type = 'coupon.redeemed' AND json_extract(payload, '$.couponId') = ?",
        )
        .pluck()
        .all(couponId) as string[]
    ).map((p) => JSON.parse(p).saleId as string);
  /** The terminal waits for the test before it answers (the customer is slow to tap). */
  const gateTerminal = () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const real = till.terminal.authorise;
    till.terminal.authorise = async (amount: number, currency: string, saleId: string): Promise<Authorisation> => {
      await gate;
      return real.call(till.terminal, amount, currency, saleId);
    };
    restore = () => {
      open();
      till.terminal.authorise = real;
    };
    return open;
  };
  const waitAuthorising = async (saleId: string) => {
    for (let i = 0; i < 600; i++) {
      if (
        (await view(saleId)).tender?.state === 'AUTHORISING' ||
        till.node.pos.baskets.basket(saleId)?.tender_state === 'AUTHORISING'
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sale ${saleId} never started its card tender`);
  };

  it('two cash sales paid in the same moment: one takes the coupon, the other is told (409) and re-priced', async () => {
    const code = coupon(1);
    const a = await withCoupon(code);
    const b = await withCoupon(code);
    // Both priced with the coupon unused, both written in one group commit: the second write finds it used.
    const results = await Promise.allSettled([
      till.node.pos.tender(a, { kind: 'CASH', givenMinor: 2000 }),
      till.node.pos.tender(b, { kind: 'CASH', givenMinor: 2000 }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const won = results[0]!.status === 'fulfilled' ? a : b;
    const lost = won === a ? b : a;
    const refusal = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refusal.reason).toMatchObject({ status: 409 });
    expect(refusal.reason.message).toMatch(/used meanwhile/);
    expect(refusal.reason.extra.sale).toMatchObject({ id: lost, status: 'OPEN', totalMinor: 1089 });
    expect(refusal.reason.extra.sale.coupons).toEqual([
      expect.objectContaining({ status: 'REFUSED', refusal: 'USED' }),
    ]);
    expect(redeemed(`${COUPON_PROMO}:1`)).toEqual([won]);
    expect(till.events('sale.completed', lost)).toEqual([]);
    // The lane takes payment again at the full price.
    const paid = await till.call('POST', `/api/pos/sales/${lost}/tender`, { kind: 'CASH', givenMinor: 1089 });
    expect(paid.body).toMatchObject({ status: 'COMPLETED', totalMinor: 1089, discountMinor: 0 });
  });

  it('a card tender holds its coupon: another basket refuses it meanwhile, and the card sale takes it', async () => {
    const code = coupon(2);
    const a = await withCoupon(code);
    const b = await withCoupon(code);
    const open = gateTerminal();
    const card = till.call('POST', `/api/pos/sales/${a}/tender`, { kind: 'CARD' });
    await waitAuthorising(a);
    const other = await view(b);
    expect(other.coupons).toEqual([
      expect.objectContaining({ status: 'REFUSED', refusal: 'USED', message: expect.stringMatching(/held by a card/) }),
    ]);
    expect(other).toMatchObject({ totalMinor: 1089, discountMinor: 0 });
    const cash = await till.call('POST', `/api/pos/sales/${b}/tender`, { kind: 'CASH', givenMinor: 1089 });
    expect(cash.body).toMatchObject({ status: 'COMPLETED', totalMinor: 1089, discountMinor: 0 });
    open();
    expect((await card).body).toMatchObject({ status: 'COMPLETED', totalMinor: 980 });
    expect(redeemed(`${COUPON_PROMO}:2`)).toEqual([a]);
  });

  it('a coupon used meanwhile (the hub says so) voids the card approved with it and reopens the basket', async () => {
    const code = coupon(3);
    const a = await withCoupon(code);
    const open = gateTerminal();
    const card = till.call('POST', `/api/pos/sales/${a}/tender`, { kind: 'CARD' });
    await waitAuthorising(a);
    till.node.pricing.repo.putUsedFromHub(`${COUPON_PROMO}:3`, 99, T0); // redeemed at another store, heard now
    till.node.pricing.changed();
    const before = till.terminal.authorisations;
    open();
    const answer = await card;
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toMatch(/used meanwhile/);
    expect(till.terminal.authorisations).toBe(before + 1);
    const after = await view(a);
    expect(after).toMatchObject({ status: 'OPEN', totalMinor: 1089 });
    expect(after.note ?? after.tender?.note ?? JSON.stringify(after)).toMatch(/voided/);
    expect(till.events('sale.completed', a)).toEqual([]);
    expect(redeemed(`${COUPON_PROMO}:3`)).toEqual([]);
    await till.call('POST', `/api/pos/sales/${a}/void`, {});
  });

  it('a card tender settled later completes with exactly the basket priced when it began', async () => {
    const code = coupon(4);
    const a = await withCoupon(code);
    // The terminal charges the card but its answer is lost: the basket waits AUTHORISING for the look-up.
    const real = till.terminal.authorise;
    till.terminal.authorise = async (amount: number, currency: string, saleId: string): Promise<Authorisation> => {
      await real.call(till.terminal, amount, currency, saleId);
      throw new Error('the terminal connection dropped');
    };
    restore = () => {
      till.terminal.authorise = real;
    };
    expect((await till.call('POST', `/api/pos/sales/${a}/tender`, { kind: 'CARD' })).status).toBeGreaterThanOrEqual(
      500,
    );
    restore();
    restore = undefined;
    // Meanwhile a price entry arrives that would price the headphones lower since before the tender began.
    pricingSink(till.node.pricing)(till.node.db, [
      page(13, [
        {
          id: uuid(1),
          bookId: BOOK,
          scope: 'CHAIN',
          sku: 'HEADPHONES',
          priceMinor: 700,
          memberPriceMinor: null,
          from: T0 - 2 * HOUR,
          to: null,
          revision: 13,
        },
      ]),
    ]);
    // The cashier retries: the terminal's record decides, and the sale records what the card was charged.
    const settled = await till.call('POST', `/api/pos/sales/${a}/tender`, { kind: 'CARD' });
    expect(settled.body).toMatchObject({ status: 'COMPLETED', totalMinor: 980, discountMinor: 100 });
    expect(till.events('sale.completed', a)[0]).toMatchObject({ totalMinor: 980 });
    expect(redeemed(`${COUPON_PROMO}:4`)).toEqual([a]);
  });

  it('the store’s coupon check gives the verdict price() gives (demanding #17: no VALID that the basket then refuses)', async () => {
    const check = async (code: string) => (await till.call('POST', '/api/pricing/coupons/check', { code })).body;
    expect(await check(coupon(20))).toMatchObject({ status: 'VALID', couponId: `${COUPON_PROMO}:20` });
    // A members-only coupon without a loyalty card, and a coupon for a promotion that needs none: price() refuses both.
    const members = coupon(21, MEMBERS_PROMO);
    const open = coupon(22, OPEN_PROMO);
    const saleId = await till.basket({ CEREAL: 1 });
    const priced = (await till.call('PUT', `/api/pos/sales/${saleId}/coupons`, { codes: [members, open] })).body;
    expect(priced.coupons.map((c: { refusal?: string }) => c.refusal)).toEqual(['NOT_HERE', 'NOT_APPLICABLE']);
    expect(await check(members)).toMatchObject({ status: 'NOT_HERE', message: priced.coupons[0].message });
    expect(await check(open)).toMatchObject({ status: 'NOT_APPLICABLE', message: priced.coupons[1].message });
    expect((await check('not-a-coupon')).status).toBe('MALFORMED');
    await till.call('POST', `/api/pos/sales/${saleId}/void`, {});
  });
});
