import { beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';
import { seedReview } from './moderation-seed.js';

/**
 * The moderation queue as head office reads it: each kind oldest first with its count, cursor pages ("Older"), each
 * review with its fraud score and reasons, a reported one with its open reports only; a deleted review in no queue.
 */
const T0 = Date.UTC(2026, 10, 1, 9);
const MIN = 60_000;

describe.each(dbTargets)('the moderation queue on $name', (target) => {
  const s = signedInHub(target);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const q = s.t.hub.db;
    // created out of order: the queue orders by when each was written
    ids.waitingMid = await seedReview(q, { sku: 'MUG', status: 'MANUAL_REVIEW', createdAt: T0 + 2 * MIN });
    ids.waitingOld = await seedReview(q, {
      sku: 'MUG',
      status: 'MANUAL_REVIEW',
      createdAt: T0 + MIN,
      rating: 5,
      title: 'Best mug ever!!!',
      score: 0.72,
      reasons: [
        { code: 'TEXT_MODEL', weight: 0.45, detail: 'The text reads as generated (p = 0.91).' },
        { code: 'IP_BURST', weight: 0.27, detail: '6 reviews from 203.0.113.7 in 10 minutes.' },
      ],
    });
    ids.waitingNew = await seedReview(q, { sku: 'TEA', status: 'MANUAL_REVIEW', createdAt: T0 + 3 * MIN });
    ids.refused = await seedReview(q, { sku: 'MUG', status: 'REJECTED', createdAt: T0, score: 0.93 });
    ids.shown = await seedReview(q, { sku: 'MUG', status: 'APPROVED', createdAt: T0 });
    ids.reported = await seedReview(q, {
      sku: 'TEA',
      status: 'APPROVED',
      createdAt: T0,
      reports: [
        { reason: 'OFFENSIVE', note: 'Rude words', at: T0 + 5 * MIN },
        { reason: 'SPAM', at: T0 + 4 * MIN },
        { reason: 'OTHER', note: 'old, dealt with', at: T0 + MIN, resolved: true },
      ],
    });
    // reported before the other's oldest open report (and sent to a moderator by its reports): first in the list
    ids.reportedEarlier = await seedReview(q, {
      sku: 'MUG',
      status: 'MANUAL_REVIEW',
      beforeReports: 'APPROVED',
      createdAt: T0 + 10 * MIN,
      reports: [{ reason: 'OFF_TOPIC', at: T0 + 3 * MIN }],
    });
    ids.deletedReported = await seedReview(q, {
      sku: 'TEA',
      status: 'DELETED',
      createdAt: T0,
      reports: [{ reason: 'SPAM', at: T0 }],
    });
  });

  const queue = (query: string) => s.t.call('GET', `/api/reviews/moderation${query}`, undefined, { cookie: s.admin });

  it('lists the waiting reviews oldest first, with every count, their scores and reasons', async () => {
    const r = await queue('');
    expect(r.status).toBe(200);
    expect(r.body.counts).toEqual({ MANUAL_REVIEW: 4, REJECTED: 1, REPORTED: 2 });
    expect(r.body.reviews.map((v: { id: string }) => v.id)).toEqual([
      ids.waitingOld,
      ids.waitingMid,
      ids.waitingNew,
      ids.reportedEarlier,
    ]);
    expect(r.body.next).toBeNull();
    const first = r.body.reviews[0];
    expect(first).toMatchObject({
      sku: 'MUG',
      rating: 5,
      title: 'Best mug ever!!!',
      author: 'Ana P.',
      status: 'MANUAL_REVIEW',
      verified: false,
      client: { ip: '203.0.113.7', deviceId: 'kiosk-1' },
      fraud: {
        score: 0.72,
        modelVersion: null,
        reasons: [
          { code: 'TEXT_MODEL', weight: 0.45, detail: 'The text reads as generated (p = 0.91).' },
          { code: 'IP_BURST', weight: 0.27, detail: '6 reviews from 203.0.113.7 in 10 minutes.' },
        ],
      },
      moderation: null,
      reports: [],
      createdAt: T0 + MIN,
    });
  });

  it('pages with the cursor: "Older" continues where the page ended, the last page has no next', async () => {
    const one = await queue('?kind=MANUAL_REVIEW&limit=2');
    expect(one.body.reviews.map((v: { id: string }) => v.id)).toEqual([ids.waitingOld, ids.waitingMid]);
    expect(typeof one.body.next).toBe('string');
    const two = await queue(`?kind=MANUAL_REVIEW&limit=2&after=${encodeURIComponent(one.body.next)}`);
    expect(two.status).toBe(200);
    expect(two.body.reviews.map((v: { id: string }) => v.id)).toEqual([ids.waitingNew, ids.reportedEarlier]);
    expect(two.body.next).toBeNull();
    // the reported list pages by each review's oldest open report
    const r1 = await queue('?kind=REPORTED&limit=1');
    expect(r1.body.reviews.map((v: { id: string }) => v.id)).toEqual([ids.reportedEarlier]);
    const r2 = await queue(`?kind=REPORTED&limit=1&after=${encodeURIComponent(r1.body.next)}`);
    expect(r2.body.reviews.map((v: { id: string }) => v.id)).toEqual([ids.reported]);
    expect(r2.body.next).toBeNull();
  });

  it('lists the refused reviews, and the reported ones with their open reports only (oldest first)', async () => {
    const refused = await queue('?kind=REJECTED');
    expect(refused.body.reviews.map((v: { id: string; status: string }) => [v.id, v.status])).toEqual([
      [ids.refused, 'REJECTED'],
    ]);
    const reported = await queue('?kind=REPORTED');
    expect(reported.body.reviews.map((v: { id: string }) => v.id)).toEqual([ids.reportedEarlier, ids.reported]);
    expect(reported.body.reviews[1].reports).toEqual([
      { reason: 'SPAM', note: null, at: T0 + 4 * MIN },
      { reason: 'OFFENSIVE', note: 'Rude words', at: T0 + 5 * MIN },
    ]);
    expect(reported.body.reviews[1].reportsOpen).toBe(2);
  });

  it.each([
    ['an unknown kind', '?kind=APPROVED'],
    ['a kind in lower case', '?kind=manual_review'],
    ['a limit of 0', '?limit=0'],
    ['a limit above 100', '?limit=101'],
    ['a limit in exponent form', '?limit=1e1'],
    ['a limit that is not a number', '?limit=ten'],
    ['a made-up cursor', '?after=yesterday'],
    ['a cursor with a bad id', `?after=${T0}_zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz`],
    ['a NUL in the cursor', '?after=%00'],
    ['an unknown parameter', '?sort=newest'],
    ['a repeated kind', '?kind=REJECTED&kind=REPORTED'],
  ])('refuses %s with 400 problem+json', async (_what, query) => {
    const r = await queue(query);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
  });
});
