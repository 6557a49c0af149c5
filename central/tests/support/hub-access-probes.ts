import { randomUUID } from 'node:crypto';
import type { HubAccessRole, HubAccessRow } from '../../src/kernel/access-matrix.js';
import { bookingSalesBodies, bookingSalesPath } from './booking-sales-access.js';
import { CUSTOMER_B, PASSWORD, SKU, type HubAccessFixture } from './hub-access-fixture.js';
import { recsBodies, recsPath } from './recs-access.js';
import { registryProbe } from './registry-access.js';
import { reviewsProbe } from './reviews-access.js';
import { pricingProbe } from './pricing-access.js';
import { tagsBulkBodies, tagsBulkId } from './tags-bulk-access.js';
import { vaultProbe } from './vault-access.js';

/** One call the matrix test makes for a row: the concrete path and, for writes, a body. */
export interface Probe {
  readonly path: string;
  readonly body?: unknown;
  /** A body sent as it is (the registry's blobs and manifests), with `headers` (its content type). */
  readonly rawBody?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** The same call for an id that does not exist (rows that hide existence compare the two). */
  readonly missing?: string;
}

/**
 * The valid body of each write (`METHOD path` as the table lists it): what a real caller sends, so an allowed call
 * runs the route instead of stopping at validation with a 400. A write without an entry here throws.
 */
