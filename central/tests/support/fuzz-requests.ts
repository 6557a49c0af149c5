import fc from 'fast-check';
import { reviewsHostileRequest } from './reviews-fuzz.js';
import { pricingHostileRequest } from './pricing-access.js';
import type { DiscoveredRoute } from './express-routes.js';
import type { RawRequest } from './raw-http.js';

/** How many runs each fuzz property makes: `FUZZ_RUNS` (default 300: a few seconds per server). */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** Strings people do not type: NUL, lone surrogates, bidi overrides, escapes that do not decode, very long text. */
export const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uD83D',
  '\u202E',
  '𝄞',
  '%E0%A4%A',
  '%%%',
  '%00',
  '..',
  '../..',
  '\\',
  '"',
  "'; DROP TABLE users; --",
  '<script>',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '0',
  '-1',
  '1e309',
  'x'.repeat(5000),
];

const FIELDS = [
  'sku',
  'qty',
  'storeId',
  'customerId',
  'lines',
  'name',
  'email',
  'phone',
  'code',
  'fulfilment',
  'type',
  'items',
  'safety',
  'leadTimeDays',
  'placeKey',
  'customerRef',
  'password',
  'role',
  'secret',
  'kind',
  'lat',
  'lon',
  'delta',
  'counted',
  'parkingSpot',
  'givenMinor',
  'priceMinor',
  'category',
  'disabled',
  'lowStockAt',
  'ttlMinutes',
  'parentId',
  'tags',
  'offline',
  'permission',
  '__proto__',
  'constructor',
];

const oddString = fc.oneof(
  fc.constantFrom(...ODD_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 20 }),
);
const oddNumber = fc.oneof(
  fc.integer(),
  fc.constantFrom(-0, 0.5, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 999_999_999_999),
);
const leaf = fc.oneof(oddString, oddNumber, fc.boolean(), fc.constant(null));
/** JSON values whose keys are mostly the fields our routes read, so validation is reached past the first check. */
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), oddString), tie('v'), { maxKeys: 5 }),
  ),
})).v;

