import fc from 'fast-check';
import type { RawRequest } from './raw-http.js';
import type { FuzzContext } from './fuzz-requests.js';
import { smallPng } from './vault-access.js';

/** Text a review may not carry or that sits at its edges: NUL, controls, lone surrogates, the empty, the huge. */
const ODD_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'line\u0007bell',
  '\u001b[31mred',
  '\uD800',
  'x\uDFFF',
  '\u202Egnp.exe',
  '<script>alert(1)</script>',
  "'; DROP TABLE reviews; --",
  'short',
  'x'.repeat(121),
  'y'.repeat(5_001),
  'z'.repeat(200_000),
  '   padded but fine enough text   ',
];
const ODD_NUMBERS = [0, 6, -1, 2.5, 1e308, Number.MAX_SAFE_INTEGER + 2, '5', null, true, [], {}];
const ODD_IDS = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '%00',
  '..',
  '%2e%2e%2f',
  'x'.repeat(300),
  '%E0%A4%A',
  '%%%',
];
/** Query strings of the list routes at their edges. */
const ODD_QUERIES = [
  '?sort=nope',
  '?sort=helpful&sort=newest',
  '?limit=0',
  '?limit=-1',
  '?limit=51',
  `?limit=${'9'.repeat(40)}`,
  '?limit=abc',
  '?after=%00',
  '?after=not-a-cursor',
  `?after=${'a'.repeat(5000)}`,
  `?after=${Buffer.from('{"k":[1,2,3]}').toString('base64url')}`,
  '?rating=0',
  '?rating=6',
  '?rating=2.5',
  '?verified=maybe',
  '?photos=1&photos=2',
  '?kind=EVERYTHING',
  '?kind=%00',
  '?kind=MANUAL_REVIEW&limit=1e3',
  '?sort[]=x',
  '?%E0%A4%A=1',
];

const uncut = (s: string) => s.replace(/[\uD800-\uDFFF]/g, '\uFFFD');

/**
 * Hostile calls aimed at the reviews module's routes (issue #24): review bodies with ratings, titles, texts, photo
 * lists and clients no review may have (NUL bytes, controls, the huge, wrong types, unknown fields, deep nesting),
 * votes, reports, responses and moderation decisions that are not, junk bytes and JSON to the streamed photo upload
 * with declared types that lie, and list queries at their edges. The fixture's ids come up some of the time (they
 * are in `ctx.ids`), so a call gets past "not found" to the check it aims at.
 */
