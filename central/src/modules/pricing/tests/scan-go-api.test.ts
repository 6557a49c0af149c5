import { verifyExitToken } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePort, provide } from '../../../kernel/ports.js';
import { type PaymentProvider, type PaymentStatus, PaymentTimeoutError } from '../../../kernel/ports/payments.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { type ApiAnswer, type Caller, TestHub } from '../../../../tests/support/test-hub.js';

const DAY = 86_400_000;
const PASSWORD = 'a long enough password for tests';
const MILK_GTIN13 = '4006381333931';
const PRODUCTS = [
  { sku: 'SG-MILK', gtin: `0${MILK_GTIN13}`, name: 'Whole milk 1 l', category: 'dairy', priceMinor: 129 },
  { sku: 'SG-BREAD', name: 'Sourdough loaf', category: 'bakery', priceMinor: 350 },
  { sku: 'SG-LAMP', name: 'Desk lamp', category: 'lamps', priceMinor: 2_000 },
  // a numeric sku that also reads as a valid GTIN-8 (no product carries that barcode): scanned as its sku
  { sku: '12345670', name: 'Tea towel', category: 'kitchen', priceMinor: 400 },
  // a numeric sku that is another product's barcode: scanned, the barcode wins; a line set by sku is this one
  { sku: '96385074', name: 'Oven glove', category: 'kitchen', priceMinor: 650 },
  { sku: 'SG-APRON', gtin: '96385074', name: 'Apron', category: 'kitchen', priceMinor: 900 },
  { sku: 'SG-GONE', name: 'Soon discontinued', category: 'kitchen', priceMinor: 100 },
].map((p) => ({ ...p, taxClass: 'ZERO' }));

/**
 * The hub's external payment provider (the port the orders module reads it from, named as the hub names it), counting
 * what it is asked, so a test can see a customer charged once. A module's test may not import another module.
 */
const PAYMENTS_PROVIDER = definePort<PaymentProvider>('payments.provider', 'the payment provider (a test fake)');
class CountingPayments implements PaymentProvider {
  readonly held = new Map<string, { amountMinor: number; status: PaymentStatus }>();
  authorisations: { key: string; amountMinor: number }[] = [];
  captures: string[] = [];
  declineNext = false;
  /** The next authorisation gets no answer in time, and the provider never hears of it (status UNKNOWN). */
  timeoutNext = false;
  async authorise(req: { key: string; amountMinor: number; currency: string }) {
    this.authorisations.push({ key: req.key, amountMinor: req.amountMinor });
    if (this.timeoutNext) {
      this.timeoutNext = false;
      throw new PaymentTimeoutError('the provider did not answer in time');
    }
    // a provider keyed by idempotency key answers a key it has seen with what it answered then (the port's contract)
    const known = this.held.get(req.key);
    if (known?.status === 'DECLINED') return { approved: false as const, reason: 'insufficient funds' };
    if (known?.status === 'VOIDED' || known?.status === 'REFUNDED')
      return { approved: false as const, reason: 'voided' };
    if (known) return { approved: true as const, ref: `fake-${req.key}` };
    if (this.declineNext) {
      this.declineNext = false;
      this.held.set(req.key, { amountMinor: req.amountMinor, status: 'DECLINED' });
      return { approved: false as const, reason: 'insufficient funds' };
    }
    this.held.set(req.key, { amountMinor: req.amountMinor, status: 'APPROVED' });
    return { approved: true as const, ref: `fake-${req.key}` };
  }
  async capture(key: string) {
    this.captures.push(key);
    const p = this.held.get(key);
    if (!p) throw new Error(`nothing authorised under ${key}`);
    p.status = 'CAPTURED';
  }
  async void(key: string) {
    const p = this.held.get(key);
    if (p) p.status = p.status === 'CAPTURED' ? 'REFUNDED' : 'VOIDED';
    // a void of a key never approved is remembered: a late approval under it is voided at once
    else this.held.set(key, { amountMinor: 0, status: 'VOIDED' });
  }
  async status(key: string): Promise<PaymentStatus> {
    return this.held.get(key)?.status ?? 'UNKNOWN';
  }
  /** What the customer is out of under this key. */
  charged(key: string): number {
    const p = this.held.get(key);
    return p?.status === 'CAPTURED' || p?.status === 'APPROVED' ? p.amountMinor : 0;
  }
}

