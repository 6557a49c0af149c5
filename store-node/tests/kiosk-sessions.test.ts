import { describe, expect, it } from 'vitest';
import type { CartView } from '@storefleet/shared';
import { KIOSK_CART_IDLE_MS, KioskCartSessions, lookupBody } from '../src/carts/kiosk-sessions.js';
import { HubUnreachable, type HubCall } from '../src/carts/hub-call.js';
import { CART_OFFLINE, NO_CART_OPEN, NOT_FOUND_WORDS } from '../src/carts/kiosk-words.js';

const STORE = '0190a4b2-0000-7000-8000-000000000001';
const ANA = '0190a4b2-0000-7000-8000-0000000000aa';
const empty = (storeId: string | null = null): CartView => ({
  lines: [],
  itemCount: 0,
  subtotalMinor: 0,
  fulfilment: { type: storeId ? 'PICKUP' : 'SHIP', storeId },
});

/** A hub that knows Ana (card, phone, e-mail) and answers what `answers` says for everything else. */
function fakeHub(answers: Record<string, { status: number; body: Record<string, unknown> }> = {}) {
  const calls: string[] = [];
  let down = false;
  const call: HubCall = async (method, path, body) => {
    calls.push(`${method} ${path} ${JSON.stringify(body ?? null)}`);
    if (down) throw new HubUnreachable('connect ECONNREFUSED 127.0.0.1:1');
    if (path === '/api/customers/lookup') {
      const b = body as Record<string, string>;
      const known = b.card === '2912345678901234' || b.email === 'ana@example.test' || b.phone === '555 201 4477';
      return known
        ? { status: 200, body: { customerId: ANA, firstName: 'Ana' } }
        : { status: 404, body: { detail: 'no customer account matches that card, phone number or email' } };
    }
    return answers[`${method} ${path}`] ?? { status: 200, body: empty() as never };
  };
  return { call, calls, goDown: () => (down = true) };
}

const sessions = (hub: HubCall | undefined, now: () => number) =>
  new KioskCartSessions(
    hub,
    { view: () => empty(STORE), add: () => empty(STORE), setQty: () => empty(STORE), priced: () => null } as never,
    STORE,
    (sku) => ({ KETTLE: 'Stovetop kettle' })[sku] ?? sku,
    now,
  );

describe('the kiosk’s cart sessions', () => {
  it('reads what the customer typed as an e-mail, a loyalty card number, or a phone number', () => {
    expect(lookupBody(' Ana@Example.test ')).toEqual({ email: 'Ana@Example.test' });
    expect(lookupBody('2912 3456 7890 1234')).toEqual({ card: '2912345678901234' });
    expect(lookupBody('+1 (555) 201-4477')).toEqual({ phone: '+1 (555) 201-4477' });
  });

  it('keeps the customer id on the node: the screen gets a first name, a cart and a token only it may use', async () => {
    const hub = fakeHub();
    const s = sessions(hub.call, () => 1000);
    const { token, view } = await s.open('ana@example.test', 'kiosk');
    expect(view).toEqual({
      firstName: 'Ana',
      cart: { lines: [], itemCount: 0, subtotalMinor: 0, fulfilment: 'SHIP', pickupHere: false, priced: null },
      savedHere: false,
    });
    expect(JSON.stringify(view)).not.toContain(ANA);
    expect(token).toMatch(/^[\w-]{32}$/);
    await expect(s.view(token, 'device:another-kiosk')).rejects.toThrow(NO_CART_OPEN);
    await expect(s.view(undefined, 'kiosk')).rejects.toThrow(NO_CART_OPEN);
    expect((await s.view(token, 'kiosk')).firstName).toBe('Ana');
    s.close(token, 'device:another-kiosk'); // another screen's cookie ends nothing
    expect((await s.view(token, 'kiosk')).firstName).toBe('Ana');
    s.close(token, 'kiosk');
    await expect(s.view(token, 'kiosk')).rejects.toThrow(NO_CART_OPEN);
  });

  it('forgets a session untouched for three minutes', async () => {
    let now = 0;
    const s = sessions(fakeHub().call, () => now);
    const { token } = await s.open('555 201 4477', 'kiosk');
    now += KIOSK_CART_IDLE_MS - 1;
    await s.view(token, 'kiosk'); // a touch keeps it
    now += KIOSK_CART_IDLE_MS + 1;
    await expect(s.view(token, 'kiosk')).rejects.toThrow(NO_CART_OPEN);
  });

  it('words the hub’s answers for a customer: nobody found, no connection, out of stock for the fulfilment', async () => {
    const hub = fakeHub({
      'POST /api/carts/0190a4b2-0000-7000-8000-0000000000aa/lines': {
        status: 409,
        body: {
          detail: 'KETTLE is out of stock for shipping: no distribution centre has 2',
          sku: 'KETTLE',
          wanted: 2,
          outOfStock: true,
        },
      },
    });
    const s = sessions(hub.call, () => 0);
    await expect(s.open('bob@example.test', 'kiosk')).rejects.toThrow(NOT_FOUND_WORDS);
    const { token } = await s.open('2912 3456 7890 1234', 'kiosk');
    await expect(s.add(token, 'kiosk', 'KETTLE', 2)).rejects.toThrow(
      'Stovetop kettle can’t be shipped right now: our warehouses don’t have 2 in stock.',
    );
    hub.goDown();
    await expect(s.open('ana@example.test', 'kiosk2')).rejects.toThrow(CART_OFFLINE);
    // An open cart goes on, on the node's copy, and says so.
    expect((await s.add(token, 'kiosk', 'KETTLE', 1)).savedHere).toBe(true);
    expect((await s.view(token, 'kiosk')).savedHere).toBe(true);
    await expect(sessions(undefined, () => 0).open('ana@example.test', 'kiosk')).rejects.toThrow(CART_OFFLINE);
  });
});