/** Bodies that are not JSON, or JSON at the edges: deep nesting, huge, prototype keys. */
const rawBodies = fc.constantFrom(
  '{"a":',
  '{',
  '[',
  'nul',
  '\u0000',
  '{"sku":"a\\u0000b"}',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '"just a string"',
  '123',
  'true',
  'null',
  '[]',
  '{}',
  '\uFEFF{}',
  '{"a":1,"a":2}',
  '['.repeat(20_000) + ']'.repeat(20_000),
  `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
  JSON.stringify({
    items: Array.from({ length: 6000 }, (_, i) => ({ sku: `S${i}`, name: 'n', category: 'c', priceMinor: 1 })),
  }),
  JSON.stringify({ name: 'x'.repeat(2_000_000) }),
);

/** A path parameter: a real id from the fixtures, or something odd, encoded or raw (bad escapes stay bad). */
const param = (realIds: readonly string[]) =>
  fc.oneof(
    fc.constantFrom(...realIds),
    oddString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD')) || 'x'),
    fc.constantFrom('%E0%A4%A', '%%%', '%00', '%2e%2e', '%2F', 'a%2Fb', '%C0%AF', '%FF%FE', '%uD800', '..', '.'),
  );

const headerText = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
  fc.constantFrom('%E0%A4%A', '%%%', '%00', 'é', '\u00ff\u00fe'),
);

export interface FuzzContext {
  readonly routes: readonly DiscoveredRoute[];
  /** Real ids to put in path parameters some of the time. */
  readonly ids: readonly string[];
  /** Credentials that work (headers), so fuzzed calls also get past the gate. */
  readonly callers: readonly Record<string, string>[];
  /** The cookie names the server reads credentials from. */
  readonly cookieNames: readonly string[];
  /** The pricing fixture's sku and store (the pricing routes' near-valid hostile bodies name them). */
  readonly pricing?: { readonly sku: string; readonly storeAId: string };
}

/** A short description of a fuzzed request for a finding: method, path, header sizes, the start of the body. */
export function describeRequest(r: RawRequest): string {
  const clip = (x: string, n: number) => (x.length > n ? `${x.slice(0, n)}…(${x.length})` : x);
  const headers = Object.entries(r.headers ?? {})
    .map(([k, v]) => `${k}: ${clip(v, 40)}`)
    .join('; ');
  const body = r.body === undefined ? '' : ` body ${clip(JSON.stringify(String(r.body)), 120)}`;
  return `${r.method} ${clip(r.path, 160)} [${headers}]${body}`;
}

/**
 * Collects what fuzzing found, one example per kind of finding (so a run reports every distinct problem, each with
 * a short reproduction, rather than stopping at the first).
 */
export class Findings {
  readonly #seen = new Map<string, string>();
  add(kind: string, example: string): void {
    if (!this.#seen.has(kind)) this.#seen.set(kind, `${kind} — e.g. ${example}`);
  }
  get list(): string[] {
    return [...this.#seen.values()];
  }
}

/** One fuzzed HTTP request against one of `ctx.routes`. */
export function fuzzedRequest(ctx: FuzzContext): fc.Arbitrary<RawRequest & { route: string }> {
  const cookie = fc.oneof(
    fc.constant(undefined),
    fc
      .tuple(
        fc.constantFrom(...ctx.cookieNames),
        fc.constantFrom('%E0%A4%A', '%%%', '%', 'a%zz', '%00', '', '=', '"quoted"', 'é', 'x'.repeat(3000)),
      )
      .map(([n, v]) => `${n}=${v}`),
    fc.tuple(fc.constantFrom(...ctx.cookieNames), headerText).map(([n, v]) => `${n}=${v}; ${n}=${v}`),
    headerText.map((t) => t.replace(/[;\r\n]/g, '')),
  );
  const authorization = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic YTpi', 'bearer x', 'Bearer %E0%A4%A'),
    headerText.map((t) => `Bearer ${t}`),
  );
  const query = fc.oneof(
    fc.constant(''),
    fc
      .dictionary(
        fc.constantFrom(
          'limit',
          'after',
          'q',
          'storeId',
          'sku',
          'status',
          'email',
          'name',
          'lat',
          'lon',
          'since',
          'date',
          'minutes',
          'kind',
          'version',
          'tag',
          'tags',
          'owner',
          'folderId',
          'nodeId',
          'permission',
          'userId',
          'actor',
          'action',
          'before',
          'offline',
          'x',
        ),
        fc.oneof(param(ctx.ids), fc.constantFrom('-1', '0', '1e9', 'NaN', '')),
        { maxKeys: 4 },
      )
      .map((d) =>
        Object.keys(d).length
          ? `?${Object.entries(d)
              .map(([k, v]) => `${k}=${v}`)
              .join('&')}`
          : '',
      ),
    fc.constantFrom(
      '?limit=1&limit=2',
      '?storeId[]=x',
      '?storeId[a]=b',
      '?%E0%A4%A=1',
      '?%%%',
      '?q=%00',
      `?limit=${'9'.repeat(400)}`,
    ),
  );
  const body = fc.oneof(
    { weight: 4, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: rawBodies },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/json; charset=utf-16',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
        'application/json; charset=%%%',
      ),
    },
  );
  const vault = ctx.routes.some((r) => r.path.startsWith('/api/vault/'));
  const generic = fc
    .record({
      route: fc.constantFrom(...ctx.routes),
      params: fc.array(param(ctx.ids), { minLength: 4, maxLength: 4 }),
      otherMethod: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), { freq: 8 }),
      query,
      body,
      contentType,
      caller: fc.option(fc.constantFrom(...ctx.callers), { freq: 4 }),
      cookie,
      authorization,
      idempotencyKey: fc.option(fc.oneof(headerText, fc.constant('k'.repeat(5000))), { freq: 3 }),
      overlong: fc.option(fc.constantFrom(20_000, 70_000), { freq: 12 }),
    })
    .map((g) => {
      let i = 0;
      const path = g.route.path.replace(/:[A-Za-z]+/g, () => g.params[i++ % 4]!) + g.query;
      const method = g.otherMethod ?? g.route.method;
      const headers: Record<string, string> = { ...(g.caller ?? {}) };
      if (g.cookie !== undefined) headers.cookie = headers.cookie ? `${headers.cookie}; ${g.cookie}` : g.cookie;
      if (g.authorization !== undefined) headers.authorization = g.authorization;
      if (g.idempotencyKey !== null) headers['idempotency-key'] = g.idempotencyKey;
      if (g.overlong !== null) headers['x-fill'] = 'a'.repeat(g.overlong);
      const withBody = g.body !== undefined && method !== 'GET';
      if (withBody && g.contentType) headers['content-type'] = g.contentType;
      return {
        route: `${g.route.method} ${g.route.path}`,
        method,
        path,
        headers,
        ...(withBody ? { body: g.body } : {}),
      };
    });
  const reviews = ctx.routes.some((r) => r.path.startsWith('/api/reviews'));
  const pricing = ctx.pricing && ctx.routes.some((r) => r.path.startsWith('/api/pricing/'));
  const aimed = [
    ...(vault ? [{ weight: 1, arbitrary: vaultHostileRequest(ctx) }] : []),
    ...(reviews ? [{ weight: 1, arbitrary: reviewsHostileRequest(ctx) }] : []),
    ...(pricing && ctx.pricing ? [{ weight: 1, arbitrary: pricingHostileRequest(ctx, ctx.pricing) }] : []),
  ];
  return aimed.length ? fc.oneof({ weight: 5, arbitrary: generic }, ...aimed) : generic;
}

/** Names no folder or document may have: control characters, slashes, dots, the too long, the empty. */
const BAD_VAULT_NAMES = [
  '',
  '   ',
  '.',
  '..',
  'a/b',
  '../../etc/passwd',
  'a\\b',
  'a\u0000b',
  '\u0000',
  'line\nbreak',
  'tab\there',
  '\u007f',
  'x'.repeat(256),
  'é'.repeat(300),
];
/** Subjects a grant may not name (a path parameter, URL-encoded). */
const BAD_SUBJECTS = [
  'user:',
  'user',
  'root',
  'role:GOD',
  'role:admin',
  'group:a b',
  'store:../../x',
  'everyone ',
  'user:\u0000',
  `user:${'a'.repeat(100)}`,
  'group:%',
  ':',
];
/** What `q` and other query text may carry: NUL, websearch operators alone, the huge. */
const ODD_QUERY_TEXT = ['\u0000', 'a\u0000b', '"', '-', 'or', '!!!', '&|:*()', '<->', "'", '\\', 'x'.repeat(10_000)];

/**
 * Hostile calls aimed at the vault's routes (issue #22): uploads with names no node may have, JSON where the file is
 * expected and a file where JSON is expected, grants for subjects that cannot exist, odd version numbers, cursors and
 * search text. The ids are the fixture's some of the time, so a call gets past "not found" to the check it aims at.
 */
export function vaultHostileRequest(ctx: FuzzContext): fc.Arbitrary<RawRequest & { route: string }> {
  const id = fc.oneof(
    fc.constantFrom(...ctx.ids),
    fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-000000000000', '%00', '..', 'x'.repeat(300)),
  );
  const q = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  const caller = fc.constantFrom(...ctx.callers);
  const binary = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
  const upload = fc
    .record({
      folder: id,
      name: fc.constantFrom(...BAD_VAULT_NAMES),
      extra: fc.constantFrom(
        '',
        '&tags=%00',
        `&tags=${'t'.repeat(100)}`,
        '&offline=maybe',
        '&name=second',
        '&tags=a,,b',
      ),
      body: fc.oneof(fc.constantFrom('{"name":"a.txt"}', '', 'plain'), binary),
      type: fc.constantFrom('application/json', 'application/octet-stream', 'text/plain', ''),
      caller,
    })
    .map((g) => ({
      route: 'POST /api/vault/folders/:id/documents',
      method: 'POST',
      path: `/api/vault/folders/${g.folder}/documents?name=${q(g.name)}${g.extra}`,
      headers: { ...g.caller, ...(g.type ? { 'content-type': g.type } : {}) },
      body: g.body,
    }));
  // a file (binary, or a form) where the route reads JSON
  const streamAsJson = fc
    .record({
      target: fc.constantFrom(
        ['POST', '/api/vault/folders'],
        ['PATCH', '/api/vault/nodes/:id'],
        ['PUT', '/api/vault/nodes/:id/grants/everyone'],
        ['POST', '/api/vault/groups'],
        ['POST', '/api/vault/keys/rotate'],
      ),
      node: id,
      body: binary,
      type: fc.constantFrom('application/octet-stream', 'application/json', 'image/png', 'multipart/form-data'),
      caller,
    })
    .map((g) => ({
      route: `${g.target[0]} ${g.target[1]}`,
      method: g.target[0]!,
      path: g.target[1]!.replace(':id', g.node),
      headers: { ...g.caller, 'content-type': g.type },
      body: g.body,
    }));
  const badNames = fc
    .record({
      kind: fc.constantFrom('folder', 'rename'),
      node: id,
      name: fc.constantFrom(...BAD_VAULT_NAMES),
      tags: fc.constantFrom(
        undefined,
        ['\u0000'],
        ['x'.repeat(100)],
        [''],
        Array.from({ length: 500 }, (_, i) => `t${i}`),
      ),
      caller,
    })
    .map((g) => ({
      route: g.kind === 'folder' ? 'POST /api/vault/folders' : 'PATCH /api/vault/nodes/:id',
      method: g.kind === 'folder' ? 'POST' : 'PATCH',
      path: g.kind === 'folder' ? '/api/vault/folders' : `/api/vault/nodes/${g.node}`,
      headers: { ...g.caller, 'content-type': 'application/json' },
      body: JSON.stringify(
        g.kind === 'folder'
          ? { parentId: g.node, name: g.name, ...(g.tags ? { tags: g.tags } : {}) }
          : { name: g.name, ...(g.tags ? { tags: g.tags } : {}) },
      ),
    }));
  const badGrant = fc
    .record({
      node: id,
      subject: fc.constantFrom(...BAD_SUBJECTS),
      method: fc.constantFrom('PUT', 'DELETE'),
      permission: fc.constantFrom('READ', 'GOD', '', 'owner', null),
      caller,
    })
    .map((g) => ({
      route: `${g.method} /api/vault/nodes/:id/grants/:subject`,
      method: g.method,
      path: `/api/vault/nodes/${g.node}/grants/${q(g.subject)}`,
      headers: { ...g.caller, ...(g.method === 'PUT' ? { 'content-type': 'application/json' } : {}) },
      ...(g.method === 'PUT' ? { body: JSON.stringify({ permission: g.permission }) } : {}),
    }));
  const oddQuery = fc
    .record({
      path: fc.constantFrom(
        (n: string, t: string) => `/api/vault/documents/${n}/content?version=${t}`,
        (n: string, t: string) => `/api/vault/documents/${n}/thumbnail?version=${t}`,
        (n: string, t: string) => `/api/vault/documents/${n}/versions/${t}/restore`,
        (n: string, t: string) => `/api/vault/folders/${n}/children?after=${t}&limit=${t}`,
        (_n: string, t: string) => `/api/vault/search?q=${t}&tag=${t}&owner=${t}`,
        (n: string, t: string) => `/api/vault/search?folderId=${n}&after=${t}`,
        (n: string, t: string) => `/api/vault/check?nodeId=${n}&permission=${t}&userId=${t}`,
        (_n: string, t: string) => `/api/vault/trash?after=${t}&limit=${t}`,
        (n: string, t: string) => `/api/vault/audit?nodeId=${n}&before=${t}&action=${t}&limit=${t}`,
      ),
      node: id,
      text: fc.oneof(
        fc.constantFrom('0', '-1', '1.5', '1e3', 'NaN', '99999999999999999999', 'abc', '', '%00', '%E0%A4%A'),
        fc.constantFrom(...ODD_QUERY_TEXT).map(q),
      ),
      caller,
    })
    .map((g) => {
      const path = g.path(g.node, g.text);
      const post = path.endsWith('/restore');
      return {
        route: post ? 'POST /api/vault/documents/:id/versions/:no/restore' : 'GET /api/vault/… (odd query text)',
        method: post ? 'POST' : 'GET',
        path,
        headers: { ...g.caller, ...(post ? { 'content-type': 'application/json' } : {}) },
        ...(post ? { body: '{}' } : {}),
      };
    });
  return fc.oneof(upload, streamAsJson, badNames, badGrant, oddQuery);
}