for (const target of dbTargets) {
  describe(`Scan & Go sessions at the hub (${target.name})`, () => {
    const payments = new CountingPayments();
    let t: TestHub;
    let admin = '';
    let storeA = { id: '', token: '' };
    let storeB = { id: '', token: '' };
    let managerA = '';
    let managerB = '';
    let coupons: string[] = [];
    const customers: string[] = [];
    const as = (cookie: string): Caller => ({ cookie });
    const app = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
      t.call(method, `/api/scan-go${path}`, body, as(admin));
    const sessionRows = async () =>
      (
        await t.hub.db.query<{ id: string; status: string; updated_at: string | number }>(
          'SELECT id, status, updated_at FROM scan_go_sessions ORDER BY id',
        )
      ).rows.map((r) => ({ ...r, updated_at: Number(r.updated_at) }));
    const paidEntries = async () =>
      Number(
        (await t.hub.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sync_feed WHERE type = 'scango.paid'"))
          .rows[0]!.n,
      );
    const expectProblem = (res: ApiAnswer, status: number) => {
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    };
    const newCustomer = async (name: string) => {
      const c = await t.call('POST', '/api/customers', { name }, as(admin));
      expect(c.status).toBe(201);
      customers.push(c.body.id);
      return c.body.id as string;
    };

    beforeAll(async () => {
      t = await TestHub.start(target, { externals: [provide(PAYMENTS_PROVIDER, payments)] });
      admin = await t.login();
      const imp = await t.call('POST', '/api/catalog/products/import', { items: PRODUCTS }, as(admin));
      expect(imp.status).toBeLessThan(300);
      const a = await t.store('SGA', admin);
      const b = await t.store('SGB', admin);
      storeA = { id: a.id, token: a.token };
      storeB = { id: b.id, token: b.token };
      for (const [email, storeId] of [
        ['sg-mgr-a@example.test', storeA.id],
        ['sg-mgr-b@example.test', storeB.id],
      ] as const)
        await t.hub.auth.createUser({
          email,
          name: email,
          role: 'STORE_MANAGER',
          storeId: storeId as never,
          password: PASSWORD,
        });
      managerA = await t.login('sg-mgr-a@example.test', PASSWORD);
      managerB = await t.login('sg-mgr-b@example.test', PASSWORD);
      const promo = await t.call(
        'POST',
        '/api/pricing/promotions',
        {
          name: '$5 off a lamp with a coupon',
          rule: { kind: 'AMOUNT_OFF', target: { skus: ['SG-LAMP'] }, amountMinor: 500 },
          priority: 10,
          stacking: 'STACKABLE',
          from: Date.now() - 60_000,
          to: null,
          couponRequired: true,
        },
        as(admin),
      );
      expect(promo.status).toBe(201);
      const issued = await t.call(
        'POST',
        `/api/pricing/promotions/${promo.body.id}/coupons`,
        { count: 2, expiresAt: Date.now() + 30 * DAY },
        as(admin),
      );
      expect(issued.status).toBe(201);
      coupons = issued.body.codes;
    }, 180_000);
    afterAll(() => t?.stop());

    it('opens a session at a store, answers the customer’s open one again, and refuses what is not one', async () => {
      const ana = await newCustomer('Ana Scan');
      const first = await app('POST', '/sessions', { customerId: ana, storeId: storeA.id });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ customerId: ana, storeId: storeA.id, status: 'SHOPPING', saleId: null });
      expect(first.body.priced).toMatchObject({ itemCount: 0, totalMinor: 0 });
      expect(first.body.exitToken).toBeUndefined();
      const again = await app('POST', '/sessions', { customerId: ana, storeId: storeA.id });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);

      const before = await sessionRows();
      const bob = await newCustomer('Bob Nobody');
      const hostile: [unknown, number][] = [
        [{ customerId: bob }, 400],
        [{ customerId: bob, storeId: storeA.id, extra: 1 }, 400],
        [{ customerId: 'not-a-uuid', storeId: storeA.id }, 400],
        [{ customerId: [bob], storeId: storeA.id }, 400],
        [{ customerId: bob, storeId: 42 }, 400],
        ['just a string', 400],
        [null, 400],
        [{ customerId: '00000000-0000-4000-8000-000000000001', storeId: storeA.id }, 404], // no such customer
        [{ customerId: bob, storeId: '00000000-0000-4000-8000-000000000002' }, 404], // no such store
      ];
      for (const [body, status] of hostile) expectProblem(await app('POST', '/sessions', body), status);
      const raw = await t.call('POST', '/api/scan-go/sessions', undefined, {
        cookie: admin,
        rawBody: '{"customerId":',
      });
      expectProblem(raw, 400);
      expect(await sessionRows()).toEqual(before);
      // only the app backend (head office) opens sessions
      expectProblem(
        await t.call('POST', '/api/scan-go/sessions', { customerId: bob, storeId: storeA.id }, as(managerA)),
        403,
      );
      expect(await sessionRows()).toEqual(before);
    });

    it('scans by barcode and by sku, sets and removes lines, and refuses unknown codes and bad quantities', async () => {
      const cy = await newCustomer('Cy Scanner');
      const s = (await app('POST', '/sessions', { customerId: cy, storeId: storeA.id })).body;
      const byGtin = await app('POST', `/sessions/${s.id}/scans`, { code: MILK_GTIN13, qty: 2 });
      expect(byGtin.status).toBe(200);
      expect(byGtin.body.priced.lines).toEqual([expect.objectContaining({ sku: 'SG-MILK', qty: 2 })]);
      const bySku = await app('POST', `/sessions/${s.id}/scans`, { code: 'SG-BREAD' });
      expect(bySku.status).toBe(200);
      expect(bySku.body.priced).toMatchObject({ itemCount: 3, totalMinor: 2 * 129 + 350 });
      // the GTIN-14 spelling of the same barcode is the same product
      const gtin14 = await app('POST', `/sessions/${s.id}/scans`, { code: `0${MILK_GTIN13}` });
      expect(gtin14.body.priced.lines.find((l: { sku: string }) => l.sku === 'SG-MILK').qty).toBe(3);
      const numeric = await app('POST', `/sessions/${s.id}/scans`, { code: '12345670' });
      expect(numeric.status, JSON.stringify(numeric.body)).toBe(200);
      const numericLine = await app('PUT', `/sessions/${s.id}/lines/12345670`, { qty: 0 });
      expect(numericLine.body.priced.lines.map((l: { sku: string }) => l.sku).sort()).toEqual(['SG-BREAD', 'SG-MILK']);
      expect((await app('PUT', `/sessions/${s.id}/lines/12345670`, { qty: 2 })).status).toBe(200);
      await app('PUT', `/sessions/${s.id}/lines/12345670`, { qty: 0 });
      const apron = await app('POST', `/sessions/${s.id}/scans`, { code: '96385074' });
      expect(apron.body.priced.lines.map((l: { sku: string }) => l.sku)).toContain('SG-APRON');
      const glove = await app('PUT', `/sessions/${s.id}/lines/96385074`, { qty: 1 });
      expect(glove.body.priced.lines.find((l: { sku: string }) => l.sku === '96385074')).toMatchObject({ qty: 1 });
      expect(glove.body.priced.lines.find((l: { sku: string }) => l.sku === 'SG-APRON')).toMatchObject({ qty: 1 });
      await app('PUT', `/sessions/${s.id}/lines/96385074`, { qty: 0 });
      await app('PUT', `/sessions/${s.id}/lines/SG-APRON`, { qty: 0 });

      /** The session as the app sees it, without the time it was priced at. */
      const view = async () => {
        const body = (await app('GET', `/sessions/${s.id}`)).body;
        const { at: _, ...priced } = body.priced;
        return { ...body, priced };
      };
      const held = await view();
      expectProblem(await app('POST', `/sessions/${s.id}/scans`, { code: 'NO-SUCH-THING' }), 404);
      expectProblem(await app('POST', `/sessions/${s.id}/scans`, { code: '4006381333932' }), 404); // bad check digit
      for (const body of [
        { code: 'SG-BREAD', qty: 0 },
        { code: 'SG-BREAD', qty: -1 },
        { code: 'SG-BREAD', qty: '2' },
        { code: 'SG-BREAD', qty: 1.5 },
        { code: 'SG-BREAD', qty: 1e9 },
        { code: 'SG BREAD' },
        { code: '' },
        { code: 'x'.repeat(65) },
        { code: 'SG-BREAD', sku: 'SG-LAMP' },
        { code: { $ne: 1 } },
        [],
      ])
        expectProblem(await app('POST', `/sessions/${s.id}/scans`, body), 400);
      expectProblem(await app('POST', '/sessions/not-a-uuid/scans', { code: 'SG-BREAD' }), 400);
      expectProblem(
        await app('POST', '/sessions/00000000-0000-4000-8000-000000000009/scans', { code: 'SG-BREAD' }),
        404,
      );
      expect((await view()).priced).toEqual(held.priced);

      const set = await app('PUT', `/sessions/${s.id}/lines/SG-BREAD`, { qty: 4 });
      expect(set.status).toBe(200);
      expect(set.body.priced.lines.find((l: { sku: string }) => l.sku === 'SG-BREAD').qty).toBe(4);
      const removed = await app('PUT', `/sessions/${s.id}/lines/SG-BREAD`, { qty: 0 });
      expect(removed.status).toBe(200);
      expect(removed.body.priced.lines.map((l: { sku: string }) => l.sku)).toEqual(['SG-MILK']);
      expect(removed.body.priced).toMatchObject({ itemCount: 3, totalMinor: 3 * 129 });
      // a line not in the basket: 0 is a 404, a quantity adds it
      expectProblem(await app('PUT', `/sessions/${s.id}/lines/SG-BREAD`, { qty: 0 }), 404);
      const added = await app('PUT', `/sessions/${s.id}/lines/SG-LAMP`, { qty: 1 });
      expect(added.body.priced.lines.map((l: { sku: string }) => l.sku).sort()).toEqual(['SG-LAMP', 'SG-MILK']);
      expectProblem(await app('PUT', `/sessions/${s.id}/lines/NO-SUCH-SKU`, { qty: 1 }), 404);
      const now = await view();
      for (const body of [{ qty: -1 }, { qty: 'one' }, { qty: 1, extra: true }, {}, null])
        expectProblem(await app('PUT', `/sessions/${s.id}/lines/SG-LAMP`, body), 400);
      expectProblem(await app('PUT', `/sessions/${s.id}/lines/${encodeURIComponent('bad sku!')}`, { qty: 1 }), 400);
      expect((await view()).priced).toEqual(now.priced);
      // only the app backend scans
      expectProblem(
        await t.call('POST', `/api/scan-go/sessions/${s.id}/scans`, { code: 'SG-BREAD' }, { bearer: storeA.token }),
        403,
      );
      expect((await app('POST', `/sessions/${s.id}/cancel`)).body.status).toBe('CANCELLED');
    });

    it('checks out with a coupon once: PAID with an exit token, charged once however often it is asked', async () => {
      const di = await newCustomer('Di Payer');
      const s = (await app('POST', '/sessions', { customerId: di, storeId: storeA.id })).body;
      await app('POST', `/sessions/${s.id}/scans`, { code: 'SG-LAMP' });
      await app('POST', `/sessions/${s.id}/scans`, { code: MILK_GTIN13, qty: 2 });
      const feedBefore = await paidEntries();
      const chargesBefore = payments.authorisations.length;

      // a coupon that is no coupon refuses the checkout whole: nothing charged, still shopping
      const forged = await app('POST', `/sessions/${s.id}/checkout`, { coupons: [`${coupons[0]!.slice(0, -3)}AAA`] });
      expectProblem(forged, 422);
      // the same coupon twice: refused whole, never a 5xx
      const twice = await app('POST', `/sessions/${s.id}/checkout`, { coupons: [coupons[0], coupons[0]] });
      expect(twice.status, JSON.stringify(twice.body)).toBeLessThan(500);
      if (twice.status === 200) throw new Error('a coupon given twice was taken');
      for (const body of [{ coupons: 'x' }, { coupons: Array(6).fill(coupons[0]) }, { coupons: [''] }, { tip: 1 }])
        expectProblem(await app('POST', `/sessions/${s.id}/checkout`, body), 400);
      expect(payments.authorisations.length).toBe(chargesBefore);
      expect((await app('GET', `/sessions/${s.id}`)).body.status).toBe('SHOPPING');

      const paid = await app('POST', `/sessions/${s.id}/checkout`, { coupons: [coupons[0]] });
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
      expect(paid.body).toMatchObject({ id: s.id, status: 'PAID' });
      expect(paid.body.priced).toMatchObject({ itemCount: 3, discountMinor: 500 });
      expect(paid.body.priced.coupons).toEqual([expect.objectContaining({ status: 'APPLIED' })]);
      const total = paid.body.priced.totalMinor as number;
      expect(payments.authorisations.slice(chargesBefore)).toEqual([{ key: `${s.id}:1`, amountMinor: total }]);
      expect(payments.charged(`${s.id}:1`)).toBe(total);
      expect(paid.body.saleId).toEqual(expect.any(String));

      // the token verifies with the hub's public keys: this session, this store, what was paid
      const keys = (await t.call('GET', '/api/pricing/keys', undefined, as(admin))).body.keys;
      const v = verifyExitToken(paid.body.exitToken, keys, { storeId: storeA.id, at: Date.now() });
      expect(v).toMatchObject({ ok: true, claims: { sessionId: s.id, storeId: storeA.id, itemCount: 3 } });
      expect(v.ok && v.claims.totalMinor).toBe(total);
      expect(verifyExitToken(paid.body.exitToken, keys, { storeId: storeB.id, at: Date.now() })).toMatchObject({
        ok: false,
        refusal: 'WRONG_STORE',
      });

      // asked again (a retry after a lost answer): the same PAID session, not charged again
      const again = await app('POST', `/sessions/${s.id}/checkout`, { coupons: [coupons[0]] });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ status: 'PAID', saleId: paid.body.saleId, exitToken: paid.body.exitToken });
      expect(payments.authorisations.length).toBe(chargesBefore + 1);
      expect(payments.captures.filter((k) => k.startsWith(s.id))).toHaveLength(1);
      expect(await paidEntries()).toBe(feedBefore + 1);

      // the paid lines left the cart; the basket is closed to changes
      expect((await t.call('GET', `/api/carts/${di}`, undefined, as(admin))).body.lines).toEqual([]);
      expectProblem(await app('POST', `/sessions/${s.id}/scans`, { code: 'SG-BREAD' }), 409);
      expectProblem(await app('PUT', `/sessions/${s.id}/lines/SG-LAMP`, { qty: 2 }), 409);
      const closed = await app('POST', `/sessions/${s.id}/cancel`);
      expectProblem(closed, 409);
      expect(closed.body.sessionStatus).toBe('PAID'); // said beside the problem's own status, not over it

      // the coupon is used now: a second session cannot take it again
      const s2 = await app('POST', '/sessions', { customerId: di, storeId: storeA.id });
      expect(s2.status).toBe(201);
      expect(s2.body.id).not.toBe(s.id);
      await app('POST', `/sessions/${s2.body.id}/scans`, { code: 'SG-LAMP' });
      expectProblem(await app('POST', `/sessions/${s2.body.id}/checkout`, { coupons: [coupons[0]] }), 422);
      expect(payments.authorisations.length).toBe(chargesBefore + 1);
      // a declined card leaves it shopping with nothing charged
      payments.declineNext = true;
      const declined = await app('POST', `/sessions/${s2.body.id}/checkout`, {});
      expectProblem(declined, 422);
      expect(declined.body.declined).toBe(true);
      expect((await app('GET', `/sessions/${s2.body.id}`)).body.status).toBe('SHOPPING');
      expect(payments.charged(`${s2.body.id}:1`)).toBe(0);
      expect((await app('POST', `/sessions/${s2.body.id}/cancel`)).body).toMatchObject({
        status: 'CANCELLED',
        priced: null,
      });
    });

    it('a declined card can be followed by another attempt that pays: each attempt is its own payment', async () => {
      const jo = await newCustomer('Jo Retry');
      const s = (await app('POST', '/sessions', { customerId: jo, storeId: storeA.id })).body;
      await app('POST', `/sessions/${s.id}/scans`, { code: 'SG-BREAD' });
      const before = payments.authorisations.length;
      payments.declineNext = true;
      expectProblem(await app('POST', `/sessions/${s.id}/checkout`, {}), 422);
      const paid = await app('POST', `/sessions/${s.id}/checkout`, {});
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
      expect(paid.body).toMatchObject({ status: 'PAID', exitToken: expect.any(String) });
      const keys = payments.authorisations.slice(before).map((a) => a.key);
      expect(keys).toEqual([`${s.id}:1`, `${s.id}:2`]);
      expect(payments.charged(`${s.id}:1`)).toBe(0);
      expect(payments.charged(`${s.id}:2`)).toBe(350);
    });

    it('a coupon a basket is paying with cannot pay for another; a voided payment gives it back and the session pays again', async () => {
      const kim = await newCustomer('Kim Slowcard');
      const lee = await newCustomer('Lee Sharer');
      const coupon = coupons[1]!;
      const s1 = (await app('POST', '/sessions', { customerId: kim, storeId: storeA.id })).body;
      const s2 = (await app('POST', '/sessions', { customerId: lee, storeId: storeA.id })).body;
      await app('POST', `/sessions/${s1.id}/scans`, { code: 'SG-LAMP' });
      await app('POST', `/sessions/${s2.id}/scans`, { code: 'SG-LAMP' });
      const feedBefore = await paidEntries();
      try {
        // the provider does not answer: the first basket stays CHARGING with the coupon
        payments.timeoutNext = true;
        const slow = await app('POST', `/sessions/${s1.id}/checkout`, { coupons: [coupon] });
        expect(slow.status, JSON.stringify(slow.body)).toBe(200);
        expect(slow.body).toMatchObject({ status: 'CHARGING', priced: { discountMinor: 500 } });
        const couponId = slow.body.priced.coupons[0].couponId as string;
        expect(couponId).toEqual(expect.any(String));

        // the same code on another basket meanwhile: 409 naming the coupon by its id, nothing charged
        const before = payments.authorisations.length;
        const second = await app('POST', `/sessions/${s2.id}/checkout`, { coupons: [coupon] });
        expectProblem(second, 409);
        expect(second.body.coupons).toEqual([couponId]);
        expect(second.body.detail).toContain(couponId);
        expect(JSON.stringify(second.body)).not.toContain(coupon);
        expect(payments.authorisations.length).toBe(before);
        expect((await app('GET', `/sessions/${s2.id}`)).body.status).toBe('SHOPPING');

        // the provider never heard of the first payment: settled later, it is voided and the basket goes back
        t.clock.offsetMs = 11 * 60_000;
        await waitFor(
          'the unanswered payment settled',
          async () => (await app('GET', `/sessions/${s1.id}`)).body.status === 'SHOPPING',
          60_000,
        );
        expect(await paidEntries()).toBe(feedBefore);
        // the coupon is free again: the other basket pays with it
        const paid2 = await app('POST', `/sessions/${s2.id}/checkout`, { coupons: [coupon] });
        expect(paid2.status, JSON.stringify(paid2.body)).toBe(200);
        expect(paid2.body).toMatchObject({ status: 'PAID', priced: { discountMinor: 500 } });
        // and the first session, its payment voided, pays with a new attempt (its coupon now used elsewhere)
        expectProblem(await app('POST', `/sessions/${s1.id}/checkout`, { coupons: [coupon] }), 422);
        const paid1 = await app('POST', `/sessions/${s1.id}/checkout`, {});
        expect(paid1.status, JSON.stringify(paid1.body)).toBe(200);
        expect(paid1.body).toMatchObject({ status: 'PAID', priced: { discountMinor: 0, totalMinor: 2_000 } });
        expect(payments.charged(`${s1.id}:1`)).toBe(0);
        expect(payments.charged(`${s1.id}:2`)).toBe(2_000);
        const redeemed = await t.hub.db.query<{ sale_id: string }>(
          'SELECT sale_id FROM pricing_coupon_redemptions WHERE coupon_id = $1',
          [couponId],
        );
        expect(redeemed.rows.map((r) => r.sale_id)).toEqual([paid2.body.saleId]);
        const doubles = await t.call('GET', '/api/pricing/coupons/doubles', undefined, as(admin));
        expect(JSON.stringify(doubles.body)).not.toContain(couponId);
      } finally {
        t.clock.offsetMs = 0;
      }
    });

    it('a customer with an open session at one store is told so when opening one at another (409 naming it)', async () => {
      const mo = await newCustomer('Mo Twostores');
      const a = await app('POST', '/sessions', { customerId: mo, storeId: storeA.id });
      expect(a.status).toBe(201);
      const b = await app('POST', '/sessions', { customerId: mo, storeId: storeB.id });
      expectProblem(b, 409);
      expect(b.body).toMatchObject({ sessionId: a.body.id, storeId: storeA.id });
      expect(b.body.detail).toContain(storeA.id);
      expect((await app('GET', `/sessions/${a.body.id}`)).body).toMatchObject({
        status: 'SHOPPING',
        storeId: storeA.id,
      });
      await app('POST', `/sessions/${a.body.id}/cancel`);
      const again = await app('POST', '/sessions', { customerId: mo, storeId: storeB.id });
      expect(again.status).toBe(201);
      expect(again.body.storeId).toBe(storeB.id);
      await app('POST', `/sessions/${again.body.id}/cancel`);
    });

    it('the exit token only to head office; another store’s token or manager gets 404', async () => {
      const ed = await newCustomer('Ed Reader');
      const s = (await app('POST', '/sessions', { customerId: ed, storeId: storeA.id })).body;
      await app('POST', `/sessions/${s.id}/scans`, { code: 'SG-BREAD' });
      const paid = await app('POST', `/sessions/${s.id}/checkout`);
      expect(paid.status).toBe(200);
      expect(paid.headers.get('cache-control') ?? '').toMatch(/no-store/);
      const asAdmin = await app('GET', `/sessions/${s.id}`);
      expect(asAdmin.body.exitToken).toBe(paid.body.exitToken);
      for (const who of [as(managerA), { bearer: storeA.token }]) {
        const r = await t.call('GET', `/api/scan-go/sessions/${s.id}`, undefined, who);
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ id: s.id, status: 'PAID', storeId: storeA.id });
        expect(r.body.exitToken).toBeUndefined();
        expect(JSON.stringify(r.body)).not.toContain(paid.body.exitToken);
      }
      for (const who of [as(managerB), { bearer: storeB.token }]) {
        const r = await t.call('GET', `/api/scan-go/sessions/${s.id}`, undefined, who);
        expectProblem(r, 404);
        expect(JSON.stringify(r.body)).not.toContain(paid.body.exitToken);
      }
      expectProblem(await t.call('GET', `/api/scan-go/sessions/${s.id}`), 401);
    });

    it('two checkouts at once (a double tap) charge once: one pays, the other is told to ask again', async () => {
      const gu = await newCustomer('Gu Doubletap');
      const s = (await app('POST', '/sessions', { customerId: gu, storeId: storeA.id })).body;
      await app('POST', `/sessions/${s.id}/scans`, { code: 'SG-LAMP' });
      const before = payments.authorisations.length;
      const answers = await Promise.all([1, 2, 3].map(() => app('POST', `/sessions/${s.id}/checkout`, {})));
      for (const a of answers) expect([200, 409], JSON.stringify(a.body)).toContain(a.status);
      expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(1);
      expect(payments.authorisations.length).toBe(before + 1);
      const after = await app('POST', `/sessions/${s.id}/checkout`, {});
      expect(after.body).toMatchObject({ status: 'PAID', exitToken: expect.any(String) });
      expect(payments.charged(`${s.id}:1`)).toBe(after.body.priced.totalMinor);
      expect(payments.authorisations.length).toBe(before + 1);
    });

    it('a product gone from the catalog after it was scanned: the session still reads, cannot be paid, and the line can go', async () => {
      const ha = await newCustomer('Ha Leftover');
      const s = (await app('POST', '/sessions', { customerId: ha, storeId: storeA.id })).body;
      await app('POST', `/sessions/${s.id}/scans`, { code: 'SG-BREAD' });
      await app('POST', `/sessions/${s.id}/scans`, { code: 'SG-GONE' });
      await t.hub.db.query("DELETE FROM catalog_products WHERE sku = 'SG-GONE'");
      const read = await app('GET', `/sessions/${s.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: s.id, status: 'SHOPPING', priced: null });
      expect(read.body.message).toContain('SG-GONE');
      const before = payments.authorisations.length;
      const pay = await app('POST', `/sessions/${s.id}/checkout`, {});
      expectProblem(pay, 409);
      expect(pay.body.detail).toContain('SG-GONE');
      expect(payments.authorisations.length).toBe(before);
      expect((await app('GET', `/sessions/${s.id}`)).body.status).toBe('SHOPPING');
      const removed = await app('PUT', `/sessions/${s.id}/lines/SG-GONE`, { qty: 0 });
      expect(removed.status).toBe(200);
      expect(removed.body.priced).toMatchObject({ itemCount: 1, totalMinor: 350 });
      expect(removed.body.message).toBeUndefined();
      expect((await app('POST', `/sessions/${s.id}/cancel`)).body.status).toBe('CANCELLED');
    });

    it('cancels a session without charging it; a cancelled session takes no scans or checkout', async () => {
      const fi = await newCustomer('Fi Canceller');
      const s = (await app('POST', '/sessions', { customerId: fi, storeId: storeB.id })).body;
      await app('POST', `/sessions/${s.id}/scans`, { code: 'SG-BREAD', qty: 2 });
      const before = payments.authorisations.length;
      const cancelled = await app('POST', `/sessions/${s.id}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'CANCELLED', priced: null });
      expect((await app('POST', `/sessions/${s.id}/cancel`)).body.status).toBe('CANCELLED');
      expectProblem(await app('POST', `/sessions/${s.id}/scans`, { code: 'SG-BREAD' }), 409);
      expectProblem(await app('POST', `/sessions/${s.id}/checkout`, {}), 409);
      expect(payments.authorisations.length).toBe(before);
      // the customer may open a new one; the cancelled one is not answered as open
      const next = await app('POST', '/sessions', { customerId: fi, storeId: storeB.id });
      expect(next.status).toBe(201);
      expect(next.body.id).not.toBe(s.id);
      // nothing scanned: nothing to pay for
      await app('PUT', `/sessions/${next.body.id}/lines/SG-BREAD`, { qty: 0 });
      expectProblem(await app('POST', `/sessions/${next.body.id}/checkout`, {}), 422);
      expect(payments.authorisations.length).toBe(before);
    });

    it('the exits: head office any store, a manager their own, bad queries refused', async () => {
      const mine = await t.call('GET', '/api/scan-go/exits', undefined, as(managerA));
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({ storeId: storeA.id, exits: [], counts: { PASSED: 0, AUDITED: 0, REFUSED: 0 } });
      expectProblem(await t.call('GET', `/api/scan-go/exits?storeId=${storeB.id}`, undefined, as(managerA)), 403);
      expectProblem(await t.call('GET', '/api/scan-go/exits', undefined, { bearer: storeA.token }), 403);
      for (const q of ['from=yesterday', 'storeId=nope', `storeId=${storeA.id}&storeId=${storeB.id}`, 'x=1'])
        expectProblem(await t.call('GET', `/api/scan-go/exits?${q}`, undefined, as(admin)), 400);
      expect((await t.call('GET', `/api/scan-go/exits?storeId=${storeB.id}`, undefined, as(admin))).status).toBe(200);
    });
  });
}