function bodyFor(key: string, role: HubAccessRole, fx: HubAccessFixture): unknown {
  const unique = `${role}-${randomUUID().slice(0, 8)}`;
  // the modules' per-role targets are staff roles' (see hubProbe): a customer uses anonymous's
  const staffRole: HubAccessRole = role === 'customerA' || role === 'customerB' ? 'anonymous' : role;
  const bodies: Record<string, () => unknown> = {
    'POST /api/auth/login': () => ({ email: 'associate-a@example.test', password: PASSWORD }),
    'POST /api/auth/logout': () => ({}),
    'POST /api/auth/store-token': () => ({ storeId: fx.b.id, secret: fx.b.secret }),
    'POST /api/users': () => ({
      email: `matrix-${unique}@example.test`,
      name: `Matrix ${role}`,
      role: 'ASSOCIATE',
      storeId: fx.a.id,
      password: PASSWORD,
    }),
    'PATCH /api/users/:id': () => ({ disabled: false }),
    'POST /api/locations': () => ({
      code: `M-${unique}`.slice(0, 32),
      name: `Matrix ${role}`,
      kind: 'STORE',
      lat: 40.7,
      lon: -74,
    }),
    'PATCH /api/locations/:id': () => ({ name: `Store C, renamed by ${role}` }),
    'POST /api/locations/:id/credential': () => ({}),
    'PUT /api/catalog/products/:sku': () => ({ name: 'Matrix mug', category: 'Kitchen', priceMinor: 900 }),
    'POST /api/catalog/products/import': () => ({
      items: [{ sku: SKU, name: 'Matrix mug', category: 'Kitchen', priceMinor: 900 }],
    }),
    'PUT /api/inventory/stores/:storeId/stock/:sku/safety': () => ({ safety: 2 }),
    'PUT /api/inventory/stores/:storeId/stock/:sku/lead-time': () => ({ leadTimeDays: 3 }),
    'POST /api/customers': () => ({ name: `Matrix ${role}` }),
    'PATCH /api/customers/:id': () => ({ phone: '+1 555 0100' }),
    // the customer whose cart every probe changes: a look-up links the store to them, as a change does
    'POST /api/customers/lookup': () => ({ card: fx.writeCart.loyaltyCard }),
    'POST /api/carts/:customerId/lines': () => ({ sku: SKU, qty: 1 }),
    'PUT /api/carts/:customerId/lines/:sku': () => ({ qty: 2 }),
    'DELETE /api/carts/:customerId/lines/:sku': () => undefined,
    'PUT /api/carts/:customerId/fulfilment': () => ({ type: 'PICKUP', storeId: fx.a.id }),
    'POST /api/orders': () => ({
      customerId: fx.customer.id,
      placeKey: `matrix-${unique}`,
      lines: [{ sku: SKU, qty: 1 }],
      fulfilment: { type: 'PICKUP', storeId: fx.a.id },
    }),
    'POST /api/orders/:id/cancel': () => ({}),
    'POST /api/orders/:id/refund': () => ({}),
    'POST /api/orders/:id/check-in': () => ({ parkingSpot: '7' }),
    'POST /api/reservations': () => ({
      storeId: fx.a.id,
      customerRef: `matrix ${role}`,
      lines: [{ sku: SKU, qty: 1 }],
    }),
    'POST /api/reservations/:id/confirm': () => ({}),
    'POST /api/reservations/:id/release': () => ({}),
    'POST /api/sync/parked/replay': () => ({ type: 'stock.moved', storeId: fx.a.id }),
    // customers' accounts (issue #26): e-mails nobody has where an answer must not depend on one
    'POST /api/account/sign-up': () => ({ email: `matrix-${unique}@example.test`, password: PASSWORD, name: role }),
    'POST /api/account/sign-in': () => ({ email: CUSTOMER_B.email, password: CUSTOMER_B.password }),
    'POST /api/account/sign-in/code': () => ({ email: `nobody-${unique}@example.test` }),
    'POST /api/account/sign-in/code/verify': () => ({ email: `nobody-${unique}@example.test`, code: '000000' }),
    'POST /api/account/password-reset': () => ({ email: `nobody-${unique}@example.test` }),
    'POST /api/account/password-reset/confirm': () => ({ token: `made-up-${unique}`, password: PASSWORD }),
    'POST /api/account/guest': () => undefined,
    'POST /api/account/sign-out': () => undefined,
    'POST /api/account/sign-out-everywhere': () => undefined,
    'PATCH /api/account': () => ({ phone: '+1 555 0100' }),
    'POST /api/accounts/:customerId/sign-out-everywhere': () => undefined,
    'POST /graphql': () => ({ query: '{ categories }' }),
    'POST /api/sync/parked/:storeId/:seq/replay': () => ({}),
    'POST /api/sync/retention/run': () => ({}),
    // issue #27: the replay check, lane PINs, stores' client certificates
    'POST /api/replay/check': () => ({}),
    'POST /api/staff/people/:userId/pin': () => undefined,
    'DELETE /api/staff/people/:userId/pin': () => undefined,
    'POST /api/auth/store-token/certificate': () => ({ storeId: fx.a.id }),
    'POST /api/stores/:id/certificates': () => ({
      pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    }),
    'DELETE /api/stores/:id/certificates/:fingerprint': () => undefined,
    'PATCH /api/stores/:id/certificate-policy': () => ({ required: false }),
    'POST /api/workflows/incidents/:id/resolve': () => ({ note: `looked into by ${role}` }),
    'POST /api/delivery/carriers': () => ({
      code: `M-${unique.toUpperCase()}`.slice(0, 32),
      name: `Matrix gig driver of ${role}`,
      kind: 'GIG',
      lat: 40.7,
      lon: -74,
      radiusKm: 10,
      capacityGrams: 20_000,
      capacityStops: 4,
    }),
    'PATCH /api/delivery/carriers/:id': () => ({ name: `Matrix gig driver, renamed by ${role}` }),
    'POST /api/delivery/carriers/:id/driver-token': () => ({}),
    'POST /api/delivery/deliveries/:id/tracking-link': () => ({}),
    'POST /api/booking/venues': () => ({
      storeId: fx.a.id,
      name: `Matrix room of ${role}`,
      timeZone: 'America/New_York',
      currency: 'USD',
      sections: [{ code: 'ROOM', name: 'Room', priceMinor: 0, rows: [{ label: 'A', seats: 4 }] }],
    }),
    'POST /api/booking/shows': () => ({
      venueId: fx.booking.venueId,
      title: `Matrix matinee of ${role}`,
      kind: 'SEATED',
      startsAt: Date.now() + 86_400_000,
      endsAt: Date.now() + 90_000_000,
    }),
    'POST /api/booking/shows/:showId/holds': () => ({ customerId: randomUUID(), best: { count: 1 } }),
    'DELETE /api/booking/holds/:holdId': () => undefined,
    'POST /api/tags': () => ({
      slug: `matrix-${unique.toLowerCase()}`,
      name: `Matrix tag of ${role}`,
      kind: 'CATEGORY',
      parentId: null,
    }),
    'PATCH /api/tags/:id': () => ({ name: `Mugs, renamed by ${role}` }),
    'DELETE /api/tags/:id': () => undefined,
    'PUT /api/tags/products/:sku': () => ({ tagIds: [Number(fx.tagsCore.tagId)] }),
    'POST /api/tags/products': () => ({ action: 'ADD', tagIds: [Number(fx.tagsCore.tagId)], skus: [SKU] }),
    'POST /api/tags/index/rebuild': () => ({}),
    ...bookingSalesBodies(fx.booking.sales, staffRole),
    ...tagsBulkBodies(fx.tagsBulk, SKU, staffRole),
    ...recsBodies(fx.recs, SKU, staffRole),
  };
  const make = bodies[key];
  if (!make) throw new Error(`no valid body for ${key}: add one to hub-access-probes.ts`);
  return make();
}

/**
 * The concrete call for `row` as `role`: every parameter is an id of store A's fixture (a route that uses its target
 * up — release, cancel, check-in — has a target of its own), and a write sends a valid body, so the most privileged
 * allowed caller gets a 2xx. A route whose `:id` this does not know throws, so a new route gets a probe here along
 * with its row.
 */
