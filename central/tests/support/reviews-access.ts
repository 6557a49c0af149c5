import { randomUUID } from 'node:crypto';
import { HUB_ACCESS_ROLES, type HubAccessRole, type HubAccessRow } from '../../src/kernel/access-matrix.js';
import { reviewPurchaseSink } from '../../src/modules/reviews/purchases.js';
import type { TestHub } from './test-hub.js';
import { csrfHeaderFor } from './csrf-headers.js';
import { smallPng } from './vault-access.js';
import { waitFor } from './wait-for.js';

/** Every column of the matrix, the customers' too (issue #26): each role has its own review to delete and to report. */
const ROLES = HUB_ACCESS_ROLES;

/** The products the reviews fixture reviews beside the hub fixture's mug: one per role for the submits. */
export const REVIEW_SKUS = Array.from({ length: ROLES.length }, (_, i) => `MATRIX-REVIEW-${i + 1}`);
/** The sku each role's valid submit names (a customer has one standing review per product: each call its own). */
export const SUBMIT_SKU: Record<HubAccessRole, string> = Object.fromEntries(
  ROLES.map((role, i) => [role, REVIEW_SKUS[i]!]),
) as Record<HubAccessRole, string>;

const OPENERS = [
  'Bought this for the kitchen at home.',
  'Picked one up after a friend recommended it.',
  'A gift for my sister, who uses it daily.',
  'Replaced an old one that finally broke.',
  'Ordered online and collected it at the store.',
  'Got it on sale last month.',
  'My partner chose this one over the others.',
  'Needed something sturdy for the office.',
  'Tried it after reading about it in a magazine.',
];
const MIDDLES = [
  'The handle feels solid and the glaze has not chipped.',
  'It keeps drinks warm for a good while longer than expected.',
  'Cleaning it takes seconds and the dishwasher has not faded it.',
  'The colour is a little darker than the photos suggest.',
  'It is heavier than it looks, which I actually like.',
  'The size is right for a large morning coffee.',
  'Packaging was minimal and nothing arrived damaged.',
  'It stacks neatly with the others in the cupboard.',
  'The rim is smooth and pleasant to drink from.',
  'After three weeks of use it still looks new.',
  'Customer service answered my question the same day.',
];
const CLOSERS = [
  'Would buy again.',
  'Good value for the price.',
  'Not perfect, but close.',
  'Happy with it overall.',
  'I have already ordered a second one.',
  'Recommended for everyday use.',
  'Does exactly what it should.',
  'Three stars off for the colour only, otherwise fine.',
  'Nothing fancy, just reliable.',
  'A small upgrade that made mornings nicer.',
  'Fine, though I expected a bit more.',
  'Solid choice for a busy household.',
  'Worth a look if you need one.',
];

/** A review text of its own for the n-th review the fixtures write (no two alike: no near-duplicate of another). */
export function reviewText(n: number): { title: string; body: string; rating: number } {
  return {
    title: `${['Solid', 'Nice', 'Decent', 'Lovely', 'Handy', 'Sturdy', 'Okay'][n % 7]} mug, review ${n + 1}`,
    body: `${OPENERS[n % OPENERS.length]} ${MIDDLES[(n * 3 + 1) % MIDDLES.length]} ${MIDDLES[(n * 7 + 4) % MIDDLES.length]} ${CLOSERS[(n * 5 + 2) % CLOSERS.length]} (note ${n + 1})`,
    rating: 2 + (n % 4),
  };
}

interface Answer {
  status: number;
  body: any;
}

/**
 * What the reviews module's routes act on (issue #24), for the authorization matrix, the fuzz test and the hostile
 * tests, made through the API as a web shop's backend (head office) and store A's kiosk would: the hub fixture's
 * customer (signed up at store A, so store A may act for them) with an APPROVED review of the mug (`shown`, verified
 * through the REVIEW_PURCHASES port, with a photo and the brand's response), and — as several calls use their target
 * up — other customers signed up at store A with reviews of their own: one to edit (`editable`), one per role to
 * delete, one per role to report and take the response off, one with an open report to resolve; a voter (another
 * customer of store A: nobody votes on their own review); a submitter whose product per role is still unreviewed; a
 * photo of the customer's on no review. Reviews that scoring held for a moderator are approved through the
 * moderation route, so every target is APPROVED whatever the fraud rules said.
 */
