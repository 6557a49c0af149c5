import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';
import type { Caller } from '../../../../tests/support/test-hub.js';
import { EngagementRepository } from '../engagement-repository.js';
import { insertReview } from './review-fixture.js';

/**
 * Votes, reports and the brand's response through the API, as a web backend (head office naming its customer) and a
 * kiosk (a store's credential, for a customer of that store) call them.
 */
const PASSWORD = 'a long enough password 123';

describe.each(dbTargets)('votes, reports and responses on $name', (target) => {
  const s = signedInHub(target);
  const who: Record<string, Caller> = {};
  let kioskCustomer = '';
  let storeA = '';

  beforeAll(async () => {
    const a = await s.t.store('ENG-A', s.admin);
    const b = await s.t.store('ENG-B', s.admin);
    storeA = a.id;
    who.admin = { cookie: s.admin };
    who.kioskA = { bearer: a.token };
    who.kioskB = { bearer: b.token };
    await s.t.hub.auth.createUser({
      email: 'eng-manager@example.test',
      name: 'Manager',
      role: 'STORE_MANAGER',
      storeId: a.id as never,
      password: PASSWORD,
    });
    who.manager = { cookie: await s.t.login('eng-manager@example.test', PASSWORD) };
    // a customer who signed up at store A's kiosk: linked to A, not to B
    const made = await s.t.call('POST', '/api/customers', { name: 'Kiosk Customer' }, who.kioskA);
    expect(made.status).toBe(201);
    kioskCustomer = made.body.id;
  });

  const db = () => s.t.hub.db;
  /** A customer the customers module knows (head office names only those), made now: a new account. */
  const customer = async (name = 'Some Customer'): Promise<string> => {
    const made = await s.t.call('POST', '/api/customers', { name }, who.admin);
    expect(made.status).toBe(201);
    return made.body.id;
  };
  type Ids = [string, string, string, ...string[]];
  const customers = async (n: number) =>
    (await Promise.all(Array.from({ length: n }, (_, i) => customer(`Customer ${i}`)))) as Ids;
  /** Customers whose accounts are older than a week (their reports count toward the queue). */
  const oldCustomers = async (n: number): Promise<Ids> => {
    const ids = await customers(n);
    await db().query('UPDATE customers SET created_at = created_at - $2::bigint WHERE id = ANY($1::uuid[])', [
      ids,
      8 * 86_400_000,
    ]);
    return ids;
  };
  const counters = async (id: string) =>
    (
      await db().query<{ helpful: number; unhelpful: number; reports_open: number; status: string }>(
        'SELECT helpful, unhelpful, reports_open, status FROM reviews WHERE id = $1',
        [id],
      )
    ).rows[0]!;
  const vote = (id: string, customerId: string, helpful: boolean, caller = who.admin) =>
    s.t.call('POST', `/api/reviews/${id}/votes`, { customerId, helpful }, caller);

  it('a vote moves the counters; the same vote again changes nothing; a changed vote moves each by one', async () => {
    const r = await insertReview(db(), { sku: 'VOTE-1' });
    await db().query('DELETE FROM review_store_dirty');
    const [c1, c2] = await customers(2);
    const first = await vote(r.id, c1, true);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ reviewId: r.id, helpful: 1, unhelpful: 0, vote: true });
    expect((await vote(r.id, c1, true)).body).toMatchObject({ helpful: 1, unhelpful: 0 });
    expect((await vote(r.id, c2, true)).body).toMatchObject({ helpful: 2, unhelpful: 0 });
    expect((await vote(r.id, c1, false)).body).toMatchObject({ helpful: 1, unhelpful: 1 });
    expect(await counters(r.id)).toMatchObject({ helpful: 1, unhelpful: 1 });
    const { rows } = await db().query('SELECT customer_id, helpful FROM review_votes WHERE review_id = $1', [r.id]);
    expect(rows).toHaveLength(2);
    // top reviews may have changed: the stores hear of the product
    const dirty = await db().query('SELECT sku FROM review_store_dirty');
    expect(dirty.rows).toEqual([{ sku: 'VOTE-1' }]);
  });

  it('refuses a vote on one’s own review (422) and on a review not shown (404), changing nothing', async () => {
    const mine = await insertReview(db(), { sku: 'VOTE-2', customerId: await customer() });
    const voter = await customer();
    const own = await vote(mine.id, mine.customerId, true);
    expect(own.status).toBe(422);
    expect(own.headers.get('content-type')).toContain('application/problem+json');
    for (const status of ['MANUAL_REVIEW', 'REJECTED', 'DELETED'] as const) {
      const hidden = await insertReview(db(), { sku: 'VOTE-2', status });
      expect((await vote(hidden.id, voter, true)).status).toBe(404);
      expect(await counters(hidden.id)).toMatchObject({ helpful: 0, unhelpful: 0 });
    }
    expect((await vote(randomUUID(), voter, true)).status).toBe(404);
    expect(await counters(mine.id)).toMatchObject({ helpful: 0, unhelpful: 0 });
    const { rows } = await db().query('SELECT count(*)::int AS n FROM review_votes WHERE review_id = $1', [mine.id]);
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('a kiosk votes for its own customer; another store gets 404 as if there were no such customer; people 403', async () => {
    const r = await insertReview(db(), { sku: 'VOTE-3' });
    expect((await vote(r.id, kioskCustomer, true, who.kioskA)).status).toBe(200);
    const other = await vote(r.id, kioskCustomer, false, who.kioskB);
    expect(other.status).toBe(404);
    expect(other.body.detail ?? other.body.title).toMatch(/customer/i);
    expect((await vote(r.id, kioskCustomer, false, who.manager)).status).toBe(403);
    expect((await vote(r.id, kioskCustomer, false, {})).status).toBe(401);
    expect(await counters(r.id)).toMatchObject({ helpful: 1, unhelpful: 0 });
  });

  it('reports: one per customer (409 the second), and the third open report sends the review to a moderator', async () => {
    const r = await insertReview(db(), { sku: 'REPORT-1' });
    const report = (customerId: string, body: Record<string, unknown> = {}) =>
      s.t.call('POST', `/api/reviews/${r.id}/reports`, { customerId, reason: 'SPAM', ...body }, who.admin);
    const [c1, c2, c3] = await oldCustomers(3);
    const first = await report(c1, { note: 'same text on five products' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ reviewId: r.id, reason: 'SPAM', note: 'same text on five products' });
    const again = await report(c1, { reason: 'OFFENSIVE' });
    expect(again.status).toBe(409);
    expect(await counters(r.id)).toMatchObject({ reports_open: 1, status: 'APPROVED' });
    expect((await report(c2, { reason: 'OFF_TOPIC' })).status).toBe(201);
    expect(await counters(r.id)).toMatchObject({ reports_open: 2, status: 'APPROVED' });
    expect((await report(c3, { reason: 'PERSONAL_DATA' })).status).toBe(201);
    expect(await counters(r.id)).toMatchObject({ reports_open: 3, status: 'MANUAL_REVIEW' });
    // what it was before the reports, for a moderator who keeps it
    const before = await db().query('SELECT status_before_reports AS s FROM reviews WHERE id = $1', [r.id]);
    expect(before.rows).toEqual([{ s: 'APPROVED' }]);
    // no longer shown: nobody reports or votes on it now
    expect((await report((await oldCustomers(1))[0]!)).status).toBe(404);
    const { rows } = await db().query('SELECT reason FROM review_reports WHERE review_id = $1 ORDER BY created_at', [
      r.id,
    ]);
    expect(rows.map((x) => x.reason).sort()).toEqual(['OFF_TOPIC', 'PERSONAL_DATA', 'SPAM']);
  });

  it('the brand’s response: head office writes it, a new one replaces it, views read it, removing it clears it', async () => {
    const r = await insertReview(db(), { sku: 'RESP-1' });
    const put = await s.t.call(
      'PUT',
      `/api/reviews/${r.id}/response`,
      { body: 'Thanks — we have passed this on.', as: 'Acme Coffee' },
      who.admin,
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ body: 'Thanks — we have passed this on.', as: 'Acme Coffee' });
    const firstAt = put.body.createdAt;
    s.t.clock.offsetMs += 60_000;
    try {
      const again = await s.t.call(
        'PUT',
        `/api/reviews/${r.id}/response`,
        { body: 'Fixed in the new batch.', as: 'Acme Coffee Care' },
        who.admin,
      );
      expect(again.status).toBe(200);
      expect(again.body.createdAt).toBe(firstAt);
      expect(again.body.updatedAt).toBeGreaterThanOrEqual(firstAt + 60_000);
    } finally {
      s.t.clock.offsetMs -= 60_000;
    }
    const shown = await new EngagementRepository(db()).responses([r.id, randomUUID()]);
    expect([...shown.keys()]).toEqual([r.id]);
    expect(shown.get(r.id)).toMatchObject({ body: 'Fixed in the new batch.', as: 'Acme Coffee Care' });
    for (const caller of [who.kioskA, who.manager]) {
      const refused = await s.t.call('PUT', `/api/reviews/${r.id}/response`, { body: 'x', as: 'y' }, caller);
      expect(refused.status).toBe(403);
      expect((await s.t.call('DELETE', `/api/reviews/${r.id}/response`, undefined, caller)).status).toBe(403);
    }
    expect((await s.t.call('DELETE', `/api/reviews/${r.id}/response`, undefined, who.admin)).status).toBe(204);
    expect((await new EngagementRepository(db()).responses([r.id])).size).toBe(0);
    const missing = randomUUID();
    expect((await s.t.call('PUT', `/api/reviews/${missing}/response`, { body: 'x', as: 'y' }, who.admin)).status).toBe(
      404,
    );
  });

  it('a customer makes at most 100 votes a day (429 naming the limit, Retry-After); the same vote again is no vote', async () => {
    const voter = await customer();
    const reviews = await Promise.all(
      Array.from({ length: 101 }, () => insertReview(db(), { sku: 'VOTE-LIMIT', customerId: randomUUID() })),
    );
    for (const r of reviews.slice(0, 100)) expect((await vote(r.id, voter, true)).status).toBe(200);
    // repeating a vote changes nothing and is answered as before, at the limit too
    expect((await vote(reviews[0]!.id, voter, true)).status).toBe(200);
    const refused = await vote(reviews[100]!.id, voter, true);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(/100 votes a day per customer/);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(86_000);
    expect(wait).toBeLessThanOrEqual(86_400);
    // changing a vote is a vote too
    expect((await vote(reviews[0]!.id, voter, false)).status).toBe(429);
    expect(await counters(reviews[100]!.id)).toMatchObject({ helpful: 0 });
    expect(await counters(reviews[0]!.id)).toMatchObject({ helpful: 1, unhelpful: 0 });
    // a day later (the votes' times moved back a day: a session does not last that long) the customer votes again
    await db().query('UPDATE review_engagement_log SET at = at - $2::bigint WHERE customer_id = $1', [
      voter,
      86_400_000 + 1000,
    ]);
    expect((await vote(reviews[100]!.id, voter, true)).status).toBe(200);
  });

  it('a customer makes at most 10 reports a day, parallel ones included (429 naming the limit, Retry-After)', async () => {
    const [reporter] = await oldCustomers(1);
    const reviews = await Promise.all(Array.from({ length: 14 }, () => insertReview(db(), { sku: 'REPORT-LIMIT' })));
    const answers = await Promise.all(
      reviews.map((r) =>
        s.t.call('POST', `/api/reviews/${r.id}/reports`, { customerId: reporter, reason: 'SPAM' }, who.admin),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([...Array(10).fill(201), ...Array(4).fill(429)]);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.body.detail).toMatch(/10 reports a day per customer/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const { rows } = await db().query('SELECT count(*)::int AS n FROM review_reports WHERE customer_id = $1', [
      reporter,
    ]);
    expect(rows[0]).toEqual({ n: 10 });
  });

  it('a store’s credential sends at most 500 votes and reports a day for all its customers together', async () => {
    // 499 votes and reports by the kiosk today (the earlier tests' and others for other customers, in the limit's
    // log), then one more, then refused
    await db().query(
      `INSERT INTO review_engagement_log (customer_id, store_id, kind, at)
       SELECT gen_random_uuid(), $1, CASE WHEN g % 2 = 0 THEN 'VOTE' ELSE 'REPORT' END, $2::bigint - g
       FROM generate_series(1, 499 - (SELECT count(*)::int FROM review_engagement_log WHERE store_id = $1)) g`,
      [storeA, Date.now() + s.t.clock.offsetMs],
    );
    const [r1, r2, r3] = await Promise.all([1, 2, 3].map(() => insertReview(db(), { sku: 'STORE-LIMIT' })));
    expect((await vote(r1!.id, kioskCustomer, true, who.kioskA)).status).toBe(200);
    const refused = await vote(r2!.id, kioskCustomer, true, who.kioskA);
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toMatch(/500 votes and reports a day from one store/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const report = await s.t.call(
      'POST',
      `/api/reviews/${r3!.id}/reports`,
      { customerId: kioskCustomer, reason: 'SPAM' },
      who.kioskA,
    );
    expect(report.status).toBe(429);
    // head office acting for the same customer is not the store's budget
    expect((await vote(r2!.id, kioskCustomer, true)).status).toBe(200);
    expect(await counters(r3!.id)).toMatchObject({ reports_open: 0 });
    await db().query('DELETE FROM review_engagement_log WHERE store_id = $1', [storeA]);
  });

  it('reports of new accounts without a purchase are kept but hide nothing; a purchase or a week-old account counts', async () => {
    const r = await insertReview(db(), { sku: 'REPORT-WEIGHT' });
    const report = (customerId: string) =>
      s.t.call('POST', `/api/reviews/${r.id}/reports`, { customerId, reason: 'OFFENSIVE' }, who.admin);
    for (const c of await customers(4)) expect((await report(c)).status).toBe(201);
    expect(await counters(r.id)).toMatchObject({ reports_open: 4, status: 'APPROVED' });
    const kept = await db().query('SELECT counts FROM review_reports WHERE review_id = $1', [r.id]);
    expect(kept.rows).toEqual(Array(4).fill({ counts: false }));
    // a new account with a verified purchase, and two accounts older than a week: three that count
    const [buyer] = await customers(1);
    await db().query(
      `INSERT INTO review_purchases (customer_id, sku, source, source_ref, at) VALUES ($1, 'OTHER-SKU', 'order', 'o-1', 1)`,
      [buyer],
    );
    const [old1, old2] = await oldCustomers(2);
    expect((await report(buyer!)).status).toBe(201);
    expect((await report(old1!)).status).toBe(201);
    expect(await counters(r.id)).toMatchObject({ reports_open: 6, status: 'APPROVED' });
    expect((await report(old2!)).status).toBe(201);
    expect(await counters(r.id)).toMatchObject({ reports_open: 7, status: 'MANUAL_REVIEW' });
  });

  it('a vote or a response sends the product to the stores only when its top 3 (most helpful, then newest) changes', async () => {
    const sku = 'VOTE-TOP';
    const t0 = Date.now() - 3_600_000;
    const top = [
      await insertReview(db(), { sku, helpful: 10, at: t0 }),
      await insertReview(db(), { sku, helpful: 9, at: t0 }),
      await insertReview(db(), { sku, helpful: 8, at: t0 }),
    ];
    const low = await insertReview(db(), { sku, helpful: 7, at: t0 + 1 });
    const lower = await insertReview(db(), { sku, helpful: 0, at: t0 + 2 });
    const voters = await customers(3);
    const dirty = async () => {
      const { rows } = await db().query('SELECT sku FROM review_store_dirty WHERE sku = $1', [sku]);
      await db().query('DELETE FROM review_store_dirty WHERE sku = $1', [sku]);
      return rows.length === 1;
    };
    await dirty();
    // below the top 3 before and after: the stores' payload is the same
    expect((await vote(lower.id, voters[0]!, true)).status).toBe(200);
    expect(await dirty()).toBe(false);
    // a shown review's count changes: re-sent
    expect((await vote(top[0]!.id, voters[0]!, true)).status).toBe(200);
    expect(await dirty()).toBe(true);
    // 7 → 8 ties the third (8) and is newer: it enters the top 3
    expect((await vote(low.id, voters[0]!, true)).status).toBe(200);
    expect(await dirty()).toBe(true);
    // the review it pushed out (8, older) gets a vote against: still out, nothing to send
    expect((await vote(top[2]!.id, voters[1]!, false)).status).toBe(200);
    expect(await dirty()).toBe(false);
    // a response is shown with a top review only
    const respond = (id: string) =>
      s.t.call('PUT', `/api/reviews/${id}/response`, { body: 'Thank you.', as: 'Acme' }, who.admin);
    expect((await respond(top[2]!.id)).status).toBe(200);
    expect(await dirty()).toBe(false);
    expect((await respond(top[0]!.id)).status).toBe(200);
    expect(await dirty()).toBe(true);
    expect((await s.t.call('DELETE', `/api/reviews/${top[2]!.id}/response`, undefined, who.admin)).status).toBe(204);
    expect(await dirty()).toBe(false);
    expect((await s.t.call('DELETE', `/api/reviews/${top[0]!.id}/response`, undefined, who.admin)).status).toBe(204);
    expect(await dirty()).toBe(true);
  });

  it('hostile input gets 400 problem+json and changes nothing', async () => {
    const r = await insertReview(db(), { sku: 'HOSTILE-1' });
    const c = await customer();
    const bad: [string, string, unknown][] = [
      ['POST', `/api/reviews/${r.id}/votes`, { customerId: c, helpful: 'yes' }],
      ['POST', `/api/reviews/${r.id}/votes`, { customerId: c, helpful: true, weight: 5 }],
      ['POST', `/api/reviews/${r.id}/votes`, { customerId: 'not-a-uuid', helpful: true }],
      ['POST', `/api/reviews/${r.id}/votes`, [true]],
      ['POST', '/api/reviews/not-a-uuid/votes', { customerId: c, helpful: true }],
      ['POST', `/api/reviews/${r.id}/reports`, { customerId: c, reason: 'BORING' }],
      ['POST', `/api/reviews/${r.id}/reports`, { customerId: c, reason: 'SPAM', note: 'x'.repeat(5000) }],
      ['POST', `/api/reviews/${r.id}/reports`, { customerId: c, reason: 'SPAM', note: 'a\u0000b' }],
      ['POST', `/api/reviews/${r.id}/reports`, { customerId: c, reason: 'SPAM', note: 7 }],
      ['PUT', `/api/reviews/${r.id}/response`, { body: 'y'.repeat(2001), as: 'Acme' }],
      ['PUT', `/api/reviews/${r.id}/response`, { body: 'ok', as: 'A'.repeat(61) }],
      ['PUT', `/api/reviews/${r.id}/response`, { body: '   ', as: 'Acme' }],
      ['PUT', `/api/reviews/${r.id}/response`, { body: 'ok', as: 'Acme', responder: 'someone' }],
      ['DELETE', '/api/reviews/%00/response', undefined],
    ];
    for (const [method, path, body] of bad) {
      const res = await s.t.call(method, path, body, who.admin);
      expect([method, path, JSON.stringify(body)?.slice(0, 60), res.status]).toEqual([
        method,
        path,
        JSON.stringify(body)?.slice(0, 60),
        400,
      ]);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await counters(r.id)).toMatchObject({ helpful: 0, unhelpful: 0, reports_open: 0 });
    for (const table of ['review_votes', 'review_reports', 'review_responses']) {
      const { rows } = await db().query(`SELECT count(*)::int AS n FROM ${table} WHERE review_id = $1`, [r.id]);
      expect([table, rows[0]]).toEqual([table, { n: 0 }]);
    }
  });
});
