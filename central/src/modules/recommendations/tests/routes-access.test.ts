import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { cand, RecsHarness } from './serving-harness.js';

/**
 * Who may ask for a named customer's list, and hostile input: a store not linked to the customer is answered 404 as
 * if the customer did not exist; every malformed request is a 4xx problem+json that changes nothing.
 */
describe.each(dbTargets)('the recommendations routes, callers and bad input, on $name', (target) => {
  let h: RecsHarness;
  let customer: string;
  const counts = async () =>
    (
      await h.db.query<{ i: number; m: number; v: number }>(
        `SELECT (SELECT count(*) FROM recs_interactions)::int AS i, (SELECT count(*) FROM recs_impressions)::int AS m,
                (SELECT count(*) FROM recs_variants)::int AS v`,
      )
    ).rows[0]!;
  /**
   * The counts once every list served so far is written. A list's impression is written after its answer, by the one
   * writer that writes them in the order handed over (experiments.ts): so a list served now, its impression waited
   * for, means every earlier one is in too (beforeAll's lists as well). The counts include that one impression.
   */
  const settledCounts = async () => {
    const marker = await h.get('/api/recommendations?surface=home');
    expect(marker.status).toBe(200);
    const id: string = marker.body.impressionId;
    await waitFor(
      `the impression of list ${id}`,
      async () => (await h.db.query('SELECT 1 FROM recs_impressions WHERE id = $1', [id])).rows.length > 0,
      30_000,
    );
    return counts();
  };

  beforeAll(async () => {
    h = await RecsHarness.start(target);
    await h.products([
      { sku: 'TEA', name: 'Black tea', category: 'Drinks' },
      { sku: 'JAM', name: 'Strawberry jam', category: 'Pantry' },
    ]);
    customer = await h.customer({ bearer: h.storeA.token });
    await h.model({ customers: [[customer, [cand('JAM', 1)]]], popular: [['all', [cand('TEA', 1)]]] });
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it("a customer's list is head office's and their stores': another store gets 404 as for nobody", async () => {
    const path = `/api/recommendations?surface=home&customerId=${customer}`;
    const a = await h.get(path, { bearer: h.storeA.token });
    expect(a.status).toBe(200);
    expect(RecsHarness.skus(a)).toContain('JAM');
    expect((await h.get(path)).status).toBe(200);

    const before = await settledCounts();
    const b = await h.get(path, { bearer: h.storeB.token });
    expect(b.status).toBe(404);
    expect(b.headers.get('content-type')).toContain('application/problem+json');
    const nobody = await h.get(`/api/recommendations?surface=home&customerId=${randomUUID()}`, {
      bearer: h.storeB.token,
    });
    expect({ status: nobody.status, detail: nobody.body.detail.replace(/customer \S+/, 'customer X') }).toEqual({
      status: b.status,
      detail: b.body.detail.replace(/customer \S+/, 'customer X'),
    });
    expect((await h.get('/api/recommendations?surface=home&customerId=u123', { bearer: h.storeB.token })).status).toBe(
      404,
    );
    // nor may it record a view in the customer's name
    const view = await h.post(
      '/api/recommendations/events',
      { eventId: randomUUID(), sessionId: 'b-kiosk-session-0001', customerId: customer, kind: 'VIEW', sku: 'TEA' },
      { bearer: h.storeB.token },
    );
    expect(view.status).toBe(404);
    // nor tell of another store's shop floor
    const elsewhere = await h.post(
      '/api/recommendations/events',
      { eventId: randomUUID(), sessionId: 'b-kiosk-session-0001', kind: 'VIEW', sku: 'TEA', storeId: h.storeA.id },
      { bearer: h.storeB.token },
    );
    expect(elsewhere.status).toBe(403);
    // nothing but the next settled count's own list
    expect(await settledCounts()).toEqual({ ...before, m: before.m + 1 });
  });

  it("a store's top list: another store is refused, and before a model reaches it the list is missing", async () => {
    expect((await h.get(`/api/recommendations/stores/${h.storeA.id}/top`, { bearer: h.storeB.token })).status).toBe(
      403,
    );
    expect((await h.get('/api/recommendations/stores/not-a-store/top')).status).toBe(404);
  });

  it('answers bad input with a 4xx problem+json that changes nothing', async () => {
    const tooMany = Array.from({ length: 51 }, (_, i) => `sku=S${i}`).join('&');
    const event = { eventId: randomUUID(), sessionId: 'web-session-00001', kind: 'VIEW', sku: 'TEA' };
    const cases: [string, string, unknown, number][] = [
      ['GET', '/api/recommendations?surface=garden', undefined, 400],
      ['GET', `/api/recommendations?${tooMany}`, undefined, 400],
      ['GET', '/api/recommendations?sku=bad%20sku', undefined, 400],
      ['GET', '/api/recommendations?limit=0', undefined, 400],
      ['GET', '/api/recommendations?limit=51', undefined, 400],
      ['GET', '/api/recommendations?limit=1e1', undefined, 400],
      ['GET', '/api/recommendations?limit=5&limit=6', undefined, 400],
      ['GET', '/api/recommendations?storeId=store-a', undefined, 400],
      ['GET', '/api/recommendations?sessionId=', undefined, 400],
      ['GET', `/api/recommendations?sessionId=${'x'.repeat(65)}`, undefined, 400],
      ['GET', '/api/recommendations?customerId[]=x', undefined, 400],
      ['GET', '/api/recommendations?colour=red', undefined, 400],
      ['POST', '/api/recommendations/events', { ...event, kind: 'PURCHASE' }, 400],
      ['POST', '/api/recommendations/events', { ...event, sessionId: 'short' }, 400],
      ['GET', '/api/recommendations?sessionId=short', undefined, 400],
      ['POST', '/api/recommendations/events', { ...event, extra: 1 }, 400],
      ['POST', '/api/recommendations/events', { ...event, eventId: undefined }, 400],
      ['POST', '/api/recommendations/events', { ...event, sku: 'NOT-IN-CATALOG' }, 422],
      ['POST', '/api/recommendations/events', [event], 400],
      ['POST', '/api/recommendations/clicks', { impressionId: 'x', sku: 'TEA' }, 400],
      ['POST', '/api/recommendations/clicks', { impressionId: randomUUID() }, 400],
      ['POST', '/api/recommendations/variants', { name: 'Bad Name', weights: {} }, 400],
      [
        'POST',
        '/api/recommendations/variants',
        {
          name: 'heavy',
          weights: Object.fromEntries(
            ['home', 'product', 'cart', 'kiosk'].map((s) => [
              s,
              { personal: 1e9, boughtWith: 0, similar: 0, popular: 0, session: 0 },
            ]),
          ),
        },
        400,
      ],
      [
        'POST',
        '/api/recommendations/variants',
        {
          name: 'silent',
          weights: Object.fromEntries(
            ['home', 'product', 'cart', 'kiosk'].map((s) => [
              s,
              { personal: 0, boughtWith: 0, similar: 0, popular: 0, session: 0 },
            ]),
          ),
        },
        400,
      ],
      ['POST', '/api/recommendations/variants/control/stop', { now: true }, 400],
      ['POST', '/api/recommendations/variants/..%2Fcontrol/stop', {}, 404],
      ['POST', '/api/recommendations/variants/UPPER/start', {}, 404],
      ['POST', '/api/recommendations/models/train', { everything: true }, 400],
      ['GET', '/api/recommendations/models?limit=1000', undefined, 400],
    ];
    const before = await settledCounts();
    const wrong: string[] = [];
    for (const [method, path, body, status] of cases) {
      const r = await h.t.call(method, path, body, h.admin);
      const type = r.headers.get('content-type') ?? '';
      if (r.status !== status || !type.includes('application/problem+json'))
        wrong.push(`${method} ${path.slice(0, 60)} ${JSON.stringify(body)?.slice(0, 60)} → ${r.status} ${type}`);
    }
    expect(wrong).toEqual([]);
    expect(await settledCounts()).toEqual({ ...before, m: before.m + 1 });
  });

  it('the training runs are head office’s to read and start', async () => {
    const runs = await h.get('/api/recommendations/models');
    expect(runs.status).toBe(200);
    expect(Array.isArray(runs.body.runs)).toBe(true);
    expect((await h.get('/api/recommendations/models', { bearer: h.storeA.token })).status).toBe(403);
    expect((await h.post('/api/recommendations/models/train', {}, { bearer: h.storeA.token })).status).toBe(403);
  });
});
