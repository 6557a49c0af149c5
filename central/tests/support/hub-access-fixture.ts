import { randomUUID } from 'node:crypto';
import { hlcEncode } from '@storefleet/shared';
import type { HubAccessRole } from '../../src/kernel/access-matrix.js';
import type { TestHub } from './test-hub.js';
import { cookieHeaders } from './csrf-headers.js';
import { bookingAccessFixture } from './booking-access.js';
import { tagsBulkAccessFixture } from './tags-bulk-access.js';
import { deliveryAccessFixture } from './delivery-access.js';
import { recsAccessFixture, recsAfterValidRequest } from './recs-access.js';
import { trackingAccessFixture } from './tracking-access.js';
import { vaultAccessFixture, vaultSettled } from './vault-access.js';
import { registryAccessFixture, registrySettled } from './registry-access.js';
import { reviewsAccessFixture, reviewsSettled } from './reviews-access.js';
import { pricingAccessFixture, pricingSettled } from './pricing-access.js';
import { waitFor } from './wait-for.js';
import { emailSimulator } from '../../src/modules/accounts/email.js';

export const PASSWORD = 'a long enough password 123';
export const SKU = 'MATRIX-MUG';
/** The customer columns' people (issue #26): A owns the fixture's cart at store A, B is someone else. */
export const CUSTOMER_A_EMAIL = 'cart-owner@example.test';
export const CUSTOMER_B = { email: 'customer-b@example.test', password: 'customer b long password' };

/** A customer's session token, signed in by the code the hub e-mails (the simulator keeps it). */
export async function customerSession(t: TestHub, email: string): Promise<string> {
  // The simulator keeps one list for the process, which other hubs (an earlier test file in this worker) wrote to as well.
  const mark = emailSimulator.mark();
  const asked = await t.call('POST', '/api/account/sign-in/code', { email });
  if (asked.status !== 202) throw new Error(`fixture: sign-in code for ${email}: ${asked.status}`);
  let code: string | undefined;
  await waitFor(`the sign-in code mailed to ${email}`, async () => {
    code = /(\d{6})/.exec(emailSimulator.sentTo(email, mark)[0]?.body ?? '')?.[1];
    return !!code;
  });
  const res = await t.call('POST', '/api/account/sign-in/code/verify', { email, code });
  if (res.status !== 200) throw new Error(`fixture: sign-in with a code for ${email}: ${res.status}`);
  return res.body.token as string;
}

/** How a role presents itself: a session cookie (people) or a bearer token (store nodes); nothing for anonymous. */
export type Credentials = Record<HubAccessRole, Record<string, string>>;

/**
 * A hub with store A and store B (and a spare store C for the routes that rotate or edit a location), an ADMIN,
 * a STORE_MANAGER and an ASSOCIATE of store A, an ASSOCIATE of store B, and things that belong to store A: stock,
 * a reservation, a customer store A signed up with a pickup order there, and a cart of another customer. A route
 * whose valid call uses its target up gets a target of its own (a hold to release, an order to cancel, a curbside
 * order to check in; a workflow incident to resolve; a cart for the writes, as changing a cart lets a store read it),
 * so every row's most privileged
 * caller can make a real call that succeeds. Built through the API as stores and people would (stock arrives as a
 * store's sync events, and so does store A's one sale).
 */
