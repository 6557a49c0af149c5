import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcEncode } from '@storefleet/shared';
import { dbTargets } from './support/db-targets.js';
import { TestHub, type Caller } from './support/test-hub.js';
import { provide } from '../src/kernel/ports.js';
import { SimulatedPaymentProvider } from '../src/modules/orders/payments.js';
import { SimulatedWarehouse } from '../src/modules/orders/warehouse.js';
import { PAYMENTS_PROVIDER, WAREHOUSE } from '../src/modules/orders/ports.js';

/** Issue #26: carts and orders over GraphQL follow REST's rules, through the same services. */
describe.each(dbTargets)('carts and orders over GraphQL, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let storeA: { id: string; token: string };
  let storeB: { id: string; token: string };
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    // data is any: GraphQL answers are checked field by field
    return (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  };
  const signUp = async (name: string) => {
    const up = await gql(
      `mutation($e: String!, $n: String!) { signUp(email: $e, password: "a long enough secret", name: $n) {
        token account { customerId } } }`,
      { e: `${name}-${Date.now()}@example.test`, n: name },
    );
    return { token: up.data.signUp.token as string, id: up.data.signUp.account.customerId as string };
  };
  const CART = '{ customerId automergeUrl lines { sku qty lineTotalMinor } fulfilment { type storeId } totalMinor }';

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'silent',
      externals: [
        provide(PAYMENTS_PROVIDER, new SimulatedPaymentProvider(150)),
        provide(WAREHOUSE, new SimulatedWarehouse()),
      ],
    });
    admin = { cookie: await t.login() };
    storeA = await t.store('GQ-A', admin.cookie!);
    storeB = await t.store('GQ-B', admin.cookie!);
    await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'MUG', name: 'Mug', category: 'Home', priceMinor: 1200, taxClass: 'STANDARD' }] },
      admin,
    );
    await t.hub.sync.repo.applyBatch(
      storeA.id,
      [
        {
          origin: storeA.id,
          seq: 1,
          hlc: hlcEncode({ wallMs: Date.now(), counter: 1, node: storeA.id }),
          type: 'stock.moved',
          payload: { sku: 'MUG', delta: 50, kind: 'RECEIVE' },
        },
      ],
      0,
    );
  });
  afterAll(() => t?.stop());

  it('a customer changes their own cart (the cart REST shows) and gets NOT_FOUND for another customer’s, which stays as it was', async () => {
    const ann = await signUp('ann');
    const bo = await signUp('bo');
    const fulfil = await gql(
      `mutation($s: ID!) { setFulfilment(type: PICKUP, storeId: $s) ${CART} }`,
      { s: storeA.id },
      ann.token,
    );
    expect(fulfil.errors).toBeUndefined();
    const added = await gql(`mutation { addToCart(sku: "MUG", qty: 2) ${CART} }`, {}, ann.token);
    expect(added.errors).toBeUndefined();
    expect(added.data.addToCart).toMatchObject({
      customerId: ann.id,
      lines: [{ sku: 'MUG', qty: 2, lineTotalMinor: 2400 }],
      fulfilment: { type: 'PICKUP', storeId: storeA.id },
    });
    expect(added.data.addToCart.automergeUrl).toMatch(/^automerge:/);
    // the same cart through REST, as staff read it
    const rest = await t.call('GET', `/api/carts/${ann.id}`, undefined, admin);
    expect(rest.body.lines).toMatchObject([{ sku: 'MUG', qty: 2 }]);

    // Bo cannot read or change Ann's cart: NOT_FOUND, exactly as an id that never was
    const read = await gql('query($c: ID) { cart(customerId: $c) { customerId } }', { c: ann.id }, bo.token);
    expect(read.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const missing = await gql(
      'query($c: ID) { cart(customerId: $c) { customerId } }',
      { c: '0190f0f0-0000-7000-8000-00000000dead' },
      bo.token,
    );
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const write = await gql(
      'mutation($c: ID) { addToCart(sku: "MUG", customerId: $c) { customerId } }',
      { c: ann.id },
      bo.token,
    );
    expect(write.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.call('GET', `/api/carts/${ann.id}`, undefined, admin)).body.lines).toMatchObject([{ qty: 2 }]);
    // nobody signed in: UNAUTHENTICATED
    expect((await gql(`{ cart ${CART} }`)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('placeOrder twice with one placeKey is one order; the customer reads it, another customer and store B get NOT_FOUND', async () => {
    const cy = await signUp('cy');
    const dee = await signUp('dee');
    await gql(
      'mutation($s: ID!) { setFulfilment(type: PICKUP, storeId: $s) { customerId } }',
      { s: storeA.id },
      cy.token,
    );
    await gql('mutation { addToCart(sku: "MUG", qty: 1) { customerId } }', {}, cy.token);
    const PLACE =
      'mutation($k: String!) { placeOrder(placeKey: $k) { id number status customerId totalMinor timeline { status } } }';
    const first = await gql(PLACE, { k: `gql-place-${target.name}` }, cy.token);
    expect(first.errors).toBeUndefined();
    const again = await gql(PLACE, { k: `gql-place-${target.name}` }, cy.token);
    expect(again.data.placeOrder.id).toBe(first.data.placeOrder.id);
    const order = first.data.placeOrder;
    expect(order).toMatchObject({ customerId: cy.id, status: 'CONFIRMED' });
    const { rows } = await t.hub.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM orders WHERE customer_id = $1',
      [cy.id],
    );
    expect(rows[0]!.n).toBe(1);

    const ORDER = 'query($id: ID!) { order(id: $id) { id number timeline { status } } }';
    const mine = await gql(ORDER, { id: order.id }, cy.token);
    expect(mine.data.order.number).toBe(order.number);
    expect(mine.data.order.timeline.length).toBeGreaterThan(0);
    expect((await gql(ORDER, { id: order.id }, dee.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(ORDER, { id: order.id }, storeB.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(ORDER, { id: order.id }, storeA.token)).data.order.id).toBe(order.id);
    const theirs = await gql('query($c: ID) { orders(customerId: $c) { items { id } } }', { c: cy.id }, dee.token);
    expect(theirs.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const own = await gql('{ orders { items { id } next } }', {}, cy.token);
    expect(own.data.orders).toEqual({ items: [{ id: order.id }], next: null });
    // Dee cannot cancel Cy's order; it stays confirmed
    const cancel = await gql('mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: order.id }, dee.token);
    expect(cancel.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(ORDER.replace('number', 'number status'), { id: order.id }, cy.token)).data.order.status).toBe(
      'CONFIRMED',
    );
  });
});
