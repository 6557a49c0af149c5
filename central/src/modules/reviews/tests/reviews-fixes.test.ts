import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { ReviewCustomerAccess } from '../customer-access.js';
import { encodeCursor } from '../cursor.js';
import { reviewPurchaseSink } from '../purchases.js';
import type { Queryable } from '../../../db/db.js';
import { customerAtA, reviewBody, reviewsHub, reviewTables } from './reviews-harness.js';

const DAY_SKUS = Array.from({ length: 15 }, (_, i) => `FIX-D${i}`);
const SKUS = ['FIX-T', 'FIX-A', 'FIX-B', 'FIX-C', 'FIX-E', 'FIX-F', 'FIX-G', 'FIX-H', 'FIX-V', 'FIX-X', ...DAY_SKUS];

/** `id` with its letters in a pattern of upper and lower case picked by `n` (n = 0: all lower). */
function caseVariant(id: string, n: number): string {
  let bit = 0;
  return [...id]
    .map((ch) => {
      if (!/[a-f]/.test(ch)) return ch;
      const upper = ((n >> (bit++ % 16)) & 1) === 1;
      return upper ? ch.toUpperCase() : ch;
    })
    .join('');
}

// Issue #24, fix lane 1: the hostile and demanding reviews' findings on the reviews core (H1 H2 H5 H6 H7 H9 H10 H12,
// D3 D6 D8 D13 D14), each as a user of the API observes it.
describe.each(dbTargets)('reviews fixes on $name', (target) => {
  const h = reviewsHub(target, SKUS);

  it('H1: case variants of one customer id share one daily limit, even sent in parallel, and name the same customer', async () => {
    const c = await customerAtA(h, 'Case Variant');
    const answers = await Promise.all(
      DAY_SKUS.map((sku, i) =>
        h.t.call('POST', '/api/reviews', reviewBody(caseVariant(c.id, i + 1), sku), { cookie: h.admin }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    const made = answers.find((a) => a.status === 201)!;
    expect(made.body.customerId).toBe(c.id);
    // an edit and a delete naming the id (and the review) in capitals act on the same review
    const edit = await h.t.call(
      'PUT',
      `/api/reviews/${made.body.id.toUpperCase()}`,
      { customerId: c.id.toUpperCase(), rating: 2, title: 'Changed', body: 'Changed my mind about it.' },
      { cookie: h.admin },
    );
    expect([edit.status, edit.body.revision]).toEqual([200, 2]);
    const mine = await h.t.call('GET', `/api/reviews/customers/${c.id.toUpperCase()}`, undefined, { cookie: h.admin });
    expect(mine.body.reviews).toHaveLength(10);
    const del = await h.t.call(
      'DELETE',
      `/api/reviews/${made.body.id.toUpperCase()}?customerId=${c.id.toUpperCase()}`,
      undefined,
      { cookie: h.admin },
    );
    expect(del.status).toBe(204);
  });

  it('H2/D8: an edit never lifts a fraud hold: a held review edited to clean text stays pending moderation', async () => {
    const c = await customerAtA(h, 'Held Writer');
    const made = await h.t.call(
      'POST',
      '/api/reviews',
      reviewBody(c.id, 'FIX-A', { body: 'Looks odd to me. [manual]' }),
      {
        cookie: h.admin,
      },
    );
    expect(made.body.status).toBe('MANUAL_REVIEW');
    const edit = await h.t.call(
      'PUT',
      `/api/reviews/${made.body.id}`,
      {
        customerId: c.id,
        rating: 5,
        title: 'Fine',
        body: 'A perfectly ordinary text now.',
        client: { ip: '198.51.100.99', deviceId: 'other-device' },
      },
      { cookie: h.admin },
    );
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ status: 'MANUAL_REVIEW', notice: 'pending moderation', revision: 2 });
    const admin = await h.t.call('GET', `/api/reviews/${made.body.id}`, undefined, { cookie: h.admin });
    expect(admin.body.fraud.reasons.map((r: { code: string }) => r.code)).toContain('TEXT_MODEL');
    expect(admin.body.fraud.score).toBeCloseTo(0.6, 5);
    // an edit that scores worse still worsens it
    const worse = await h.t.call(
      'PUT',
      `/api/reviews/${made.body.id}`,
      { customerId: c.id, rating: 5, title: 'Fine', body: 'Buy now buy now. [reject]' },
      { cookie: h.admin },
    );
    expect(worse.body.status).toBe('REJECTED');
  });

  it('H2/D8: a review queued by three reports stays queued after its author edits it', async () => {
    const c = await customerAtA(h, 'Reported Writer');
    const made = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'FIX-B'), { cookie: h.admin });
    expect(made.body.status).toBe('APPROVED');
    for (const name of ['Rep One', 'Rep Two', 'Rep Three']) {
      const reporter = await customerAtA(h, name);
      // a reporter with a verified purchase: their report counts toward queueing the review
      await h.ctx.db.transaction((tx) =>
        reviewPurchaseSink.record(tx, [
          {
            customerId: reporter.id,
            sku: 'FIX-B',
            kind: 'PURCHASE',
            storeId: null,
            source: 'order',
            sourceRef: `ORDER-${name}`,
            at: Date.now(),
          },
        ]),
      );
      const r = await h.t.call(
        'POST',
        `/api/reviews/${made.body.id}/reports`,
        { customerId: reporter.id, reason: 'SPAM' },
        { cookie: h.admin },
      );
      expect(r.status).toBe(201);
    }
    const queued = await h.t.call('GET', `/api/reviews/${made.body.id}`, undefined, { cookie: h.admin });
    expect([queued.body.status, queued.body.reportsOpen]).toEqual(['MANUAL_REVIEW', 3]);
    const edit = await h.t.call(
      'PUT',
      `/api/reviews/${made.body.id}`,
      { customerId: c.id, rating: 4, title: 'Solid product!', body: made.body.body },
      { cookie: h.admin },
    );
    expect([edit.status, edit.body.status]).toEqual([200, 'MANUAL_REVIEW']);
    const list = await h.t.call('GET', '/api/reviews/products/FIX-B', undefined, { cookie: h.admin });
    expect(list.body.reviews).toEqual([]);
  });

  it('H5: the kiosk threshold comes from the sign-in: a store credential scores viaStore, head office may not send a store: device', async () => {
    const c = await customerAtA(h, 'Kiosk Shopper');
    const before = await reviewTables(h.ctx.db);
    const claimed = await h.t.call(
      'POST',
      '/api/reviews',
      reviewBody(c.id, 'FIX-C', { client: { ip: '203.0.113.9', deviceId: `store:${h.storeA.id}` } }),
      { cookie: h.admin },
    );
    expect(claimed.status).toBe(400);
    expect(claimed.headers.get('content-type')).toContain('application/problem+json');
    expect(claimed.body.detail).toContain('store:');
    expect(await reviewTables(h.ctx.db)).toBe(before);
    const office = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'FIX-C'), { cookie: h.admin });
    expect(office.status).toBe(201);
    expect(h.scorer.asked.at(-1)).toMatchObject({ sku: 'FIX-C', viaStore: false });
    const kiosk = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'FIX-E'), { bearer: h.storeA.token });
    expect(kiosk.status).toBe(201);
    expect(h.scorer.asked.at(-1)).toMatchObject({
      sku: 'FIX-E',
      viaStore: true,
      client: { deviceId: `store:${h.storeA.id}` },
    });
  });

  it('H6/D6: head office acting for a customer the customers module does not know gets 404 and changes nothing', async () => {
    const ghost = randomUUID();
    const before = await reviewTables(h.ctx.db);
    const submit = await h.t.call('POST', '/api/reviews', reviewBody(ghost, 'FIX-F'), { cookie: h.admin });
    expect([submit.status, submit.body.detail]).toEqual([404, `customer ${ghost} not found`]);
    const list = await h.t.call('GET', `/api/reviews/customers/${ghost}`, undefined, { cookie: h.admin });
    expect(list.status).toBe(404);
    const real = await customerAtA(h, 'Real Author');
    const made = await h.t.call('POST', '/api/reviews', reviewBody(real.id, 'FIX-F'), { cookie: h.admin });
    const report = await h.t.call(
      'POST',
      `/api/reviews/${made.body.id}/reports`,
      { customerId: ghost, reason: 'SPAM' },
      { cookie: h.admin },
    );
    expect(report.status).toBe(404);
    const vote = await h.t.call(
      'POST',
      `/api/reviews/${made.body.id}/votes`,
      { customerId: ghost, helpful: false },
      { cookie: h.admin },
    );
    expect(vote.status).toBe(404);
    const { rows } = await h.ctx.db.query('SELECT 1 FROM reviews WHERE customer_id = $1', [ghost]);
    expect(rows).toEqual([]);
    expect(before).toContain('reviews:');
  });

  it('H6: without the customers module head office still acts for any customer id, and a store for none', async () => {
    const access = new ReviewCustomerAccess(() => undefined);
    const office = { kind: 'user', userId: randomUUID(), role: 'ADMIN', storeId: null } as never;
    await expect(access.check(office, randomUUID())).resolves.toBeUndefined();
    const store = { kind: 'store', storeId: randomUUID() } as never;
    await expect(access.check(store, randomUUID())).rejects.toMatchObject({ status: 404 });
  });

  it('H7: a cursor whose key is out of its sort’s range is a 400, never a 500', async () => {
    const id = randomUUID();
    for (const [sort, key] of [
      ['helpful', 2 ** 31],
      ['rating_high', 6],
      ['rating_low', 0],
      ['newest', 7],
    ] as const) {
      const after = encodeCursor({ sort, key, createdAt: 1, id });
      const r = await h.t.call('GET', `/api/reviews/products/FIX-A?sort=${sort}&after=${after}`, undefined, {
        cookie: h.admin,
      });
      expect([sort, r.status]).toEqual([sort, 400]);
    }
    const ok = encodeCursor({ sort: 'helpful', key: 2 ** 31 - 1, createdAt: 1, id });
    expect(
      (await h.t.call('GET', `/api/reviews/products/FIX-A?sort=helpful&after=${ok}`, undefined, { cookie: h.admin }))
        .status,
    ).toBe(200);
  });

  it('H9/D3: the author and stores see status and a notice, never the score, reasons, client or moderator; stores read under mayReadProfile', async () => {
    const scanned = await customerAtA(h, 'Scan Only'); // linked to store A by a kiosk card scan
    const made = await h.t.call('POST', '/api/reviews', reviewBody(scanned.id, 'FIX-G', { body: 'Hmm. [manual]' }), {
      bearer: h.storeA.token,
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'MANUAL_REVIEW', notice: 'pending moderation', customerId: scanned.id });
    for (const key of ['fraud', 'client', 'moderation', 'reportsOpen']) expect(made.body).not.toHaveProperty(key);
    // a card scan lets the kiosk write, not read the customer's reviews
    expect(
      (await h.t.call('GET', `/api/reviews/customers/${scanned.id}`, undefined, { bearer: h.storeA.token })).status,
    ).toBe(404);
    expect((await h.t.call('GET', `/api/reviews/${made.body.id}`, undefined, { bearer: h.storeA.token })).status).toBe(
      404,
    );
    // a customer who signed up at store A: store A reads their reviews in the author's view
    const signed = await h.t.call('POST', '/api/customers', { name: 'Signed Up' }, { bearer: h.storeA.token });
    expect(signed.status).toBe(201);
    const own = await h.t.call('POST', '/api/reviews', reviewBody(signed.body.id, 'FIX-G', { body: 'Hmm. [manual]' }), {
      bearer: h.storeA.token,
    });
    const list = await h.t.call('GET', `/api/reviews/customers/${signed.body.id}`, undefined, {
      bearer: h.storeA.token,
    });
    expect(list.status).toBe(200);
    expect(list.body.reviews).toHaveLength(1);
    expect(list.body.reviews[0]).toMatchObject({ id: own.body.id, notice: 'pending moderation' });
    expect(list.body.reviews[0]).not.toHaveProperty('fraud');
    const one = await h.t.call('GET', `/api/reviews/${own.body.id}`, undefined, { bearer: h.storeA.token });
    expect(one.status).toBe(200);
    expect(one.body).not.toHaveProperty('client');
    // head office alone sees the admin view
    const admin = await h.t.call('GET', `/api/reviews/${own.body.id}`, undefined, { cookie: h.admin });
    expect(admin.body).toMatchObject({ fraud: { score: 0.6 }, client: { deviceId: `store:${h.storeA.id}` } });
  });

  it('H10: a rejected review cannot be deleted (409) and so cannot be submitted again', async () => {
    const c = await customerAtA(h, 'Rejected Writer');
    const made = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'FIX-H', { body: 'Spam spam. [reject]' }), {
      cookie: h.admin,
    });
    expect(made.body.status).toBe('REJECTED');
    const before = await reviewTables(h.ctx.db);
    const del = await h.t.call('DELETE', `/api/reviews/${made.body.id}?customerId=${c.id}`, undefined, {
      cookie: h.admin,
    });
    expect(del.status).toBe(409);
    expect(await reviewTables(h.ctx.db)).toBe(before);
    const again = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'FIX-H'), { cookie: h.admin });
    expect(again.status).toBe(409);
  });

  it('H12/D14: an edit keeps the first address and device; a deletion blanks the text and its revisions, keeping times and client', async () => {
    const c = await customerAtA(h, 'Moving Writer');
    const made = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'FIX-X'), { cookie: h.admin });
    const edit = await h.t.call(
      'PUT',
      `/api/reviews/${made.body.id}`,
      {
        customerId: c.id,
        rating: 3,
        title: 'Second',
        body: 'A second text for it.',
        client: { ip: '198.51.100.50', deviceId: 'new-device' },
      },
      { cookie: h.admin },
    );
    expect(edit.status).toBe(200);
    const admin = await h.t.call('GET', `/api/reviews/${made.body.id}`, undefined, { cookie: h.admin });
    expect(admin.body.client).toEqual({ ip: '203.0.113.7', deviceId: 'app-device-1' });
    const del = await h.t.call('DELETE', `/api/reviews/${made.body.id}?customerId=${c.id}`, undefined, {
      cookie: h.admin,
    });
    expect(del.status).toBe(204);
    const { rows } = await h.ctx.db.query<Record<string, unknown>>(
      'SELECT title, body, client_ip, device_id, created_at, status FROM reviews WHERE id = $1',
      [made.body.id],
    );
    expect(rows[0]).toMatchObject({
      title: '',
      body: '',
      client_ip: '203.0.113.7',
      device_id: 'app-device-1',
      status: 'DELETED',
    });
    expect(Number(rows[0]!.created_at)).toBe(made.body.createdAt);
    const revs = await h.ctx.db.query<{ title: string; body: string }>(
      'SELECT title, body FROM review_revisions WHERE review_id = $1',
      [made.body.id],
    );
    expect(revs.rows).toEqual([{ title: '', body: '' }]);
  });

  it('D13: a purchase told after the review gives it the verified badge and the summary counts it, once', async () => {
    const c = await customerAtA(h, 'Late Buyer');
    const made = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'FIX-V'), { cookie: h.admin });
    expect(made.body.verified).toBe(false);
    const summary = async () =>
      (await h.t.call('GET', '/api/reviews/products/FIX-V/summary', undefined, { cookie: h.admin })).body;
    const before = await summary();
    expect(before.verified).toBe(0);
    const purchase = (ref: string) => ({
      customerId: c.id.toUpperCase(),
      sku: 'FIX-V',
      kind: 'PURCHASE' as const,
      storeId: null,
      source: 'order' as const,
      sourceRef: ref,
      at: Date.now(),
    });
    await h.ctx.db.transaction((tx) => reviewPurchaseSink.record(tx, [purchase('ORDER-V1')]));
    await h.ctx.db.transaction((tx) => reviewPurchaseSink.record(tx, [purchase('ORDER-V2')]));
    const after = await summary();
    expect([after.count, after.verified]).toEqual([1, 1]);
    expect(after.revision).toBeGreaterThan(before.revision);
    const one = await h.t.call('GET', `/api/reviews/${made.body.id}`, undefined, { cookie: h.admin });
    expect(one.body.verified).toBe(true);
    const verifiedOnly = await h.t.call('GET', '/api/reviews/products/FIX-V?verified=true', undefined, {
      cookie: h.admin,
    });
    expect(verifiedOnly.body.reviews.map((r: { id: string }) => r.id)).toEqual([made.body.id]);
  });

  it('D11: a submit moves the summaries (the fleet-wide totals row with them) in its transaction’s last statement', async () => {
    const c = await customerAtA(h, 'Totals Last');
    // Each transaction's statements apart: a background job starting meanwhile (the job runner's own transaction)
    // must not be read as part of the submit's.
    const transactions: string[][] = [];
    const db = h.ctx.db;
    const original = db.transaction.bind(db);
    const spy = <T>(fn: (tx: Queryable) => Promise<T>) =>
      original((tx) => {
        const statements: string[] = [];
        transactions.push(statements);
        return fn(
          new Proxy(tx, {
            get(target, key) {
              const v: unknown = Reflect.get(target, key);
              if (key !== 'query') return typeof v === 'function' ? v.bind(target) : v;
              return (sql: string, params?: unknown[]) => {
                statements.push(sql);
                return target.query(sql, params as never);
              };
            },
          }),
        );
      });
    Object.assign(db, { transaction: spy });
    let made: Awaited<ReturnType<typeof h.t.call>>;
    try {
      made = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'FIX-T'), { cookie: h.admin });
    } finally {
      delete (db as { transaction?: unknown }).transaction;
    }
    expect(made.status).toBe(201);
    const statements = transactions.find((t) => t.some((q) => q.includes('INSERT INTO review_summaries'))) ?? [];
    const touching = statements.filter((q) => q.includes('review_summaries'));
    expect(touching).toHaveLength(1);
    expect(statements.at(-1)).toBe(touching[0]);
    const summary = await h.t.call('GET', '/api/reviews/products/FIX-T/summary', undefined, { cookie: h.admin });
    expect([summary.body.count, summary.body.histogram[3]]).toEqual([1, 1]);
  });
});