export async function hubAccessFixture(t: TestHub) {
  const admin = await t.login();
  const a = await t.store('MATRIX-A', admin);
  const b = await t.store('MATRIX-B', admin);
  const c = await t.store('MATRIX-C', admin);
  const user = async (email: string, role: 'STORE_MANAGER' | 'ASSOCIATE', storeId = a.id) =>
    t.hub.auth.createUser({ email, name: email, role, storeId: storeId as never, password: PASSWORD });
  await user('manager-a@example.test', 'STORE_MANAGER');
  const associateA = await user('associate-a@example.test', 'ASSOCIATE');
  await user('associate-b@example.test', 'ASSOCIATE', b.id);
  const spare = await user('spare-a@example.test', 'ASSOCIATE');
  const cookies = {
    admin,
    managerA: await t.login('manager-a@example.test', PASSWORD),
    associateA: await t.login('associate-a@example.test', PASSWORD),
    associateB: await t.login('associate-b@example.test', PASSWORD),
  };
  const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`fixture: ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  // the staff module (issue #27): store A's associate has a lane PIN (the PIN rows' writes target the spare associate)
  await must('staff PIN', t.call('POST', `/api/staff/people/${associateA.id}/pin`, undefined, { cookie: admin }));
  await must(
    'catalog',
    t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: SKU, name: 'Matrix mug', category: 'Kitchen', priceMinor: 900 }] },
      { cookie: admin },
    ),
  );
  await t.hub.sync.repo.applyBatch(
    a.id,
    [
      {
        origin: a.id,
        seq: 1,
        hlc: hlcEncode({ wallMs: Date.now(), counter: 1, node: a.id }),
        type: 'stock.moved',
        payload: { sku: SKU, delta: 500, kind: 'RECEIVE' },
      },
    ],
    0,
  );
  // a movement of a sku the catalog lacks is parked: the replay routes' target (it fails again, so it stays parked)
  const parked = { storeId: a.id, seq: 2 };
  await t.hub.sync.repo.applyBatch(
    a.id,
    [
      {
        origin: a.id,
        seq: 2,
        hlc: hlcEncode({ wallMs: Date.now(), counter: 2, node: a.id }),
        type: 'stock.moved',
        payload: { sku: 'MATRIX-UNKNOWN', delta: 1, kind: 'RECEIVE' },
      },
    ],
    0,
  );
  // a sale rung up at store A: the sales ledger's routes read it
  const sale = { saleId: 'MATRIX-SALE' };
  const saleLine = { sku: SKU, qty: 1, unitPriceMinor: 900, taxClass: 'STANDARD', subtotalMinor: 900, taxMinor: 90 };
  const salePayload = {
    ...sale,
    lane: null,
    currency: 'USD',
    openedAt: Date.now() - 1000,
    closedAt: Date.now(),
    lines: [saleLine],
    subtotalMinor: 900,
    taxMinor: 90,
    totalMinor: 990,
    tenders: [{ kind: 'CASH', amountMinor: 990, givenMinor: 1000 }],
  };
  await t.hub.sync.repo.applyBatch(
    a.id,
    [
      {
        origin: a.id,
        seq: 3,
        hlc: hlcEncode({ wallMs: Date.now(), counter: 3, node: a.id }),
        type: 'sale.completed',
        payload: salePayload,
      },
    ],
    0,
  );
  const storeA = { bearer: a.token };
  const hold = (ref: string) =>
    must(
      ref,
      t.call('POST', '/api/reservations', { storeId: a.id, customerRef: ref, lines: [{ sku: SKU, qty: 1 }] }, storeA),
    );
  const reservation = await hold('Matrix');
  const releasable = await hold('Matrix release');
  const customer = await must('customer', t.call('POST', '/api/customers', { name: 'Signed up at A' }, storeA));
  const placeAtA = (what: string, type: 'PICKUP' | 'CURBSIDE') =>
    must(
      what,
      t.call(
        'POST',
        '/api/orders',
        {
          customerId: customer.id,
          placeKey: `matrix-${randomUUID()}`,
          lines: [{ sku: SKU, qty: 1 }],
          fulfilment: { type, storeId: a.id },
        },
        storeA,
      ),
    );
  const order = await placeAtA('order', 'PICKUP');
  const cancellable = await placeAtA('order to cancel', 'PICKUP');
  const curbside = await placeAtA('curbside order', 'CURBSIDE');
  // a workflow incident to resolve: store A, offline, handed over an order's hold that head office had cancelled
  const handedOverLate = await placeAtA('order handed over after its cancel', 'PICKUP');
  await must('cancel', t.call('POST', `/api/orders/${handedOverLate.id}/cancel`, {}, { cookie: admin }));
  await t.hub.sync.repo.applyBatch(
    a.id,
    [
      {
        origin: a.id,
        seq: 4,
        hlc: hlcEncode({ wallMs: Date.now(), counter: 4, node: a.id }),
        type: 'reservation.picked-up',
        payload: { reservationId: handedOverLate.reservationId },
      },
    ],
    0,
  );
  // an order handed over at store A and paid (its payment captured): the refund's target
  const refundable = await placeAtA('order to refund', 'PICKUP');
  await t.hub.sync.repo.applyBatch(
    a.id,
    [
      {
        origin: a.id,
        seq: 5,
        hlc: hlcEncode({ wallMs: Date.now(), counter: 5, node: a.id }),
        type: 'reservation.picked-up',
        payload: { reservationId: refundable.reservationId },
      },
    ],
    0,
  );
  await waitFor('the refundable order’s payment captured', async () => {
    const r = await t.call('GET', `/api/orders/${refundable.id}`, undefined, { cookie: admin });
    return r.body.paymentCapturedAt ? r : undefined;
  });
  const incidents = await must('incidents', t.call('GET', '/api/workflows/incidents', undefined, { cookie: admin }));
  const incident = incidents.items.find((i: { orderId: string }) => i.orderId === handedOverLate.id);
  if (!incident) throw new Error(`fixture: no incident for order ${handedOverLate.id}: ${JSON.stringify(incidents)}`);
  // a job run to read: a one-off of the hub's runner, as a module's bulk job would be
  t.hub.jobs.define({ name: 'matrix.noop', run: async () => undefined });
  const jobRun = await t.hub.jobs.enqueue('matrix.noop', { by: 'the access matrix' });
  const cartCustomer = await must(
    'cart customer',
    t.call('POST', '/api/customers', { name: 'Cart owner', email: CUSTOMER_A_EMAIL }, { cookie: admin }),
  );
  await must(
    'cart fulfilment',
    t.call('PUT', `/api/carts/${cartCustomer.id}/fulfilment`, { type: 'PICKUP', storeId: a.id }, { cookie: admin }),
  );
  await must('cart', t.call('POST', `/api/carts/${cartCustomer.id}/lines`, { sku: SKU, qty: 1 }, { cookie: admin }));
  // the carts the probes change: a store that changes a cart may read it from then on, so they are not the one read
  const writeCart = await must(
    'cart to change',
    t.call('POST', '/api/customers', { name: 'Cart changed by everyone' }, { cookie: admin }),
  );
  await must(
    'cart to change: fulfilment',
    t.call('PUT', `/api/carts/${writeCart.id}/fulfilment`, { type: 'PICKUP', storeId: a.id }, { cookie: admin }),
  );
  await must(
    'cart to change: a line',
    t.call('POST', `/api/carts/${writeCart.id}/lines`, { sku: SKU, qty: 1 }, { cookie: admin }),
  );
  // the delivery module's tracking: deliveries out of store A, a link to mint and one to read
  const tracking = await trackingAccessFixture(t, a.id, admin);
  // the delivery module's carriers and deliveries: a gig driver around store A and a delivery it took
  const delivery = await deliveryAccessFixture(t, a, customer.id, SKU, admin);
  // the booking module's venue, show and holds at store A (booking-access.ts)
  const booking = await bookingAccessFixture(t, a.id, admin);
  // the tags module's tag at the hub, carrying the fixture's product (so deleting it answers 409 and changes nothing)
  const tag = await must(
    'tag',
    t.call(
      'POST',
      '/api/tags',
      { slug: 'matrix-mugs', name: 'Mugs', kind: 'CATEGORY', parentId: null },
      { cookie: admin },
    ),
  );
  await must('tagged product', t.call('PUT', `/api/tags/products/${SKU}`, { tagIds: [tag.id] }, { cookie: admin }));
  const tagsCore = { tagId: String(tag.id), slug: tag.slug as string };
  // the tags module's bulk jobs: one to read, to add skus to, to start, to cancel, to retry (tags-bulk-access.ts)
  const tagsBulk = await tagsBulkAccessFixture(t, admin, SKU);
  // the reviews module's reviews, photos, votes, reports and responses of store A's customers (reviews-access.ts),
  // before the tags' wait below: its products join the catalog the tags module numbers
  const reviews = await reviewsAccessFixture(t, { admin, storeAToken: a.token, customerId: customer.id, sku: SKU });
  // the tags module's background work settled before the fuzz test fingerprints the database: the announcer has told
  // the stores of the fixture's tag writes (tags.changed in every feed) and the catalog is numbered
  await waitFor('the tags announced to the stores and the catalog numbered', async () => {
    const { rows } = await t.hub.db.query<{ announced: boolean; numbered: boolean }>(
      `SELECT (SELECT version FROM tag_announcements) >= greatest(
                (SELECT coalesce(max(version), 0) FROM tags),
                (SELECT coalesce(max(version), 0) FROM tag_products WHERE ever_tagged)) AS announced,
              (SELECT catalog_version FROM tag_catalog_numbering) >=
                (SELECT coalesce(max(version), 0) FROM catalog_products) AS numbered`,
    );
    return rows[0]!.announced && rows[0]!.numbered;
  });
  // the recommendations module's things at store A: the customer's views, a trained model, a list served, variants
  const recs = await recsAccessFixture(t, {
    admin,
    storeAId: a.id,
    storeAToken: a.token,
    customerId: customer.id,
    sku: SKU,
  });
  // the vault's folder shared with store A, its documents, a group, and each role's targets (vault-access.ts)
  const vault = await vaultAccessFixture(t, { admin, storeAId: a.id, memberId: spare.id });
  // the registry's repositories, manifests, upload sessions and a release (registry-access.ts)
  const registry = await registryAccessFixture(t, { admin, storeAId: a.id });
  await registrySettled(t); // the scans its pushes started have written their reports
  // the pricing module's region, books, promotions, coupons, Scan & Go sessions and a dry run at store A
  // (pricing-access.ts)
  const pricing = await pricingAccessFixture(t, {
    admin,
    storeAId: a.id,
    storeAToken: a.token,
    storeBId: b.id,
    customerId: customer.id,
    sku: SKU,
  });
  // the customer columns (issue #26): A is the cart's owner (a pickup at store A), signed in on the web by a code
  // sent to the e-mail store staff recorded; B signs up on their own
  const customerA = await customerSession(t, CUSTOMER_A_EMAIL);
  const customerB = await must(
    'customer B',
    t.call('POST', '/api/account/sign-up', { email: CUSTOMER_B.email, password: CUSTOMER_B.password, name: 'B' }),
  );
  // an account head office signs out everywhere (not A's or B's: their sessions serve every other row)
  const spareAccount = (
    await must(
      'spare account',
      t.call('POST', '/api/account/sign-up', { email: 'spare-account@example.test', password: PASSWORD, name: 'S' }),
    )
  ).account.customerId as string;
  const credentials: Credentials = {
    anonymous: {},
    // a person's cookie with its CSRF token, as the console sends it (issue #27)
    admin: cookieHeaders(admin),
    managerA: cookieHeaders(cookies.managerA),
    associateA: cookieHeaders(cookies.associateA),
    storeA: { authorization: `Bearer ${a.token}` },
    storeB: { authorization: `Bearer ${b.token}` },
    associateB: cookieHeaders(cookies.associateB),
    customerA: { authorization: `Bearer ${customerA}` },
    customerB: { authorization: `Bearer ${customerB.token}` },
  };
  return {
    a,
    b,
    c,
    spare,
    parked,
    sale,
    reservation,
    releasable,
    customer,
    order,
    cancellable,
    curbside,
    refundable,
    incident,
    jobRun,
    cartCustomer,
    writeCart,
    spareAccount,
    delivery,
    tracking,
    booking,
    tagsCore,
    tagsBulk,
    recs,
    vault,
    registry,
    reviews,
    pricing,
    credentials,
    /** Background work a valid request started (a list's impression, a training run, a vault upload's or registry push's scan, a pricing dry run) has finished. */
    settled: async (answer: unknown) => {
      await recsAfterValidRequest(t, answer);
      await vaultSettled(t);
      await registrySettled(t);
      await reviewsSettled(t);
      await pricingSettled(t);
    },
  };
}
export type HubAccessFixture = Awaited<ReturnType<typeof hubAccessFixture>>;
