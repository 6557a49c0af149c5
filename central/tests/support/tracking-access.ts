import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { uuidv7 } from '@storefleet/shared';
import type { TestHub } from './test-hub.js';

/**
 * What the delivery module's tracking routes act on, for the authorization matrix and the fuzz test: a gig driver
 * (with its driver token) carrying two deliveries out of `storeId` — one to mint tracking links for (each mint revokes
 * the last), one whose link the customer reads (`token`, never re-minted). Written as rows, as an assignment leaves
 * them.
 */
export async function trackingAccessFixture(t: TestHub, storeId: string, adminCookie: string) {
  const now = Date.now();
  const carrierId = uuidv7();
  const driverToken = `drv_${randomBytes(24).toString('base64url')}`;
  await t.hub.db.query(
    `INSERT INTO delivery_carriers (id, code, name, kind, lat, lon, radius_km, capacity_grams, capacity_stops, speed_kmh,
       driver_token_hash, created_at, updated_at)
     VALUES ($1, $2, 'Matrix gig driver', 'GIG', 40.7, -74, 20, 20000, 4, 25, $3, $4, $4)`,
    [
      carrierId,
      `GIG-MATRIX-${randomBytes(2).toString('hex')}`,
      createHash('sha256').update(driverToken).digest('hex'),
      now,
    ],
  );
  const delivery = async (orderNumber: string) => {
    const id = uuidv7();
    await t.hub.db.query(
      `INSERT INTO deliveries (id, order_id, order_number, store_id, reservation_id, customer_name, request, lines,
         weight_grams, window_from, window_to, status, carrier_id, driver, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'Matrix Customer', $6, $7, 500, $8, $9, 'OUT_FOR_DELIVERY', $10, $11, $8, $8)`,
      [
        id,
        randomUUID(),
        orderNumber,
        storeId,
        randomUUID(),
        JSON.stringify({
          speed: 'TWO_HOUR',
          address: { line1: '1 Matrix Way', city: 'Riverton', postcode: 'RV1 1AA', lat: 40.71, lon: -74 },
        }),
        JSON.stringify([{ sku: 'MATRIX-MUG', qty: 1 }]),
        now,
        now + 2 * 3_600_000,
        carrierId,
        JSON.stringify({ name: 'Max Matrix', vehicle: 'BIKE 7' }),
      ],
    );
    return id;
  };
  const linkDelivery = await delivery('SF-990001');
  const readDelivery = await delivery('SF-990002');
  const minted = await t.call(
    'POST',
    `/api/delivery/deliveries/${readDelivery}/tracking-link`,
    {},
    { cookie: adminCookie },
  );
  if (minted.status !== 201) throw new Error(`fixture: tracking link ${minted.status} ${JSON.stringify(minted.body)}`);
  return { carrierId, driverToken, linkDelivery, readDelivery, token: minted.body.token as string };
}
export type TrackingAccessFixture = Awaited<ReturnType<typeof trackingAccessFixture>>;
