import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BasketLine,
  createLogger,
  DEFAULT_TAX_RATES_PPM,
  newSigningKeyPair,
  type PricingRules,
  type PricingStorePage,
  price,
  signCoupon,
} from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { pricingSink, StorePricing } from '../../src/pricing/index.js';
import { waitFor } from '../support/sync-fixture.js';

/**
 * Issue #25 at the store (lane D): the store's copy of the hub's pricing rules in SQLite, applied from store-rules pages
 * (a fake hub serving pages to the puller, or the cold start's sink), and priced offline at the store's clock.
 */
const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const CHAIN_BOOK = uuid(900);
const REGION_BOOK = uuid(901);
const PROMO = uuid(500);
const keys = newSigningKeyPair('k1');
const otherKeys = newSigningKeyPair('k9');

const entry = (n: number, sku: string, priceMinor: number, from: number, revision: number, extra = {}) => ({
  id: uuid(n),
  bookId: CHAIN_BOOK,
  scope: 'CHAIN' as const,
  sku,
  priceMinor,
  memberPriceMinor: null,
  from,
  to: null,
  revision,
  ...extra,
});
const key = (revision: number) => ({
  keyId: keys.keyId,
  publicKey: keys.publicKey,
  createdAt: T0 - 10 * HOUR,
  retiredAt: null,
  revision,
});
const couponPromotion = (revision: number) => ({
  id: PROMO,
  name: '20 % off coffee with the coupon',
  rule: { kind: 'PERCENT_OFF' as const, target: { skus: ['COFFEE'] }, bp: 2_000 },
  priority: 10,
  stacking: 'EXCLUSIVE' as const,
  from: T0 - HOUR,
  to: null,
  couponRequired: true,
  revision,
});
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
const coupon = (serial: number, signer = keys) =>
  signCoupon(signer.privateKey, { keyId: signer.keyId, promotionId: PROMO, serial, expiresAt: T0 + 48 * HOUR });

/** Lets the event loop run its pending setImmediate callbacks (a notice pokes the puller on the next one). */
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

const stopAfter: (() => void)[] = [];
afterEach(() => {
  for (const stop of stopAfter.splice(0)) stop();
});

/** A store node with no hub, its catalog seeded, its clock the test's. */
function storeNode(clock: { at: number }): StoreNode {
  const node = createStoreNode({
    dbPath: join(mkdtempSync(join(tmpdir(), 'sf-pricing-')), 'store.sqlite'),
    port: 0,
    logLevel: 'silent',
    mode: 'test',
    now: () => clock.at,
  });
  const put = node.db.prepare(
    `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
     VALUES (?, ?, ?, NULL, NULL, ?, ?, 'USD', ?, 1)`,
  );
  put.run('COFFEE', '00012345678905', 'Coffee beans 1 kg', 'Pantry', 1_200, 'STANDARD');
  put.run('TEA', null, 'Green tea', 'Pantry', 400, 'REDUCED');
  put.run('MUG', null, 'Mug', 'Home', 900, 'STANDARD');
  return node;
}

/**
 * A fake hub: answers the store-rules pull from `pages` (by `after`), counts calls and overlapping pulls. While `hold`
 * is set, each call waits until the test calls `release()`: a pull stays in flight for as long as the test needs.
 */
function fakeHub(pages: (after: number) => unknown) {
  const held: (() => void)[] = [];
  const hub = {
    calls: 0,
    inFlight: 0,
    maxInFlight: 0,
    down: false,
    afters: [] as number[],
    hold: false,
    held,
    release: () => {
      hub.hold = false;
      for (const go of held.splice(0)) go();
    },
  };
  const get = async (path: string) => {
    hub.calls++;
    hub.inFlight++;
    hub.maxInFlight = Math.max(hub.maxInFlight, hub.inFlight);
    try {
      if (hub.hold) await new Promise<void>((r) => held.push(r));
      if (hub.down) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      const m = /^\/api\/pricing\/store-rules\?after=(\d+)&limit=\d+$/.exec(path);
      if (!m) throw new Error(`unexpected path ${path}`);
      hub.afters.push(Number(m[1]));
      return pages(Number(m[1]));
    } finally {
      hub.inFlight--;
    }
  };
  return { hub, get };
}

function pricingWith(node: StoreNode, get: (path: string) => Promise<unknown>, clock: { at: number }) {
  const p = new StorePricing(node.db, get, createLogger('pricing-test', 'silent'), () => clock.at, {
    storeId: null,
    currency: 'USD',
    taxRatesPpm: DEFAULT_TAX_RATES_PPM,
  });
  stopAfter.push(() => p.stop());
  return p;
}