export async function reviewsAccessFixture(
  t: TestHub,
  o: { admin: string; storeAToken: string; customerId: string; sku: string },
) {
  const admin = { cookie: o.admin };
  const storeA = { bearer: o.storeAToken };
  const must = async (what: string, p: Promise<Answer>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`fixture: reviews ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await must(
    'products',
    t.call(
      'POST',
      '/api/catalog/products/import',
      {
        items: REVIEW_SKUS.map((sku, i) => ({
          sku,
          name: `Matrix review mug ${i + 1}`,
          category: 'Kitchen',
          priceMinor: 900,
        })),
      },
      admin,
    ),
  );
  const customerAtA = async (name: string) =>
    (await must(`customer ${name}`, t.call('POST', '/api/customers', { name }, storeA))).id as string;
  let written = 0;
  /** A review by `customerId` of `sku`, APPROVED (a moderator approves what scoring held). */
  const review = async (customerId: string, sku: string, photoIds: string[] = []) => {
    const text = reviewText(written);
    const n = ++written;
    const made = await must(
      `review ${n}`,
      t.call(
        'POST',
        '/api/reviews',
        {
          customerId,
          sku,
          ...text,
          ...(photoIds.length ? { photoIds } : {}),
          client: { ip: `198.51.100.${n}`, deviceId: `matrix-device-${n}` },
        },
        admin,
      ),
    );
    if (made.status !== 'APPROVED')
      await must(
        `approving review ${n} (${made.status})`,
        t.call('POST', `/api/reviews/${made.id}/moderation`, { decision: 'APPROVE', note: 'matrix fixture' }, admin),
      );
    return made.id as string;
  };
  const photo = async (customerId: string) => {
    const res = await fetch(`${t.url}/api/reviews/photos?customerId=${customerId}`, {
      method: 'POST',
      headers: { cookie: o.admin, ...csrfHeaderFor(o.admin), 'content-type': 'image/png' },
      body: new Uint8Array(smallPng()),
    });
    if (res.status !== 201) throw new Error(`fixture: reviews photo answered ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  };

  // the customer bought the mug (an order told the port), so their review carries the badge
  await reviewPurchaseSink.record(t.hub.db, [
    {
      customerId: o.customerId,
      sku: o.sku,
      kind: 'PURCHASE',
      storeId: null,
      source: 'order',
      sourceRef: 'matrix-review-order',
      at: Date.now() + t.clock.offsetMs,
    },
  ]);
  const shownPhoto = await photo(o.customerId);
  const shown = await review(o.customerId, o.sku, [shownPhoto]);
  await must(
    'response',
    t.call(
      'PUT',
      `/api/reviews/${shown}/response`,
      { body: 'Thank you for the kind words!', as: 'Matrix Mugs' },
      admin,
    ),
  );
  const spareCustomerPhoto = await photo(o.customerId);

  const voter = await customerAtA('Matrix voter');
  const submitter = await customerAtA('Matrix submitter');
  // authors of the targets: each reviews up to 9 products (the daily limit is 10 new reviews a customer)
  const authors = [
    await customerAtA('Matrix author one'),
    await customerAtA('Matrix author two'),
    await customerAtA('Matrix author three'),
  ];
  let slot = 0;
  const target = async () => {
    const author = authors[Math.floor(slot / REVIEW_SKUS.length)]!;
    const sku = REVIEW_SKUS[slot % REVIEW_SKUS.length]!;
    slot++;
    return { id: await review(author, sku), author };
  };
  const editable = await target();
  const perRole = async <T>(make: (role: HubAccessRole) => Promise<T>) => {
    const out = {} as Record<HubAccessRole, T>;
    for (const role of ROLES) out[role] = await make(role);
    return out;
  };
  const toDelete = await perRole(() => target());
  const toReport = await perRole(async () => {
    const r = await target();
    await must(
      'response to remove',
      t.call('PUT', `/api/reviews/${r.id}/response`, { body: 'We are sorry to hear it.', as: 'Matrix Mugs' }, admin),
    );
    return r;
  });
  const reported = await target();
  await must(
    'report to resolve',
    t.call('POST', `/api/reviews/${reported.id}/reports`, { customerId: voter, reason: 'OFF_TOPIC' }, admin),
  );
  await reviewsSettled(t);
  return {
    customerId: o.customerId,
    sku: o.sku,
    shown,
    shownPhoto,
    spareCustomerPhoto,
    voter,
    submitter,
    editable,
    toDelete,
    toReport,
    reported,
    /** Ids for the fuzz test's path parameters. */
    ids: [shown, shownPhoto, editable.id, reported.id, voter, submitter, REVIEW_SKUS[0]!],
  };
}
export type ReviewsAccessFixture = Awaited<ReturnType<typeof reviewsAccessFixture>>;

