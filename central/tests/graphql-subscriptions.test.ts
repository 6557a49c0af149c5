import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { hlcEncode } from '@storefleet/shared';
import { dbTargets } from './support/db-targets.js';
import { TestHub, type Caller } from './support/test-hub.js';
import { provide } from '../src/kernel/ports.js';
import { SimulatedPaymentProvider } from '../src/modules/orders/payments.js';
import { SimulatedWarehouse } from '../src/modules/orders/warehouse.js';
import { PAYMENTS_PROVIDER, WAREHOUSE } from '../src/modules/orders/ports.js';

/** How long any one awaited event may take before the test fails saying which; generous: no timing is asserted. */
const EVENT_BOUND_MS = 20_000;

type Answer = { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };

/**
 * One subscription's events as they come: `next(what, test)` waits for the first answer (from the oldest unread on)
 * that passes `test`, failing with `what` and everything seen when none comes within the bound; `failure` waits for
 * the error the server ended it with.
 */
function watch(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const seen: Answer[] = [];
  let ended: { error?: unknown } | undefined;
  let wake: (() => void) | undefined;
  const stop = client.subscribe<Answer['data']>(
    { query, variables },
    {
      next: (v) => {
        seen.push(v as Answer);
        wake?.();
      },
      error: (error) => {
        ended = { error };
        wake?.();
      },
      complete: () => {
        ended ??= {};
        wake?.();
      },
    },
  );
  let read = 0;
  const until = async <T>(what: string, check: () => T | undefined): Promise<T> => {
    const deadline = Date.now() + EVENT_BOUND_MS;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${what}: not within ${EVENT_BOUND_MS} ms; saw ${JSON.stringify({ seen, ended })}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  return {
    seen,
    stop,
    next: (what: string, test: (a: Answer) => boolean) =>
      until(what, () => {
        while (read < seen.length) {
          const a = seen[read++]!;
          if (test(a)) return a;
        }
        return undefined;
      }),
    /** The error the subscription ended with (graphql-ws' error frame, or a next carrying errors then complete). */
    failure: (what: string) =>
      until(what, () => {
        const withErrors = seen.find((a) => a.errors?.length);
        if (withErrors) return withErrors.errors!;
        if (ended && 'error' in ended) return ended.error as Answer['errors'];
        return undefined;
      }),
  };
}

/** Issue #26: cart and order subscriptions (graphql-ws) on the hub's /graphql upgrade, by the HTTP endpoint's rules. */
describe.each(dbTargets)('GraphQL subscriptions on /graphql, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let storeA: { id: string; token: string };
  let storeB: { id: string; token: string };
  const clients: Client[] = [];
  const sockets: WebSocket[] = [];
  const wsUrl = () => `${t.url.replace(/^http/, 'ws')}/graphql`;
  const connect = (token?: string): Client => {
    const c = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      connectionParams: token ? { token } : {},
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
    });
    clients.push(c);
    return c;
  };
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Answer> => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Answer;
  };
  let n = 0;
  const signUp = async (name: string) => {
    const up = await gql(
      `mutation($e: String!, $n: String!) { signUp(email: $e, password: "a long enough secret", name: $n) {
        token account { customerId } } }`,
      { e: `${name}-${++n}-${target.name}@example.test`, n: name },
    );
    expect(up.errors, 'sign-up').toBeUndefined();
    return { token: up.data.signUp.token as string, id: up.data.signUp.account.customerId as string };
  };
  const CART_CHANGED = 'subscription($c: ID) { cartChanged(customerId: $c) { customerId lines { sku qty } } }';
  const qtyOf = (a: Answer, sku: string) =>
    (a.data?.cartChanged?.lines as { sku: string; qty: number }[] | undefined)?.find((l) => l.sku === sku)?.qty;
  /** A pickup at store A (which stocks both products); a cart to ship would need a distribution centre. */
  const pickupAtA = async (who: { token: string }) => {
    const set = await gql(
      'mutation($s: ID!) { setFulfilment(type: PICKUP, storeId: $s) { customerId } }',
      { s: storeA.id },
      who.token,
    );
    expect(set.errors, 'setFulfilment').toBeUndefined();
  };
  const addToCart = async (who: { token: string }, sku: string, qty: number) => {
    const added = await gql(
      'mutation($s: ID!, $q: Int) { addToCart(sku: $s, qty: $q) { customerId } }',
      { s: sku, q: qty },
      who.token,
    );
    expect(added.errors, 'addToCart').toBeUndefined();
  };
  const placedOrder = async (who: { token: string }) => {
    await pickupAtA(who);
    await addToCart(who, 'MUG', 1);
    const placed = await gql(
      'mutation($k: String!) { placeOrder(placeKey: $k) { id status } }',
      { k: `sub-${++n}-${target.name}` },
      who.token,
    );
    expect(placed.errors, 'placeOrder').toBeUndefined();
    expect(placed.data.placeOrder.status).toBe('CONFIRMED');
    return placed.data.placeOrder.id as string;
  };

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'silent',
      externals: [
        provide(PAYMENTS_PROVIDER, new SimulatedPaymentProvider(150)),
        provide(WAREHOUSE, new SimulatedWarehouse()),
      ],
    });
    admin = { cookie: await t.login() };
    storeA = await t.store('SUB-A', admin.cookie!);
    storeB = await t.store('SUB-B', admin.cookie!);
    await t.call(
      'POST',
      '/api/catalog/products/import',
      {
        items: [
          { sku: 'MUG', name: 'Mug', category: 'Home', priceMinor: 1200, taxClass: 'STANDARD' },
          { sku: 'TEA', name: 'Tea', category: 'Home', priceMinor: 400, taxClass: 'STANDARD' },
        ],
      },
      admin,
    );
    await t.hub.sync.repo.applyBatch(
      storeA.id,
      ['MUG', 'TEA'].map((sku, i) => ({
        origin: storeA.id,
        seq: i + 1,
        hlc: hlcEncode({ wallMs: Date.now(), counter: i + 1, node: storeA.id }),
        type: 'stock.moved',
        payload: { sku, delta: 100, kind: 'RECEIVE' },
      })),
      0,
    );
  });
  afterAll(async () => {
    for (const s of sockets) s.terminate();
    await Promise.all(clients.map((c) => c.dispose()));
    await t?.stop();
  });

  it('cartChanged hears a line a store adds through REST and one the customer adds by mutation; another customer is refused NOT_FOUND and hears nothing of it', async () => {
    const ann = await signUp('ann');
    const bo = await signUp('bo');
    await pickupAtA(ann);
    const mine = watch(connect(ann.token), CART_CHANGED);
    await mine.next('the cart as it is, first', (a) => a.data?.cartChanged?.customerId === ann.id);

    const rest = await t.call('POST', `/api/carts/${ann.id}/lines`, { sku: 'MUG', qty: 1 }, { bearer: storeA.token });
    expect(rest.status, JSON.stringify(rest.body)).toBeLessThan(300);
    await mine.next('the line store A added through REST', (a) => qtyOf(a, 'MUG') === 1);

    await addToCart(ann, 'MUG', 2);
    await mine.next('the quantity the addToCart mutation made', (a) => qtyOf(a, 'MUG') === 3);

    // Bo asks for Ann's cart: refused as an id that never was, and nothing of Ann's cart reaches him
    const theirs = watch(connect(bo.token), CART_CHANGED, { c: ann.id });
    const refusal = await theirs.failure('customer B’s refusal');
    expect(refusal?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await addToCart(ann, 'TEA', 1);
    await mine.next('Ann’s own next change', (a) => qtyOf(a, 'TEA') === 1);
    // (the refusal names the id Bo asked for, and nothing else: none of the cart's lines)
    expect(JSON.stringify(theirs.seen)).not.toMatch(/MUG|TEA|lines/);
    expect(theirs.seen.every((a) => !a.data?.cartChanged)).toBe(true);

    // nobody signed in: the socket opens (the upgrade is public) and the subscription is UNAUTHENTICATED
    const nobody = watch(connect(), CART_CHANGED, { c: ann.id });
    expect((await nobody.failure('an anonymous caller’s refusal'))?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    mine.stop();
  });

  it('orderStatus hears a cancellation store A makes through REST; the order’s pickupCode is the reservation’s, for its customer and store A only', async () => {
    const cy = await signUp('cy');
    const dee = await signUp('dee');
    const id = await placedOrder(cy);
    const { rows } = await t.hub.db.query<{ reservation_id: string }>(
      'SELECT reservation_id FROM orders WHERE id = $1',
      [id],
    );
    const hold = await t.call('GET', `/api/reservations/${rows[0]!.reservation_id}`, undefined, {
      bearer: storeA.token,
    });
    expect(hold.status).toBe(200);
    expect(hold.body.pickupCode).toEqual(expect.any(String));

    const CODE = 'query($id: ID!) { order(id: $id) { id pickupCode } }';
    expect((await gql(CODE, { id }, cy.token)).data.order.pickupCode).toBe(hold.body.pickupCode);
    expect((await gql(CODE, { id }, storeA.token)).data.order.pickupCode).toBe(hold.body.pickupCode);
    for (const [who, token] of [
      ['another customer', dee.token],
      ['store B', storeB.token],
    ] as const) {
      const other = await gql(CODE, { id }, token);
      expect(other.errors?.[0]?.extensions?.code, who).toBe('NOT_FOUND');
      expect(JSON.stringify(other), who).not.toContain(hold.body.pickupCode);
    }

    const status = watch(
      connect(cy.token),
      'subscription($id: ID!) { orderStatus(id: $id) { id status pickupCode } }',
      {
        id,
      },
    );
    const first = await status.next('the order as it is', (a) => a.data?.orderStatus?.status === 'CONFIRMED');
    expect(first.data.orderStatus.pickupCode).toBe(hold.body.pickupCode);
    const stranger = watch(connect(dee.token), 'subscription($id: ID!) { orderStatus(id: $id) { id status } }', { id });
    expect((await stranger.failure('another customer’s refusal'))?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const cancelled = await t.call('POST', `/api/orders/${id}/cancel`, undefined, { bearer: storeA.token });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    const heard = await status.next('the cancellation', (a) => a.data?.orderStatus?.status === cancelled.body.status);
    expect(heard.data.orderStatus.status).not.toBe('CONFIRMED');
    // the hold is released: no code to show any more
    expect(heard.data.orderStatus.pickupCode).toBeNull();
    expect(stranger.seen.every((a) => !a.data?.orderStatus)).toBe(true);
    status.stop();
  });

  it('a bad frame or an oversized one closes only its own socket: another keeps hearing its cart', async () => {
    const eve = await signUp('eve');
    await pickupAtA(eve);
    const steady = watch(connect(eve.token), CART_CHANGED);
    await steady.next('the cart as it is', (a) => a.data?.cartChanged?.customerId === eve.id);

    const closedBy = async (frame: string) => {
      const ws = new WebSocket(wsUrl(), 'graphql-transport-ws');
      sockets.push(ws);
      ws.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const acked = new Promise<void>((resolve) => ws.once('message', () => resolve()));
      ws.send(JSON.stringify({ type: 'connection_init', payload: { token: eve.token } }));
      await acked;
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.send(frame);
      return Promise.race([
        closed,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('the hub did not close the socket')), EVENT_BOUND_MS).unref(),
        ),
      ]);
    };
    expect(await closedBy('{"type":"subscribe","id":')).toBe(4400); // not JSON
    expect(await closedBy(JSON.stringify({ type: 'no-such-message' }))).toBe(4400);
    expect(await closedBy('x'.repeat(70 * 1024))).toBe(1009); // over 64 KiB

    await addToCart(eve, 'TEA', 4);
    await steady.next('the change after the other sockets closed', (a) => qtyOf(a, 'TEA') === 4);
    steady.stop();
  });

  it('a socket is who its credential says: the customer cookie from the hub’s own pages, not from another site’s; a store token as staff; a token naming nobody closes it', async () => {
    const gus = await signUp('gus');
    await pickupAtA(gus);
    await addToCart(gus, 'TEA', 2);
    /** A graphql-ws client whose upgrade carries these headers (as a browser sends the cookie and its page's Origin). */
    const connectWith = (headers: Record<string, string>) => {
      class WithHeaders extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, { headers });
        }
      }
      const c = createClient({ url: wsUrl(), webSocketImpl: WithHeaders, retryAttempts: 0 });
      clients.push(c);
      return c;
    };
    const cookie = `sf_customer=${encodeURIComponent(gus.token)}`;
    const host = new URL(t.url).host;
    const own = watch(connectWith({ cookie, origin: `http://${host}` }), CART_CHANGED);
    await own.next('the cart, to the cookie from the hub’s own page', (a) => qtyOf(a, 'TEA') === 2);
    const foreign = watch(connectWith({ cookie, origin: 'http://shop.example.net' }), CART_CHANGED);
    expect((await foreign.failure('the cookie from another site’s page'))?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(JSON.stringify(foreign.seen)).not.toMatch(/TEA|lines/);

    // a line store A adds through REST links it to Gus, so as staff it may read his cart, as GET /api/carts/{id} does
    await t.call('POST', `/api/carts/${gus.id}/lines`, { sku: 'MUG', qty: 1 }, { bearer: storeA.token });
    const store = watch(connect(storeA.token), CART_CHANGED, { c: gus.id });
    await store.next('the cart, to store A', (a) => qtyOf(a, 'MUG') === 1);

    const closed = await new Promise<number>((resolve) => {
      const c = createClient({
        url: wsUrl(),
        webSocketImpl: WebSocket,
        connectionParams: { token: 'sfc_not-a-session-anyone-has' },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
        on: { closed: (e) => resolve((e as { code: number }).code) },
      });
      clients.push(c);
    });
    expect(closed).toBe(4403);
    for (const w of [own, foreign, store]) w.stop();
  });

  it('one customer keeps at most 8 sockets open: the 9th is closed 4429 saying why, another customer is not counted, and a closed one frees its place', async () => {
    const hal = await signUp('hal');
    const ida = await signUp('ida');
    /** A raw graphql-ws socket for `token`: 'acked' when the hub accepted it, else the close code and reason. */
    const open = async (token: string) => {
      const ws = new WebSocket(wsUrl(), 'graphql-transport-ws');
      sockets.push(ws);
      ws.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const outcome = new Promise<string>((resolve) => {
        ws.once('message', (m) => resolve(JSON.parse(String(m)).type === 'connection_ack' ? 'acked' : String(m)));
        ws.once('close', (code, reason) => resolve(`${code} ${String(reason)}`));
      });
      ws.send(JSON.stringify({ type: 'connection_init', payload: { token } }));
      return { ws, outcome: await outcome };
    };
    const eight: Awaited<ReturnType<typeof open>>[] = [];
    for (let i = 0; i < 8; i++) eight.push(await open(hal.token));
    expect(eight.map((s) => s.outcome)).toEqual(Array(8).fill('acked'));
    const ninth = await open(hal.token);
    expect(ninth.outcome).toBe('4429 too many sockets for this customer: close one first');
    expect((await open(ida.token)).outcome).toBe('acked');

    const closed = new Promise((resolve) => eight[0]!.ws.once('close', resolve));
    eight[0]!.ws.close();
    await closed;
    // the hub hears the close a moment after the client does: a new socket is accepted once it has
    let again = await open(hal.token);
    for (let i = 0; i < 50 && again.outcome !== 'acked'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await open(hal.token);
    }
    expect(again.outcome).toBe('acked');
    for (const s of eight) s.ws.terminate();
  });

  it('one socket runs at most 10 operations at once: the 11th is refused RATE_LIMITED and the 10 go on', async () => {
    const fay = await signUp('fay');
    await pickupAtA(fay);
    const client = connect(fay.token);
    const ten = Array.from({ length: 10 }, () => watch(client, CART_CHANGED));
    for (const w of ten) await w.next('the cart as it is', (a) => a.data?.cartChanged?.customerId === fay.id);
    const eleventh = watch(client, CART_CHANGED);
    expect((await eleventh.failure('the 11th operation’s refusal'))?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    await addToCart(fay, 'MUG', 5);
    for (const w of ten) await w.next('the change, on each of the 10', (a) => qtyOf(a, 'MUG') === 5);
    expect(eleventh.seen.every((a) => !a.data?.cartChanged)).toBe(true);
    // another socket of the same customer has its own 10
    const other = watch(connect(fay.token), CART_CHANGED);
    await other.next('a second socket’s cart', (a) => qtyOf(a, 'MUG') === 5);
    for (const w of [...ten, other]) w.stop();
  });
});
