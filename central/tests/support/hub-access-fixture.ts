import { randomUUID } from 'node:crypto';
import { hlcEncode } from '@storefleet/shared';
import type { HubAccessRole } from '../../src/access-matrix.js';
import type { TestHub } from './test-hub.js';

export const PASSWORD = 'a long enough password 123';
export const SKU = 'MATRIX-MUG';

/** How a role presents itself: a session cookie (people) or a bearer token (store nodes); nothing for anonymous. */
export type Credentials = Record<HubAccessRole, Record<string, string>>;

/**
 * A hub with store A and store B (and a spare store C for the routes that rotate or edit a location), an ADMIN,
 * a STORE_MANAGER and an ASSOCIATE of store A, and things that belong to store A: stock, a reservation, a customer
 * store A signed up with a pickup order there, and a cart of another customer. Built through the API as stores and
 * people would (stock arrives as a store's sync events).
 */
export async function hubAccessFixture(t: TestHub) {
  const admin = await t.login();
  const a = await t.store('MATRIX-A', admin);
  const b = await t.store('MATRIX-B', admin);
  const c = await t.store('MATRIX-C', admin);
  const user = async (email: string, role: 'STORE_MANAGER' | 'ASSOCIATE') =>
    t.hub.auth.createUser({ email, name: email, role, storeId: a.id, password: PASSWORD });
  await user('manager-a@example.test', 'STORE_MANAGER');
  await user('associate-a@example.test', 'ASSOCIATE');
  const spare = await user('spare-a@example.test', 'ASSOCIATE');
  const cookies = {
    admin,
    managerA: await t.login('manager-a@example.test', PASSWORD),
    associateA: await t.login('associate-a@example.test', PASSWORD),
  };
  const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`fixture: ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await must('catalog', t.call('POST', '/api/catalog/products/import', { items: [{ sku: SKU, name: 'Matrix mug', category: 'Kitchen', priceMinor: 900 }] }, { cookie: admin }));
  await t.hub.sync.repo.applyBatch(a.id, [{ origin: a.id, seq: 1, hlc: hlcEncode({ wallMs: Date.now(), counter: 1, node: a.id }), type: 'stock.moved', payload: { sku: SKU, delta: 500, kind: 'RECEIVE' } }], 0);
  const storeA = { bearer: a.token };
  const reservation = await must('reservation', t.call('POST', '/api/reservations', { storeId: a.id, customerRef: 'Matrix', lines: [{ sku: SKU, qty: 1 }] }, storeA));
  const customer = await must('customer', t.call('POST', '/api/customers', { name: 'Signed up at A' }, storeA));
  const order = await must('order', t.call('POST', '/api/orders', { customerId: customer.id, placeKey: `matrix-${randomUUID()}`, lines: [{ sku: SKU, qty: 1 }], fulfilment: { type: 'PICKUP', storeId: a.id } }, storeA));
  const cartCustomer = await must('cart customer', t.call('POST', '/api/customers', { name: 'Cart owner' }, { cookie: admin }));
  await must('cart fulfilment', t.call('PUT', `/api/carts/${cartCustomer.id}/fulfilment`, { type: 'PICKUP', storeId: a.id }, { cookie: admin }));
  await must('cart', t.call('POST', `/api/carts/${cartCustomer.id}/lines`, { sku: SKU, qty: 1 }, { cookie: admin }));
  const credentials: Credentials = {
    anonymous: {},
    admin: { cookie: admin },
    managerA: { cookie: cookies.managerA },
    associateA: { cookie: cookies.associateA },
    storeA: { authorization: `Bearer ${a.token}` },
    storeB: { authorization: `Bearer ${b.token}` },
  };
  return { a, b, c, spare, reservation, customer, order, cartCustomer, credentials };
}
export type HubAccessFixture = Awaited<ReturnType<typeof hubAccessFixture>>;
