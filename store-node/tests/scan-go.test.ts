import { readExitToken } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { provide } from '../../central/src/kernel/ports.js';
import { SimulatedPaymentProvider } from '../../central/src/modules/orders/payments.js';
import { PAYMENTS_PROVIDER } from '../../central/src/modules/orders/ports.js';
import type { StoreNode } from '../src/index.js';
import { doorKeys } from '../src/pricing/door-keys.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

const target = dbTargets.at(-1)!;
const ADMIN = { email: 'scan-go-admin@example.test', password: 'a long enough password' };
const PRODUCTS = [
  { sku: 'MILK', gtin: '04006381333931', name: 'Whole milk 1 l', category: 'Dairy', priceMinor: 129, taxClass: 'ZERO' },
  { sku: 'BREAD', name: 'Sourdough loaf', category: 'Bakery', priceMinor: 350, taxClass: 'ZERO' },
];

/** A hub with the simulator payments, a store node syncing with it, a customer; audit share as given. */
async function setUp(auditPercent: number) {
  const payments = new SimulatedPaymentProvider();
  let storeSkew = 0;
  const f = await SyncFixture.start(target, {
    externals: [provide(PAYMENTS_PROVIDER, payments)],
    tuning: { scanGoAuditPercent: auditPercent, scanGoExitMinutes: 30 },
  });
  await f.hub.auth.createUser({ ...ADMIN, name: 'App backend', role: 'ADMIN' });
  const cookie = `sf_session=${(await f.hub.auth.login(ADMIN.email, ADMIN.password, 'test')).sessionToken}`;
  const hub = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(f.hubUrl + path, {
      method,
      headers: { cookie, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  expect((await hub('POST', '/api/catalog/products/import', { items: PRODUCTS })).status).toBeLessThan(300);
  const store = await f.store('SG1', { name: 'Quay Road', now: () => Date.now() + storeSkew });
  const storeId = f.credentials.get('SG1')!.storeId;
  const customer = (
    await hub('POST', '/api/customers', { name: 'Ana Lopes', email: `ana${auditPercent}@example.test` })
  ).body as { id: string };
  // the door verifies with the hub's keys from the store's pricing copy
  await waitFor('the hub’s keys at the store', () => store.pricing.rules().couponKeys.length > 0, 60_000);
  // and this store's door key, which opens the audit decision sealed in exit tokens
  await waitFor('the door key at the store', () => doorKeys(store.db).length > 0, 60_000);
  await waitFor('the catalog at the store', () => store.pos.repo.product('MILK', undefined));
  return {
    f,
    payments,
    store,
    storeId,
    customer,
    hub,
    skew: (ms: number) => {
      storeSkew = ms;
    },
  };
}

const door = async (store: StoreNode, path: string, body?: unknown) => {
  const res = await fetch(store.url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: (await res.json().catch(() => null)) as any,
  };
};

describe(`Scan & Go from the app to the door (${target.name}, every exit audited)`, () => {
  let t: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    t = await setUp(100);
  }, 180_000);
  afterAll(async () => {
    await t?.f.stop().catch(() => {});
  });

  const outbox = (type: string) =>
    (
      t.store.db.prepare('SELECT payload FROM sync_outbox WHERE type = ? ORDER BY seq').all(type) as {
        payload: string;
      }[]
    ).map((r) => JSON.parse(r.payload));

  it('a declined card leaves the session SHOPPING, nothing paid and nothing at the store', async () => {
    const { hub, customer, storeId } = t;
    const s = await hub('POST', '/api/scan-go/sessions', { customerId: customer.id, storeId });
    expect(s.status).toBe(201);
    expect((await hub('POST', `/api/scan-go/sessions/${s.body.id}/scans`, { code: 'BREAD' })).status).toBe(200);
    t.payments.next('decline');
    const paid = await hub('POST', `/api/scan-go/sessions/${s.body.id}/checkout`, {});
    expect(paid.status).toBe(422);
    expect(paid.body.declined).toBe(true);
    const after = await hub('GET', `/api/scan-go/sessions/${s.body.id}`);
    expect(after.body).toMatchObject({ status: 'SHOPPING' });
    expect(after.body.exitToken).toBeUndefined();
    const { rows } = await t.f.hub.db.query("SELECT 1 FROM sync_feed WHERE type = 'scango.paid'");
    expect(rows).toEqual([]);
    expect(outbox('sale.completed')).toEqual([]);
    // the basket stays for the next try
    expect((await hub('POST', `/api/scan-go/sessions/${s.body.id}/cancel`)).body.status).toBe('CANCELLED');
    // cancelled: its basket can no longer change (409), and the cart keeps the bread for the next session
    const closed = await hub('PUT', `/api/scan-go/sessions/${s.body.id}/lines/BREAD`, { qty: 0 });
    expect(closed.status).toBe(409);
    expect(closed.body.detail).toContain('cancelled');
    const cart = await hub('GET', `/api/carts/${customer.id}`);
    expect(cart.body.lines).toEqual([expect.objectContaining({ sku: 'BREAD', qty: 1 })]);
  }, 120_000);

  it('scan, pay, the store records the sale once, the door lets the token out once, offline', async () => {
    const { hub, customer, storeId, store } = t;
    const milkBefore = store.pos.stock.onHand('MILK');
    const s = await hub('POST', '/api/scan-go/sessions', { customerId: customer.id, storeId });
    expect(s.status).toBe(201);
    const again = await hub('POST', '/api/scan-go/sessions', { customerId: customer.id, storeId });
    expect(again).toMatchObject({ status: 200, body: { id: s.body.id } }); // one open session per customer
    const id = s.body.id as string;
    // MILK by its barcode (GTIN-13), twice; BREAD is still in the cart from the cancelled session
    expect((await hub('POST', `/api/scan-go/sessions/${id}/scans`, { code: '4006381333931', qty: 2 })).status).toBe(
      200,
    );
    const set = await hub('PUT', `/api/scan-go/sessions/${id}/lines/BREAD`, { qty: 1 });
    expect(set.status).toBe(200);
    expect(set.body.priced).toMatchObject({ itemCount: 3, totalMinor: 2 * 129 + 350 });
    expect((await hub('POST', `/api/scan-go/sessions/${id}/scans`, { code: 'NO-SUCH' })).status).toBe(404);

    const paid = await hub('POST', `/api/scan-go/sessions/${id}/checkout`, {});
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'PAID', priced: { totalMinor: 608, itemCount: 3 } });
    const token = paid.body.exitToken as string;
    expect(token).toEqual(expect.any(String));
    // the cart no longer holds what was paid
    const cart = await hub('GET', `/api/carts/${customer.id}`);
    expect(cart.body.lines).toEqual([]);

    // the store records one sale with an APP tender and moves its stock
    const sale = await waitFor('the sale at the store', () => outbox('sale.completed')[0], 60_000);
    expect(sale).toMatchObject({
      saleId: paid.body.saleId,
      totalMinor: 608,
      tenders: [{ kind: 'APP', amountMinor: 608 }],
    });
    expect(store.pos.stock.onHand('MILK')).toBe(milkBefore - 2);
    // the same entry delivered again records nothing more
    const { rows } = await t.f.hub.db.query<{ payload: unknown }>(
      "SELECT payload FROM sync_feed WHERE type = 'scango.paid'",
    );
    expect(rows).toHaveLength(1);
    store.db.transaction(() =>
      store.sync.feedHandlers.apply(store.db, {
        seq: 1_000_000,
        type: 'scango.paid',
        payload: rows[0]!.payload,
        createdAt: Date.now(),
      }),
    )();
    expect(outbox('sale.completed')).toHaveLength(1);
    expect(store.pos.stock.onHand('MILK')).toBe(milkBefore - 2);

    // a forged token (its last character changed) and a token of another store are refused
    const forged = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    const bad = await door(store, '/api/scan-go/exit', { token: forged });
    expect(bad.status).toBe(422);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body.refusal).toMatch(/FORGED|MALFORMED/);

    // the customer holding the token cannot read that this exit is audited: only the door can
    expect(readExitToken(token)).toMatchObject({ sessionId: id, audit: false });
    expect(readExitToken(token, doorKeys(store.db))).toMatchObject({ sessionId: id, audit: true });

    // the door works with the hub stopped
    await t.f.hub.stop();
    const ok = await door(store, '/api/scan-go/exit', { token });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, sessionId: id, itemCount: 3, totalMinor: 608, audit: true });
    expect(ok.body.message).toContain('CHECK THIS BAG');
    expect(ok.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ sku: 'MILK', qty: 2 })]));
    const twice = await door(store, '/api/scan-go/exit', { token });
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(/already used at \d\d:\d\d/);
    const audit = await door(store, `/api/scan-go/exits/${id}/audit`, { counted: 3, matched: true });
    expect(audit.body).toMatchObject({ outcome: 'AUDITED', counted: 3, matched: true });
    const exits = await door(store, '/api/scan-go/exits');
    expect(exits.body.counts).toMatchObject({ AUDITED: 1 });
    expect(outbox('scango.exited').map((e) => e.outcome)).toEqual(['REFUSED', 'AUDITED']);

    // past its window the token is refused as expired (the store's clock an hour on)
    t.skew(60 * 60_000);
    const late = await door(store, '/api/scan-go/exit', { token });
    expect(late.status).toBe(422);
    expect(late.body.refusal).toBe('EXPIRED');
    t.skew(0);
  }, 240_000);
});

