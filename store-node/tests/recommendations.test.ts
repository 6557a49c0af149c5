import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecsStoreTop } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';

const MIN = 60_000;
const product = (sku: string, name: string, category: string, priceMinor: number) => ({
  sku,
  name,
  category,
  priceMinor,
});
const PRODUCTS = [
  product('MILK', 'Whole milk 1 l', 'Dairy', 129),
  product('BUTTER', 'Salted butter', 'Dairy', 299),
  product('CHEESE', 'Mature cheddar', 'Dairy', 449),
  product('BREAD', 'Sourdough loaf', 'Bakery', 350),
  product('JAM', 'Strawberry jam', 'Pantry', 279),
  product('COFFEE', 'Ground coffee', 'Pantry', 699),
  product('TEA', 'Breakfast tea', 'Pantry', 399),
  product('KETTLE', 'Stovetop kettle', 'Kitchen', 3499),
];
/** KETTLE none here (out of stock), the rest plenty. */
const STOCK: Record<string, number> = { MILK: 40, BUTTER: 20, CHEESE: 12, BREAD: 15, JAM: 9, COFFEE: 8, TEA: 30 };

const item = (sku: string, category: string, score: number, reason = 'Popular at this store') => ({
  sku,
  category,
  score,
  reason,
});
/** Model 3's list: milk, bread, coffee, the kettle (out of stock here), tea, jam, butter; milk goes with bread. */
const TOP_V3: RecsStoreTop = {
  modelVersion: 3,
  generatedAt: 1_700_000_000_000,
  items: [
    item('MILK', 'Dairy', 1),
    item('BREAD', 'Bakery', 0.9),
    item('COFFEE', 'Pantry', 0.8),
    item('KETTLE', 'Kitchen', 0.75),
    item('TEA', 'Pantry', 0.6, 'Popular in Pantry'),
    item('JAM', 'Pantry', 0.3),
    item('BUTTER', 'Dairy', 0.2),
  ],
  pairs: [
    {
      sku: 'MILK',
      with: [
        { sku: 'BREAD', score: 1, reason: 'Customers who bought Whole milk 1 l also bought this' },
        { sku: 'KETTLE', score: 0.9, reason: 'Customers who bought Whole milk 1 l also bought this' },
        { sku: 'MILK', score: 0.8, reason: 'Customers who bought Whole milk 1 l also bought this' },
        { sku: 'BUTTER', score: 0.5, reason: 'Customers who bought Whole milk 1 l also bought this' },
      ],
    },
    {
      sku: 'BREAD',
      with: [
        { sku: 'JAM', score: 1, reason: 'Customers who bought Sourdough loaf also bought this' },
        { sku: 'CHEESE', score: 0.5, reason: 'Customers who bought Sourdough loaf also bought this' },
      ],
    },
  ],
};

/**
 * Issue #21 at the store, with no hub at all: the hub's `recs.store-top` arrives as feed entries (through the sync
 * storage's own `applyFeed`, the path a feed page takes), the node answers the kiosk's recommendations from its copy,
 * and a product the kiosk shows is queued for the hub as `recs.viewed`.
 */
