import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hlcEncode } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type ApiAnswer, type Caller } from '../../../../tests/support/test-hub.js';

/**
 * Issue #13: customers belong to themselves and to head office. A store never searches; it sees a customer only
 * through an order or a cart at that store (or one it signed up), and any other customer is missing to it.
 */
describe.each(dbTargets)('who reaches a customer, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let storeA: { id: string; token: string };
  let storeB: { id: string; token: string };
  let a: Caller;
  let b: Caller;
  let managerB: Caller;
  const missingId = '0190f0f0-0000-7000-8000-00000000c0de';

  const row = async (id: string) => (await t.hub.db.query('SELECT name, email, phone, updated_at FROM customers WHERE id = $1', [id])).rows[0];
  const masked = (res: ApiAnswer, id: string) => ({ status: res.status, type: res.headers.get('content-type'), body: JSON.parse(JSON.stringify(res.body).replaceAll(id, 'ID')) });
  const signUp = async (name: string, who: Caller = admin, email?: string) => {
    const res = await t.call('POST', '/api/customers', { name, ...(email ? { email } : {}) }, who);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  /** Store-side reads and edits of a customer it may not see: 404 exactly as for an id that does not exist. */
  const expectMissingTo = async (who: Caller, id: string) => {
    const before = await row(id);
    for (const [method, body] of [['GET', undefined], ['PATCH', { name: 'Changed By Another Store' }]] as const) {
      const res = await t.call(method, `/api/customers/${id}`, body, who);
      expect(res.status).toBe(404);
      expect(res.body.detail).toBe(`customer ${id} not found`);
      expect(masked(res, id)).toEqual(masked(await t.call(method, `/api/customers/${missingId}`, body, who), missingId));
    }
    expect(await row(id)).toEqual(before);
  };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = { cookie: await t.login() };
    storeA = await t.store('CA-A', admin.cookie!);
    storeB = await t.store('CA-B', admin.cookie!);
    a = { bearer: storeA.token };
    b = { bearer: storeB.token };
    await t.hub.auth.createUser({ email: 'manager-b@example.test', password: 'a long enough password', name: 'Manager B', role: 'STORE_MANAGER', storeId: storeB.id as never });
    managerB = { cookie: await t.login('manager-b@example.test', 'a long enough password') };
  });
  afterAll(() => t?.stop());

  it('only head office searches customers', async () => {
    const id = await signUp('Sally Search', admin, 'sally@example.test');
    for (const who of [a, b, managerB]) {
      const res = await t.call('GET', '/api/customers?email=sally@example.test', undefined, who);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body)).not.toContain(id);
    }
    expect((await t.call('GET', '/api/customers?email=sally@example.test', undefined, {})).status).toBe(401);
    expect((await t.call('GET', '/api/customers?email=sally@example.test', undefined, admin)).body.items.map((c: { id: string }) => c.id)).toEqual([id]);
  });

  it('a store reads and edits the customers it signed up; to other stores they are missing and stay unchanged; head office edits any', async () => {
    const id = await signUp('Lane Signup', a);
    expect((await t.call('GET', `/api/customers/${id}`, undefined, a)).body.name).toBe('Lane Signup');
    expect((await t.call('PATCH', `/api/customers/${id}`, { phone: '+1 555 0100' }, a)).body.phone).toBe('+1 555 0100');
    await expectMissingTo(b, id);
    await expectMissingTo(managerB, id);
    expect((await t.call('GET', `/api/customers/${id}`, undefined, {})).status).toBe(401);
    expect((await t.call('PATCH', `/api/customers/${id}`, { name: 'Renamed By Head Office' }, admin)).body.name).toBe('Renamed By Head Office');

    // a customer of the web (head office's) is nobody's at the stores
    const web = await signUp('Web Only', admin, 'web-only@example.test');
    await expectMissingTo(a, web);
    await expectMissingTo(b, web);
  });

  it('an order placed or fulfilled at a store lets that store see the customer, and only that store', async () => {
    await t.call('POST', '/api/catalog/products/import', { items: [{ sku: 'VASE', name: 'Vase', category: 'Home', priceMinor: 1500, taxClass: 'STANDARD' }] }, admin);
    await t.hub.sync.repo.applyBatch(storeB.id, [{ origin: storeB.id, seq: 1, hlc: hlcEncode({ wallMs: Date.now(), counter: 1, node: storeB.id }), type: 'stock.moved', payload: { sku: 'VASE', delta: 5, kind: 'RECEIVE' } }], 0);
    const id = await signUp('Pickup Person', admin);
    await expectMissingTo(b, id);
    const order = await t.call('POST', '/api/orders', { customerId: id, placeKey: `pickup-at-b-${target.name}`, lines: [{ sku: 'VASE', qty: 1 }], fulfilment: { type: 'PICKUP', storeId: storeB.id } }, admin);
    expect(order.body.status).toBe('CONFIRMED');
    expect((await t.call('GET', `/api/customers/${id}`, undefined, b)).body.name).toBe('Pickup Person');
    expect((await t.call('GET', `/api/customers/${id}`, undefined, managerB)).status).toBe(200);
    await expectMissingTo(a, id);
  });

  it('a store that works on a customer’s cart (by the id on their card) may see the customer from then on', async () => {
    const viaApi = await signUp('Cart Api', admin);
    await expectMissingTo(a, viaApi);
    expect((await t.call('GET', `/api/carts/${viaApi}`, undefined, a)).status).toBe(200);
    expect((await t.call('GET', `/api/customers/${viaApi}`, undefined, a)).body.name).toBe('Cart Api');
    await expectMissingTo(b, viaApi);

    // opened by a store's device over a socket, as a kiosk syncing its copy does: the same document access check
    const viaSocket = await signUp('Cart Socket', admin);
    await expectMissingTo(b, viaSocket);
    const live = new WebSocket(`${t.url.replace('http', 'ws')}/api/carts/${viaSocket}/live`, { headers: { authorization: `Bearer ${storeB.token}` } });
    const first = await new Promise<{ type: string; customerId: string }>((resolve, reject) => {
      live.once('message', (m) => resolve(JSON.parse(String(m))));
      live.once('error', reject);
    });
    live.close();
    expect(first).toMatchObject({ type: 'cart', customerId: viaSocket });
    let seen: ApiAnswer | undefined;
    for (let i = 0; i < 100 && seen?.status !== 200; i++) {
      if (i) await new Promise((r) => setTimeout(r, 50)); // the link is written beside the socket's answer
      seen = await t.call('GET', `/api/customers/${viaSocket}`, undefined, b);
    }
    expect(seen!.body.name).toBe('Cart Socket');
    await expectMissingTo(a, viaSocket);
  });
});
