/**
 * The demo's reviews (issue #24), so the console's Reviews page, the product lists and each kiosk's product card have
 * something to show after `npm start`: for a dozen products, reviews by the demo shoppers and some reviewers of the
 * demo's own (customers signed up by head office), most of them verified by a purchase told through the
 * REVIEW_PURCHASES port (as an order or a carded sale tells it); a burst of five-star reviews from one address and
 * one device (the fraud rules hold them for a moderator), and one near-duplicate of another customer's review from
 * that address (refused); the brand's answer on a few and helpfulness votes. Every review is written through the
 * module's API, scored as any other; a genuine review that scoring held is approved by the demo's moderator with a
 * note. A second start writes nothing twice: a reviewer's product already reviewed is skipped, purchases are told
 * under fixed references, a vote or answer given again changes nothing. Nothing here stops the demo: a refusal is
 * said in the banner.
 */
import type { Hub } from '../hub.js';
import { reviewPurchaseSink } from '../modules/reviews/purchases.js';
import type { CatalogRow } from './demo-seed.js';

type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

/** Products reviewed, reviews a product gets, and the demo's own reviewers beside the demo shoppers. */
export const DEMO_REVIEWED_PRODUCTS = 12;
export const DEMO_REVIEWERS = 16;
/** The address and device the suspicious burst comes from (TEST-NET-3: never a real host). */
export const DEMO_BURST_IP = '203.0.113.66';

const OPENERS = [
  'Bought this with the weekly shop.',
  'Picked it up after a friend mentioned it.',
  'My kids asked for it after trying it at a party.',
  'Switched from the brand I used for years.',
  'Collected it at the store with an online order.',
  'Tried it because it was on the end of the aisle.',
  'We go through one of these every week now.',
  'Needed something quick for weeknight dinners.',
  'First time buying this one.',
];
const MIDDLES = [
  'The packaging is easy to open and reseal.',
  'It tastes fresher than I expected for the price.',
  'The portion is generous for two people.',
  'It was a little saltier than I like.',
  'The texture held up well after a few days in the cupboard.',
  'The label is clear about what is inside.',
  'It arrived well within its date.',
  'Goes well with almost anything we cook.',
  'The size fits neatly on the pantry shelf.',
  'It was gone within two days in our house.',
  'Not as sweet as the one we had before, which we prefer.',
];
const CLOSERS = [
  'Will buy again.',
  'Good value.',
  'Not perfect, but close.',
  'Happy with it overall.',
  'Already on next week’s list.',
  'Recommended for busy households.',
  'Does the job.',
  'Fine, though I expected a little more.',
  'Nothing fancy, just reliable.',
  'A small treat that made the week nicer.',
  'Would pick it over the alternatives.',
  'Solid choice.',
  'Worth a try.',
];
const TITLES = ['Solid pick', 'Pleasant surprise', 'Does the job', 'Our new favourite', 'Decent', 'Good value', 'Okay'];

/** The n-th genuine review's text, about `product` (no two alike, so none is a near-duplicate of another). */
export function demoReviewText(n: number, product: string) {
  return {
    title: `${TITLES[n % TITLES.length]}: ${product}`.slice(0, 120),
    body: `${OPENERS[n % OPENERS.length]} ${MIDDLES[(n * 3 + 1) % MIDDLES.length]} ${MIDDLES[(n * 7 + 4) % MIDDLES.length]} ${CLOSERS[(n * 5 + 2) % CLOSERS.length]}`,
    rating: [5, 4, 4, 3, 5, 2, 4, 5, 3][n % 9]!,
  };
}

/** A dozen products of different categories, the same in every run (the first of each category by sku). */
export function demoReviewedProducts(catalog: readonly CatalogRow[]): CatalogRow[] {
  const byCategory = new Map<string, CatalogRow>();
  for (const p of [...catalog].sort((a, b) => a.sku.localeCompare(b.sku)))
    if (!byCategory.has(p.category)) byCategory.set(p.category, p);
  return [...byCategory.values()].slice(0, DEMO_REVIEWED_PRODUCTS);
}

export interface DemoReviews {
  /** What the banner says: "31 approved reviews of 12 products (24 verified), 4 waiting for a moderator, 1 refused …". */
  readonly summary: string;
}

interface Written {
  readonly id: string;
  readonly status: string;
}

