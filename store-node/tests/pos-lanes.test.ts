import { afterEach, describe, expect, it } from 'vitest';
import { startTill, type Till } from './support/till-fixture.js';

/**
 * #17, many tills on one store node: each POS screen is its own lane (the `sf_lane` cookie beside `sf_screen=pos`), with
 * its own sale numbers, its own open basket after a reload, and no hand on another lane's customer.
 */
describe('many POS screens on one store node', () => {
  const tills: Till[] = [];
  afterEach(async () => {
    for (const t of tills.splice(0)) await t.stop();
  });
  const start = async (opts: Parameters<typeof startTill>[0] = {}) => {
    const t = await startTill({ storeCode: 'S001', ...opts }); // the node's own lane (STORE_LANE) stays 1
    tills.push(t);
    return t;
  };
  /** A call from the POS screen on `lane`, as its browser sends it (both cookies). */
  const at = (t: Till, cookie: string) => (method: string, path: string, body?: unknown) =>
    t.call(method, path, body, { cookie });
  const lane = (t: Till, n: number) => at(t, `sf_screen=pos; sf_lane=${n}`);

  it('numbers each lane’s sales on its own and gives each screen only its own open basket, after a reload too', async () => {
    const t = await start();
    const lane3 = lane(t, 3);
    const lane4 = lane(t, 4);
    const a = (await lane3('POST', '/api/pos/sales')).body;
    const b = (await lane4('POST', '/api/pos/sales')).body;
    expect([a.number, b.number]).toEqual(['S001-03-00001', 'S001-04-00001']);
    await lane3('POST', `/api/pos/sales/${a.id}/lines`, { code: 'CEREAL', qty: 2 });

    // Each screen reloads: it gets its own lane and its own basket, never the other's.
    expect((await lane3('GET', '/api/pos/lane')).body).toMatchObject({
      lane: 3,
      open: { id: a.id, number: 'S001-03-00001', lines: [expect.objectContaining({ sku: 'CEREAL', qty: 2 })] },
    });
    expect((await lane4('GET', '/api/pos/lane')).body).toMatchObject({
      lane: 4,
      open: { id: b.id, number: 'S001-04-00001', lines: [] },
    });
    // A lane with no basket open yet has none, though lanes 3 and 4 have theirs.
    expect((await lane(t, 5)('GET', '/api/pos/lane')).body).toMatchObject({ lane: 5, open: null });
    // The back office is the node's lane (STORE_LANE, 1): no till's basket is its.
    expect((await t.call('GET', '/api/pos/lane')).body).toMatchObject({ lane: 1, open: null });

    const paid = await lane3('POST', `/api/pos/sales/${a.id}/tender`, { kind: 'CASH', givenMinor: 10_000 });
    expect(paid.body).toMatchObject({ status: 'COMPLETED', number: 'S001-03-00001' });
    expect(t.events('sale.completed', a.id)[0]).toMatchObject({ number: 'S001-03-00001', lane: '03' });
    expect((await lane3('POST', '/api/pos/sales')).body.number).toBe('S001-03-00002');
    expect((await lane4('GET', '/api/pos/lane')).body.open.number).toBe('S001-04-00001');
  });

  it('refuses lane 4 a hand on lane 3’s sale (scan, quantity, tender, void) in plain words; the back office may', async () => {
    const t = await start();
    const lane3 = lane(t, 3);
    const lane4 = lane(t, 4);
    const sale = (await lane3('POST', '/api/pos/sales')).body;
    await lane3('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'HEADPHONES', qty: 1 });
    const refusals = [
      await lane4('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL', qty: 1 }),
      await lane4('PUT', `/api/pos/sales/${sale.id}/lines/HEADPHONES`, { qty: 5 }),
      await lane4('POST', `/api/pos/sales/${sale.number}/tender`, { kind: 'CASH', givenMinor: 10_000 }),
      await lane4('POST', `/api/pos/sales/${sale.id}/void`),
    ];
    for (const r of refusals)
      expect(r).toMatchObject({
        status: 403,
        body: { detail: expect.stringMatching(/^Sale S001-03-00001 belongs to lane 3\b/) },
      });
    // Nothing changed: the basket is as lane 3 left it, still open, and nothing reached the hub's outbox about it.
    expect((await lane3('GET', '/api/pos/lane')).body.open).toMatchObject({
      status: 'OPEN',
      lines: [expect.objectContaining({ sku: 'HEADPHONES', qty: 1 })],
    });
    expect(t.eventsAbout(sale.id)).toEqual([]);
    // Lane 4 may look at it (a receipt or a question), and the back office may clear a till's stuck basket.
    expect((await lane4('GET', `/api/pos/sales/${sale.id}`)).status).toBe(200);
    expect((await t.call('POST', `/api/pos/sales/${sale.id}/void`)).body).toMatchObject({ status: 'VOIDED' });
    expect((await lane3('GET', '/api/pos/lane')).body.open).toBeNull();
  });

  it('takes a return at any lane, and numbers the return slip on the lane that took it back', async () => {
    const t = await start();
    const lane3 = lane(t, 3);
    const sale = (await lane3('POST', '/api/pos/sales')).body;
    await lane3('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL', qty: 3 });
    await lane3('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 10_000 });
    const back = await lane(t, 4)('POST', `/api/pos/sales/${sale.number}/returns`, {
      items: [{ sku: 'CEREAL', qty: 1 }],
    });
    expect(back).toMatchObject({ status: 201, body: { number: 'S001-04-R00001' } });
    expect(back.body.slip).toContain('S001-04-R00001');
    const again = await lane3('POST', `/api/pos/sales/${sale.number}/returns`, { items: [{ sku: 'CEREAL', qty: 1 }] });
    expect(again.body.number).toBe('S001-03-R00001');
  });

  it('keeps both lanes’ sequences and open baskets over a restart of the node', async () => {
    const t = await start();
    const opened = [];
    for (const n of [3, 4, 3]) opened.push((await lane(t, n)('POST', '/api/pos/sales')).body);
    expect(opened.map((s) => s.number)).toEqual(['S001-03-00001', 'S001-04-00001', 'S001-03-00002']);
    await t.stop();
    tills.pop();

    const again = await start({ dbPath: t.dbPath });
    expect((await lane(again, 3)('GET', '/api/pos/lane')).body.open.id).toBe(opened[2].id);
    expect((await lane(again, 4)('GET', '/api/pos/lane')).body.open.id).toBe(opened[1].id);
    expect((await lane(again, 4)('POST', '/api/pos/sales')).body.number).toBe('S001-04-00002');
    expect((await lane(again, 3)('POST', '/api/pos/sales')).body.number).toBe('S001-03-00003');
  });

  it('keeps each lane’s Idempotency-Keys its own: lane 4 sending lane 3’s key opens its own sale', async () => {
    const t = await start();
    const key = { 'idempotency-key': 'till-open-0001' };
    const first = await t.call('POST', '/api/pos/sales', {}, { cookie: 'sf_screen=pos; sf_lane=3', ...key });
    const retry = await t.call('POST', '/api/pos/sales', {}, { cookie: 'sf_screen=pos; sf_lane=3', ...key });
    const other = await t.call('POST', '/api/pos/sales', {}, { cookie: 'sf_screen=pos; sf_lane=4', ...key });
    expect(retry.body.id).toBe(first.body.id); // the same lane's retry: the first answer
    expect(other.body).toMatchObject({ number: 'S001-04-00001' });
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('ignores a lane cookie that is not a lane number 1–99 (the screen is the node’s lane), and marks nothing else', async () => {
    const t = await start({ lane: 2 });
    for (const bad of ['0', '100', '07', '3.0', '-3', '3x', 'abc', '%33', '', '3; sf_lane=4']) {
      const r = await at(t, `sf_screen=pos; sf_lane=${bad}`)('GET', '/api/pos/lane');
      expect(r, JSON.stringify(bad)).toMatchObject({ status: 200, body: { lane: 2 } });
    }
    // A lane cookie alone does not make the back office a till, nor does it reach a kiosk or the pickup desk.
    expect((await at(t, 'sf_lane=5')('GET', '/api/pos/lane')).body.lane).toBe(2);
    expect((await at(t, 'sf_screen=kiosk; sf_lane=5')('GET', '/api/pos/lane')).status).toBe(403);
    expect((await at(t, 'sf_screen=pickup; sf_lane=5')('POST', '/api/pos/sales')).status).toBe(403);
    expect(t.node.db.prepare('SELECT count(*) FROM pos_baskets').pluck().get()).toBe(0);
  });
});
