import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../../../db/db.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { openMigratedDb } from '../../../../tests/support/migrated-db.js';
import { lshBuckets, minhash } from '../fraud/minhash.js';
import { FraudRulesRepository, MAX_CANDIDATES } from '../fraud/rules-repository.js';
import { FraudScorer } from '../fraud/scorer.js';
import { type FraudInput, MANUAL_AT } from '../types.js';

/**
 * Each fraud rule fires at its threshold and not one review below it, reading reviews written straight into the
 * tables; the combined verdicts of representative cases; the same input scores the same.
 */
const NOW = Date.UTC(2026, 10, 2, 12);
const MIN = 60_000;
const DAY = 86_400_000;
const log = pino({ level: 'silent' });

let skuNo = 0;
const sku = () => `SKU-${++skuNo}`;

interface Seed {
  readonly customerId?: string;
  readonly sku?: string;
  readonly rating?: number;
  readonly ip?: string | null;
  readonly device?: string | null;
  readonly at?: number;
  readonly status?: string;
}
async function seed(q: Queryable, s: Seed = {}): Promise<string> {
  const id = randomUUID();
  await q.query(
    'INSERT INTO reviews (id, sku, customer_id, rating, title, body, author_name, status, client_ip, device_id,' +
      ' created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)',
    [
      id,
      s.sku ?? sku(),
      s.customerId ?? randomUUID(),
      s.rating ?? 4,
      'A title',
      'A body long enough',
      'Ana P.',
      s.status ?? 'APPROVED',
      s.ip ?? null,
      s.device ?? null,
      s.at ?? NOW - 10 * MIN,
    ],
  );
  return id;
}
async function seedMany(q: Queryable, n: number, s: (i: number) => Seed): Promise<void> {
  for (let i = 0; i < n; i++) await seed(q, s(i));
}

