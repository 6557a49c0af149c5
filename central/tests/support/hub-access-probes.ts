import { randomUUID } from 'node:crypto';
import type { HubAccessRole, HubAccessRow } from '../../src/access-matrix.js';
import { SKU, type HubAccessFixture } from './hub-access-fixture.js';

/** One call the matrix test makes for a row: the concrete path and, for writes, a body. */
export interface Probe {
  readonly path: string;
  readonly body?: unknown;
  /** The same call for an id that does not exist (rows that hide existence compare the two). */
  readonly missing?: string;
}

/**
 * The concrete call for `row` as `role`. Ids are store A's (the fixture's); a write gets a minimal body unless the
 * gate depends on the body (placing an order or a hold at store A), where the body names store A. A route whose
 * `:id` this does not know throws, so a new route gets a probe here along with its row.
 */
export function hubProbe(row: HubAccessRow, role: HubAccessRole, fx: HubAccessFixture): Probe {
  const m = row.method;
  const p = row.path;
  const idFor = (): string => {
    if (p.startsWith('/api/users/')) return fx.spare.id;
    if (p.startsWith('/api/locations/')) return m === 'GET' ? fx.a.id : fx.c.id; // edits and rotations on a spare store
    if (p.startsWith('/api/sync/stores/')) return fx.a.id;
    if (p.startsWith('/api/customers/')) return fx.customer.id;
    if (p.startsWith('/api/orders/')) return fx.order.id;
    if (p.startsWith('/api/reservations/')) return fx.reservation.id;
    throw new Error(`no fixture id for ${m} ${p}: add one to hub-access-probes.ts`);
  };
  const fill = (id: string) =>
    p
      .replace(':storeId', fx.a.id)
      .replace(':customerId', fx.cartCustomer.id)
      .replace(':sku', SKU)
      .replace(':section', 'catalog')
      .replace(':id', id);
  const hasId = p.includes(':id');
  const path = hasId ? fill(idFor()) : fill('');
  const query: Record<string, string> = {
    '/api/sync/lag-history': `?storeId=${fx.a.id}`,
    '/api/inventory/alerts': `?storeId=${fx.a.id}`,
    '/api/inventory/nearby': `?sku=${SKU}&lat=40.7&lon=-74`,
    '/api/customers': '?name=Signed',
  };
  const q = m === 'GET' ? (query[p] ?? '') : '';
  let body: unknown;
  if (m !== 'GET') body = {};
  if (m === 'POST' && p === '/api/orders') {
    body = { customerId: fx.customer.id, placeKey: `matrix-${role}-${randomUUID()}`, lines: [{ sku: SKU, qty: 1 }], fulfilment: { type: 'PICKUP', storeId: fx.a.id } };
  }
  if (m === 'POST' && p === '/api/reservations') body = { storeId: fx.a.id, customerRef: `matrix ${role}`, lines: [{ sku: SKU, qty: 1 }] };
  if (p === '/api/orders/:id/check-in') body = { parkingSpot: '7' };
  return { path: path + q, body, ...(hasId && row.hidesExistence ? { missing: fill(randomUUID()) + q } : {}) };
}
