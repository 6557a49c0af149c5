import { describe, expect, it } from 'vitest';
import type { CartView } from '@storefleet/shared';
import { KioskCartSessions } from '../src/carts/kiosk-sessions.js';
import type { HubCall } from '../src/carts/hub-call.js';

const STORE = '0190a4b2-0000-7000-8000-000000000001';
const ANA = '0190a4b2-0000-7000-8000-0000000000aa';
const CART = `/api/carts/${ANA}`;

/** Ana's cart at the hub: `cola` Cola cans, for pickup at this store; the hub has 5 here and refuses a sixth. */
function hubWith(cola: number): HubCall {
  const cart = (): CartView => ({
    lines: cola ? [{ sku: 'COLA', name: 'Cola can', qty: cola, unitPriceMinor: 99, currency: 'USD' } as never] : [],
    itemCount: cola,
    subtotalMinor: 99 * cola,
    fulfilment: { type: 'PICKUP', storeId: STORE },
  });
  const refuse = (wanted: number) => ({
    status: 409,
    body: {
      detail: `only 5 of COLA available (wanted ${wanted})`,
      sku: 'COLA',
      wanted,
      available: 5,
      outOfStock: true,
    },
  });
  return async (method, path, body) => {
    if (path === '/api/customers/lookup') return { status: 200, body: { customerId: ANA, firstName: 'Ana' } };
    if (method === 'GET' && path === CART) return { status: 200, body: cart() as never };
    if (method === 'POST' && path === `${CART}/lines`) return refuse(cola + (body as { qty: number }).qty);
    if (method === 'PUT' && path === `${CART}/lines/COLA`) return refuse((body as { qty: number }).qty);
    if (method === 'PUT' && path === `${CART}/fulfilment`) return refuse(cola);
    return { status: 200, body: cart() as never };
  };
}

const open = async (hub: HubCall) => {
  const s = new KioskCartSessions(
    hub,
    { priced: () => null } as never,
    STORE,
    (sku) => (sku === 'COLA' ? 'Cola can' : sku),
    () => 0,
  );
  const { token } = await s.open('ana@example.test', 'kiosk');
  return { s, token };
};

describe('the kiosk’s words for a line the store has too few of', () => {
  it('says what the cart has after a refused "one more", not the quantity that was refused', async () => {
    const { s, token } = await open(hubWith(5));
    await expect(s.add(token, 'kiosk', 'COLA', 1)).rejects.toThrow(
      'Only 5 Cola can left in this store for pickup — your cart already has 5.',
    );
    await expect(s.setQty(token, 'kiosk', 'COLA', 6)).rejects.toThrow(
      'Only 5 Cola can left in this store for pickup — your cart already has 5.',
    );
    const err = (await s.add(token, 'kiosk', 'COLA', 1).catch((e: unknown) => e)) as Error;
    expect(err.message).not.toContain('6');
  });

  it('a quantity typed above the stock keeps the smaller one the cart has', async () => {
    const { s, token } = await open(hubWith(2));
    await expect(s.setQty(token, 'kiosk', 'COLA', 9)).rejects.toThrow(
      'Only 5 Cola can left in this store for pickup — your cart still has 2.',
    );
  });

  it('choosing pickup here with more in the cart than the store has names what the cart has', async () => {
    const { s, token } = await open(hubWith(7));
    await expect(s.pickupHere(token, 'kiosk')).rejects.toThrow(
      'Only 5 Cola can left in this store for pickup — your cart has 7. Lower the quantity, or remove it.',
    );
  });
});