export function reviewsHostileRequest(ctx: FuzzContext): fc.Arbitrary<RawRequest & { route: string }> {
  const id = fc.oneof(fc.constantFrom(...ctx.ids), fc.constantFrom(...ODD_IDS));
  const caller = fc.constantFrom(...ctx.callers);
  const text = fc.oneof(fc.constantFrom(...ODD_TEXT), fc.string({ unit: 'binary', maxLength: 60 }));
  const anyValue = fc.oneof(
    text,
    fc.constantFrom(...ODD_NUMBERS),
    fc.constant(JSON.parse(`${'{"a":'.repeat(200)}1${'}'.repeat(200)}`)),
  );
  const review = fc.record(
    {
      customerId: fc.oneof(id, anyValue),
      sku: fc.oneof(id, text),
      rating: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(...ODD_NUMBERS)),
      title: text,
      body: text,
      photoIds: fc.oneof(
        fc.array(id, { maxLength: 8 }),
        fc.constantFrom(
          'x',
          null,
          Array.from({ length: 100 }, () => '00000000-0000-0000-0000-000000000000'),
        ),
      ),
      client: fc.oneof(
        fc.record({ ip: anyValue, deviceId: anyValue }, { requiredKeys: [] }),
        fc.constantFrom(null, 'x', []),
      ),
      extra: anyValue,
    },
    { requiredKeys: [] },
  );
  const json = (method: string, path: string, route: string, body: fc.Arbitrary<unknown>) =>
    fc.record({ id, body, caller }).map((g) => ({
      route,
      method,
      path: path.replace(':id', g.id),
      headers: { ...g.caller, 'content-type': 'application/json' },
      body: JSON.stringify(g.body) ?? 'null',
    }));
  const writes = fc.oneof(
    json('POST', '/api/reviews', 'POST /api/reviews', review),
    json('PUT', '/api/reviews/:id', 'PUT /api/reviews/:reviewId', review),
    json(
      'POST',
      '/api/reviews/:id/votes',
      'POST /api/reviews/:reviewId/votes',
      fc.record({ customerId: fc.oneof(id, anyValue), helpful: anyValue }, { requiredKeys: [] }),
    ),
    json(
      'POST',
      '/api/reviews/:id/reports',
      'POST /api/reviews/:reviewId/reports',
      fc.record(
        {
          customerId: fc.oneof(id, anyValue),
          reason: fc.oneof(fc.constantFrom('SPAM', 'spam', 'RUDE', '', '\u0000'), anyValue),
          note: text,
        },
        { requiredKeys: [] },
      ),
    ),
    json(
      'PUT',
      '/api/reviews/:id/response',
      'PUT /api/reviews/:reviewId/response',
      fc.record({ body: text, as: text, extra: anyValue }, { requiredKeys: [] }),
    ),
    json(
      'POST',
      '/api/reviews/:id/moderation',
      'POST /api/reviews/:reviewId/moderation',
      fc.record(
        { decision: fc.oneof(fc.constantFrom('APPROVE', 'REJECT', 'approve', 'DELETE', ''), anyValue), note: text },
        { requiredKeys: [] },
      ),
    ),
    json(
      'POST',
      '/api/reviews/:id/reports/resolve',
      'POST /api/reviews/:reviewId/reports/resolve',
      fc.record({ remove: anyValue, note: text }, { requiredKeys: [] }),
    ),
  );
  // the streamed upload: junk bytes, a real PNG cut short or declared as something else, JSON, nothing
  const png = smallPng(4, 4);
  const photo = fc
    .record({
      customer: id,
      body: fc.oneof(
        fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
        fc.constantFrom(
          Buffer.alloc(0),
          png.subarray(0, 20),
          Buffer.concat([png.subarray(0, 16), Buffer.alloc(64, 0xff)]),
          Buffer.from('{"customerId":"x"}'),
          Buffer.from('GIF89a\u0001\u0000\u0001\u0000'),
          Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]),
          Buffer.from('RIFF\u0000\u0000\u0000\u0000WEBPVP8 '),
          Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'),
        ),
      ),
      type: fc.constantFrom(
        'image/png',
        'image/jpeg',
        'image/webp',
        'image/svg+xml',
        'application/json',
        'text/plain',
        '',
      ),
      extra: fc.constantFrom('', '&customerId=x', '&customerId=', `&x=${'q'.repeat(3000)}`),
      caller,
    })
    .map((g) => ({
      route: 'POST /api/reviews/photos',
      method: 'POST',
      path: `/api/reviews/photos?customerId=${g.customer}${g.extra}`,
      headers: { ...g.caller, ...(g.type ? { 'content-type': g.type } : {}) },
      body: g.body,
    }));
  const reads = fc
    .record({
      path: fc.constantFrom(
        (n: string) => `/api/reviews/products/${n}`,
        (n: string) => `/api/reviews/products/${n}/summary`,
        (n: string) => `/api/reviews/customers/${n}`,
        (n: string) => `/api/reviews/photos/${n}`,
        (_n: string) => '/api/reviews/moderation',
        (n: string) => `/api/reviews/${n}`,
        (n: string) => `/api/reviews/${n}/revisions`,
      ),
      id,
      query: fc.oneof(
        fc.constantFrom(...ODD_QUERIES),
        text.map((s) => `?after=${encodeURIComponent(uncut(s))}&sku=${encodeURIComponent(uncut(s))}`),
      ),
      method: fc.constantFrom('GET', 'GET', 'DELETE'),
      caller,
    })
    .map((g) => ({
      route: `${g.method} /api/reviews/… (odd query)`,
      method: g.method,
      path: g.path(g.id) + g.query,
      headers: { ...g.caller },
    }));
  return fc.oneof({ weight: 3, arbitrary: writes }, { weight: 2, arbitrary: photo }, { weight: 1, arbitrary: reads });
}
