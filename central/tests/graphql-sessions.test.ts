import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { maskError } from '../src/kernel/graphql/errors.js';

/** How long a socket may take to close before the test fails saying which; generous: no timing is asserted. */
const CLOSE_BOUND_MS = 20_000;

type Answer = { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };

/**
 * Demanding review findings 7, 15, 17, 21 (issue #26): an ended customer session reaches its live sockets; one rule for
 * a request with a staff credential and a customer's; every GraphQL error has a code; `first` checked alike.
 */
describe.each(dbTargets)('customer sessions and GraphQL callers, on $name', (target) => {
  let t: TestHub;
  let adminCookie: string;
  const clients: Client[] = [];
  const sockets: WebSocket[] = [];
  let n = 0;

  const gql = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Answer;
  };
  const signUp = async () => {
    const up = await gql(
      'mutation($e: String!) { signUp(email: $e, password: "a long enough secret", name: "Ann") { token account { customerId } } }',
      { e: `ann-${++n}-${target.name}@example.test` },
    );
    expect(up.errors, 'sign-up').toBeUndefined();
    return { token: up.data.signUp.token as string, id: up.data.signUp.account.customerId as string };
  };
  const signIn = async (email: string) => {
    const r = await gql('mutation($e: String!) { signIn(email: $e, password: "a long enough secret") { token } }', {
      e: email,
    });
    expect(r.errors, 'sign-in').toBeUndefined();
    return r.data.signIn.token as string;
  };
  /** A graphql-ws socket with the token, subscribed to the customer's cart; resolves its close code when it closes. */
  const cartSocket = (token: string) => {
    let closed: (code: number) => void = () => undefined;
    const code = new Promise<number>((resolve) => (closed = resolve));
    let opened: () => void = () => undefined;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const seen: unknown[] = [];
    const c = createClient({
      url: `${t.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { token },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      on: { closed: (e) => closed((e as { code: number }).code) },
    });
    clients.push(c);
    c.subscribe(
      { query: 'subscription { cartChanged { customerId lines { sku qty } } }' },
      {
        next: (v) => {
          seen.push(v);
          opened();
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    return { code: bounded(code, 'the graphql-ws socket closing'), open: bounded(open, 'the first cart'), seen };
  };
  /** A raw /automerge socket with the token; resolves its close code when it closes. */
  const automergeSocket = (token: string) => {
    const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/automerge?token=${encodeURIComponent(token)}`);
    sockets.push(ws);
    const open = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    return { code: bounded(code, 'the /automerge socket closing'), open: bounded(open, 'the /automerge upgrade'), ws };
  };
  const bounded = <T>(p: Promise<T>, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: not within ${CLOSE_BOUND_MS} ms`)), CLOSE_BOUND_MS);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });

  beforeAll(async () => {
    // the periodic re-check is left long, so only the announcement can close a socket in the first tests
    t = await TestHub.start(target, { logLevel: 'silent', sessionRecheckMs: 600_000 });
    adminCookie = await t.login();
  });
  afterAll(async () => {
    for (const s of sockets) s.terminate();
    await Promise.all(clients.map((c) => c.dispose()));
    await t?.stop();
  });

  it('sign-out-everywhere closes the customer’s graphql-ws and /automerge sockets; another customer’s stay open', async () => {
    const ann = await signUp();
    const bo = await signUp();
    const annGql = cartSocket(ann.token);
    const annAm = automergeSocket(ann.token);
    const boGql = cartSocket(bo.token);
    await Promise.all([annGql.open, annAm.open, boGql.open]);

    const out = await t.call('POST', '/api/account/sign-out-everywhere', undefined, { bearer: ann.token });
    expect(out.status, JSON.stringify(out.body)).toBe(204);
    expect(await annGql.code).toBe(4403);
    expect(await annAm.code).toBe(1008);

    // Bo's socket still hears his cart; Ann's heard nothing after it closed
    const before = annGql.seen.length;
    const added = await gql(
      'mutation { setFulfilment(type: SHIP) { customerId } }',
      {},
      {
        authorization: `Bearer ${bo.token}`,
      },
    );
    expect(added.errors?.[0]?.extensions?.code ?? 'ok').not.toBe('UNAUTHENTICATED');
    expect(annGql.seen.length).toBe(before);
    const still = await gql('{ me { customerId } }', {}, { authorization: `Bearer ${bo.token}` });
    expect(still.data?.me?.customerId).toBe(bo.id);
  });

  it('a sign-out closes that session’s socket only; the same customer’s other device stays open', async () => {
    const email = `two-${++n}-${target.name}@example.test`;
    const up = await gql(
      'mutation($e: String!) { signUp(email: $e, password: "a long enough secret", name: "Cy") { token } }',
      { e: email },
    );
    const phone = up.data.signUp.token as string;
    const laptop = await signIn(email);
    const onPhone = cartSocket(phone);
    const onLaptop = cartSocket(laptop);
    await Promise.all([onPhone.open, onLaptop.open]);
    const out = await gql('mutation { signOut }', {}, { authorization: `Bearer ${phone}` });
    expect(out.errors).toBeUndefined();
    expect(await onPhone.code).toBe(4403);
    // the laptop's socket still answers: a new subscription on it would need it open; its session still reads `me`
    const me = await gql('{ me { email } }', {}, { authorization: `Bearer ${laptop}` });
    expect(me.data?.me?.email).toBe(email);
    let laptopClosed = false;
    void onLaptop.code.then(
      () => (laptopClosed = true),
      () => undefined,
    );
    await new Promise((r) => setImmediate(r));
    expect(laptopClosed).toBe(false);
  });

  it('a session ended where no announcement reached is closed by the periodic re-check', async () => {
    const t2 = await TestHub.start(target, { logLevel: 'silent', sessionRecheckMs: 200 });
    try {
      const up = await fetch(`${t2.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query:
            'mutation { signUp(email: "quiet@example.test", password: "a long enough secret", name: "Q") { token } }',
        }),
      });
      const token = ((await up.json()) as Answer).data.signUp.token as string;
      const ws = new WebSocket(`${t2.url.replace(/^http/, 'ws')}/automerge?token=${token}`);
      sockets.push(ws);
      const code = bounded(new Promise<number>((resolve) => ws.once('close', (c) => resolve(c))), 'the re-check');
      await new Promise<void>((resolve) => ws.once('open', () => resolve()));
      // ended behind the hub's back (no NOTIFY): as another process's write that the listener missed
      await t2.hub.db.query('UPDATE customer_sessions SET ended_at = $1 WHERE ended_at IS NULL', [Date.now()]);
      expect(await code).toBe(1008);
    } finally {
      await t2.stop();
    }
  });

  it('one rule for two credentials: a bearer wins over cookies on REST and GraphQL; two cookies are refused where both kinds are served', async () => {
    const ann = await signUp();
    const customerCookie = `sf_customer=${encodeURIComponent(ann.token)}`;
    // a customer's bearer with the console's cookie: the customer, on both sides (REST's staff route: nobody)
    const asCustomer = { authorization: `Bearer ${ann.token}`, cookie: adminCookie };
    expect((await gql('{ cart { customerId } }', {}, asCustomer)).data?.cart?.customerId).toBe(ann.id);
    expect((await t.call('GET', '/api/auth/me', undefined, { bearer: ann.token, cookie: adminCookie })).status).toBe(
      401,
    );
    // a staff bearer with the customer's cookie: staff only, and `me` (the customer's) is nobody
    const staffToken = (await t.store(`TWO-${target.name}`, adminCookie)).token;
    const asStaff = { authorization: `Bearer ${staffToken}`, cookie: customerCookie };
    expect((await gql('{ me { customerId } }', {}, asStaff)).data?.me).toBeNull();
    // both cookies: each REST route reads its own kind; a GraphQL field serving both refuses, saying why
    const both = { cookie: `${adminCookie}; ${customerCookie}` };
    expect((await t.call('GET', '/api/auth/me', undefined, both)).status).toBe(200);
    expect((await t.call('GET', '/api/account', undefined, both)).body.customerId).toBe(ann.id);
    const cart = await gql('{ cart { customerId } }', {}, both);
    expect(cart.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(cart.errors?.[0]?.message).toMatch(/both a staff session cookie .* and a customer’s/);
    expect((await gql('{ me { customerId } }', {}, both)).data?.me?.customerId).toBe(ann.id);
    // a browser socket with both cookies: /automerge refuses the upgrade with the same reason
    const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/automerge`, { headers: both });
    sockets.push(ws);
    const status = await bounded(
      new Promise<number>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
        ws.once('error', () => undefined);
      }),
      'the two-cookie upgrade',
    );
    expect(status).toBe(401);
  });

  it('every GraphQL error leaves with a code: graphql’s own are BAD_USER_INPUT, a resolver’s uncoded one INTERNAL', async () => {
    const bad = [
      '{ nosuchfield }',
      'query($n: Int!) { stores(first: $n) { id } }', // a required variable left out
      '{ stores(first: "x") { id } }',
      '{ stores(first: 0) { id } }',
      '{ stores(first: 101) { id } }',
      '{',
    ];
    for (const q of bad) {
      const a = await gql(q);
      expect(a.errors?.length, q).toBeGreaterThan(0);
      for (const e of a.errors!) expect(e.extensions?.code, `${q}: ${e.message}`).toBe('BAD_USER_INPUT');
    }
    // `first` out of range names the allowed range, as products(first:) does
    const zero = await gql('{ stores(first: 0) { id } }');
    expect(zero.errors?.[0]?.message).toMatch(/first must be 1 to 100, not 0/);
    const products = await gql('{ products(first: 0) { items { sku } } }');
    expect(products.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const logged: unknown[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    const mask = maskError(log);
    // a resolver's GraphQLError without a code (as graphql wraps it, with the field's path)
    const fromResolver = new GraphQLError('the warehouse said 17', {
      path: ['product', 'price'],
      originalError: new GraphQLError('the warehouse said 17'),
    });
    const masked = mask(fromResolver) as GraphQLError;
    expect(masked.extensions.code).toBe('INTERNAL');
    expect(masked.message).toBe('internal error');
    expect(logged.length).toBe(1);
    // one with a code passes as it is
    const coded = new GraphQLError('slow down', { extensions: { code: 'RATE_LIMITED' } });
    expect((mask(coded) as GraphQLError).extensions.code).toBe('RATE_LIMITED');
  });

  it('/graphql is documented from its own route: its limits are the hub’s settings', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, any>> };
    const post = doc.paths['/graphql']?.post;
    expect(post?.description).toContain('more than 10 fields');
    expect(post?.description).toContain('more than 5,000');
    expect(JSON.stringify(post?.requestBody)).toContain('extensions');
    expect(JSON.stringify(post?.parameters ?? [])).toContain('IdempotencyKey');
  });
});