describe(`Scan & Go with no exit audited (${target.name})`, () => {
  let t: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    t = await setUp(0);
  }, 180_000);
  afterAll(async () => {
    await t?.f.stop().catch(() => {});
  });

  it('the door lets the customer out without a bag check; a token of another store is refused', async () => {
    const { hub, customer, storeId, store } = t;
    const s = await hub('POST', '/api/scan-go/sessions', { customerId: customer.id, storeId });
    await hub('POST', `/api/scan-go/sessions/${s.body.id}/scans`, { code: 'MILK' });
    const paid = await hub('POST', `/api/scan-go/sessions/${s.body.id}/checkout`, {});
    expect(paid.status).toBe(200);
    const ok = await door(store, '/api/scan-go/exit', { token: paid.body.exitToken });
    expect(ok.body).toMatchObject({ ok: true, audit: false });
    expect(ok.body.message).not.toContain('CHECK THIS BAG');
    // the token of an exit not audited reads, to its holder, exactly like one audited
    expect(readExitToken(paid.body.exitToken)).toMatchObject({ audit: false });
    expect(paid.body.exitToken.length).toBeGreaterThan(0);

    // a session at another store (registered, no node): its token is refused here
    const other = await t.f.hub.fleet.register({ code: 'SG2', name: 'Other', kind: 'STORE', lat: 40, lon: -74 });
    const s2 = await hub('POST', '/api/scan-go/sessions', { customerId: customer.id, storeId: other.location.id });
    expect(s2.status).toBe(201);
    await hub('POST', `/api/scan-go/sessions/${s2.body.id}/scans`, { code: 'BREAD' });
    const paid2 = await hub('POST', `/api/scan-go/sessions/${s2.body.id}/checkout`, {});
    expect(paid2.status).toBe(200);
    const wrong = await door(store, '/api/scan-go/exit', { token: paid2.body.exitToken });
    expect(wrong.status).toBe(422);
    expect(wrong.body.refusal).toBe('WRONG_STORE');
    // exits reach head office
    await waitFor(
      'the exit at the hub',
      async () => (await hub('GET', `/api/scan-go/exits?storeId=${storeId}`)).body?.counts?.PASSED === 1 || undefined,
      60_000,
    );
  }, 240_000);
});
