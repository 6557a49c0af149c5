import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { completed, StoreOutbox } from './sales-fixture.js';

const PASSWORD = 'a long enough password 123';

describe.each(dbTargets)('reading the sales ledger on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let managerA: string;
  let associateA: string;
  let a: { id: string; token: string };
  let b: { id: string; token: string };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    a = await t.store('SALES-A', admin);
    b = await t.store('SALES-B', admin);
    await t.hub.auth.createUser({
      email: 'manager-a@example.test',
      name: 'Manager A',
      role: 'STORE_MANAGER',
      storeId: a.id as never,
      password: PASSWORD,
    });
    await t.hub.auth.createUser({
      email: 'associate-a@example.test',
      name: 'Associate A',
      role: 'ASSOCIATE',
      storeId: a.id as never,
      password: PASSWORD,
    });
    managerA = await t.login('manager-a@example.test', PASSWORD);
    associateA = await t.login('associate-a@example.test', PASSWORD);
    const day = Date.parse('2024-06-03T12:00:00Z');
    for (const [store, prefix] of [
      [a, 'A'],
      [b, 'B'],
    ] as const) {
      const o = new StoreOutbox(t, store.id);
      await o.send(
        o.event('sale.completed', completed(`${prefix}-1`, day, [['MUG', 1, 500]])),
        o.event('sale.completed', completed(`${prefix}-2`, day - 86_400_000, [['MUG', 2, 500]])),
      );
    }
  });
  afterAll(() => t?.stop());

  const get = (path: string, who: { cookie?: string; bearer?: string }) => t.call('GET', path, undefined, who);
  const range = 'from=2024-06-01&to=2024-06-05';

  it('shows a store’s manager and associates their own store’s days and sales, never another store’s', async () => {
    const own = await get(`/api/sales/daily?store=${a.id}&${range}`, { cookie: managerA });
    expect(own.status).toBe(200);
    expect(
      own.body.items.map((d: { storeCode: string; day: string; salesCount: number; grossMinor: number }) => [
        d.storeCode,
        d.day,
        d.salesCount,
        d.grossMinor,
      ]),
    ).toEqual([
      ['SALES-A', '2024-06-03', 1, 550],
      ['SALES-A', '2024-06-02', 1, 1100],
    ]);
    expect((await get(`/api/sales/daily?store=${a.id}&${range}`, { cookie: associateA })).status).toBe(200);
    expect((await get(`/api/sales/daily?store=${a.id}&${range}`, { bearer: a.token })).status).toBe(200);

    const other = await get(`/api/sales/daily?store=${b.id}&${range}`, { cookie: managerA });
    expect(other.status).toBe(403);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect((await get(`/api/sales/daily?store=${a.id}&${range}`, { bearer: b.token })).status).toBe(403);
    expect((await get(`/api/sales/daily?${range}`, { cookie: managerA })).status).toBe(403);
    // another store's sale reads exactly as one that does not exist
    expect((await get('/api/sales/B-1', { cookie: managerA })).status).toBe(404);
    expect((await get(`/api/sales/B-1?store=${b.id}`, { cookie: managerA })).status).toBe(404);
    expect((await get('/api/sales/A-1', { cookie: managerA })).body.matches).toMatchObject([
      { storeId: a.id, storeCode: 'SALES-A', sale: { saleId: 'A-1', storeId: a.id } },
    ]);
    expect((await get('/api/sales/A-1', { bearer: b.token })).status).toBe(404);
    expect((await get('/api/sales/A-1', {})).status).toBe(401);
  });

  it('shows head office every store’s days, page by page', async () => {
    const all = await get(`/api/sales/daily?${range}`, { cookie: admin });
    expect(all.status).toBe(200);
    expect(all.body.items.map((d: { storeCode: string; day: string }) => `${d.day} ${d.storeCode}`).sort()).toEqual([
      '2024-06-02 SALES-A',
      '2024-06-02 SALES-B',
      '2024-06-03 SALES-A',
      '2024-06-03 SALES-B',
    ]);
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page = await get(`/api/sales/daily?${range}&limit=3${next ? `&after=${next}` : ''}`, { cookie: admin });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((d: { storeCode: string; day: string }) => `${d.day} ${d.storeCode}`));
      next = page.body.next;
    } while (next);
    expect(seen).toEqual(all.body.items.map((d: { storeCode: string; day: string }) => `${d.day} ${d.storeCode}`));
  });

  it('covers the last week up to today by default', async () => {
    const o = new StoreOutbox(t, a.id);
    o.event('skip', null); // seqs 1–2 went up in beforeAll
    o.event('skip', null);
    await o.send(o.event('sale.completed', completed('A-NOW', Date.now(), [['MUG', 1, 500]])));
    const r = await get(`/api/sales/daily?store=${a.id}`, { cookie: admin });
    expect(r.status).toBe(200);
    expect(
      r.body.items.some(
        (d: { day: string; salesCount: number }) =>
          d.day === new Date().toISOString().slice(0, 10) && d.salesCount === 1,
      ),
    ).toBe(true);
  });

  it('refuses a hostile query with a 400 problem+json that names what is wrong', async () => {
    const bad = [
      ['/api/sales/daily?from=2024-02-30', 'from'],
      ['/api/sales/daily?from=20240601', 'from'],
      ['/api/sales/daily?from=2024-06-05&to=2024-06-01', 'from'],
      ['/api/sales/daily?from=2020-01-01&to=2024-01-01', '366 days'],
      ['/api/sales/daily?limit=0', 'limit'],
      ['/api/sales/daily?limit=abc', 'limit'],
      ['/api/sales/daily?store=not-a-uuid', 'store'],
      [`/api/sales/daily?store=${a.id}&store=${b.id}`, 'store'],
      ['/api/sales/daily?after=2024-06-03_x_USD', 'after'],
      ['/api/sales/daily?after=%00%E0%A4', 'NUL'],
      ['/api/sales/daily?after=2024-02-30_0190a1b2-0000-7000-8000-000000000000_USD', 'after'],
      [`/api/sales/${'x'.repeat(65)}`, 'saleId'],
      ['/api/sales/A-1?store=zzz', 'store'],
    ] as const;
    for (const [path, field] of bad) {
      const r = await get(path, { cookie: admin });
      expect(r.status, path).toBe(400);
      expect(r.headers.get('content-type'), path).toContain('application/problem+json');
      expect(r.body.detail, path).toContain(field);
    }
  });
});