describe('the store pricing copy, pulled from a hub', () => {
  const clock = { at: T0 };
  let node: StoreNode;
  beforeAll(() => {
    node = storeNode(clock);
  });
  afterAll(() => node?.stop());

  it('pulls at start page by page, applies a page twice to the same copy, and a tombstone removes its row', async () => {
    const pages: Record<number, unknown> = {
      0: page({
        prices: [entry(1, 'COFFEE', 1_000, T0 - HOUR, 1), entry(2, 'TEA', 350, T0 - HOUR, 2)],
        revision: 2,
        next: 2,
      }),
      2: page({ promotions: [couponPromotion(3)], keys: [key(4)], revision: 4, next: null }),
    };
    const { hub, get } = fakeHub((after) => pages[after] ?? page({ revision: after }));
    const pricing = pricingWith(node, get, clock);
    pricing.start();
    await waitFor('the first pull', () => pricing.status().lastPullAt !== null);
    expect(pricing.status()).toMatchObject({
      revision: 4,
      hubReachable: true,
      counts: { entries: 2, promotions: 1, keys: 1, usedCoupons: 0 },
    });
    expect(hub.afters.slice(0, 2)).toEqual([0, 2]);
    const before = pricing.rules();

    // the same pages again (the copy pulled from 0 once more): nothing changes
    node.db.prepare('UPDATE pricing_sync SET revision = 0').run();
    pricing.puller.poke(true);
    await waitFor(
      'the pull from 0 again',
      () => hub.afters.filter((a) => a === 0).length >= 2 && !pricing.status().pulling,
    );
    pricing.changed();
    expect(pricing.rules().prices).toEqual(before.prices);
    expect(pricing.rules().promotions).toEqual(before.promotions);
    expect(pricing.status().counts).toMatchObject({ entries: 2, promotions: 1, keys: 1 });

    // a notice of revision 5: the tombstone of the tea's entry; older rows coming late change nothing (the tea stays gone)
    pages[4] = page({
      prices: [
        entry(2, 'TEA', 350, T0 - HOUR, 5, { deleted: true }),
        entry(2, 'TEA', 350, T0 - HOUR, 2),
        entry(1, 'COFFEE', 9_999, T0 - HOUR, 1),
      ],
      revision: 5,
    });
    pricing.noticed(5);
    await waitFor('revision 5', () => pricing.status().revision === 5 && !pricing.status().pulling);
    expect(pricing.status().counts.entries).toBe(1);
    expect(pricing.rules().prices.map((e) => [e.sku, e.priceMinor])).toEqual([['COFFEE', 1_000]]);
    expect(pricing.rules().revision).toBe(5);
    expect(hub.maxInFlight).toBe(1);
  });

  it('never pulls twice at once, retries with backoff while the hub is away, and stop() stops it', async () => {
    const n2 = storeNode(clock);
    stopAfter.push(() => n2.stop());
    const { hub, get } = fakeHub((after) =>
      page({ prices: [entry(10, 'MUG', 800, T0, 7)], revision: Math.max(after, 7) }),
    );
    hub.down = true;
    hub.hold = true;
    const pricing = pricingWith(n2, get, clock);
    pricing.start();
    await waitFor('the first pull at the hub', () => hub.held.length === 1);
    for (let i = 1; i <= 20; i++) pricing.noticed(i);
    await turns(); // every notice's poke has run (each is one setImmediate)
    expect(hub.calls).toBe(1); // a pull in flight: the notices started no second one
    hub.release();
    await waitFor('a failed pull', () => pricing.status().lastError !== null);
    expect(pricing.status().hubReachable).toBe(false);
    hub.down = false;
    await waitFor('the retry after the hub came back', () => pricing.status().revision === 7, 30_000);
    await waitFor('the copy caught up', () => pricing.status().wanted <= 20 && pricing.status().lastError === null);
    expect(hub.maxInFlight).toBe(1);
    expect(pricing.status().counts.entries).toBe(1);
    pricing.stop();
    const calls = hub.calls;
    pricing.noticed(99);
    await turns(); // the notice's poke has run: a stopped puller starts no pull
    expect(pricing.status().pulling).toBe(false);
    expect(hub.calls).toBe(calls);
  });

  it('a malformed row is refused alone: the others apply and the copy moves on', async () => {
    const n3 = storeNode(clock);
    stopAfter.push(() => n3.stop());
    const bad = { ...entry(21, 'TEA', -5, T0, 2) };
    const { get } = fakeHub(() => ({
      ...page({
        prices: [entry(20, 'COFFEE', 1_100, T0 - HOUR, 1), bad, entry(22, 'MUG', 700, T0 - HOUR, 3)],
        keys: [key(4)],
        revision: 4,
      }),
      promotions: [{ id: 'not-a-uuid', name: 'x' }],
    }));
    const pricing = pricingWith(n3, get, clock);
    pricing.start();
    await waitFor('the pull', () => pricing.status().lastPullAt !== null);
    expect(pricing.status()).toMatchObject({
      revision: 4,
      refusedRows: 2,
      counts: { entries: 2, keys: 1, promotions: 0 },
    });
    expect(
      pricing
        .rules()
        .prices.map((e) => e.sku)
        .sort(),
    ).toEqual(['COFFEE', 'MUG']);
  });

  it('a page that is not one (or does not move on) is refused whole and asked again', async () => {
    const n4 = storeNode(clock);
    stopAfter.push(() => n4.stop());
    let served = 0;
    const { get } = fakeHub(() =>
      served++ === 0 ? { prices: 'lots' } : page({ prices: [entry(30, 'TEA', 300, T0, 3)], revision: 3 }),
    );
    const pricing = pricingWith(n4, get, clock);
    pricing.start();
    await waitFor('the refused page', () => pricing.status().lastError !== null);
    expect(pricing.status().counts.entries).toBe(0);
    await waitFor('the page asked again', () => pricing.status().revision === 3, 30_000);
  });

  it("the store moved to another region: its old region's entries are dropped and the rules pulled again from 0", async () => {
    const n5 = storeNode(clock);
    stopAfter.push(() => n5.stop());
    let region: string | null = 'north';
    const regional = (n: number, p: number, rev: number) =>
      entry(n, 'COFFEE', p, T0 - HOUR, rev, { bookId: REGION_BOOK, scope: 'REGION' });
    const { hub, get } = fakeHub((after) =>
      region === 'north'
        ? page({
            regionId: 'north',
            prices: after < 2 ? [entry(40, 'COFFEE', 1_000, T0 - HOUR, 1), regional(41, 900, 2)] : [],
            revision: 2,
          })
        : after < 2
          ? page({ regionId: 'south', prices: [entry(40, 'COFFEE', 1_000, T0 - HOUR, 1)], revision: 3 })
          : page({ regionId: 'south', prices: [], revision: 3 }),
    );
    const pricing = pricingWith(n5, get, clock);
    pricing.start();
    await waitFor('north', () => pricing.status().revision === 2 && pricing.status().lastPullAt !== null);
    expect(pricing.regionId()).toBe('north');
    expect(
      pricing
        .rules()
        .prices.map((e) => e.scope)
        .sort(),
    ).toEqual(['CHAIN', 'REGION']);
    region = 'south';
    pricing.noticed(3);
    await waitFor(
      'south',
      () => pricing.status().regionId === 'south' && pricing.status().revision === 3 && !pricing.status().pulling,
    );
    expect(pricing.regionId()).toBe('south');
    expect(pricing.rules().prices.map((e) => e.scope)).toEqual(['CHAIN']);
    expect(hub.afters.slice(-2)).toEqual([2, 0]);
  });
});

