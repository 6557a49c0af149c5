import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { HubAccessRole, HubAccessRow } from '../../src/kernel/access-matrix.js';
import type { FuzzContext } from './fuzz-requests.js';
import type { RawRequest } from './raw-http.js';
import type { TestHub } from './test-hub.js';
import { waitFor } from './wait-for.js';

const DAY = 86_400_000;

interface Answer {
  status: number;
  body: any;
}

/** The promotion rule the previews and dry runs send (5% off the fixture's sku). */
const matrixRule = (sku: string) => ({ kind: 'PERCENT_OFF', target: { skus: [sku] }, bp: 500 });

/**
 * What the pricing module's routes act on (issue #25), for the authorization matrix and the fuzz test, made through
 * the API as head office and its app backend would: region `north` holding store A, a CHAIN book and store A's own
 * book (one entry on the fixture's sku each: the chain's is the delete's target), a promotion running at store A
 * (read), three more at store A to edit, to end and to delete (each call uses its target up), a couponRequired
 * promotion with a batch of codes (one kept for the checks), Scan & Go sessions of store A's customers (the fixture
 * customer's, read and scanned into; one to cancel; one with a line to pay for), and a dry run, finished.
 */
export async function pricingAccessFixture(
  t: TestHub,
  o: { admin: string; storeAId: string; storeAToken: string; storeBId: string; customerId: string; sku: string },
) {
  const admin = { cookie: o.admin };
  const storeA = { bearer: o.storeAToken };
  const now = () => Date.now() + t.clock.offsetMs;
  const must = async (what: string, p: Promise<Answer>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`fixture: pricing ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const regionId = 'north';
  await must('region', t.call('PUT', `/api/pricing/regions/${regionId}`, { name: 'North' }, admin));
  await must('store A in the region', t.call('PUT', `/api/pricing/stores/${o.storeAId}/region`, { regionId }, admin));
  const chainBook = await must(
    'chain book',
    t.call('POST', '/api/pricing/books', { name: 'Matrix chain', scope: 'CHAIN' }, admin),
  );
  const storeBook = await must(
    'store A book',
    t.call('POST', '/api/pricing/books', { name: 'Matrix store A', scope: 'STORE', storeId: o.storeAId }, admin),
  );
  const entry = async (bookId: string, priceMinor: number) => {
    await must(
      'entries',
      t.call('POST', `/api/pricing/books/${bookId}/entries`, { entries: [{ sku: o.sku, priceMinor }] }, admin),
    );
    const page = await must(
      'entries read',
      t.call('GET', `/api/pricing/books/${bookId}/entries?sku=${o.sku}`, undefined, admin),
    );
    return (page.entries as { id: string }[])[0]!.id;
  };
  const storeEntryId = await entry(storeBook.id, 850);
  const chainEntryId = await entry(chainBook.id, 880);
  const promotion = (name: string, extra: Record<string, unknown> = {}) =>
    must(
      `promotion ${name}`,
      t.call(
        'POST',
        '/api/pricing/promotions',
        {
          name,
          rule: matrixRule(o.sku),
          priority: 100,
          stacking: 'STACKABLE',
          from: now() - 60_000,
          to: now() + 30 * DAY,
          storeIds: [o.storeAId],
          ...extra,
        },
        admin,
      ),
    ).then((p: { id: string }) => p.id);
  const running = await promotion('Matrix running');
  const editable = await promotion('Matrix to edit');
  const endable = await promotion('Matrix to end');
  const deletable = await promotion('Matrix to delete');
  const couponPromotion = await promotion('Matrix coupon', { couponRequired: true });
  const batch = await must(
    'coupon batch',
    t.call(
      'POST',
      `/api/pricing/promotions/${couponPromotion}/coupons`,
      { count: 2, expiresAt: now() + 7 * DAY },
      admin,
    ),
  );
  const code = (batch.codes as string[])[0]!;

  // Scan & Go at store A: the fixture customer's session (read, scanned into), and sessions of two more of store A's
  // customers (one open session a customer): one to cancel, one with a line to pay for
  const customerAtA = async (name: string) =>
    (await must(`customer ${name}`, t.call('POST', '/api/customers', { name }, storeA))).id as string;
  const open = async (customerId: string) =>
    (await must(
      'scan & go session',
      t.call('POST', '/api/scan-go/sessions', { customerId, storeId: o.storeAId }, admin),
    )) as { id: string };
  const session = (await open(o.customerId)).id;
  await must('scan', t.call('POST', `/api/scan-go/sessions/${session}/scans`, { code: o.sku, qty: 1 }, admin));
  const cancellable = (await open(await customerAtA('Matrix scan & go cancel'))).id;
  const payable = (await open(await customerAtA('Matrix scan & go pay'))).id;
  await must('scan to pay', t.call('POST', `/api/scan-go/sessions/${payable}/scans`, { code: o.sku, qty: 1 }, admin));

  const dryRun = (
    await must(
      'dry run',
      t.call('POST', '/api/pricing/dry-runs', { promotion: { name: 'Matrix', rule: matrixRule(o.sku) } }, admin),
    )
  ).id as string;
  await pricingSettled(t);
  return {
    sku: o.sku,
    customerId: o.customerId,
    storeAId: o.storeAId,
    storeBId: o.storeBId,
    regionId,
    chainBook: chainBook.id as string,
    storeBook: storeBook.id as string,
    storeEntryId,
    chainEntryId,
    running,
    editable,
    endable,
    deletable,
    couponPromotion,
    batchId: batch.batchId as string,
    code,
    session,
    cancellable,
    payable,
    dryRun,
    /** Ids for the fuzz test's path parameters. */
    ids: [
      regionId,
      chainBook.id,
      storeBook.id,
      storeEntryId,
      chainEntryId,
      running,
      editable,
      couponPromotion,
      session,
      cancellable,
      dryRun,
    ] as string[],
  };
}
export type PricingAccessFixture = Awaited<ReturnType<typeof pricingAccessFixture>>;

/**
 * The pricing module's background work settled: no dry run RUNNING and no pricing job running or due (a run queued
 * for later — the Scan & Go settle sweep's next turn — is not work in hand). The fuzz test waits for it after a valid
 * request (a dry run it started), so that work is not taken for a later refused request's change.
 */
export async function pricingSettled(t: TestHub): Promise<void> {
  await waitFor(
    'no pricing job (a dry run) running or due',
    async () => {
      // a dry run stays RUNNING while its job is retried later: its job's run (due or not) is what counts here
      const { rows } = await t.hub.db.query<{ busy: number }>(
        `SELECT count(*) AS busy FROM job_runs WHERE name LIKE 'pricing.%'
           AND (state = 'RUNNING' OR (state = 'QUEUED' AND run_at <= $1))`,
        [Date.now() + t.clock.offsetMs],
      );
      return Number(rows[0]!.busy) === 0;
    },
    180_000,
  );
}

/** A promotion draft as POST/PUT /api/pricing/promotions take it, running at store A for a week. */
function draft(fx: PricingAccessFixture, name: string) {
  const now = Date.now();
  return {
    name,
    rule: matrixRule(fx.sku),
    priority: 100,
    stacking: 'STACKABLE',
    from: now - 60_000,
    to: now + 7 * DAY,
    storeIds: [fx.storeAId],
  };
}

/** The valid body of each pricing write, as the matrix sends it for `role`. */
function pricingBodies(fx: PricingAccessFixture, role: HubAccessRole): Record<string, () => unknown> {
  return {
    'PUT /api/pricing/regions/:id': () => ({ name: 'North' }),
    'PUT /api/pricing/stores/:storeId/region': () => ({ regionId: fx.regionId }),
    // one book a target: store B has none yet
    'POST /api/pricing/books': () => ({ name: `Matrix store B (${role})`, scope: 'STORE', storeId: fx.storeBId }),
    'PATCH /api/pricing/books/:id': () => ({ name: `Matrix store A, renamed by ${role}` }),
    'POST /api/pricing/books/:id/entries': () => ({ entries: [{ sku: fx.sku, priceMinor: 840 }] }),
    'POST /api/pricing/promotions': () => draft(fx, `Matrix new (${role})`),
    'PUT /api/pricing/promotions/:id': () => draft(fx, `Matrix edited by ${role}`),
    'POST /api/pricing/promotions/:id/end': () => ({}),
    'POST /api/pricing/price': () => ({ lines: [{ sku: fx.sku, qty: 2 }], storeId: fx.storeAId }),
    'POST /api/pricing/keys/rotate': () => ({ retireAfterDays: 90 }),
    'POST /api/pricing/promotions/:id/coupons': () => ({ count: 2, expiresAt: Date.now() + DAY }),
    'POST /api/pricing/coupons/check': () => ({ code: fx.code, storeId: fx.storeAId }),
    'POST /api/pricing/preview/entries': () => ({
      bookId: fx.chainBook,
      entries: [{ sku: fx.sku, priceMinor: 100 }],
    }),
    'POST /api/pricing/preview/promotion': () => ({ name: 'Matrix', rule: matrixRule(fx.sku) }),
    'POST /api/pricing/dry-runs': () => ({ promotion: { name: 'Matrix', rule: matrixRule(fx.sku) } }),
    // the customer's open session is answered again (one open session a customer)
    'POST /api/scan-go/sessions': () => ({ customerId: fx.customerId, storeId: fx.storeAId }),
    'POST /api/scan-go/sessions/:id/scans': () => ({ code: fx.sku, qty: 1 }),
    'PUT /api/scan-go/sessions/:id/lines/:sku': () => ({ qty: 2 }),
    'POST /api/scan-go/sessions/:id/checkout': () => ({}),
    'POST /api/scan-go/sessions/:id/cancel': () => ({}),
  };
}

/**
 * The matrix's call for a pricing or Scan & Go row as `role` (undefined for another module's row): the path with its
 * ids (store A's things) and query, and a valid body, so the most privileged allowed caller gets a 2xx.
 */
export function pricingProbe(
  fx: PricingAccessFixture,
  row: HubAccessRow,
  role: HubAccessRole,
): { path: string; missing?: string; body?: unknown } | undefined {
  if (!row.path.startsWith('/api/pricing/') && !row.path.startsWith('/api/scan-go/')) return undefined;
  const key = `${row.method} ${row.path}`;
  const A = fx.storeAId;
  const paths: Record<string, string> = {
    'GET /api/pricing/regions': '/api/pricing/regions',
    'PUT /api/pricing/regions/:id': `/api/pricing/regions/${fx.regionId}`,
    'PUT /api/pricing/stores/:storeId/region': `/api/pricing/stores/${A}/region`,
    'GET /api/pricing/books': '/api/pricing/books',
    'POST /api/pricing/books': '/api/pricing/books',
    'PATCH /api/pricing/books/:id': `/api/pricing/books/${fx.storeBook}`,
    'GET /api/pricing/books/:id/entries': `/api/pricing/books/${fx.storeBook}/entries?sku=${fx.sku}&limit=10`,
    'POST /api/pricing/books/:id/entries': `/api/pricing/books/${fx.storeBook}/entries`,
    'DELETE /api/pricing/books/:id/entries/:entryId': `/api/pricing/books/${fx.chainBook}/entries/${fx.chainEntryId}`,
    'GET /api/pricing/promotions': '/api/pricing/promotions?status=ACTIVE&limit=10',
    'POST /api/pricing/promotions': '/api/pricing/promotions',
    'GET /api/pricing/promotions/:id': `/api/pricing/promotions/${fx.running}`,
    'PUT /api/pricing/promotions/:id': `/api/pricing/promotions/${fx.editable}`,
    'POST /api/pricing/promotions/:id/end': `/api/pricing/promotions/${fx.endable}/end`,
    'DELETE /api/pricing/promotions/:id': `/api/pricing/promotions/${fx.deletable}`,
    'POST /api/pricing/price': '/api/pricing/price',
    'GET /api/pricing/skus/:sku': `/api/pricing/skus/${fx.sku}?storeId=${A}`,
    'GET /api/pricing/store-rules': '/api/pricing/store-rules?after=0&limit=10',
    'GET /api/pricing/keys': '/api/pricing/keys',
    'POST /api/pricing/keys/rotate': '/api/pricing/keys/rotate',
    'POST /api/pricing/promotions/:id/coupons': `/api/pricing/promotions/${fx.couponPromotion}/coupons`,
    'GET /api/pricing/promotions/:id/coupon-batches': `/api/pricing/promotions/${fx.couponPromotion}/coupon-batches`,
    'POST /api/pricing/coupons/check': '/api/pricing/coupons/check',
    'GET /api/pricing/coupons/doubles': '/api/pricing/coupons/doubles?limit=10',
    'POST /api/pricing/preview/entries': '/api/pricing/preview/entries',
    'POST /api/pricing/preview/promotion': '/api/pricing/preview/promotion',
    'POST /api/pricing/dry-runs': '/api/pricing/dry-runs',
    'GET /api/pricing/dry-runs/:id': `/api/pricing/dry-runs/${fx.dryRun}`,
    'POST /api/scan-go/sessions': '/api/scan-go/sessions',
    'GET /api/scan-go/sessions/:id': `/api/scan-go/sessions/${fx.session}`,
    'POST /api/scan-go/sessions/:id/scans': `/api/scan-go/sessions/${fx.session}/scans`,
    'PUT /api/scan-go/sessions/:id/lines/:sku': `/api/scan-go/sessions/${fx.session}/lines/${fx.sku}`,
    'POST /api/scan-go/sessions/:id/checkout': `/api/scan-go/sessions/${fx.payable}/checkout`,
    'POST /api/scan-go/sessions/:id/cancel': `/api/scan-go/sessions/${fx.cancellable}/cancel`,
    'GET /api/scan-go/exits': `/api/scan-go/exits?storeId=${A}`,
  };
  const path = paths[key];
  if (!path) throw new Error(`no pricing probe for ${key}: add one to pricing-access.ts`);
  let body: unknown;
  if (row.method !== 'GET' && row.method !== 'DELETE') {
    const make = pricingBodies(fx, role)[key];
    if (!make) throw new Error(`no valid body for ${key}: add one to pricing-access.ts`);
    body = make();
  }
  if (!row.hidesExistence) return { path, ...(body === undefined ? {} : { body }) };
  // The same call naming ids nobody has (a book, a promotion, a session, store A where the body or query names it).
  let missing = path;
  for (const id of [fx.storeBook, fx.chainBook, fx.running, fx.session, A])
    missing = missing.split(id).join(randomUUID());
  return { path, missing, ...(body === undefined ? {} : { body }) };
}

/** Text at the edges of what a pricing field may hold. */
const ODD = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '<script>',
  "'; DROP TABLE price_book_entries; --",
  'x'.repeat(300),
  'y'.repeat(100_000),
];
const ODD_NUMBERS = [
  -1,
  0,
  0.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  8_640_000_000_001,
  '5',
  null,
  true,
  [],
  {},
];
const ODD_IDS = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', '%00', '..', 'x'.repeat(300), '%E0%A4%A'];

/**
 * Hostile calls aimed at the pricing and Scan & Go routes: near-valid bodies with one field at its edge (odd numbers
 * and text, unknown skus, odd rules, too many lines or coupons, windows backwards), the fixture's ids some of the
 * time (in `ctx.ids`), so a call gets past "not found" to the check it aims at.
 */
export function pricingHostileRequest(
  ctx: FuzzContext,
  fx: { sku: string; storeAId: string },
): fc.Arbitrary<RawRequest & { route: string }> {
  const id = fc.oneof(fc.constantFrom(...ctx.ids), fc.constantFrom(...ODD_IDS));
  const caller = fc.constantFrom(...ctx.callers);
  const text = fc.oneof(fc.constantFrom(...ODD), fc.string({ unit: 'binary', maxLength: 40 }));
  const num = fc.oneof(fc.integer(), fc.constantFrom(...ODD_NUMBERS));
  const anyValue = fc.oneof(text, num, fc.constant(JSON.parse(`${'{"a":'.repeat(200)}1${'}'.repeat(200)}`)));
  const sku = fc.oneof(fc.constant(fx.sku), fc.constant('MATRIX-NOPE'), text);
  const storeId = fc.oneof(fc.constant(fx.storeAId), id, anyValue);
  const rule = fc.oneof(
    fc.record(
      {
        kind: fc.constantFrom('PERCENT_OFF', 'AMOUNT_OFF', 'MULTI_BUY', 'BOGO', 'MIX_MATCH', 'THRESHOLD', 'NOPE'),
        target: fc.oneof(
          fc.record({ skus: fc.array(sku, { maxLength: 3 }) }, { requiredKeys: [] }),
          fc.record({ categories: fc.array(text, { maxLength: 3 }) }, { requiredKeys: [] }),
          anyValue,
        ),
        bp: num,
        amountMinor: num,
        buy: num,
        payFor: num,
        qty: num,
        priceMinor: num,
        spendMinor: num,
        offMinor: num,
      },
      { requiredKeys: ['kind'] },
    ),
    anyValue,
  );
  const promotion = fc.record(
    {
      name: fc.oneof(fc.constant('Fuzzed'), text),
      rule,
      priority: num,
      stacking: fc.oneof(fc.constantFrom('STACKABLE', 'EXCLUSIVE', 'BEST_ONLY'), text),
      from: num,
      to: num,
      storeIds: fc.oneof(fc.array(storeId, { maxLength: 3 }), anyValue),
      regionIds: fc.oneof(fc.array(fc.oneof(fc.constant('north'), text), { maxLength: 3 }), anyValue),
      couponRequired: anyValue,
      membersOnly: anyValue,
    },
    { requiredKeys: ['name', 'rule'] },
  );
  const lines = fc.oneof(
    fc.array(fc.record({ sku, qty: fc.oneof(fc.integer({ min: 1, max: 3 }), num) }, { requiredKeys: [] }), {
      maxLength: 4,
    }),
    fc.constant(Array.from({ length: 101 }, () => ({ sku: fx.sku, qty: 1 }))),
    anyValue,
  );
  const coupons = fc.oneof(fc.array(text, { maxLength: 6 }), anyValue);
  const entries = fc.oneof(
    fc.array(
      fc.record(
        { sku, priceMinor: num, memberPriceMinor: fc.oneof(num, fc.constant(null)), from: num, to: num },
        { requiredKeys: ['sku', 'priceMinor'] },
      ),
      { maxLength: 3 },
    ),
    anyValue,
  );
  const json = (method: string, path: string, body: fc.Arbitrary<unknown>) =>
    fc.record({ a: id, b: fc.oneof(sku, id), body, caller }).map((g) => ({
      route: `${method} ${path}`,
      method,
      path: path
        .replace(/:(id|storeId)/, encodeURIComponent(uncut(g.a)))
        .replace(/:(sku|entryId)/, encodeURIComponent(uncut(String(g.b)))),
      headers: { ...g.caller, 'content-type': 'application/json' },
      body: JSON.stringify(g.body) ?? 'null',
    }));
  return fc.oneof(
    json('PUT', '/api/pricing/regions/:id', fc.record({ name: text }, { requiredKeys: [] })),
    json(
      'PUT',
      '/api/pricing/stores/:storeId/region',
      fc.record({ regionId: fc.oneof(text, id) }, { requiredKeys: [] }),
    ),
    json(
      'POST',
      '/api/pricing/books',
      fc.record(
        { name: text, scope: fc.oneof(fc.constantFrom('CHAIN', 'REGION', 'STORE'), text), storeId, regionId: text },
        { requiredKeys: [] },
      ),
    ),
    json('POST', '/api/pricing/books/:id/entries', fc.record({ entries }, { requiredKeys: [] })),
    json('POST', '/api/pricing/promotions', promotion),
    json('PUT', '/api/pricing/promotions/:id', promotion),
    json(
      'POST',
      '/api/pricing/price',
      fc.record({ lines, storeId, member: anyValue, coupons }, { requiredKeys: ['lines'] }),
    ),
    json('POST', '/api/pricing/keys/rotate', fc.record({ retireAfterDays: num }, { requiredKeys: [] })),
    json(
      'POST',
      '/api/pricing/promotions/:id/coupons',
      fc.record({ count: num, expiresAt: num }, { requiredKeys: [] }),
    ),
    json('POST', '/api/pricing/coupons/check', fc.record({ code: text, storeId }, { requiredKeys: [] })),
    json('POST', '/api/pricing/preview/entries', fc.record({ bookId: id, entries }, { requiredKeys: [] })),
    json('POST', '/api/pricing/preview/promotion', promotion),
    json(
      'POST',
      '/api/pricing/dry-runs',
      fc.record({ promotion, promotionId: id, from: num, to: num, storeId }, { requiredKeys: [] }),
    ),
    json('POST', '/api/scan-go/sessions', fc.record({ customerId: id, storeId }, { requiredKeys: [] })),
    json(
      'POST',
      '/api/scan-go/sessions/:id/scans',
      fc.record({ code: fc.oneof(sku, text), qty: num }, { requiredKeys: [] }),
    ),
    json('PUT', '/api/scan-go/sessions/:id/lines/:sku', fc.record({ qty: num }, { requiredKeys: [] })),
    json('POST', '/api/scan-go/sessions/:id/checkout', fc.record({ coupons }, { requiredKeys: [] })),
  );
}

const uncut = (s: string) => s.replace(/[\uD800-\uDFFF]/g, '\uFFFD');
