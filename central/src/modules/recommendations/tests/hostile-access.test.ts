import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { StoreOutbox } from '../../../../tests/support/store-outbox.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { EVENTS_PER_MINUTE } from '../event-budget.js';
import { InteractionsRepository } from '../interactions-repository.js';
import { cand, RecsHarness } from './serving-harness.js';

/**
 * What a store must not learn through recommendations (the hostile review of #21): another store's customers'
 * purchases, another store's sessions, another store's popular list and stock.
 */
describe.each(dbTargets)('recommendations against a curious store, on $name', (target) => {
  let h: RecsHarness;
  const A = () => ({ bearer: h.storeA.token });
  const B = () => ({ bearer: h.storeB.token });
  const link = (customerId: string, storeId: string, via: string) =>
    h.db.query(
      `INSERT INTO customer_stores (store_id, customer_id, via, linked_at) VALUES ($1, $2, $3, 1)
       ON CONFLICT (store_id, customer_id) DO UPDATE SET via = EXCLUDED.via`,
      [storeId, customerId, via],
    );
  const purchaseAt = (customerId: string, sku: string, storeId: string) =>
    new InteractionsRepository(h.db).record([
      {
        customerId,
        sku,
        kind: 'PURCHASE',
        storeId,
        source: 'pos',
        sourceRef: `sale-${randomUUID()}`,
        at: Date.now() + h.t.clock.offsetMs,
      },
    ]);

  beforeAll(async () => {
    h = await RecsHarness.start(target);
    await h.products([
      { sku: 'SECRET', name: 'Pregnancy test', category: 'Health' },
      { sku: 'MILK', name: 'Whole milk', category: 'Dairy' },
      { sku: 'BREAD', name: 'Rye bread', category: 'Bakery' },
    ]);
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('a store that only looked the customer up at its kiosk cannot read their list (404, as for nobody)', async () => {
    const alice = await h.customer(A(), 'Alice');
    await link(alice, h.storeB.id, 'lookup');
    await h.model({ customers: [[alice, [cand('MILK', 1)]]], popular: [['all', [cand('BREAD', 1)]]] });
    const path = `/api/recommendations?surface=home&customerId=${alice}`;
    expect((await h.get(path, A())).status).toBe(200);
    const b = await h.get(path, B());
    expect(b.status).toBe(404);
    expect(b.headers.get('content-type')).toContain('application/problem+json');
    const event = { eventId: randomUUID(), sessionId: `b-kiosk-${randomUUID()}`, customerId: alice, kind: 'VIEW' };
    expect((await h.post('/api/recommendations/events', { ...event, sku: 'MILK' }, B())).status).toBe(404);
  });

  it('a store sees only its own purchases of the customer: none bought elsewhere is named, left out or shown', async () => {
    const bob = await h.customer(A(), 'Bob');
    await link(bob, h.storeB.id, 'order');
    await purchaseAt(bob, 'SECRET', h.storeA.id);
    await h.model({
      customers: [[bob, [cand('BREAD', 1, 'SECRET')]]],
      popular: [['all', [cand('SECRET', 1), cand('MILK', 0.9)]]],
    });
    const path = `/api/recommendations?surface=home&customerId=${bob}&limit=10`;
    const atB = await h.get(path, B());
    expect(atB.status).toBe(200);
    const items = atB.body.items as { sku: string; reason: string }[];
    // the pick is there, but not "because you bought" the product bought at store A
    expect(items.find((i) => i.sku === 'BREAD')?.reason).toBe('Picked for you');
    expect(items.map((i) => i.reason).join()).not.toContain('Pregnancy');
    // and what store A sold is not left out at B either (its absence would tell)
    expect(RecsHarness.skus(atB)).toContain('SECRET');
    // store A, where it was bought, leaves it out; head office sees every purchase and names it
    expect(RecsHarness.skus(await h.get(path, A()))).not.toContain('SECRET');
    const office = await h.get(path);
    expect(RecsHarness.skus(office)).not.toContain('SECRET');
    expect((office.body.items as { reason: string }[]).map((i) => i.reason)).toContain(
      'Because you bought Pregnancy test',
    );
  });

  it("a session is its caller's: another store naming the same session id neither reads nor steers it", async () => {
    await h.model({
      neighbours: [['SECRET', 'BOUGHT_WITH', [cand('MILK', 1)]]],
      popular: [['all', [cand('BREAD', 1), cand('MILK', 0.5)]]],
    });
    const session = `web-session-${randomUUID()}`;
    const viewed = await h.post(
      '/api/recommendations/events',
      { eventId: randomUUID(), sessionId: session, kind: 'VIEW', sku: 'SECRET' },
      A(),
    );
    expect(viewed.status).toBe(202);
    const path = `/api/recommendations?surface=home&sessionId=${session}&limit=5`;
    // store A's own next request is re-ranked by the view ("bought with" the product looked at)
    const atA = (await h.get(path, A())).body.items as { sku: string; reason: string }[];
    expect(atA[0]).toMatchObject({ sku: 'MILK', reason: 'Because you looked at Pregnancy test' });
    // store B with the same id gets a list that knows nothing of it
    const atB = (await h.get(path, B())).body.items as { sku: string; reason: string }[];
    expect(atB.map((i) => i.reason).join()).not.toContain('Pregnancy');
    expect(atB[0]!.sku).toBe('BREAD');
    // and a session id anyone could guess is refused
    const short = await h.get('/api/recommendations?surface=home&sessionId=1', B());
    expect(short.status).toBe(400);
    expect(short.headers.get('content-type')).toContain('application/problem+json');
  });

  it("another store's popular list and stock are refused (403), as its top list is", async () => {
    const other = await h.get(`/api/recommendations?surface=home&storeId=${h.storeA.id}`, B());
    expect(other.status).toBe(403);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect((await h.get(`/api/recommendations?surface=home&storeId=${h.storeB.id}`, B())).status).toBe(200);
    expect((await h.get(`/api/recommendations?surface=home&storeId=${h.storeA.id}`)).status).toBe(200);
  });

  it('events name only real customers and products, and one caller cannot claim another’s event or view ids', async () => {
    const nobody = await h.post('/api/recommendations/events', {
      eventId: randomUUID(),
      sessionId: `web-session-${randomUUID()}`,
      customerId: randomUUID(),
      kind: 'VIEW',
      sku: 'MILK',
    });
    expect(nobody.status).toBe(404);
    // store B sends first the ids store A will use: both count
    const ids = { eventId: `evt-${randomUUID()}`, sessionId: `web-session-${randomUUID()}` };
    expect((await h.post('/api/recommendations/events', { ...ids, kind: 'VIEW', sku: 'MILK' }, B())).status).toBe(202);
    expect((await h.post('/api/recommendations/events', { ...ids, kind: 'VIEW', sku: 'MILK' }, A())).status).toBe(202);
    const web = await h.db.query<{ store_id: string }>(
      "SELECT store_id FROM recs_interactions WHERE source = 'web' AND source_ref LIKE '%' || $1 ORDER BY store_id",
      [ids.eventId],
    );
    expect(web.rows.map((r) => r.store_id).sort()).toEqual([h.storeA.id, h.storeB.id].sort());

    // kiosk views: a made-up sku is not recorded; a view id store B used first still counts for store A
    const viewId = `view-${randomUUID()}`;
    const view = (sku: string, id = viewId) => ({
      viewId: id,
      sessionId: 'kiosk-1',
      customerId: null,
      sku,
      at: Date.now(),
    });
    const ob = new StoreOutbox(h.t, h.storeB.id);
    await ob.send(ob.event('recs.viewed', view('MILK')), ob.event('recs.viewed', view('NO-SUCH-SKU', `${viewId}-x`)));
    const oa = new StoreOutbox(h.t, h.storeA.id);
    await oa.send(oa.event('recs.viewed', view('MILK')));
    const kiosk = await h.db.query<{ store_id: string; sku: string }>(
      "SELECT store_id, sku FROM recs_interactions WHERE source = 'kiosk' AND source_ref LIKE '%' || $1 || '%'",
      [viewId],
    );
    expect(kiosk.rows.map((r) => `${r.store_id} ${r.sku}`).sort()).toEqual(
      [`${h.storeA.id} MILK`, `${h.storeB.id} MILK`].sort(),
    );
  });

  it("a caller's session events are bounded: past the minute's budget a 429 problem+json with Retry-After, nothing recorded", async () => {
    const session = `web-session-${randomUUID()}`;
    const send = () =>
      h.post(
        '/api/recommendations/events',
        { eventId: randomUUID(), sessionId: session, kind: 'VIEW', sku: 'MILK' },
        B(),
      );
    // sent 40 at a time until refused (the budget's minute starts at the caller's first event)
    const statuses: number[] = [];
    while (!statuses.includes(429) && statuses.length < 3 * EVENTS_PER_MINUTE)
      statuses.push(...(await Promise.all(Array.from({ length: 40 }, () => send()))).map((r) => r.status));
    expect(statuses.filter((s) => s !== 202 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 202).length).toBeLessThanOrEqual(EVENTS_PER_MINUTE);
    const before = (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM recs_interactions')).rows[0]!.n;
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM recs_interactions')).rows[0]!.n).toBe(
      before,
    );
    // another caller is not held up by it
    expect(
      (
        await h.post(
          '/api/recommendations/events',
          { eventId: randomUUID(), sessionId: session, kind: 'VIEW', sku: 'MILK' },
          A(),
        )
      ).status,
    ).toBe(202);
  }, 300_000);

  it('a click counts only from the caller the list was served to, and only within a day', async () => {
    await h.model({ popular: [['all', [cand('MILK', 1), cand('BREAD', 0.5)]]] });
    const served = await h.get('/api/recommendations?surface=home&limit=5', A());
    const impressionId = served.body.impressionId as string;
    await waitFor('the impression written', async () => {
      const { rows } = await h.db.query('SELECT 1 FROM recs_impressions WHERE id = $1', [impressionId]);
      return rows.length > 0;
    });
    const click = (who: { bearer: string } | undefined) =>
      h.post('/api/recommendations/clicks', { impressionId, sku: 'MILK' }, who ?? h.admin);
    // another store, and head office, get the answer an unknown list gets
    expect((await click(B())).status).toBe(404);
    expect((await click(undefined)).status).toBe(404);
    // a day later, even the caller it was served to
    await h.db.query('UPDATE recs_impressions SET at = at - $2 WHERE id = $1', [impressionId, 24 * 3_600_000 + 60_000]);
    expect((await click(A())).status).toBe(404);
    await h.db.query('UPDATE recs_impressions SET at = at + $2 WHERE id = $1', [impressionId, 24 * 3_600_000 + 60_000]);
    const counted = await click(A());
    expect(counted.status).toBe(200);
    expect(counted.body).toEqual({ counted: true });
    const { rows } = await h.db.query<{ clicked_sku: string }>(
      'SELECT clicked_sku FROM recs_impressions WHERE id = $1',
      [impressionId],
    );
    expect(rows[0]!.clicked_sku).toBe('MILK');
  });
});