/**
 * The reviews module's background work settled: no text model training, no reviews job queued or running, and the
 * stores told of every changed product (the feed job empties `review_store_dirty`). The fuzz test waits for it after
 * a valid request, so the work that request started is not taken for a later refused request's change.
 */
/**
 * The reviews module trains its first model a minute after the hub starts (models.ts): in a test that fingerprints
 * the database across a window longer than that (the fuzz test on a loaded machine), that run would land in the
 * middle and read as a refused request's write. It is brought forward to now, and waited for, before the window opens.
 */
export async function reviewsFirstModelNow(t: TestHub): Promise<void> {
  await t.hub.db.query(
    `UPDATE job_runs SET run_at = $1 WHERE name = 'reviews.train' AND state = 'QUEUED' AND run_at > $1`,
    [Date.now() + t.clock.offsetMs],
  );
  await reviewsSettled(t);
}

export async function reviewsSettled(t: TestHub): Promise<void> {
  // the stores' copy is sent every minute: a changed product is sent now instead (its job run is bookkeeping)
  const dirty = await t.hub.db.query('SELECT 1 FROM review_store_dirty LIMIT 1');
  if (dirty.rows.length) await t.hub.jobs.enqueue('reviews.store-feed', { by: 'the tests' }).catch(() => undefined);
  await waitFor(
    'no reviews training or job running and every changed product fed to the stores',
    async () => {
      // a run queued for later (the first model a minute after start, the next period's) is not work in hand
      const { rows } = await t.hub.db.query<{ busy: number }>(
        `SELECT (SELECT count(*) FROM job_runs WHERE name LIKE 'reviews.%'
                   AND (state = 'RUNNING' OR (state = 'QUEUED' AND run_at <= $1)))
              + (SELECT count(*) FROM review_models WHERE state = 'TRAINING')
              + (SELECT count(*) FROM review_store_dirty) AS busy`,
        [Date.now() + t.clock.offsetMs],
      );
      return Number(rows[0]!.busy) === 0;
    },
    180_000,
  );
}

/** The valid body of each reviews write, as the matrix sends it for `role` (JSON routes only). */
function reviewsBodies(fx: ReviewsAccessFixture, role: HubAccessRole): Record<string, () => unknown> {
  return {
    'POST /api/reviews': () => ({
      customerId: fx.submitter,
      sku: SUBMIT_SKU[role],
      ...reviewText(100 + ROLES.indexOf(role)),
    }),
    'PUT /api/reviews/:reviewId': () => ({
      customerId: fx.editable.author,
      ...reviewText(200 + ROLES.indexOf(role)),
    }),
    'POST /api/reviews/:reviewId/votes': () => ({ customerId: fx.voter, helpful: true }),
    'POST /api/reviews/:reviewId/reports': () => ({ customerId: fx.voter, reason: 'SPAM', note: `seen by ${role}` }),
    'POST /api/reviews/:reviewId/reports/resolve': () => ({ remove: false, note: `checked by ${role}` }),
    'PUT /api/reviews/:reviewId/response': () => ({ body: `Thanks for writing (${role}).`, as: 'Matrix Mugs' }),
    'POST /api/reviews/:reviewId/moderation': () => ({ decision: 'APPROVE', note: `still fine (${role})` }),
    'POST /api/reviews/models/train': () => ({}),
  };
}

/**
 * The matrix's call for a reviews row as `role` (undefined for another module's row): the path with its ids and
 * query, and the body (the photo upload sends a small PNG as it is).
 */
