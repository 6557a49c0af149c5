import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseTypedCode, TYPED_CODE_ALPHABET, typedCodeHash, reservationChangedSchema } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';
import { SimulatedPaymentProvider } from '../payments.js';
import { SimulatedWarehouse } from '../warehouse.js';
import { provide } from '../../../kernel/ports.js';
import { PAYMENTS_PROVIDER, WAREHOUSE } from '../ports.js';
import { stockMover } from '../../../../tests/support/stock-moves.js';

/**
 * Issue #17: an order has a number people read and type (`SF-10482`), found by its number by those who may see the
 * order; its pickup has a typed code beside the QR, which the store can check offline from the hold's feed entry.
 */
describe.each(dbTargets)('order numbers and typed pickup codes, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let storeA: { id: string; token: string };
  let a: Caller;
  let b: Caller;
  let customer: string;
  let key = 0;

  const stock = stockMover(() => t);
  const place = (who: Caller) =>
    t.call(
      'POST',
      '/api/orders',
      {
        customerId: customer,
        placeKey: `numbers-${++key}-${target.name}`,
        lines: [{ sku: 'LAMP', qty: 1 }],
        fulfilment: { type: 'PICKUP', storeId: storeA.id },
      },
      who,
    );

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'silent',
      externals: [
        provide(PAYMENTS_PROVIDER, new SimulatedPaymentProvider(150)),
        provide(WAREHOUSE, new SimulatedWarehouse()),
      ],
    });
    admin = { cookie: await t.login() };
    storeA = await t.store('ON-A', admin.cookie!);
    const storeB = await t.store('ON-B', admin.cookie!);
    a = { bearer: storeA.token };
    b = { bearer: storeB.token };
    await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'LAMP', name: 'Desk lamp', category: 'Home', priceMinor: 2500, taxClass: 'STANDARD' }] },
      admin,
    );
    await stock(storeA.id, 'LAMP', 50);
    customer = (await t.call('POST', '/api/customers', { name: 'Nora Number' }, admin)).body.id;
  });
  afterAll(() => t?.stop());

  it('each order gets its own SF- number, found by the spellings people type, only by those who may see the order', async () => {
    const first = (await place(a)).body;
    const second = (await place(a)).body;
    expect(first.orderNumber).toMatch(/^SF-\d{5,}$/);
    expect(second.orderNumber).toMatch(/^SF-\d{5,}$/);
    expect(Number(second.orderNumber.slice(3))).toBeGreaterThan(Number(first.orderNumber.slice(3)));
    // placing again with the same key answers the same order, with its number
    const again = await t.call(
      'POST',
      '/api/orders',
      {
        customerId: customer,
        placeKey: `numbers-${key}-${target.name}`,
        lines: [{ sku: 'LAMP', qty: 1 }],
        fulfilment: { type: 'PICKUP', storeId: storeA.id },
      },
      a,
    );
    expect(again.body).toMatchObject({ id: second.id, orderNumber: second.orderNumber });

    const digits = first.orderNumber.slice(3);
    for (const typed of [first.orderNumber, `sf${digits}`, `SF ${digits}`, ` sf-${digits} `]) {
      const found = await t.call('GET', `/api/orders/by-number/${encodeURIComponent(typed)}`, undefined, a);
      expect(found.status, typed).toBe(200);
      expect(found.body).toMatchObject({ id: first.id, orderNumber: first.orderNumber });
      expect(found.body.timeline.at(-1).kind).toBe('CONFIRMED');
    }
    // every read of the order carries it: by id, the customer's list, head office's search
    expect((await t.call('GET', `/api/orders/${first.id}`, undefined, a)).body.orderNumber).toBe(first.orderNumber);
    const listed = (await t.call('GET', `/api/customers/${customer}/orders`, undefined, a)).body.items;
    expect(listed.map((o: { orderNumber: string }) => o.orderNumber)).toEqual(
      expect.arrayContaining([first.orderNumber, second.orderNumber]),
    );
    const searched = await t.call('GET', `/api/orders?q=${first.orderNumber.toLowerCase()}`, undefined, admin);
    expect(searched.body.items.map((o: { id: string }) => o.id)).toEqual([first.id]);
    expect((await t.call('GET', '/api/orders?q=SF-1', undefined, admin)).body.items).toEqual([]);

    // another store gets exactly what a number that never was gets; nobody signed in gets 401
    const theirs = await t.call('GET', `/api/orders/by-number/${first.orderNumber}`, undefined, b);
    const never = await t.call('GET', '/api/orders/by-number/SF-999999999', undefined, b);
    expect(theirs.status).toBe(404);
    expect(never.status).toBe(404);
    expect(theirs.body.detail).toBe(`order ${first.orderNumber} not found`);
    expect((await t.call('GET', `/api/orders/by-number/${first.orderNumber}`, undefined, {})).status).toBe(401);
    // not a number: 400 problem+json before any query
    for (const bad of ['10482', 'SF-', 'SF-12a', "SF-1' OR 1=1", 'x'.repeat(40)]) {
      const res = await t.call('GET', `/api/orders/by-number/${encodeURIComponent(bad)}`, undefined, admin);
      expect(res.status, bad).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect((await t.call('GET', '/api/orders?q=nope', undefined, admin)).status).toBe(400);
  });

  it('the migration numbers the orders placed before it in the order they were placed, and the sequence goes on', async () => {
    const sql = readFileSync(new URL('../schema/008_order_numbers.sql', import.meta.url), 'utf8').replace(
      /--.*$/gm,
      '',
    );
    const schema = `numbering_${target.name.replace(/\W/g, '_')}`;
    const numbers = await t.hub.db.transaction(async (tx) => {
      await tx.query(`CREATE SCHEMA ${schema}`);
      await tx.query(`SET LOCAL search_path = ${schema}`);
      await tx.query('CREATE TABLE orders (id uuid PRIMARY KEY, created_at bigint NOT NULL)');
      await tx.query(
        `INSERT INTO orders VALUES ('00000000-0000-7000-8000-000000000002', 200), ('00000000-0000-7000-8000-000000000001', 100),
         ('00000000-0000-7000-8000-000000000003', 300)`,
      );
      for (const statement of sql.split(/;\s*$/m).map((x) => x.trim())) if (statement) await tx.query(statement);
      await tx.query(`INSERT INTO orders (id, created_at) VALUES ('00000000-0000-7000-8000-000000000004', 400)`);
      const { rows } = await tx.query<{ order_number: string }>('SELECT order_number FROM orders ORDER BY created_at');
      await tx.query(`DROP SCHEMA ${schema} CASCADE`);
      return rows.map((r) => r.order_number);
    });
    expect(numbers).toEqual(['SF-10001', 'SF-10002', 'SF-10003', 'SF-10004']);
  });

  it('the order’s hold reaches the store with its number and the keyed hash of a typed code the customer is shown', async () => {
    const order = (await place(a)).body;
    const hold = await t.call('GET', `/api/reservations/${order.reservationId}`, undefined, a);
    expect(hold.body.orderNumber).toBe(order.orderNumber);
    expect(hold.body.typedCode).toMatch(new RegExp(`^[${TYPED_CODE_ALPHABET}]{3}-[${TYPED_CODE_ALPHABET}]{3}$`));
    expect(hold.body.pickupCode).toMatch(/^SF1\./);
    expect(hold.body).not.toHaveProperty('pickupCodeHash');

    // the store's own token gets its hash key; head office and other callers do not
    const keyA = (await t.call('GET', '/api/reservations/pickup-key', undefined, a)).body.typedCodeKey as string;
    expect(keyA).toMatch(/^[\w-]{40,}$/);
    expect((await t.call('GET', '/api/reservations/pickup-key', undefined, admin)).body).not.toHaveProperty(
      'typedCodeKey',
    );
    expect((await t.call('GET', '/api/reservations/pickup-key', undefined, b)).body.typedCodeKey).not.toBe(keyA);

    // the feed entries of the hold (granted, confirmed) carry the number and the hash, never the code
    const { rows } = await t.hub.db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM sync_feed WHERE type = 'reservation.changed' AND payload ->> 'id' = $1 ORDER BY seq`,
      [order.reservationId],
    );
    expect(rows.length).toBeGreaterThan(0);
    const code = normaliseTypedCode(hold.body.typedCode)!;
    for (const { payload } of rows) {
      expect(reservationChangedSchema.safeParse(payload).success).toBe(true);
      expect(payload).toMatchObject({
        orderNumber: order.orderNumber,
        pickupCodeHash: typedCodeHash(keyA, code),
      });
      expect(JSON.stringify(payload)).not.toContain(code);
    }
    // nor is it stored in clear at the hub
    const stored = await t.hub.db.query('SELECT * FROM reservations WHERE id = $1', [order.reservationId]);
    expect(JSON.stringify(stored.rows[0])).not.toContain(code);
  });

  it('typed codes of a store’s open holds are all different', async () => {
    const holds = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.call(
          'POST',
          '/api/reservations',
          { storeId: storeA.id, customerRef: `Walk-in ${i}`, lines: [{ sku: 'LAMP', qty: 1 }] },
          a,
        ),
      ),
    );
    const codes = holds.map((h) => h.body.typedCode as string);
    expect(codes.every((c) => /^.{3}-.{3}$/.test(c))).toBe(true);
    expect(new Set(codes).size).toBe(codes.length);
    const { rows } = await t.hub.db.query<{ n: number }>(
      `SELECT count(DISTINCT pickup_code_hash)::int AS n FROM reservations WHERE store_id = $1 AND status IN ('HELD', 'CONFIRMED')`,
      [storeA.id],
    );
    const open = await t.hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM reservations WHERE store_id = $1 AND status IN ('HELD', 'CONFIRMED')`,
      [storeA.id],
    );
    expect(rows[0]!.n).toBe(open.rows[0]!.n);
  });
});