describe('recommendations on a store node with no hub', () => {
  let node: StoreNode;
  let clock = 1_800_000_000_000;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(node.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };
  const feed = (...payloads: unknown[]) => {
    const cursor = node.sync.storage.feedCursor();
    node.sync.storage.applyFeed(
      payloads.map((payload, i) => ({ seq: cursor + i + 1, type: 'recs.store-top', createdAt: clock, payload })),
    );
    return cursor;
  };
  const skus = (answer: { body: { items: { sku: string }[] } }) => answer.body.items.map((i) => i.sku);
  const viewed = () =>
    (
      node.db.prepare("SELECT payload FROM sync_outbox WHERE type = 'recs.viewed' ORDER BY seq").all() as {
        payload: string;
      }[]
    ).map((r) => JSON.parse(r.payload));

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-recs-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      now: () => clock,
    });
    const put = node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
       VALUES (@sku, NULL, @name, NULL, NULL, @category, @priceMinor, 'USD', 'STANDARD', 1)`,
    );
    for (const p of PRODUCTS) put.run(p);
    await node.start();
    for (const [sku, delta] of Object.entries(STOCK))
      expect((await call('POST', '/api/stock/movements', { sku, delta, kind: 'RECEIVE' })).status).toBe(201);
  });
  afterAll(() => node?.stop());

  it('answers an empty list before the first model, and nothing is queued by asking', async () => {
    expect((await call('GET', '/api/recommendations')).body).toEqual({ modelVersion: null, items: [] });
    expect((await call('GET', '/api/recommendations?sku=MILK')).body.items).toEqual([]);
    expect(viewed()).toEqual([]);
  });

  it('answers the store’s list from the feed entry: in stock here, each with name, price and reason', async () => {
    feed(TOP_V3);
    const home = await call('GET', '/api/recommendations?limit=10');
    expect(home.status).toBe(200);
    expect(home.body.modelVersion).toBe(3);
    // the kettle is out of stock here: left out; the rest in the hub's order
    expect(skus(home)).toEqual(['MILK', 'BREAD', 'COFFEE', 'TEA', 'JAM', 'BUTTER']);
    expect(home.body.items[0]).toMatchObject({
      sku: 'MILK',
      name: 'Whole milk 1 l',
      category: 'Dairy',
      priceMinor: 129,
      currency: 'USD',
      onHand: 40,
      reason: 'Popular at this store',
    });
    expect(home.body.items[3]).toMatchObject({ sku: 'TEA', reason: 'Popular in Pantry' });
    expect((await call('GET', '/api/recommendations?limit=2')).body.items).toHaveLength(2);
  });

  it('with a product: what is bought with it first, then popular here; never the product itself', async () => {
    const milk = await call('GET', '/api/recommendations?sku=MILK&limit=10');
    expect(skus(milk)).toEqual(['BREAD', 'BUTTER', 'COFFEE', 'TEA', 'JAM']);
    expect(milk.body.items[0]).toMatchObject({
      sku: 'BREAD',
      reason: 'Customers who bought Whole milk 1 l also bought this',
    });
    expect(milk.body.items[1]).toMatchObject({
      sku: 'BUTTER',
      reason: 'Customers who bought Whole milk 1 l also bought this',
    });
    expect(milk.body.items[2]).toMatchObject({ sku: 'COFFEE', reason: 'Popular at this store' });
    // a product with no pairs: the popular list without it; one the store does not know: the popular list
    expect(skus(await call('GET', '/api/recommendations?sku=COFFEE&limit=10'))).toEqual([
      'MILK',
      'BREAD',
      'TEA',
      'JAM',
      'BUTTER',
    ]);
    expect(skus(await call('GET', '/api/recommendations?sku=NOPE&limit=3'))).toEqual(['MILK', 'BREAD', 'COFFEE']);
  });

  it('leaves out a product once it runs out here, and takes it back when it is restocked', async () => {
    expect((await call('POST', '/api/stock/movements', { sku: 'BREAD', delta: -15, kind: 'ADJUSTMENT' })).status).toBe(
      201,
    );
    expect(skus(await call('GET', '/api/recommendations?limit=10'))).not.toContain('BREAD');
    expect(skus(await call('GET', '/api/recommendations?sku=MILK&limit=10'))[0]).toBe('BUTTER');
    expect((await call('POST', '/api/stock/movements', { sku: 'BREAD', delta: 15, kind: 'RECEIVE' })).status).toBe(201);
    expect(skus(await call('GET', '/api/recommendations?limit=10'))).toContain('BREAD');
  });

  it('keeps the newest model: an older entry arriving later is ignored, the same one twice is harmless', async () => {
    const older: RecsStoreTop = { ...TOP_V3, modelVersion: 2, items: [item('KETTLE', 'Kitchen', 1)], pairs: [] };
    feed(older, TOP_V3);
    const home = await call('GET', '/api/recommendations?limit=10');
    expect(home.body.modelVersion).toBe(3);
    expect(skus(home)).toEqual(['MILK', 'BREAD', 'COFFEE', 'TEA', 'JAM', 'BUTTER']);
    expect(node.sync.storage.parkedFeed()).toEqual([]);
    // a newer model replaces the whole list and its pairs
    const v4: RecsStoreTop = {
      modelVersion: 4,
      generatedAt: 1_700_000_100_000,
      items: [item('TEA', 'Pantry', 0.5), item('CHEESE', 'Dairy', 0.25)],
      pairs: [
        {
          sku: 'TEA',
          with: [{ sku: 'MILK', score: 2, reason: 'Customers who bought Breakfast tea also bought this' }],
        },
      ],
    };
    feed(v4);
    expect(skus(await call('GET', '/api/recommendations?limit=10'))).toEqual(['TEA', 'CHEESE']);
    expect((await call('GET', '/api/recommendations?sku=MILK')).body.items.map((i: any) => i.reason)).toEqual([
      'Popular at this store',
      'Popular at this store',
    ]);
    feed(TOP_V3); // model 3 again, late: still model 4
    expect((await call('GET', '/api/recommendations')).body.modelVersion).toBe(4);
    feed({ ...TOP_V3, modelVersion: 5 });
  });

  it('parks a bad entry with its reason, changes nothing, and applies its neighbours', async () => {
    const before = node.sync.storage.parkedFeed().length;
    const cursor = feed(
      { ...TOP_V3, modelVersion: 9, items: [item('MILK', 'Dairy', -1)] }, // a negative score
      { ...TOP_V3, modelVersion: 6, extra: true }, // a field the hub never sends
      { ...TOP_V3, modelVersion: 7, pairs: [{ sku: 'MILK', with: [] }] }, // a pair list with nothing in it
    );
    const parked = node.sync.storage.parkedFeed().slice(before);
    expect(parked.map((p) => [p.seq - cursor, p.type])).toEqual([
      [1, 'recs.store-top'],
      [2, 'recs.store-top'],
      [3, 'recs.store-top'],
    ]);
    expect(parked[0]!.reason).toMatch(/invalid recs\.store-top payload: items\.0\.score/);
    expect((await call('GET', '/api/recommendations')).body.modelVersion).toBe(5);
    // between two bad ones, a good one applies
    const next = feed({ ...TOP_V3, modelVersion: 0 }, { ...TOP_V3, modelVersion: 8 }, 'not an object');
    expect(
      node.sync.storage
        .parkedFeed()
        .map((p) => p.seq - next)
        .filter((d) => d > 0),
    ).toEqual([1, 3]);
    expect((await call('GET', '/api/recommendations')).body.modelVersion).toBe(8);
  });

  it('re-ranks by the session’s views: neighbours of a viewed product come up, for that session only', async () => {
    const session = 'session-ana-0000000001';
    const before = skus(await call('GET', `/api/recommendations?session=${session}&limit=10`));
    expect(before).toEqual(['MILK', 'BREAD', 'COFFEE', 'TEA', 'JAM', 'BUTTER']);
    expect((await call('POST', '/api/kiosk/views', { sku: 'BREAD', session })).body).toEqual({ recorded: true });
    const after = await call('GET', `/api/recommendations?session=${session}&limit=10`);
    // jam and cheese go with bread: jam up from fifth to first, cheese (not in the store's list at all) in
    expect(skus(after)).toEqual(['JAM', 'MILK', 'BREAD', 'COFFEE', 'CHEESE', 'TEA', 'BUTTER']);
    expect(after.body.items[0]).toMatchObject({ sku: 'JAM', reason: 'Because you looked at Sourdough loaf' });
    expect(after.body.items[4]).toMatchObject({ sku: 'CHEESE', reason: 'Because you looked at Sourdough loaf' });
    expect(after.body.items[1]).toMatchObject({ sku: 'MILK', reason: 'Popular at this store' });
    // on a product's page too: its own pairs first, then the session's pull ahead of the plain popular list
    expect(skus(await call('GET', `/api/recommendations?sku=MILK&session=${session}&limit=4`))).toEqual([
      'BREAD',
      'BUTTER',
      'JAM',
      'COFFEE',
    ]);
    // another session, and no session, are not moved
    expect(skus(await call('GET', '/api/recommendations?session=session-ben-0000000002&limit=10'))).toEqual(before);
    expect(skus(await call('GET', '/api/recommendations?limit=10'))).toEqual(before);
  });

  it('queues one recs.viewed per kiosk product view, with a session id that is not the token', async () => {
    const session = 'session-cy-00000000003';
    const was = viewed().length;
    expect((await call('POST', '/api/kiosk/views', { sku: 'TEA', session })).body).toEqual({ recorded: true });
    const [event, ...more] = viewed().slice(was);
    expect(more).toEqual([]);
    expect(event).toEqual({
      viewId: expect.any(String),
      sessionId: expect.any(String),
      customerId: null,
      sku: 'TEA',
      at: clock,
    });
    expect(event.sessionId).not.toContain(session);
    // the same product again within the minute (a held key, a reload): remembered, not queued again
    expect((await call('POST', '/api/kiosk/views', { sku: 'TEA', session })).body).toEqual({ recorded: false });
    expect(viewed().length).toBe(was + 1);
    // another product in the session: the same session id; the same product a minute later: counted again
    await call('POST', '/api/kiosk/views', { sku: 'JAM', session });
    clock += MIN;
    await call('POST', '/api/kiosk/views', { sku: 'TEA', session });
    const events = viewed().slice(was);
    expect(events.map((e) => e.sku)).toEqual(['TEA', 'JAM', 'TEA']);
    expect(new Set(events.map((e) => e.sessionId)).size).toBe(1);
    expect(new Set(events.map((e) => e.viewId)).size).toBe(3);
  });

  it('bounds what one screen can queue: a flood of sessions and products stops at the minute’s budget', async () => {
    clock += 2 * MIN;
    const was = viewed().length;
    const answers = [];
    for (let i = 0; i < 80; i++)
      answers.push(
        (
          await call('POST', '/api/kiosk/views', {
            sku: PRODUCTS[i % 8]!.sku,
            session: `flood-${String(i).padStart(12, '0')}`,
          })
        ).body.recorded,
      );
    expect(answers.filter(Boolean)).toHaveLength(30);
    expect(viewed().length).toBe(was + 30);
    clock += MIN;
    expect((await call('POST', '/api/kiosk/views', { sku: 'MILK', session: 'after-the-flood-0001' })).body).toEqual({
      recorded: true,
    });
  });

  it('refuses bad input with a 4xx problem+json that queues nothing', async () => {
    clock += 2 * MIN;
    const was = viewed().length;
    const bad: [string, string, unknown, number][] = [
      ['GET', '/api/recommendations?limit=0', undefined, 400],
      ['GET', '/api/recommendations?limit=51', undefined, 400],
      ['GET', '/api/recommendations?limit=0x10', undefined, 400],
      ['GET', '/api/recommendations?limit=1e1', undefined, 400],
      ['GET', '/api/recommendations?limit=', undefined, 400],
      ['GET', '/api/recommendations?limit=%205', undefined, 400],
      ['GET', '/api/recommendations?sku=a%20b', undefined, 400],
      ['GET', '/api/recommendations?sku=A&sku=B', undefined, 400],
      ['GET', '/api/recommendations?session=short', undefined, 400],
      ['POST', '/api/kiosk/views', { sku: 'NOPE', session: 'session-bad-0000000001' }, 404],
      ['POST', '/api/kiosk/views', { sku: 'MILK' }, 400],
      ['POST', '/api/kiosk/views', { sku: 'MILK', session: 'x'.repeat(65) }, 400],
      ['POST', '/api/kiosk/views', { sku: 'MILK', session: 'session-bad-0000000001', customerId: 'c-1' }, 400],
    ];
    for (const [method, path, body, status] of bad) {
      const res = await call(method, path, body);
      expect([method, path, res.status]).toEqual([method, path, status]);
      expect(res.type).toMatch(/^application\/problem\+json/);
    }
    expect(viewed().length).toBe(was);
  });
});
