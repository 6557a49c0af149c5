import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { getIntrospectionQuery } from 'graphql';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/** A bound on each request, so a hub that never answers fails the test instead of hanging it; no timing is asserted. */
const ANSWER_BOUND_MS = 30_000;

type Answer = { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };

/**
 * Hostile requests to /graphql (issue #26, hostile review findings 1, 2, 6 and 8): each is refused before it runs —
 * a kilobyte of fragments that once held the event loop for minutes, subscriptions over plain HTTP that once
 * subscribed forever, text our databases cannot keep arriving through GraphQL's own escapes, block strings and
 * variables, and introspection or aliases by the thousand — with a 400 a client can read, nothing changed, and
 * no error in the hub's log.
 */
describe.each(dbTargets)('GraphQL under hostile requests on $name', (target) => {
  let t: TestHub;
  const lines: string[] = [];
  const clients: Client[] = [];
  let customer: { token: string; email: string };

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'warn',
      logDestination: { write: (l: string) => void lines.push(l) },
    });
    const email = `hostile-${Date.now()}@example.test`;
    const up = await t.call('POST', '/api/account/sign-up', { email, password: 'a long enough secret', name: 'Ada' });
    expect(up.status).toBe(201);
    customer = { token: up.body.token, email };
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t?.stop();
  });

  const errorLines = () => lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);

  const post = (
    query: string,
    variables?: Record<string, unknown>,
    headers: Record<string, string> = {},
    operationName?: string,
  ) =>
    fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables, operationName }),
      signal: AbortSignal.timeout(ANSWER_BOUND_MS),
    }).then(async (res) => ({
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: await res.json(),
    }));

  const get = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/graphql?${new URLSearchParams(params)}`, {
      headers,
      signal: AbortSignal.timeout(ANSWER_BOUND_MS),
    }).then(async (res) => ({
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: await res.json(),
    }));

  const codes = (body: Answer) => body.errors?.map((e) => e.extensions?.code);
  const bearer = () => ({ authorization: `Bearer ${customer.token}` });

  /** One operation over the graphql-ws socket: its first answer, or the errors it was refused with. */
  const overSocket = async (query: string, variables: Record<string, unknown> = {}): Promise<Answer> => {
    const client = createClient({
      url: `${t.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { token: customer.token },
      retryAttempts: 0,
    });
    clients.push(client);
    return new Promise<Answer>((resolve, reject) => {
      const bound = setTimeout(() => reject(new Error(`no answer over the socket to ${query}`)), ANSWER_BOUND_MS);
      const stop = client.subscribe<unknown>(
        { query, variables },
        {
          next: (v) => {
            clearTimeout(bound);
            stop();
            resolve(v as Answer);
          },
          error: (errors) => {
            clearTimeout(bound);
            resolve({ errors: (Array.isArray(errors) ? errors : [errors]) as Answer['errors'] });
          },
          complete: () => undefined,
        },
      );
    });
  };

  /** `query { ...F0 }` where each fragment spreads the next twice: 2^n fields if each spread were walked anew. */
  const doubling = (n: number) => {
    let q = 'query Doubling { ...F0 }\n';
    for (let i = 0; i < n; i++) q += `fragment F${i} on Query { a${i}: _hub ...F${i + 1} ...F${i + 1} }\n`;
    return `${q}fragment F${n} on Query { _hub }\n`;
  };

  it('refuses fragments that double at every level (n = 22 to 30) as QUERY_TOO_COSTLY while /healthz answers', async () => {
    for (const n of [22, 26, 30]) {
      const [answer, health] = await Promise.all([
        post(doubling(n)),
        fetch(`${t.url}/healthz`, { signal: AbortSignal.timeout(ANSWER_BOUND_MS) }),
      ]);
      expect(answer.status).toBe(400);
      expect(answer.body.data).toBeUndefined();
      expect(codes(answer.body)).toEqual(['QUERY_TOO_COSTLY']);
      expect(answer.body.errors[0].message).toMatch(/^operation Doubling /);
      expect(health.status).toBe(200);
    }
    // the same refusal over the socket, which measures with the same rule
    const socket = await overSocket(doubling(30));
    expect(codes(socket)).toEqual(['QUERY_TOO_COSTLY']);
  }, 120_000);

  it('measures a fragment once yet costs it for each page it is spread under', async () => {
    const query = (first: number) =>
      `query Paged { products(first: ${first}) { items { ...Reviewed } } } fragment Reviewed on Product { sku reviews(first: 50) { id } }`;
    const cheap = await post(query(2));
    expect(cheap.status).toBe(200);
    expect(cheap.body.data.products.items).toEqual([]);
    // 100 products × 50 reviews: the fragment, measured once already, still costs its page's 100 items
    const costly = await post(query(100));
    expect(costly.status).toBe(400);
    expect(codes(costly.body)).toEqual(['QUERY_TOO_COSTLY']);
  });

  it('charges introspection: a client’s introspection query runs, 1,100 aliased __schema are refused', async () => {
    const one = await post(getIntrospectionQuery());
    expect(one.status).toBe(200);
    expect(one.body.data.__schema.types.some((ty: { name: string }) => ty.name === 'Product')).toBe(true);
    const many = Array.from(
      { length: 1_100 },
      (_, i) => `s${i}: __schema { types { name fields { name args { name } type { name } } } }`,
    ).join(' ');
    const refused = await post(`{ ${many} }`);
    expect(refused.status).toBe(400);
    expect(refused.body.data).toBeUndefined();
    expect(codes(refused.body)).toEqual(['QUERY_TOO_COSTLY']);
    const types = Array.from({ length: 100 }, (_, i) => `t${i}: __type(name: "Product") { name }`).join(' ');
    expect(codes((await post(`{ ${types} }`)).body)).toEqual(['QUERY_TOO_COSTLY']);
  });

  it('refuses an operation selecting more than 2,000 fields, aliases counted', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: _hub`).join(' ')} }`;
    const fine = await post(aliases(1_000));
    expect(fine.status).toBe(200);
    expect(Object.keys(fine.body.data)).toHaveLength(1_000);
    const refused = await post(aliases(5_000));
    expect(refused.status).toBe(400);
    expect(codes(refused.body)).toEqual(['QUERY_TOO_COSTLY']);
    expect(refused.body.errors[0].message).toMatch(/selects over 2000 fields/);
  });

  it('refuses a subscription over HTTP, whatever it accepts, before anything subscribes', async () => {
    const subscribe = vi.spyOn(t.hub.sync.docs, 'subscribe');
    try {
      const query = 'subscription Watch { cartChanged { customerId lines { sku } } }';
      const answers = [
        await post(query, undefined, bearer()),
        await post(query, undefined, { ...bearer(), accept: 'text/event-stream' }),
        await post(query, undefined, { ...bearer(), accept: 'application/graphql-response+json' }),
        await get({ query }, bearer()),
        await get({ query }, { ...bearer(), accept: 'text/event-stream' }),
      ];
      for (const a of answers) {
        expect(a.status).toBe(400);
        expect(a.type).toContain('application/json');
        expect(a.body.errors).toEqual([
          {
            message: 'subscriptions run over the graphql-ws socket at /graphql',
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ]);
      }
      // a document that also holds a subscription still runs the query it names
      const named = await post(`query Mine { me { email } } ${query}`, undefined, bearer(), 'Mine');
      expect(named.status).toBe(200);
      expect(named.body.data.me.email).toBe(customer.email);
      expect(subscribe).not.toHaveBeenCalled();
      // the socket still subscribes (so the spy would have seen an HTTP subscription)
      const socket = createClient({
        url: `${t.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { token: customer.token },
        retryAttempts: 0,
      });
      clients.push(socket);
      socket.subscribe({ query }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      await vi.waitFor(() => expect(subscribe).toHaveBeenCalledTimes(1), { timeout: ANSWER_BOUND_MS });
      await socket.dispose();
    } finally {
      subscribe.mockRestore();
    }
  });

  it('refuses NUL and lone surrogates arriving through literals, block strings and variables, changing nothing', async () => {
    const before = errorLines().length;
    const refusedAs = (a: { status: number; body: Answer }, names: RegExp) => {
      expect(a.status).toBe(400);
      expect(a.body.data).toBeUndefined();
      expect(codes(a.body)).toEqual(['BAD_USER_INPUT']);
      expect(a.body.errors?.[0]?.message).toMatch(names);
    };
    // GraphQL's own escape in the query text: the edge check reads only the JSON string, which holds `\u0000`
    refusedAs(await post('{ product(sku: "a\\u0000b") { sku } }'), /^argument sku of product: .*U\+0000/);
    refusedAs(await post('{ products(search: "a\\u0000b") { next } }'), /^argument search of products: /);
    refusedAs(await post('query($s: String = "\\u0000") { products(search: $s) { next } }'), /^the default of \$s: /);
    refusedAs(await get({ query: '{ products(category: "\\u0000") { next } }' }), /^argument category of products: /);
    // variables: GET's are JSON text (the edge cannot read them), a POST's are checked at the edge
    const search = 'query($s: String) { products(search: $s) { next } }';
    refusedAs(await get({ query: search, variables: '{"s":"x\\u0000y"}' }), /^variable \$s: .*U\+0000/);
    refusedAs(await get({ query: search, variables: '{"s":"x\\ud800y"}' }), /^variable \$s: .*lone surrogate/);
    const postVariable = await post(search, { s: 'x\u0000y' });
    expect(postVariable.status).toBe(400);
    expect(JSON.stringify(postVariable.body)).toContain('variables.s');
    // a block string holds text raw: over HTTP the edge refuses it, over the socket the literal check does
    const block = `{ product(sku: """a\u0000b""") { sku } }`;
    expect((await post(block)).status).toBe(400);
    const blockOverSocket = await overSocket(block);
    expect(codes(blockOverSocket)).toEqual(['BAD_USER_INPUT']);
    expect(blockOverSocket.errors?.[0]?.message).toMatch(/^argument sku of product: /);
    const variableOverSocket = await overSocket(search, { s: 'x\u0000y' });
    expect(codes(variableOverSocket)).toEqual(['BAD_USER_INPUT']);
    expect(variableOverSocket.errors?.[0]?.message).toMatch(/^variable \$s: /);

    // writes: refused before they run, so nothing changes
    refusedAs(
      await post('mutation { updateProfile(name: "a\\u0000b") { name } }', undefined, bearer()),
      /^argument name of updateProfile: /,
    );
    expect((await t.call('GET', '/api/account', undefined, { bearer: customer.token })).body.name).toBe('Ada');
    const email = `nul-${Date.now()}@example.test`;
    refusedAs(
      await post(
        `mutation { signUp(email: "${email}", password: "a long enough secret", name: "n\\u0000ul") { token } }`,
      ),
      /^argument name of signUp: /,
    );
    const signIn = await t.call('POST', '/api/account/sign-in', { email, password: 'a long enough secret' });
    expect(signIn.status).toBe(401);
    expect(errorLines().slice(before)).toEqual([]);
  });
});
