import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcEncode } from '@storefleet/shared';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/**
 * A store's event whose payload breaks its shared schema (shared/src/protocol/events.ts) is refused by the hub's
 * handler and parked alone, with the reason; the events beside it in the same batch apply. (The sales events are
 * covered the same way in modules/sales/tests/sales-ledger.test.ts.)
 */
describe.each(dbTargets)('a store event with a malformed payload at the hub on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: { id: string };
  let seq = 0;
  const event = (type: string, payload: unknown) => {
    seq++;
    return {
      origin: store.id,
      seq,
      hlc: hlcEncode({ wallMs: Date.now(), counter: seq, node: store.id }),
      type,
      payload,
    };
  };
  const send = (...events: ReturnType<typeof event>[]) => t.hub.sync.repo.applyBatch(store.id, events, 0);
  const parked = async () =>
    (
      (await t.call('GET', `/api/sync/parked?storeId=${store.id}`, undefined, { cookie: admin })).body.items as {
        seq: number;
        reason: string;
      }[]
    ).map((p) => [p.seq, p.reason]);
  const onHand = async (sku: string) =>
    (
      await t.hub.db.query<{ on_hand: number }>(
        'SELECT on_hand FROM inventory_stock WHERE store_id = $1 AND sku = $2',
        [store.id, sku],
      )
    ).rows[0]?.on_hand;
  const holdStatus = async (id: string) =>
    (await t.call('GET', `/api/reservations/${id}`, undefined, { cookie: admin })).body.status;
  const hold = async () =>
    (
      await t.call(
        'POST',
        '/api/reservations',
        { storeId: store.id, customerRef: 'cust-1', lines: [{ sku: 'LAMP', qty: 1 }] },
        { cookie: admin },
      )
    ).body.id as string;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    store = await t.store('WIRE-A', admin);
    await t.hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at) VALUES ('LAMP', 'Lamp', 'Test', 100, 'USD', 'STANDARD', 1)`,
    );
  });
  afterAll(() => t?.stop());

  it('stock.moved: parks the movement with a field the schema does not know, counts its neighbours', async () => {
    await send(
      event('stock.moved', { sku: 'LAMP', delta: 10, kind: 'RECEIVE' }),
      event('stock.moved', { sku: 'LAMP', delta: 5, kind: 'RECEIVE', note: 'extra' }),
      event('stock.moved', { sku: 'LAMP', delta: 2, kind: 'RECEIVE' }),
    );
    expect(await onHand('LAMP')).toBe(12);
    expect(await parked()).toEqual([
      [2, expect.stringMatching(/^rejected by stock\.moved handler: invalid payload \(.*note/)],
    ]);
  });

  it.each(['reservation.picked-up', 'reservation.no-show'])(
    '%s: parks the one whose payload breaks the schema, applies its neighbours',
    async (type) => {
      const ended = type === 'reservation.picked-up' ? 'FULFILLED' : 'RELEASED';
      const [h1, h2, h3] = [await hold(), await hold(), await hold()];
      const before = (await parked()).length;
      await send(
        event(type, { reservationId: h1 }),
        event(type, { reservationId: h2, pickedUpBy: 'someone' }),
        event(type, { reservationId: h3 }),
      );
      expect([await holdStatus(h1), await holdStatus(h2), await holdStatus(h3)]).toEqual([ended, 'HELD', ended]);
      expect((await parked()).slice(before)).toEqual([
        [seq - 1, `rejected by ${type} handler: invalid ${type} payload: (root): Unrecognized key: "pickedUpBy"`],
      ]);
    },
  );
});