/** Writes the demo's reviews (once), then says what the products show. */
export async function seedDemoReviews(o: {
  hub: Hub;
  api: Api;
  customers: readonly string[];
  catalog: readonly CatalogRow[];
  say: (line: string) => void;
}): Promise<DemoReviews> {
  o.say('writing the demo’s reviews…');
  const products = demoReviewedProducts(o.catalog);
  if (!products.length) return { summary: 'no products to review' };
  // the demo's own reviewers, found by e-mail on a second start
  const reviewers = [...o.customers];
  for (let i = 1; i <= DEMO_REVIEWERS; i++) {
    const email = `reviewer-${i}@example.com`;
    const { items } = await o.api<{ items: { id: string }[] }>(
      'GET',
      `/api/customers?email=${encodeURIComponent(email)}&limit=1`,
    );
    reviewers.push(
      items[0]?.id ??
        (await o.api<{ id: string }>('POST', '/api/customers', { name: `${REVIEWER_NAMES[i - 1]}`, email })).id,
    );
  }
  const reviewed = new Map<string, Set<string>>();
  for (const c of reviewers) {
    const { reviews } = await o.api<{ reviews: { sku: string; status: string }[] }>(
      'GET',
      `/api/reviews/customers/${c}`,
    );
    reviewed.set(c, new Set(reviews.filter((r) => r.status !== 'DELETED').map((r) => r.sku)));
  }
  const now = Date.now();
  // three or four reviewers a product, each reviewing two or three products (under every rate limit and fraud rule)
  const plan: { customerId: string; product: CatalogRow; n: number; verified: boolean }[] = [];
  let n = 0;
  products.forEach((product, p) => {
    const count = 3 + (p % 2);
    for (let k = 0; k < count; k++) {
      const customerId = reviewers[(p * 3 + k * 7) % reviewers.length]!;
      if (plan.some((x) => x.customerId === customerId && x.product.sku === product.sku)) continue;
      plan.push({ customerId, product, n: n++, verified: n % 4 !== 0 });
    }
  });
  // the purchases that give the badge, as an order or a carded sale would tell the port (fixed references: once)
  await reviewPurchaseSink.record(
    o.hub.db,
    plan
      .filter((x) => x.verified)
      .map((x) => ({
        customerId: x.customerId,
        sku: x.product.sku,
        kind: 'PURCHASE' as const,
        storeId: null,
        source: x.n % 2 ? ('pos' as const) : ('order' as const),
        sourceRef: `demo-review-purchase-${x.n + 1}`,
        at: now - (10 + x.n) * 86_400_000,
      })),
  );
  const written: Written[] = [];
  for (const x of plan) {
    if (reviewed.get(x.customerId)?.has(x.product.sku)) continue;
    const review = await o.api<Written>('POST', '/api/reviews', {
      customerId: x.customerId,
      sku: x.product.sku,
      ...demoReviewText(x.n, x.product.name),
      client: { ip: `198.51.100.${1 + (x.n % 250)}`, deviceId: `demo-phone-${x.n + 1}` },
    });
    reviewed.get(x.customerId)?.add(x.product.sku);
    // a genuine review that scoring held: the demo's moderator reads it and lets it through
    if (review.status !== 'APPROVED')
      await o.api('POST', `/api/reviews/${review.id}/moderation`, {
        decision: 'APPROVE',
        note: 'demo: read by a moderator, a genuine review',
      });
    written.push(review);
  }

  // a burst: five-star reviews of one product from one address and one device, by reviewers with no purchase of it
  const target = products[products.length - 1]!;
  const planned = (sku: string) => new Set(plan.filter((x) => x.product.sku === sku).map((x) => x.customerId));
  const burst = reviewers.filter((c) => !planned(target.sku).has(c)).slice(-4);
  const burstTexts = [
    'Best product ever!!! Absolutely amazing, five stars, everyone should buy it right now.',
    'Amazing amazing amazing. Perfect in every way, I love it so much, buy it today.',
    'Incredible quality, life changing, I cannot recommend this enough to everyone I know.',
    'Five stars!!! The best thing I have ever bought, perfect, flawless, must buy.',
  ];
  for (const [i, customerId] of burst.entries()) {
    if (reviewed.get(customerId)?.has(target.sku)) continue;
    await o.api('POST', '/api/reviews', {
      customerId,
      sku: target.sku,
      title: 'Best ever!!!',
      body: burstTexts[i]!,
      rating: 5,
      client: { ip: DEMO_BURST_IP, deviceId: 'demo-burst-device' },
    });
    reviewed.get(customerId)?.add(target.sku);
  }
  // a near-duplicate: another customer's approved review copied with a word changed, from the burst's address
  const original = plan.find((x) => x.product.sku === products[0]!.sku)!;
  const copier = reviewers.filter((c) => !planned(original.product.sku).has(c) && !burst.includes(c)).at(-1)!;
  if (!reviewed.get(copier)?.has(original.product.sku)) {
    const text = demoReviewText(original.n, original.product.name);
    await o.api('POST', '/api/reviews', {
      customerId: copier,
      sku: original.product.sku,
      title: text.title,
      body: text.body.replace('Will buy again.', 'Will surely buy again.').replace('Good value.', 'Great value.'),
      rating: 5,
      client: { ip: DEMO_BURST_IP, deviceId: 'demo-burst-device' },
    });
    reviewed.get(copier)?.add(original.product.sku);
  }
  // the copy put the original on hold with it: the demo's moderator compares the two and lets the original through
  const { rows: held } = await o.hub.db.query<{ id: string }>(
    `SELECT id FROM reviews WHERE customer_id = $1 AND sku = $2 AND status = 'MANUAL_REVIEW'`,
    [original.customerId, original.product.sku],
  );
  for (const r of held)
    await o.api('POST', `/api/reviews/${r.id}/moderation`, {
      decision: 'APPROVE',
      note: 'demo: the original of a copy, written by its author',
    });

  // the brand answers a few, and shoppers vote on the first reviews of each product
  const approved = await approvedOf(o.api, products);
  for (const [i, r] of approved
    .filter((x) => x.rating <= 3)
    .slice(0, 3)
    .entries())
    await o.api('PUT', `/api/reviews/${r.id}/response`, {
      body: [
        'Thank you for the honest feedback: we have passed it on to the product team.',
        'Sorry it was not quite right. Our store staff will gladly swap it for you.',
        'Thanks for trying it! We are working on a less salty recipe.',
      ][i]!,
      as: 'Storefleet Customer Care',
    });
  for (const [i, r] of approved.entries())
    for (let v = 0; v < 1 + (i % 3); v++) {
      const voter = reviewers[(i + v + 1) % reviewers.length]!;
      if (reviewed.get(voter)?.has(r.sku)) continue; // perhaps its author: nobody votes on their own review
      await o.api('POST', `/api/reviews/${r.id}/votes`, { customerId: voter, helpful: (i + v) % 5 !== 0 });
    }

  const { rows } = await o.hub.db.query<{ status: string; n: number; verified: number }>(
    `SELECT status, count(*)::int AS n, count(*) FILTER (WHERE verified)::int AS verified
       FROM reviews WHERE sku = ANY($1::text[]) GROUP BY status`,
    [products.map((p) => p.sku)],
  );
  const of = (s: string) => rows.find((r) => r.status === s);
  return {
    summary:
      `${of('APPROVED')?.n ?? 0} approved reviews of ${products.length} products (${of('APPROVED')?.verified ?? 0} verified), ` +
      `${of('MANUAL_REVIEW')?.n ?? 0} waiting for a moderator, ${of('REJECTED')?.n ?? 0} refused; ` +
      `the queue is the console's Reviews page, and each kiosk's product card shows the stars of ${products[0]!.name}`,
  };
}

/** The approved reviews of the demo's products (up to 50 each, newest first). */
async function approvedOf(
  api: Api,
  products: readonly CatalogRow[],
): Promise<{ id: string; rating: number; sku: string }[]> {
  const out: { id: string; rating: number; sku: string }[] = [];
  for (const p of products) {
    const page = await api<{ reviews: { id: string; rating: number }[] }>(
      'GET',
      `/api/reviews/products/${encodeURIComponent(p.sku)}?sort=newest&limit=50`,
    );
    for (const r of page.reviews) out.push({ id: r.id, rating: r.rating, sku: p.sku });
  }
  return out;
}

const REVIEWER_NAMES = [
  'Priya Shah',
  'Daniel Kim',
  'Hannah Fischer',
  'Lucas Moreau',
  'Grace Adeyemi',
  'Mateo Silva',
  'Chloe Martin',
  'Noah Cohen',
  'Sofia Lindqvist',
  'Ethan Walsh',
  'Yuki Tanaka',
  'Amara Diallo',
  'Isabel Ortega',
  'Oliver Novak',
  'Zara Hussain',
  'Leo Janssen',
];
