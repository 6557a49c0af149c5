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

  beforeAll(async () => {
    const a = await s.t.store('ENG-A', s.admin);
    const b = await s.t.store('ENG-B', s.admin);
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
    const c1 = randomUUID();
    const c2 = randomUUID();
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
    const mine = await insertReview(db(), { sku: 'VOTE-2' });
    const own = await vote(mine.id, mine.customerId, true);
    expect(own.status).toBe(422);
    expect(own.headers.get('content-type')).toContain('application/problem+json');
    for (const status of ['MANUAL_REVIEW', 'REJECTED', 'DELETED'] as const) {
      const hidden = await insertReview(db(), { sku: 'VOTE-2', status });
      expect((await vote(hidden.id, randomUUID(), true)).status).toBe(404);
      expect(await counters(hidden.id)).toMatchObject({ helpful: 0, unhelpful: 0 });
    }
    expect((await vote(randomUUID(), randomUUID(), true)).status).toBe(404);
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
    const [c1, c2, c3] = [randomUUID(), randomUUID(), randomUUID()];
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
    // no longer shown: nobody reports or votes on it now
    expect((await report(randomUUID())).status).toBe(404);
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

  it('hostile input gets 400 problem+json and changes nothing', async () => {
    const r = await insertReview(db(), { sku: 'HOSTILE-1' });
    const c = randomUUID();
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
