import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubFingerprint } from '../../../../tests/support/db-fingerprint.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { rawCall } from '../../../../tests/support/raw-http.js';
import { REVIEW_SKUS, reviewText, reviewsSettled } from '../../../../tests/support/reviews-access.js';
import { smallPng } from '../../../../tests/support/vault-access.js';
import { MAX_BODY, MAX_PHOTO_BYTES, MAX_PHOTOS, MAX_TITLE } from '../types.js';
import { type ReviewsHub, startReviewsHub } from './hostile-hub.js';

/** A refusal: any 4xx (a bad body 400/413/415/422, a product or review that does not exist 404). */
const REFUSED = Array.from({ length: 100 }, (_, i) => 400 + i);

/**
 * Every reviews write with a body no review, vote, report, response or decision may have is a 4xx problem+json and
 * changes nothing in the database; a submit retried with its Idempotency-Key is answered the first answer and writes
 * one review; the same key with another body is refused (422).
 */
describe.each(dbTargets)('the reviews writes with hostile input, on $name', (target) => {
  let h: ReviewsHub;
  let admin: { cookie: string };
  beforeAll(async () => {
    h = await startReviewsHub(target);
    admin = { cookie: h.admin };
  }, 300_000);
  afterAll(async () => {
    await h?.t.stop();
  });

  const send = (method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string>) =>
    rawCall(h.t.url, { method, path, headers, ...(body === undefined ? {} : { body }) });

  it('refuses bad bodies on every write with a 4xx problem+json and changes nothing', async () => {
    const fx = h.fx;
    const good = { customerId: fx.submitter, sku: REVIEW_SKUS[7]!, ...reviewText(500) };
    const edit = { customerId: fx.editable.author, ...reviewText(501) };
    const deep = JSON.parse(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`);
    const reviewBodies: unknown[] = [
      null,
      [],
      'a review',
      {},
      { ...good, rating: 0 },
      { ...good, rating: 6 },
      { ...good, rating: 4.5 },
      { ...good, rating: '5' },
      { ...good, rating: null },
      { ...good, title: 'x'.repeat(MAX_TITLE + 1) },
      { ...good, title: 'bad\u0000title' },
      { ...good, title: 42 },
      { ...good, body: 'too short' },
      { ...good, body: 'y'.repeat(MAX_BODY + 1) },
      { ...good, body: `${good.body} with a NUL \u0000 inside` },
      { ...good, body: `${good.body} with a bell \u0007` },
      { ...good, body: 'z'.repeat(300_000) },
      { ...good, photoIds: 'x' },
      { ...good, photoIds: ['not-a-uuid'] },
      { ...good, photoIds: Array.from({ length: MAX_PHOTOS + 1 }, () => randomUUID()) },
      { ...good, photoIds: [randomUUID()] }, // a photo nobody uploaded
      { ...good, photoIds: [fx.shownPhoto] }, // another customer's photo, on another review
      { ...good, client: 'x' },
      { ...good, client: { ip: 'x'.repeat(1000) } },
      { ...good, client: { deviceId: 'a\u0000b' } },
      { ...good, customerId: 'not-a-uuid' },
      { ...good, customerId: 42 },
      { ...good, sku: 'bad sku with spaces' },
      { ...good, sku: 'NOT-IN-THE-CATALOG' },
      { ...good, sku: 'a\u0000b' },
      { ...good, extra: true },
      { ...good, deep },
    ];
    const cases: [string, string, unknown][] = [
      ...reviewBodies.map((b): [string, string, unknown] => ['POST', '/api/reviews', b]),
      ...[{ ...edit, rating: 9 }, { ...edit, body: '\u0000'.repeat(20) }, { ...edit, extra: 1 }, {}, null].map(
        (b): [string, string, unknown] => ['PUT', `/api/reviews/${fx.editable.id}`, b],
      ),
      ['PUT', '/api/reviews/not-a-uuid', edit],
      ['POST', `/api/reviews/${fx.shown}/votes`, { customerId: fx.voter, helpful: 'yes' }],
      ['POST', `/api/reviews/${fx.shown}/votes`, { customerId: fx.voter }],
      ['POST', `/api/reviews/${fx.shown}/votes`, { customerId: fx.voter, helpful: true, extra: 1 }],
      ['POST', `/api/reviews/${fx.shown}/votes`, { customerId: fx.customerId, helpful: true }], // their own review
      ['POST', '/api/reviews/not-a-uuid/votes', { customerId: fx.voter, helpful: true }],
      ['POST', `/api/reviews/${fx.toReport.admin.id}/reports`, { customerId: fx.voter, reason: 'RUDE' }],
      [
        'POST',
        `/api/reviews/${fx.toReport.admin.id}/reports`,
        { customerId: fx.voter, reason: 'SPAM', note: 'x'.repeat(100_000) },
      ],
      [
        'POST',
        `/api/reviews/${fx.toReport.admin.id}/reports`,
        { customerId: fx.voter, reason: 'SPAM', note: 'a\u0000b' },
      ],
      ['PUT', `/api/reviews/${fx.shown}/response`, { body: '', as: 'Matrix Mugs' }],
      ['PUT', `/api/reviews/${fx.shown}/response`, { body: 'x'.repeat(2001), as: 'Matrix Mugs' }],
      ['PUT', `/api/reviews/${fx.shown}/response`, { body: 'Thanks', as: 'y'.repeat(61) }],
      ['PUT', `/api/reviews/${fx.shown}/response`, { body: 'Thanks\u0000', as: 'Matrix Mugs' }],
      ['PUT', `/api/reviews/${fx.shown}/response`, { body: 'Thanks' }],
      ['POST', `/api/reviews/${fx.shown}/moderation`, { decision: 'DELETE' }],
      ['POST', `/api/reviews/${fx.shown}/moderation`, { decision: 'REJECT', note: 'n'.repeat(501) }],
      ['POST', `/api/reviews/${fx.shown}/moderation`, { decision: 'approve' }],
      ['POST', `/api/reviews/${fx.reported.id}/reports/resolve`, { remove: 'yes' }],
      ['POST', `/api/reviews/${fx.reported.id}/reports/resolve`, { note: 'no decision' }],
    ];
    await reviewsSettled(h.t);
    const before = await hubFingerprint(h.t.hub.db);
    const wrong: string[] = [];
    for (const [method, path, body] of cases) {
      const res = await send(method, path, JSON.stringify(body) ?? 'null', {
        ...admin,
        'content-type': 'application/json',
      });
      const what = `${method} ${path} ${JSON.stringify(body)?.slice(0, 100)} → ${res.status} ${res.text.slice(0, 120)}`;
      if (!REFUSED.includes(res.status)) wrong.push(what);
      else if (!res.contentType.includes('application/problem+json')) wrong.push(`${what} (not problem+json)`);
    }
    // not JSON at all, JSON that does not parse, a form
    for (const [body, type] of [
      ['{"rating":', 'application/json'],
      ['\u0000', 'application/json'],
      ['rating=5', 'application/x-www-form-urlencoded'],
      [JSON.stringify(good), 'text/plain'],
    ] as const) {
      const res = await send('POST', '/api/reviews', body, { ...admin, 'content-type': type });
      if (!REFUSED.includes(res.status))
        wrong.push(`POST /api/reviews as ${type} ${body.slice(0, 20)} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
    expect(await hubFingerprint(h.t.hub.db)).toBe(before);
  }, 120_000);

  it('refuses a photo that is not one (415), too large (413) or for nobody, and keeps nothing', async () => {
    await reviewsSettled(h.t);
    const before = await hubFingerprint(h.t.hub.db);
    const at = `/api/reviews/photos?customerId=${h.fx.customerId}`;
    const cases: [string, Buffer, string | undefined, number[]][] = [
      [at, Buffer.from('just some text, not an image'), 'image/png', [415]],
      [at, Buffer.from('just some text, not an image'), undefined, [415]],
      [at, smallPng(), 'image/jpeg', [415]], // declared as something it is not
      [at, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml', [415]],
      [at, Buffer.from('GIF89a\u0001\u0000\u0001\u0000'), 'image/gif', [415]],
      [at, Buffer.alloc(0), 'image/png', [400, 415, 422]],
      [at, Buffer.concat([smallPng(), Buffer.alloc(MAX_PHOTO_BYTES, 0x20)]), 'image/png', [413]],
      ['/api/reviews/photos?customerId=not-a-uuid', smallPng(), 'image/png', [400, 404]],
      ['/api/reviews/photos', smallPng(), 'image/png', [400]],
    ];
    const wrong: string[] = [];
    for (const [path, body, type, want] of cases) {
      const res = await send('POST', path, body, { ...admin, ...(type ? { 'content-type': type } : {}) });
      if (!want.includes(res.status) || !res.contentType.includes('application/problem+json'))
        wrong.push(
          `${path} ${type} (${body.length} bytes) → ${res.status} ${res.contentType} ${res.text.slice(0, 100)}`,
        );
    }
    expect(wrong).toEqual([]);
    expect(await hubFingerprint(h.t.hub.db)).toBe(before);
  }, 120_000);

  it('answers a submit retried with its Idempotency-Key with the first answer, writing one review; another body with the key is 422', async () => {
    const key = `reviews-${randomUUID()}`;
    const body = { customerId: h.fx.submitter, sku: REVIEW_SKUS[6]!, ...reviewText(600) };
    const headers = { ...admin, 'content-type': 'application/json', 'idempotency-key': key };
    const first = await send('POST', '/api/reviews', JSON.stringify(body), headers);
    expect(first.status).toBe(201);
    const again = await send('POST', '/api/reviews', JSON.stringify(body), headers);
    expect(again.status).toBe(first.status);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json).toEqual(first.json);
    const { rows } = await h.t.hub.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM reviews WHERE customer_id = $1 AND sku = $2',
      [h.fx.submitter, REVIEW_SKUS[6]],
    );
    expect(rows[0]!.n).toBe(1);

    await reviewsSettled(h.t);
    const before = await hubFingerprint(h.t.hub.db);
    const other = await send(
      'POST',
      '/api/reviews',
      JSON.stringify({ ...body, rating: body.rating === 5 ? 4 : 5 }),
      headers,
    );
    expect(other.status).toBe(422);
    expect(other.contentType).toContain('application/problem+json');
    expect(other.json.detail).toBe(`Idempotency-Key ${key} was already used for a different request`);
    expect(await hubFingerprint(h.t.hub.db)).toBe(before);
  }, 120_000);

  it('answers a photo upload retried with its Idempotency-Key with the first answer, keeping one photo', async () => {
    const key = `reviews-photo-${randomUUID()}`;
    const headers = { ...admin, 'content-type': 'image/png', 'idempotency-key': key };
    const at = `/api/reviews/photos?customerId=${h.fx.voter}`;
    const first = await send('POST', at, smallPng(6, 6), headers);
    expect(first.status).toBe(201);
    const again = await send('POST', at, smallPng(6, 6), headers);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    const { rows } = await h.t.hub.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM review_photos WHERE customer_id = $1',
      [h.fx.voter],
    );
    expect(rows[0]!.n).toBe(1);
  }, 60_000);
});