export function hubProbe(row: HubAccessRow, signedInAs: HubAccessRole, fx: HubAccessFixture): Probe {
  // The modules' fixtures keep a target per staff role; a customer (issue #26) uses anonymous's, as a staff route
  // sees a customer as nobody signed in. Bodies still name the customer (unique e-mails per caller).
  const customer = signedInAs === 'customerA' || signedInAs === 'customerB';
  const role: HubAccessRole = customer ? 'anonymous' : signedInAs;
  const vault = vaultProbe(fx.vault, row, role);
  if (vault) return vault;
  const registry = registryProbe(fx.registry, row, role, fx.a.id);
  if (registry) return registry;
  const reviews = reviewsProbe(fx.reviews, row, role);
  if (reviews) return reviews;
  const pricing = pricingProbe(fx.pricing, row, role);
  if (pricing) return pricing;
  const m = row.method;
  const p = row.path;
  const idFor = (): string => {
    if (p.startsWith('/api/users/')) return fx.spare.id;
    if (p.startsWith('/api/staff/people/')) return fx.spare.id; // their lane PIN (#27)
    if (p.startsWith('/api/locations/')) return m === 'GET' ? fx.a.id : fx.c.id; // edits and rotations on a spare store
    if (p.startsWith('/api/sync/stores/')) return fx.a.id;
    if (p.startsWith('/api/stores/')) return fx.a.id; // its client certificates (issue #27)
    if (p.startsWith('/api/customers/')) return fx.customer.id;
    if (p === '/api/orders/:id/cancel') return fx.cancellable.id;
    if (p === '/api/orders/:id/check-in') return fx.curbside.id;
    if (p === '/api/orders/:id/refund') return fx.refundable.id;
    if (p.startsWith('/api/orders/')) return fx.order.id;
    if (p === '/api/reservations/:id/release') return fx.releasable.id;
    if (p.startsWith('/api/reservations/')) return fx.reservation.id;
    if (p.startsWith('/api/workflows/incidents/')) return fx.incident.id;
    if (p === '/api/jobs/:id') return fx.jobRun.id;
    if (p.startsWith('/api/delivery/carriers/')) return fx.delivery.carrierId;
    if (p === '/api/delivery/deliveries/:id') return fx.delivery.deliveryId;
    if (p === '/api/delivery/deliveries/:id/tracking-link') return fx.tracking.linkDelivery;
    if (p === '/api/tags/:id') return fx.tagsCore.tagId;
    if (p.startsWith('/api/tags/bulk-jobs/')) return tagsBulkId(p, fx.tagsBulk)!;
    throw new Error(`no fixture id for ${m} ${p}: add one to hub-access-probes.ts`);
  };
  const fill = (id: string) =>
    p
      .replace(':storeId', fx.a.id)
      .replace(
        ':customerId',
        p.startsWith('/api/accounts/')
          ? fx.spareAccount
          : m === 'GET' || m === 'WS'
            ? fx.cartCustomer.id
            : fx.writeCart.id,
      )
      .replace(':userId', id)
      .replace(':fingerprint', '0'.repeat(64))
      .replace(':sku', SKU)
      .replace(':section', 'catalog')
      .replace('/api-docs/:file', '/api-docs/swagger-ui.css')
      .replace(':seq', String(fx.parked.seq))
      .replace(':number', fx.order.orderNumber)
      .replace(':saleId', fx.sale.saleId)
      .replace(':token', fx.tracking.token)
      .replace(':venueId', fx.booking.venueId)
      .replace(':showId', fx.booking.showId)
      .replace(':holdId', m === 'DELETE' ? fx.booking.releasable[role] : fx.booking.holdId)
      .replace(':id', id);
  const hasId = p.includes(':id') || p.includes(':userId');
  const path =
    bookingSalesPath(fx.booking.sales, p) ??
    recsPath(fx.recs, p, fx.a.id, fx.customer.id, SKU) ??
    (hasId ? fill(idFor()) : fill(''));
  if (path.includes(':'))
    throw new Error(`no fixture for the parameters of ${m} ${p}: add one to hub-access-probes.ts`);
  const query: Record<string, string> = {
    '/graphql': `?query=${encodeURIComponent('{ categories }')}`,
    '/api/sync/lag-history': `?storeId=${fx.a.id}`,
    '/api/staff/people': `?storeId=${fx.a.id}`,
    '/api/staff/audit': `?storeId=${fx.a.id}`,
    '/api/sync/lag-targets': `?storeId=${fx.a.id}`,
    '/api/inventory/accuracy': `?storeIds=${fx.a.id}`,
    '/api/inventory/alerts': `?storeId=${fx.a.id}`,
    '/api/inventory/incidents': `?storeId=${fx.a.id}`,
    '/api/inventory/nearby': `?sku=${SKU}&lat=40.7&lon=-74`,
    '/api/customers': '?name=Signed',
    '/api/customers/search': '?q=Signed',
    '/api/accounts': `?q=${encodeURIComponent(CUSTOMER_B.email)}`,
    '/api/sales/daily': `?store=${fx.a.id}`,
    '/api/delivery/deliveries': `?storeId=${fx.a.id}`,
    '/api/delivery/positions': `?storeId=${fx.a.id}`,
    '/api/tags/search': `?q=${fx.tagsCore.slug}`,
    '/api/tags/analytics/co-occurrence': `?tag=${fx.tagsCore.tagId}`,
  };
  const q = m === 'GET' ? (query[p] ?? '') : '';
  const body = m === 'GET' || m === 'WS' ? undefined : bodyFor(`${m} ${p}`, signedInAs, fx);
  return { path: path + q, body, ...(hasId && row.hidesExistence ? { missing: fill(randomUUID()) + q } : {}) };
}
