import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { completed, parkedOf, returned, StoreOutbox } from './sales-fixture.js';

/** #17: the ledger keeps the receipt's sale number and the return slip's, and finds a sale by its number. */
describe.each(dbTargets)('sale numbers in the sales ledger on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  const noon = Date.parse('2026-11-28T12:00:00Z');

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    a = await t.store('NUM-A', admin);
    b = await t.store('NUM-B', admin);
    const oa = new StoreOutbox(t, a.id);
    const answer = await oa.send(
      oa.event('sale.completed', { ...completed('A-7', noon, [['MUG', 2, 500]], '03'), number: 'S001-03-00123' }),
      oa.event('sale.returned', {
        ...returned('A-R1', 'A-7', noon + 60_000, 'MUG', 1, 550),
        number: 'S001-03-R00001',
        saleNumber: 'S001-03-00123',
      }),
      oa.event('sale.completed', completed('A-OLD', noon, [['MUG', 1, 500]])), // a store before #17: no number
    );
    expect(answer).toMatchObject({ ackedSeq: 3 });
    expect(await parkedOf(t, admin, a.id)).toEqual([]);
    // A store rebuilt from scratch (or another store with the same code) may use the same number: both stand.
    const ob = new StoreOutbox(t, b.id);
    await ob.send(
      ob.event('sale.completed', { ...completed('B-7', noon, [['MUG', 1, 500]]), number: 'S001-03-00123' }),
    );
  });
  afterAll(() => t?.stop());

  const get = (path: string, who: { cookie?: string; bearer?: string }) => t.call('GET', path, undefined, who);

  it('finds a sale by the number on its receipt, typed in any case, with its returns and their slip numbers', async () => {
    for (const typed of ['S001-03-00123', 's001-03-00123']) {
      const own = await get(`/api/sales/${typed}`, { bearer: a.token });
      expect(own.status, typed).toBe(200);
      expect(own.body).toMatchObject({
        saleId: 'S001-03-00123',
        matches: [
          {
            storeId: a.id,
            storeCode: 'NUM-A',
            saleId: 'A-7',
            sale: { saleId: 'A-7', number: 'S001-03-00123', lane: '03', status: 'COMPLETED', totalMinor: 1100 },
            returns: [{ returnId: 'A-R1', number: 'S001-03-R00001', saleNumber: 'S001-03-00123', status: 'COUNTED' }],
          },
        ],
      });
      expect(own.body.matches).toHaveLength(1); // store B's sale of that number is B's
    }
    const all = await get('/api/sales/S001-03-00123', { cookie: admin });
    expect(all.body.matches.map((m: { storeCode: string; saleId: string }) => `${m.storeCode} ${m.saleId}`)).toEqual(
      [`NUM-A A-7`, `NUM-B B-7`].sort((x, y) => (x < y ? -1 : 1)),
    );
    const onlyB = await get(`/api/sales/S001-03-00123?store=${b.id}`, { cookie: admin });
    expect(onlyB.body.matches).toMatchObject([{ storeId: b.id, saleId: 'B-7' }]);
  });

  it('keeps sales from stores that send no number, and hides another store’s number as a missing one', async () => {
    const old = await get('/api/sales/A-OLD', { bearer: a.token });
    expect(old.body.matches).toMatchObject([{ sale: { saleId: 'A-OLD', number: null } }]);
    const unknown = await get('/api/sales/S001-03-99999', { cookie: admin });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(unknown.body.detail).toContain('S001-03-99999');
    const bOnly = new StoreOutbox(t, b.id);
    bOnly.event('skip', null);
    await bOnly.send(
      bOnly.event('sale.completed', { ...completed('B-8', noon, [['MUG', 1, 500]]), number: 'S002-01-00001' }),
    );
    expect((await get('/api/sales/S002-01-00001', { bearer: a.token })).status).toBe(404);
    expect((await get('/api/sales/S002-01-00001', { bearer: b.token })).status).toBe(200);
  });

  it('parks a sale event whose number is not a sale number, and applies the rest', async () => {
    const o = new StoreOutbox(t, a.id);
    for (let i = 0; i < 3; i++) o.event('skip', null);
    await o.send(
      o.event('sale.completed', { ...completed('A-BAD', noon, [['MUG', 1, 500]]), number: 'DROP TABLE sales' }),
    );
    expect(await parkedOf(t, admin, a.id)).toEqual([
      { seq: 4, type: 'sale.completed', reason: expect.stringContaining('invalid payload: number') },
    ]);
    expect((await get('/api/sales/A-BAD', { cookie: admin })).status).toBe(404);
  });
});