describe('pricing offline at the store (no hub)', () => {
  const clock = { at: T0 };
  let node: StoreNode;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(node.url + path, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };
  const sink = (...rows: unknown[]) => pricingSink(node.pricing)(node.db, rows);

  beforeAll(async () => {
    node = storeNode(clock);
    await node.start();
    sink(
      page({
        prices: [
          entry(1, 'COFFEE', 1_000, T0 - HOUR, 1),
          // scheduled at the hub while the store is offline: the coffee costs 850 from T0 + 2 h
          entry(2, 'COFFEE', 850, T0 + 2 * HOUR, 2, { memberPriceMinor: 800 }),
        ],
        promotions: [couponPromotion(3)],
        keys: [key(4)],
        usedCoupons: [{ couponId: `${PROMO}:7`, revision: 5 }],
        revision: 5,
      }),
    );
  });
  afterAll(() => node?.stop());

  it('status: the copy held, offline', async () => {
    const r = await call('GET', '/api/pricing/status');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      revision: 5,
      hubReachable: false,
      counts: { entries: 2, promotions: 1, keys: 1, usedCoupons: 1 },
    });
  });

  it('a price change scheduled while the store is offline takes effect at its time, with no network', async () => {
    clock.at = T0;
    const before = await call('POST', '/api/pricing/price', { lines: [{ sku: 'COFFEE', qty: 2 }] });
    expect(before.status).toBe(200);
    expect(before.body.lines[0]).toMatchObject({ sku: 'COFFEE', unitPriceMinor: 1_000, grossMinor: 2_000 });
    const sku = await call('GET', '/api/pricing/skus/COFFEE');
    expect(sku.body).toMatchObject({ unitPriceMinor: 1_000, catalogPriceMinor: 1_200 });
    expect(sku.body.upcoming.map((e: { priceMinor: number }) => e.priceMinor)).toEqual([850]);

    clock.at = T0 + 2 * HOUR + 1;
    const after = await call('POST', '/api/pricing/price', { lines: [{ sku: '012345678905', qty: 2 }] }); // by GTIN
    expect(after.body.lines[0]).toMatchObject({ sku: 'COFFEE', unitPriceMinor: 850, grossMinor: 1_700 });
    const member = await call('POST', '/api/pricing/price', { lines: [{ sku: 'COFFEE', qty: 1 }], member: true });
    expect(member.body.lines[0]).toMatchObject({ unitPriceMinor: 800, member: true });
    expect((await call('GET', '/api/pricing/skus/COFFEE')).body).toMatchObject({
      unitPriceMinor: 850,
      memberPriceMinor: 800,
      upcoming: [],
    });
    clock.at = T0;
  });

  it('a coupon the hub says is used is refused; a good one applies; a forged one is refused offline', async () => {
    const used = coupon(7);
    expect((await call('POST', '/api/pricing/coupons/check', { code: used })).body).toMatchObject({
      status: 'USED',
      couponId: `${PROMO}:7`,
    });
    const good = coupon(8);
    expect((await call('POST', '/api/pricing/coupons/check', { code: ` ${good} ` })).body).toMatchObject({
      status: 'VALID',
      couponId: `${PROMO}:8`,
      promotionName: '20 % off coffee with the coupon',
    });
    const other = coupon(13);
    const forged = `${other.slice(0, -3)}${other.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
    expect((await call('POST', '/api/pricing/coupons/check', { code: forged })).body.status).toBe('FORGED');
    expect((await call('POST', '/api/pricing/coupons/check', { code: coupon(9, otherKeys) })).body.status).toBe(
      'UNKNOWN_KEY',
    );

    const priced = await call('POST', '/api/pricing/price', {
      lines: [{ sku: 'COFFEE', qty: 1 }],
      coupons: [used, good, forged],
    });
    expect(priced.status).toBe(200);
    expect(priced.body.coupons.map((c: { status: string; refusal?: string }) => [c.status, c.refusal])).toEqual([
      ['REFUSED', 'USED'],
      ['APPLIED', undefined],
      ['REFUSED', 'FORGED'],
    ]);
    expect(priced.body.lines[0]).toMatchObject({ unitPriceMinor: 1_000, discountMinor: 200, netMinor: 800 });
  });

  it('a coupon redeemed here is refused on the next basket, and its coupon.redeemed event is in the outbox', async () => {
    const code = coupon(11);
    expect((await call('POST', '/api/pricing/coupons/check', { code })).body.status).toBe('VALID');
    node.sync.write((emit) =>
      node.pricing.redeem(emit, [
        {
          couponId: `${PROMO}:11`,
          promotionId: PROMO,
          saleId: uuid(77),
          saleNumber: 'S001-01-00001',
          discountMinor: 200,
          at: T0,
        },
      ]),
    );
    expect((await call('POST', '/api/pricing/coupons/check', { code })).body.status).toBe('USED');
    const next = await call('POST', '/api/pricing/price', { lines: [{ sku: 'COFFEE', qty: 1 }], coupons: [code] });
    expect(next.body.coupons[0]).toMatchObject({ status: 'REFUSED', refusal: 'USED' });
    expect(next.body.discountMinor).toBe(0);
    const events = node.db
      .prepare("SELECT payload FROM sync_outbox WHERE type = 'coupon.redeemed'")
      .pluck()
      .all()
      .map((p) => JSON.parse(p as string));
    expect(events).toEqual([
      {
        couponId: `${PROMO}:11`,
        promotionId: PROMO,
        saleId: uuid(77),
        saleNumber: 'S001-01-00001',
        discountMinor: 200,
        at: T0,
      },
    ]);
    // a redemption the shared schema refuses records nothing
    expect(() =>
      node.sync.write((emit) =>
        node.pricing.redeem(emit, [{ couponId: 'x', promotionId: 'nope', saleId: '', discountMinor: -1, at: T0 }]),
      ),
    ).toThrow();
    expect(node.pricing.status().counts.usedHere).toBe(1);
  });

  it('the store and the hub price the same basket to the same total from the same rows', () => {
    clock.at = T0 + 3 * HOUR;
    // the hub's rules: the same rows as its store-rules page carried, as the hub pricer holds them
    const hubRules: PricingRules = {
      currency: 'USD',
      taxRatesPpm: DEFAULT_TAX_RATES_PPM,
      prices: [
        {
          bookId: CHAIN_BOOK,
          scope: 'CHAIN',
          sku: 'COFFEE',
          priceMinor: 1_000,
          memberPriceMinor: null,
          from: T0 - HOUR,
          to: null,
          revision: 1,
        },
        {
          bookId: CHAIN_BOOK,
          scope: 'CHAIN',
          sku: 'COFFEE',
          priceMinor: 850,
          memberPriceMinor: 800,
          from: T0 + 2 * HOUR,
          to: null,
          revision: 2,
        },
      ],
      promotions: [couponPromotion(3)],
      couponKeys: [{ keyId: keys.keyId, publicKey: keys.publicKey, createdAt: T0 - 10 * HOUR, retiredAt: null }],
      revision: 5,
    };
    const basket: BasketLine[] = [
      { sku: 'MUG', qty: 2, catalogPriceMinor: 900, taxClass: 'STANDARD', category: 'Home', name: 'Mug' },
      {
        sku: 'COFFEE',
        qty: 3,
        catalogPriceMinor: 1_200,
        taxClass: 'STANDARD',
        category: 'Pantry',
        name: 'Coffee beans 1 kg',
      },
      { sku: 'TEA', qty: 1, catalogPriceMinor: 400, taxClass: 'REDUCED', category: 'Pantry', name: 'Green tea' },
    ];
    const used = new Set([`${PROMO}:7`, `${PROMO}:11`]);
    for (const member of [false, true]) {
      const coupons = [coupon(12)];
      const atStore = node.pricing.price(basket, { member, coupons });
      const atHub = price(basket, hubRules, {
        at: clock.at,
        storeId: null,
        regionId: null,
        member,
        coupons,
        isCouponUsed: (id) => used.has(id),
      });
      expect(atStore).toEqual(atHub);
      expect(atStore.totalMinor).toBeGreaterThan(0);
    }
    expect(node.pricing.price(basket, { member: false }).lines.find((l) => l.sku === 'COFFEE')?.unitPriceMinor).toBe(
      850,
    );
    clock.at = T0;
  });

  it('bad input is a 4xx problem+json and changes nothing; an unknown product is 404', async () => {
    const revision = node.pricing.status().revision;
    const bads: [string, string, unknown][] = [
      ['POST', '/api/pricing/price', { lines: [] }],
      ['POST', '/api/pricing/price', { lines: [{ sku: 'COFFEE', qty: 0 }] }],
      ['POST', '/api/pricing/price', { lines: [{ sku: 'COFFEE', qty: 1.5 }] }],
      ['POST', '/api/pricing/price', { lines: [{ sku: 'COFFEE', qty: 1 }], extra: 1 }],
      ['POST', '/api/pricing/price', { lines: Array.from({ length: 101 }, () => ({ sku: 'COFFEE', qty: 1 })) }],
      ['POST', '/api/pricing/price', { lines: [{ sku: 'COFFEE', qty: 1 }], coupons: ['a', 'b', 'c', 'd', 'e', 'f'] }],
      ['POST', '/api/pricing/price', { lines: [{ sku: 'a/b', qty: 1 }] }],
      ['POST', '/api/pricing/price', 'lines'],
      ['POST', '/api/pricing/coupons/check', { code: '' }],
      ['POST', '/api/pricing/coupons/check', { code: 'x'.repeat(201) }],
      ['POST', '/api/pricing/coupons/check', { code: 5 }],
      ['GET', `/api/pricing/skus/${'x'.repeat(500)}`, undefined],
      ['GET', '/api/pricing/skus/a%00b', undefined],
    ];
    for (const [method, path, body] of bads) {
      const r = await call(method, path, body);
      expect([path, r.status >= 400 && r.status < 500]).toEqual([path, true]);
      expect(r.type).toMatch(/problem\+json/);
    }
    const unknown = await call('POST', '/api/pricing/price', {
      lines: [
        { sku: 'COFFEE', qty: 1 },
        { sku: 'NOPE', qty: 1 },
      ],
    });
    expect(unknown.status).toBe(404);
    expect(unknown.type).toMatch(/problem\+json/);
    expect((await call('GET', '/api/pricing/skus/NOPE')).status).toBe(404);
    const garbage = await call('POST', '/api/pricing/coupons/check', { code: 'not-a-coupon' });
    expect(garbage.status).toBe(200);
    expect(garbage.body.status).toBe('MALFORMED');
    expect(node.pricing.status().revision).toBe(revision);
  });
});
