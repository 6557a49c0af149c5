import { beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';
import type { Caller } from '../../../../tests/support/test-hub.js';
import { moderationState, seedReview } from './moderation-seed.js';

/**
 * Moderation is head office's (access-matrix.ts: ADMIN only): a store's own credential, its manager and its
 * associates are refused (403), nobody signed in 401 — and none of them changes the review. Hostile bodies (wrong
 * types, unknown fields, NUL bytes, huge notes, not JSON objects) get 400 problem+json and change nothing either.
 */
const PASSWORD = 'a long enough password 123';

describe.each(dbTargets)('who may moderate, and what bad input does, on $name', (target) => {
  const s = signedInHub(target);
  const who: Record<string, Caller> = {};
  let id = '';
  let reported = '';

  beforeAll(async () => {
    const store = await s.t.store('MOD-A', s.admin);
    for (const role of ['STORE_MANAGER', 'ASSOCIATE'] as const)
      await s.t.hub.auth.createUser({
        email: `${role.toLowerCase()}@example.test`,
        name: role,
        role,
        storeId: store.id as never,
        password: PASSWORD,
      });
    who.store = { bearer: store.token };
    who.manager = { cookie: await s.t.login('store_manager@example.test', PASSWORD) };
    who.associate = { cookie: await s.t.login('associate@example.test', PASSWORD) };
    id = await seedReview(s.t.hub.db, { sku: 'MUG', status: 'MANUAL_REVIEW', createdAt: Date.UTC(2026, 10, 1) });
    reported = await seedReview(s.t.hub.db, {
      sku: 'TEA',
      status: 'APPROVED',
      createdAt: Date.UTC(2026, 10, 1),
      reports: [{ reason: 'SPAM', at: Date.UTC(2026, 10, 2) }],
    });
  });

  const routes = () =>
    [
      ['GET', '/api/reviews/moderation', undefined],
      ['POST', `/api/reviews/${id}/moderation`, { decision: 'APPROVE' }],
      ['POST', `/api/reviews/${reported}/reports/resolve`, { remove: true }],
    ] as const;

  it.each(['store', 'manager', 'associate'])('refuses a %s (403) on every moderation route', async (name) => {
    for (const [method, path, body] of routes()) {
      const r = await s.t.call(method, path, body, who[name]!);
      expect([path, r.status]).toEqual([path, 403]);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await moderationState(s.t.hub.db, id)).toMatchObject({ status: 'MANUAL_REVIEW', log: [] });
    expect(await moderationState(s.t.hub.db, reported)).toMatchObject({ status: 'APPROVED', openReports: 1 });
  });

  it('refuses a caller who is not signed in (401)', async () => {
    for (const [method, path, body] of routes()) expect((await s.t.call(method, path, body)).status).toBe(401);
  });

  const hostileDecisions: [string, unknown][] = [
    ['no decision', {}],
    ['a decision in lower case', { decision: 'approve' }],
    ['a decision of another type', { decision: 1 }],
    ['an unknown field', { decision: 'APPROVE', customerId: 'x' }],
    ['a note with a NUL byte', { decision: 'APPROVE', note: 'ok\u0000then' }],
    ['a note with a control character', { decision: 'REJECT', note: 'bell\u0007' }],
    ['a note of 501 characters', { decision: 'REJECT', note: 'x'.repeat(501) }],
    ['a huge note', { decision: 'REJECT', note: 'x'.repeat(200_000) }],
    ['a note that is a number', { decision: 'REJECT', note: 5 }],
    ['a seen status that is no status', { decision: 'REJECT', seen: 'DELETED' }],
    ['an array', [{ decision: 'APPROVE' }]],
    ['a string', 'APPROVE'],
    ['null', null],
  ];
  it.each(hostileDecisions)('a decision with %s is refused (400) and changes nothing', async (_what, body) => {
    const r = await s.t.call('POST', `/api/reviews/${id}/moderation`, body, { cookie: s.admin });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(await moderationState(s.t.hub.db, id)).toMatchObject({
      status: 'MANUAL_REVIEW',
      moderator_note: null,
      log: [],
    });
  });

  it('a body that is not JSON is refused (400) and changes nothing', async () => {
    const r = await s.t.call('POST', `/api/reviews/${id}/moderation`, undefined, {
      cookie: s.admin,
      rawBody: '{"decision": "APPROVE"',
    });
    expect(r.status).toBe(400);
    expect(await moderationState(s.t.hub.db, id)).toMatchObject({ status: 'MANUAL_REVIEW', log: [] });
  });

  const hostileResolutions: [string, unknown][] = [
    ['no remove', {}],
    ['remove as a string', { remove: 'yes' }],
    ['remove as a number', { remove: 1 }],
    ['an unknown field', { remove: true, decision: 'REJECT' }],
    ['a note with a NUL byte', { remove: true, note: '\u0000' }],
    ['a note of 501 characters', { remove: false, note: 'y'.repeat(501) }],
  ];
  it.each(hostileResolutions)('a resolution with %s is refused (400) and changes nothing', async (_what, body) => {
    const r = await s.t.call('POST', `/api/reviews/${reported}/reports/resolve`, body, { cookie: s.admin });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(await moderationState(s.t.hub.db, reported)).toMatchObject({ status: 'APPROVED', openReports: 1, log: [] });
  });

  it('a path that names no review is 404, whatever it holds (a NUL byte: 400 from the hub)', async () => {
    for (const bad of ['nope', 'x'.repeat(300), '00000000-0000-0000-0000-000000000000']) {
      const r = await s.t.call('POST', `/api/reviews/${bad}/moderation`, { decision: 'APPROVE' }, { cookie: s.admin });
      expect([bad.slice(0, 10), r.status]).toEqual([bad.slice(0, 10), 404]);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    const nul = await s.t.call('POST', '/api/reviews/%00/moderation', { decision: 'APPROVE' }, { cookie: s.admin });
    expect(nul.status).toBe(400);
    expect(nul.headers.get('content-type')).toContain('application/problem+json');
  });
});