export function reviewsProbe(
  fx: ReviewsAccessFixture,
  row: HubAccessRow,
  role: HubAccessRole,
): { path: string; missing?: string; body?: unknown; rawBody?: Buffer; headers?: Record<string, string> } | undefined {
  const probe = reviewsProbeOf(fx, row, role);
  if (!probe || !row.hidesExistence) return probe;
  // The same call naming ids nobody has (a review, a customer in the path or query): a caller refused for who they
  // are (a person at a store: 403) gets the same answer either way; one refused for whose data it is gets 404 both.
  // POST /api/reviews names its customer in the body, so its "missing" call is the same call.
  const ids = [
    fx.customerId,
    ...Object.values(fx.toDelete).flatMap((r) => [r.id, r.author]),
    ...Object.values(fx.toReport).map((r) => r.id),
    fx.editable.id,
    fx.shown,
  ];
  let missing = probe.path;
  for (const id of ids) missing = missing.split(id).join(randomUUID());
  return { ...probe, missing };
}

function reviewsProbeOf(
  fx: ReviewsAccessFixture,
  row: HubAccessRow,
  role: HubAccessRole,
): { path: string; body?: unknown; rawBody?: Buffer; headers?: Record<string, string> } | undefined {
  if (!row.path.startsWith('/api/reviews')) return undefined;
  const key = `${row.method} ${row.path}`;
  const paths: Record<string, string> = {
    'POST /api/reviews': '/api/reviews',
    'GET /api/reviews/products/:sku': `/api/reviews/products/${fx.sku}?sort=helpful&limit=10`,
    'GET /api/reviews/products/:sku/summary': `/api/reviews/products/${fx.sku}/summary`,
    'GET /api/reviews/customers/:customerId': `/api/reviews/customers/${fx.customerId}`,
    'POST /api/reviews/photos': `/api/reviews/photos?customerId=${fx.customerId}`,
    'GET /api/reviews/photos/:photoId': `/api/reviews/photos/${fx.shownPhoto}`,
    'GET /api/reviews/moderation': '/api/reviews/moderation?kind=MANUAL_REVIEW&limit=10',
    'GET /api/reviews/models': '/api/reviews/models',
    'GET /api/reviews/store-products': '/api/reviews/store-products?after=0&limit=10',
    'POST /api/reviews/models/train': '/api/reviews/models/train',
    'GET /api/reviews/:reviewId': `/api/reviews/${fx.shown}`,
    'PUT /api/reviews/:reviewId': `/api/reviews/${fx.editable.id}`,
    'DELETE /api/reviews/:reviewId': `/api/reviews/${fx.toDelete[role].id}?customerId=${fx.toDelete[role].author}`,
    'GET /api/reviews/:reviewId/revisions': `/api/reviews/${fx.editable.id}/revisions`,
    'POST /api/reviews/:reviewId/votes': `/api/reviews/${fx.shown}/votes`,
    'POST /api/reviews/:reviewId/reports': `/api/reviews/${fx.toReport[role].id}/reports`,
    'POST /api/reviews/:reviewId/reports/resolve': `/api/reviews/${fx.reported.id}/reports/resolve`,
    'PUT /api/reviews/:reviewId/response': `/api/reviews/${fx.shown}/response`,
    'DELETE /api/reviews/:reviewId/response': `/api/reviews/${fx.toReport[role].id}/response`,
    'POST /api/reviews/:reviewId/moderation': `/api/reviews/${fx.shown}/moderation`,
  };
  const path = paths[key];
  if (!path) throw new Error(`no reviews probe for ${key}: add one to reviews-access.ts`);
  if (key === 'POST /api/reviews/photos')
    return { path, rawBody: smallPng(8, 8), headers: { 'content-type': 'image/png' } };
  if (row.method === 'GET' || row.method === 'DELETE') return { path };
  const make = reviewsBodies(fx, role)[key];
  if (!make) throw new Error(`no valid body for ${key}: add one to reviews-access.ts`);
  return { path, body: make() };
}

/** A unique Idempotency-Key (the hostile tests' replays). */
export const idempotencyKey = () => `reviews-${randomUUID()}`;
