import { randomUUID } from 'node:crypto';
import type { TestHub } from './test-hub.js';
import { waitFor } from './wait-for.js';

/**
 * What the delivery module's carrier and delivery routes act on, for the authorization matrix and the fuzz test: a gig
 * driver around store A (added as head office adds one, simulated to accept every offer at once) and a DELIVERY order
 * placed by store A for `customerId`, whose delivery it took. Not a van: a van's assignment starts the route planner,
 * whose writes would land while the fuzz test compares the database.
 */
export async function deliveryAccessFixture(
  t: TestHub,
  a: { readonly id: string; readonly token: string },
  customerId: string,
  sku: string,
  adminCookie: string,
) {
  const van = await t.call(
    'POST',
    '/api/delivery/carriers',
    {
      code: 'GIG-MATRIX-A',
      name: 'Matrix gig driver',
      kind: 'GIG',
      lat: 40.7,
      lon: -74,
      radiusKm: 30,
      capacityGrams: 50_000,
      capacityStops: 40,
      simulator: { acceptRate: 1, answerMs: [0, 0], silentRate: 0, dropOutRate: 0, failRate: 0 },
    },
    { cookie: adminCookie },
  );
  if (van.status !== 201) throw new Error(`fixture: carrier ${van.status} ${JSON.stringify(van.body)}`);
  const order = await t.call(
    'POST',
    '/api/orders',
    {
      customerId,
      placeKey: `matrix-delivery-${randomUUID()}`,
      lines: [{ sku, qty: 1 }],
      fulfilment: {
        type: 'DELIVERY',
        storeId: a.id,
        delivery: {
          speed: 'TWO_HOUR',
          address: { line1: '1 Matrix Way', city: 'Riverton', postcode: '07102', lat: 40.71, lon: -74.01 },
        },
      },
    },
    { bearer: a.token },
  );
  if (order.status >= 300) throw new Error(`fixture: delivery order ${order.status} ${JSON.stringify(order.body)}`);
  const delivery = await waitFor('the fixture’s delivery assigned to its driver', async () => {
    const r = await t.call('GET', `/api/delivery/deliveries?storeId=${a.id}&status=ASSIGNED`, undefined, {
      cookie: adminCookie,
    });
    return r.body.items?.find((d: { orderNumber: string }) => d.orderNumber === order.body.orderNumber);
  });
  return { carrierId: van.body.id as string, deliveryId: delivery.id as string };
}
export type DeliveryAccessFixture = Awaited<ReturnType<typeof deliveryAccessFixture>>;