function input(over: Partial<FraudInput> & { ip?: string; device?: string } = {}): FraudInput {
  const { ip, device, ...rest } = over;
  return {
    reviewId: null,
    sku: sku(),
    customerId: randomUUID(),
    customerSince: null,
    rating: 4,
    title: 'Nice enough',
    body: 'It does what it says and arrived on time.',
    verified: true,
    client: { ip: ip ?? null, deviceId: device ?? null },
    at: NOW,
    ...rest,
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

const KETTLE =
  'I bought this kettle for my mother and she uses it every single morning. It boils a full litre in under three ' +
  'minutes, the handle stays cool, and the lid opens with one finger. The blue light is a bit bright at night but ' +
  'otherwise it is the best kettle we have owned in twenty years of making tea.';

describe.each(dbTargets)('fraud rules on $name', (target) => {
  let db: Db;
  let close: () => Promise<void>;
  let modelP: number | null = null;
  const scorer = new FraudScorer({ probability: () => (modelP === null ? null : { p: modelP, version: 7 }) });
  const codes = async (i: FraudInput) => (await scorer.score(db, i)).reasons.map((r) => r.code);

  beforeAll(async () => {
    const opened = await openMigratedDb(
      target,
      [{ module: 'reviews', dir: new URL('../schema/', import.meta.url) }],
      log,
    );
    db = opened.db;
    close = opened.close;
  });
  afterAll(async () => {
    await close?.();
  });

  it('approves a verified review nothing speaks against, with no reason and no model', async () => {
    const v = await scorer.score(db, input());
    expect(v).toMatchObject({ score: 0, decision: 'APPROVED', reasons: [], modelVersion: null });
    expect(v.signature).toHaveLength(128);
  });

  it('IP_BURST: the 6th review from one address within the hour, by several customers', async () => {
    const ip = '203.0.113.9';
    const customers = [randomUUID(), randomUUID(), randomUUID()];
    await seedMany(db, 4, (i) => ({ ip, customerId: customers[i % 3], at: NOW - (10 + i) * MIN }));
    await seed(db, { ip, at: NOW - 61 * MIN }); // outside the hour
    expect(await codes(input({ ip }))).not.toContain('IP_BURST');
    await seed(db, { ip, customerId: customers[0], at: NOW - 5 * MIN });
    const v = await scorer.score(db, input({ ip }));
    expect(v.reasons).toContainEqual({
      code: 'IP_BURST',
      weight: 0.55,
      detail: '6 reviews from 203.0.113.9 in the last hour, by 4 customers',
    });
    expect(v.decision).toBe('MANUAL_REVIEW');
  });

  it('IP_BURST: one customer writing six reviews from home is no burst', async () => {
    const ip = '198.51.100.4';
    const me = randomUUID();
    await seedMany(db, 5, () => ({ ip, customerId: me }));
    expect(await codes(input({ ip, customerId: me }))).not.toContain('IP_BURST');
  });

  it('DEVICE_BURST: the 4th review from one device within the hour', async () => {
    const device = 'kiosk-7';
    await seedMany(db, 2, () => ({ device }));
    expect(await codes(input({ device }))).not.toContain('DEVICE_BURST');
    await seed(db, { device });
    const v = await scorer.score(db, input({ device }));
    expect(v.reasons.find((r) => r.code === 'DEVICE_BURST')?.detail).toBe(
      '4 reviews from device kiosk-7 in the last hour, by 4 customers',
    );
  });

  it("a store's kiosk (its own credential wrote it) is one device and one address: its bursts count from 20 an hour", async () => {
    const device = 'store:0b7f4c2e-5d1a-4c44-9d0e-2f4a1b9c3e77';
    const ip = '192.0.2.20';
    await seedMany(db, 18, () => ({ device, ip }));
    expect(await codes(input({ device, ip, viaStore: true }))).toEqual([]);
    await seed(db, { device, ip });
    expect((await codes(input({ device, ip, viaStore: true }))).sort()).toEqual(['DEVICE_BURST', 'IP_BURST']);
  });

  it('a store: device id sent by head office claims nothing: the ordinary thresholds of 4 and 6 apply', async () => {
    const device = 'store:5a0e8b1c-7d2f-4e3a-9b6c-1d2e3f4a5b6c';
    const ip = '192.0.2.21';
    await seedMany(db, 3, () => ({ device, ip }));
    expect(await codes(input({ device, ip }))).toEqual(['DEVICE_BURST']);
    expect(await codes(input({ device, ip, viaStore: false }))).toEqual(['DEVICE_BURST']);
    await seedMany(db, 2, () => ({ device, ip }));
    expect((await codes(input({ device, ip }))).sort()).toEqual(['DEVICE_BURST', 'IP_BURST']);
    expect(await codes(input({ device, ip, viaStore: true }))).toEqual([]);
  });

  it('NEW_ACCOUNT: a third review from an account under 7 days old', async () => {
    const me = randomUUID();
    await seed(db, { customerId: me });
    const young = input({ customerId: me, customerSince: NOW - 6 * DAY });
    expect(await codes(young)).not.toContain('NEW_ACCOUNT');
    await seed(db, { customerId: me });
    const v = await scorer.score(db, young);
    expect(v.reasons.find((r) => r.code === 'NEW_ACCOUNT')).toEqual({
      code: 'NEW_ACCOUNT',
      weight: 0.3,
      detail: '3 reviews from an account 6 days old',
    });
    expect(await codes({ ...young, customerSince: NOW - 8 * DAY })).not.toContain('NEW_ACCOUNT');
    expect(await codes({ ...young, customerSince: null })).not.toContain('NEW_ACCOUNT');
  });

  it('RATING_PATTERN: a fifth review when every one is 5★, not when one differs', async () => {
    const me = randomUUID();
    await seedMany(db, 3, () => ({ customerId: me, rating: 5, at: NOW - 20 * DAY }));
    expect(await codes(input({ customerId: me, rating: 5 }))).not.toContain('RATING_PATTERN');
    await seed(db, { customerId: me, rating: 5, at: NOW - 3 * DAY });
    const v = await scorer.score(db, input({ customerId: me, rating: 5 }));
    expect(v.reasons.find((r) => r.code === 'RATING_PATTERN')?.detail).toBe("All 5 of the customer's reviews give 5★");
    expect(await codes(input({ customerId: me, rating: 4 }))).not.toContain('RATING_PATTERN');
    const mixed = randomUUID();
    await seedMany(db, 4, (i) => ({ customerId: mixed, rating: i === 0 ? 4 : 1 }));
    expect(await codes(input({ customerId: mixed, rating: 1 }))).not.toContain('RATING_PATTERN');
  });

  it("PRODUCT_BURST: the 10th 1★ of a product within the hour; 5★ and older ones don't count", async () => {
    const product = 'KETTLE-1';
    await seedMany(db, 8, () => ({ sku: product, rating: 1 }));
    await seedMany(db, 3, () => ({ sku: product, rating: 5 }));
    await seed(db, { sku: product, rating: 1, at: NOW - 2 * 60 * MIN });
    expect(await codes(input({ sku: product, rating: 1 }))).not.toContain('PRODUCT_BURST');
    await seed(db, { sku: product, rating: 1, status: 'REJECTED' }); // a refused one was still written
    const v = await scorer.score(db, input({ sku: product, rating: 1 }));
    expect(v.reasons.find((r) => r.code === 'PRODUCT_BURST')).toEqual({
      code: 'PRODUCT_BURST',
      weight: 0.4,
      detail: '10 reviews of KETTLE-1 gave 1★ in the last hour',
    });
    expect(await codes(input({ sku: product, rating: 2 }))).not.toContain('PRODUCT_BURST');
  });

  it("NEAR_DUPLICATE: another customer's copy with a word changed; not unrelated text, not one's own edit", async () => {
    const author = randomUUID();
    const original = await seed(db, { customerId: author });
    await scorer.remember(db, original, author, minhash(`Best kettle\n${KETTLE}`));
    const copy = input({ title: 'Best kettle', body: KETTLE.replace('mother', 'father') });
    const v = await scorer.score(db, copy);
    const dup = v.reasons.find((r) => r.code === 'NEAR_DUPLICATE');
    expect(dup?.weight).toBe(0.7);
    expect(dup?.detail).toMatch(
      new RegExp(`^The text is (8\\d|9\\d|100) % like review ${original} by another customer$`),
    );
    expect(
      await codes(input({ body: 'The running shoes fell apart after two weeks on the trail, sole peeled off.' })),
    ).not.toContain('NEAR_DUPLICATE');
    expect(await codes({ ...copy, customerId: author, reviewId: original })).not.toContain('NEAR_DUPLICATE');
    // the author edits it into something else: the old text is forgotten
    await scorer.remember(db, original, author, minhash('Changed my mind\nIt leaks at the base after a month of use.'));
    expect(await codes(copy)).not.toContain('NEAR_DUPLICATE');
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM review_text_buckets WHERE review_id = $1',
      [original],
    );
    expect(rows[0]!.n).toBe(32);
  });

  it('reads a bounded number of candidates when many customers wrote the same short text, and says nothing of it', async () => {
    const text = 'Great product!\nLove it, five stars.';
    for (let i = 0; i < 60; i++) {
      const author = randomUUID();
      await scorer.remember(db, await seed(db, { customerId: author }), author, minhash(text));
    }
    const found = await new FraudRulesRepository(db).candidates(lshBuckets(minhash(text)), randomUUID());
    expect(found).toHaveLength(MAX_CANDIDATES);
    const v = await scorer.score(db, input({ title: 'Great product!', body: 'Love it, five stars.' }));
    expect(v).toMatchObject({ score: 0, decision: 'APPROVED', reasons: [] });
  });

  it('common short phrases written by different customers stay under MANUAL_AT, even word for word', async () => {
    const phrases: [string, string][] = [
      ['Good', 'Very good product'],
      ['Good value', 'Good value for the money'],
      ['Great product!', 'Love it, five stars. Would buy again.'],
      ['Works well', 'Does what it says on the box, arrived quickly and well packed.'],
      ['Perfect', 'Exactly as described. Fast delivery. Highly recommended to everyone!'],
    ];
    for (const [title, body] of phrases) {
      for (let i = 0; i < 3; i++) {
        const author = randomUUID();
        const written = input({ customerId: author, title, body: i === 0 ? body : `${body}.` });
        const v = await scorer.score(db, written);
        expect(v.score, `${title} / ${body}`).toBeLessThan(MANUAL_AT);
        expect(v.decision).toBe('APPROVED');
        await scorer.remember(db, await seed(db, { customerId: author }), author, v.signature);
      }
    }
  });

  it('a near-duplicate weighs by its length; a stock phrase ten customers share weighs half, a long campaign full', async () => {
    // 14 words with the title: counted (≥ 12), at 14/24 of the weight — alone it stays approved
    const medium = 'The mug keeps coffee hot for an hour and fits under my machine';
    const a = randomUUID();
    await scorer.remember(db, await seed(db, { customerId: a }), a, minhash(`Nice\n${medium}`));
    const copy = await scorer.score(db, input({ title: 'Nice', body: medium }));
    expect(copy.reasons.find((r) => r.code === 'NEAR_DUPLICATE')?.weight).toBe(round3(0.7 * (14 / 24)));
    expect(copy.decision).toBe('APPROVED');
    // the same 14 words from ten more customers: a stock phrase, half of that
    for (let i = 0; i < 10; i++) {
      const c = randomUUID();
      await scorer.remember(db, await seed(db, { customerId: c }), c, minhash(`Nice\n${medium}`));
    }
    const stock = (await scorer.score(db, input({ title: 'Nice', body: medium }))).reasons.find(
      (r) => r.code === 'NEAR_DUPLICATE',
    );
    expect(stock?.weight).toBe(round3(0.7 * (14 / 24) * 0.5));
    expect(stock?.detail).toMatch(/\(and like \d+ more by other customers: a stock phrase\)$/);
    // a 60-word text eleven accounts posted is a campaign: full weight
    for (let i = 0; i < 11; i++) {
      const c = randomUUID();
      await scorer.remember(db, await seed(db, { customerId: c }), c, minhash(`Long\n${KETTLE}`));
    }
    const campaign = await scorer.score(db, input({ title: 'Long', body: KETTLE }));
    expect(campaign.reasons.find((r) => r.code === 'NEAR_DUPLICATE')?.weight).toBe(0.7);
    expect(campaign.decision).toBe('MANUAL_REVIEW');
  });

  it('zero-width and other invisible characters inside words do not hide a copy', async () => {
    const author = randomUUID();
    await scorer.remember(db, await seed(db, { customerId: author }), author, minhash(`Kettle\n${KETTLE}`));
    const hidden = (t: string) => t.replace(/(\p{L})(\p{L}*)/gu, '$1\u200b$2');
    expect(hidden('the kettle')).toBe('t\u200bhe k\u200bettle');
    for (const body of [hidden(KETTLE), KETTLE.replace(/ /g, ' \u2060\u00ad'), KETTLE.replace(/e/g, 'e\ufe0f')]) {
      const v = await scorer.score(db, input({ title: 'Kettle', body }));
      expect(v.reasons.find((r) => r.code === 'NEAR_DUPLICATE')?.weight).toBe(0.7);
      expect(v.decision).toBe('MANUAL_REVIEW');
    }
  });

  it('an edit does not count its own earlier row: five 5★ reviews stay five, and an edit to 4★ breaks the pattern', async () => {
    const me = randomUUID();
    const ip = '198.51.100.200';
    await seedMany(db, 4, () => ({ customerId: me, rating: 5, ip }));
    const own = await seed(db, { customerId: me, rating: 5, ip });
    const edit = input({ reviewId: own, customerId: me, rating: 5, ip });
    const v = await scorer.score(db, edit);
    expect(v.reasons.find((r) => r.code === 'RATING_PATTERN')?.detail).toBe("All 5 of the customer's reviews give 5★");
    expect(v.reasons.map((r) => r.code)).not.toContain('IP_BURST'); // 5 reviews from the address, one customer
    expect(await codes({ ...edit, rating: 4 })).not.toContain('RATING_PATTERN');
  });

  it('UNVERIFIED and TEXT_MODEL: a small weight, and the model probability capped under rejection', async () => {
    const v = await scorer.score(db, input({ verified: false }));
    expect(v.reasons).toEqual([
      { code: 'UNVERIFIED', weight: 0.05, detail: 'No purchase of the product by this customer is known' },
    ]);
    modelP = 0.97;
    try {
      const m = await scorer.score(db, input({ verified: false }));
      expect(m).toMatchObject({ score: 0.81, decision: 'MANUAL_REVIEW', modelVersion: 7 });
      expect(m.reasons.map((r) => [r.code, r.weight])).toEqual([
        ['TEXT_MODEL', 0.8],
        ['UNVERIFIED', 0.05],
      ]);
      modelP = 0.1;
      const low = await scorer.score(db, input());
      expect(low).toMatchObject({ score: 0, decision: 'APPROVED', reasons: [], modelVersion: 7 });
    } finally {
      modelP = null;
    }
  });

  it('rejects a generated text from a new account, and a copied text in a burst; scores the same twice', async () => {
    const me = randomUUID();
    await seedMany(db, 2, () => ({ customerId: me }));
    modelP = 0.95;
    try {
      const fresh = input({ customerId: me, customerSince: NOW - DAY });
      const v = await scorer.score(db, fresh);
      expect(v).toMatchObject({ score: 0.86, decision: 'REJECTED' });
      expect(v.reasons.map((r) => r.code)).toEqual(['TEXT_MODEL', 'NEW_ACCOUNT']);
      const again = await scorer.score(db, fresh);
      expect({ ...again, signature: Array.from(again.signature) }).toEqual({
        ...v,
        signature: Array.from(v.signature),
      });
    } finally {
      modelP = null;
    }
    const ip = '192.0.2.77';
    const author = randomUUID();
    const original = await seed(db, { customerId: author, ip });
    await scorer.remember(db, original, author, minhash(`Love it\n${KETTLE}`));
    await seedMany(db, 4, () => ({ ip }));
    const copied = await scorer.score(db, input({ ip, title: 'Love it', body: KETTLE }));
    expect(copied).toMatchObject({ score: 0.865, decision: 'REJECTED' });
    expect(copied.reasons.map((r) => r.code)).toEqual(['NEAR_DUPLICATE', 'IP_BURST']);
  });
});
