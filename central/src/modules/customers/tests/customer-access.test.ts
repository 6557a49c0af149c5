import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToCart, CART_GENESIS, hlcEncode, type CartDoc } from '@storefleet/shared';
import { DocReplica, fromBase64, toBase64 } from '@storefleet/sync';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type ApiAnswer, type Caller } from '../../../../tests/support/test-hub.js';
import { handshake } from '../../../../tests/support/ws-handshake.js';

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

  const row = async (id: string) =>
    (await t.hub.db.query('SELECT name, email, phone, updated_at FROM customers WHERE id = $1', [id])).rows[0];
  const masked = (res: ApiAnswer, id: string) => ({
    status: res.status,
    type: res.headers.get('content-type'),
    body: JSON.parse(JSON.stringify(res.body).replaceAll(id, 'ID')),
  });
  const signUp = async (name: string, who: Caller = admin, email?: string) => {
    const res = await t.call('POST', '/api/customers', { name, ...(email ? { email } : {}) }, who);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  /** Store-side reads and edits of a customer it may not see: 404 exactly as for an id that does not exist. */
  const expectMissingTo = async (who: Caller, id: string) => {
    const before = await row(id);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { name: 'Changed By Another Store' }],
    ] as const) {
      const res = await t.call(method, `/api/customers/${id}`, body, who);
      expect(res.status).toBe(404);
      expect(res.body.detail).toBe(`customer ${id} not found`);
      expect(masked(res, id)).toEqual(
        masked(await t.call(method, `/api/customers/${missingId}`, body, who), missingId),
      );
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
    await t.hub.auth.createUser({
      email: 'manager-b@example.test',
      password: 'a long enough password',
      name: 'Manager B',
      role: 'STORE_MANAGER',
      storeId: storeB.id as never,
    });
    managerB = { cookie: await t.login('manager-b@example.test', 'a long enough password') };
    await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'VASE', name: 'Vase', category: 'Home', priceMinor: 1500, taxClass: 'STANDARD' }] },
      admin,
    );
    for (const store of [storeA, storeB]) {
      await t.hub.sync.repo.applyBatch(
        store.id,
        [
          {
            origin: store.id,
            seq: 1,
            hlc: hlcEncode({ wallMs: Date.now(), counter: 1, node: store.id }),
            type: 'stock.moved',
            payload: { sku: 'VASE', delta: 5, kind: 'RECEIVE' },
          },
        ],
        0,
      );
    }
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
    expect(
      (await t.call('GET', '/api/customers?email=sally@example.test', undefined, admin)).body.items.map(
        (c: { id: string }) => c.id,
      ),
    ).toEqual([id]);
  });

  it('a store reads and edits the customers it signed up; to other stores they are missing and stay unchanged; head office edits any', async () => {
    const id = await signUp('Lane Signup', a);
    expect((await t.call('GET', `/api/customers/${id}`, undefined, a)).body.name).toBe('Lane Signup');
    expect((await t.call('PATCH', `/api/customers/${id}`, { phone: '+1 555 0100' }, a)).body.phone).toBe('+1 555 0100');
    await expectMissingTo(b, id);
    await expectMissingTo(managerB, id);
    expect((await t.call('GET', `/api/customers/${id}`, undefined, {})).status).toBe(401);
    expect((await t.call('PATCH', `/api/customers/${id}`, { name: 'Renamed By Head Office' }, admin)).body.name).toBe(
      'Renamed By Head Office',
    );

    // a customer of the web (head office's) is nobody's at the stores
    const web = await signUp('Web Only', admin, 'web-only@example.test');
    await expectMissingTo(a, web);
    await expectMissingTo(b, web);
  });

  it('an order placed or fulfilled at a store lets that store see the customer, and only that store', async () => {
    const id = await signUp('Pickup Person', admin);
    await expectMissingTo(b, id);
    const order = await t.call(
      'POST',
      '/api/orders',
      {
        customerId: id,
        placeKey: `pickup-at-b-${target.name}`,
        lines: [{ sku: 'VASE', qty: 1 }],
        fulfilment: { type: 'PICKUP', storeId: storeB.id },
      },
      admin,
    );
    expect(order.body.status).toBe('CONFIRMED');
    expect((await t.call('GET', `/api/customers/${id}`, undefined, b)).body.name).toBe('Pickup Person');
    expect((await t.call('GET', `/api/customers/${id}`, undefined, managerB)).status).toBe(200);
    await expectMissingTo(a, id);

    // store A replaying that order's placeKey is refused, and learns nothing of the customer by it
    const replay = await t.call(
      'POST',
      '/api/orders',
      { customerId: id, placeKey: `pickup-at-b-${target.name}`, lines: [{ sku: 'VASE', qty: 1 }] },
      a,
    );
    expect(replay.status).toBe(400);
    expect(replay.body.detail).toBe('that placeKey belongs to another order');
    await expectMissingTo(a, id);
  });

  it('an order that fails (out of stock) links no store to the customer', async () => {
    const id = await signUp('Failed Order', admin);
    const order = await t.call(
      'POST',
      '/api/orders',
      {
        customerId: id,
        placeKey: `too-many-${target.name}`,
        lines: [{ sku: 'VASE', qty: 99 }],
        fulfilment: { type: 'PICKUP', storeId: storeB.id },
      },
      b,
    );
    expect(order.body.status).toBe('FAILED');
    expect(order.body.failure).toMatch(/^out of stock/);
    await expectMissingTo(b, id);
  });

  /**
   * Store `store`'s device syncing its copy of the customer's cart with the hub, as its sync client does (one
   * connection: `errors` are the doc-errors the hub's answer would carry).
   */
  const syncCart = async (store: { id: string }, customerId: string, change?: (d: CartDoc) => void) => {
    const docId = `cart:${customerId}`;
    const device = DocReplica.fromChunks<CartDoc>(docId, [], CART_GENESIS);
    if (change) device.change(change);
    const replies: string[] = [];
    const errors: string[] = [];
    const send = (_id: string, data: string) => replies.push(data) > 0;
    const peer = `store:${store.id}`;
    for (let round = 0; round < 10; round++) {
      const message = device.generate('hub');
      if (!message) break;
      await t.hub.sync.docs
        .fromPeer(peer, { kind: 'store', storeId: store.id as never }, send, docId, toBase64(message))
        .catch((err: Error) => errors.push(err.message));
      for (const r of replies.splice(0)) device.receive('hub', fromBase64(r));
    }
    t.hub.sync.docs.peerGone(peer);
    return { doc: device.doc, errors };
  };
  const aCup = (d: CartDoc) =>
    addToCart(
      d,
      { sku: 'CUP', name: 'Cup', unitPriceMinor: 900, currency: 'USD', taxClass: 'STANDARD' },
      1,
      'store:kiosk',
      Date.now(),
    );
  /** The customer as the store sees it, once its link (written beside the sync) is there; fails, saying what the store got, after 10 s. */
  const seenBy = async (who: Caller, id: string) => {
    const until = Date.now() + 10_000;
    for (;;) {
      const res = await t.call('GET', `/api/customers/${id}`, undefined, who);
      if (res.status === 200) return res.body as { name: string };
      if (Date.now() > until)
        throw new Error(
          `the store never saw customer ${id} within 10 s; the last answer: ${res.status} ${JSON.stringify(res.body)}`,
        );
      await new Promise((r) => setTimeout(r, 50)); // the link is written beside the frame's answer
    }
  };

  it('a store that changes a customer’s cart (by the id on their card) may see the customer and the cart from then on', async () => {
    const id = await signUp('Cart Api', admin);
    await expectMissingTo(a, id);
    expect(
      (await t.call('PUT', `/api/carts/${id}/fulfilment`, { type: 'PICKUP', storeId: storeB.id }, admin)).status,
    ).toBe(200);
    const added = await t.call('POST', `/api/carts/${id}/lines`, { sku: 'VASE', qty: 1 }, a);
    expect(added.status).toBe(200);
    expect(added.body.lines.map((l: { sku: string }) => l.sku)).toEqual(['VASE']);
    expect((await t.call('GET', `/api/customers/${id}`, undefined, a)).body.name).toBe('Cart Api');
    expect((await t.call('GET', `/api/carts/${id}`, undefined, a)).body.lines).toHaveLength(1);
    await expectMissingTo(b, id);
  });

  it('reading a cart links nothing: another store reads it only as its fulfilment store; to others the customer is missing', async () => {
    const id = await signUp('Cart Reader', admin);
    const read = await t.call('GET', `/api/carts/${id}`, undefined, b);
    expect(read.status).toBe(404);
    expect(read.body.detail).toBe(`customer ${id} not found`);
    expect(masked(read, id)).toEqual(masked(await t.call('GET', `/api/carts/${missingId}`, undefined, b), missingId));
    await expectMissingTo(b, id);

    // the live socket is a read too: its upgrade gets the API's answer, exactly as for a customer that does not exist
    const refusalOf = async (customerId: string) => {
      const got = await handshake(`${t.url.replace('http', 'ws')}/api/carts/${customerId}/live`, {
        headers: { authorization: `Bearer ${storeB.token}` },
      });
      return { status: got.status, body: JSON.parse(got.body ?? 'null')?.detail?.replaceAll(customerId, 'ID') };
    };
    expect(await refusalOf(id)).toEqual({ status: 404, body: 'customer ID not found' });
    expect(await refusalOf(missingId)).toEqual({ status: 404, body: 'customer ID not found' });
    await expectMissingTo(b, id);

    // a cart to be picked up at store B: B reads it (its pickup list needs it), and still does not see the customer
    expect(
      (await t.call('PUT', `/api/carts/${id}/fulfilment`, { type: 'PICKUP', storeId: storeB.id }, admin)).status,
    ).toBe(200);
    expect((await t.call('GET', `/api/carts/${id}`, undefined, b)).body.fulfilment).toEqual({
      type: 'PICKUP',
      storeId: storeB.id,
    });
    await expectMissingTo(b, id);
    await expectMissingTo(a, id);
    expect((await t.call('GET', `/api/carts/${id}`, undefined, a)).status).toBe(404);
  });

  it('a kiosk’s sync of a cart sends an unlinked store nothing and links it when it carries changes; then it gets the whole cart', async () => {
    const id = await signUp('Cart Socket', admin);
    expect(
      (await t.call('PUT', `/api/carts/${id}/fulfilment`, { type: 'PICKUP', storeId: storeA.id }, admin)).status,
    ).toBe(200);
    expect((await t.call('POST', `/api/carts/${id}/lines`, { sku: 'VASE', qty: 1 }, admin)).status).toBe(200);
    // opened by customer card at store B, changing nothing: B is sent nothing of the cart, and hears why, once
    const read = await syncCart(storeB, id);
    expect(read.doc.lines).toEqual({});
    expect(read.doc.fulfilment).toBeUndefined();
    expect(read.errors).toEqual([
      `cart:${id}: not linked to this customer; a change links it (until then this store is sent nothing of it)`,
    ]);
    await expectMissingTo(b, id);

    const wrote = await syncCart(storeB, id, aCup); // the kiosk adds a line (offline, say) and syncs it
    expect(Object.keys(wrote.doc.lines ?? {}).sort()).toEqual(['CUP', 'VASE']); // the whole cart, from its write on
    expect(wrote.doc.fulfilment).toEqual({ type: 'PICKUP', storeId: storeA.id });
    expect((await seenBy(b, id))?.name).toBe('Cart Socket');
    expect(
      (await t.call('GET', `/api/carts/${id}`, undefined, admin)).body.lines.map((l: { sku: string }) => l.sku),
    ).toEqual(['CUP', 'VASE']);
    await expectMissingTo(a, id);
  });

  it('a write that changes nothing links no store (the fulfilment the cart has); adding a line and setting it back to 0 does', async () => {
    const id = await signUp('Same Again', admin);
    expect(
      (await t.call('PUT', `/api/carts/${id}/fulfilment`, { type: 'PICKUP', storeId: storeA.id }, admin)).status,
    ).toBe(200);
    const same = await t.call('PUT', `/api/carts/${id}/fulfilment`, { type: 'PICKUP', storeId: storeA.id }, b);
    expect(same.status).toBe(200);
    expect(same.body.fulfilment).toEqual({ type: 'PICKUP', storeId: storeA.id });
    await expectMissingTo(b, id);
    expect((await t.call('GET', `/api/carts/${id}`, undefined, b)).status).toBe(404);

    expect((await t.call('POST', `/api/carts/${id}/lines`, { sku: 'VASE', qty: 1 }, b)).status).toBe(200);
    expect((await t.call('PUT', `/api/carts/${id}/lines/VASE`, { qty: 0 }, b)).status).toBe(200);
    expect((await seenBy(b, id)).name).toBe('Same Again');
    expect((await t.call('GET', `/api/carts/${id}`, undefined, b)).body.lines).toEqual([]);
  });

  it('a cart changed before its customer exists links its store once a later change finds the customer', async () => {
    const id = '0190f0f0-0000-7000-8000-0000000f0e11';
    // a store works on the cart of a customer whose row is not at this hub yet: nothing to link (and nothing remembered)
    expect((await t.call('PUT', `/api/carts/${id}/fulfilment`, { type: 'SHIP' }, a)).status).toBe(200);
    expect((await t.hub.db.query('SELECT 1 FROM customer_stores WHERE customer_id = $1', [id])).rows).toEqual([]);
    await t.hub.db.query(`INSERT INTO customers (id, name, created_at, updated_at) VALUES ($1, 'Late Row', 0, 0)`, [
      id,
    ]);
    expect((await t.call('POST', `/api/carts/${id}/lines`, { sku: 'VASE', qty: 1 }, a)).status).toBe(409); // no DC ships vases
    expect((await t.call('PUT', `/api/carts/${id}/fulfilment`, { type: 'SHIP' }, a)).status).toBe(200); // changes nothing: links nothing
    expect((await t.call('GET', `/api/customers/${id}`, undefined, a)).status).toBe(404);
    expect((await t.call('PUT', `/api/carts/${id}/fulfilment`, { type: 'PICKUP', storeId: storeA.id }, a)).status).toBe(
      200,
    );
    expect((await t.call('GET', `/api/customers/${id}`, undefined, a)).body.name).toBe('Late Row');
  });
});
