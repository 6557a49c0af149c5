import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { parkedOf, StoreOutbox } from '../../../../tests/support/store-outbox.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import { importProducts, newCustomer, saleOf, stockIn } from './signals-support.js';

// Issue #21, lane D1: the signals are optional for the modules that send them (`uses`, not `needs`): a hub assembled
// without recommendations confirms orders, fills carts and applies sales with a customer's card as before.
describe.each(dbTargets)('a hub without recommendations, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: { id: string; token: string };

  beforeAll(async () => {
    const modules = (await discoverModules()).filter((m) => m.name !== 'recommendations');
    t = await TestHub.start(target, { modules });
    admin = await t.login();
    store = await t.store('NORECS', admin);
    await importProducts(t, admin, ['LAMP']);
    await stockIn(t, store.id, 1, 'LAMP', 10); // the store's event 1: its sale below is event 2
  }, 120_000);
  afterAll(() => t?.stop());

  it('confirms an order, adds to a cart and applies a sale with a card, recording nothing anywhere', async () => {
    const customer = await newCustomer(t, admin, 'Nora Norecs');
    const pickup = { type: 'PICKUP', storeId: store.id };
    const order = await t.call(
      'POST',
      '/api/orders',
      { customerId: customer.id, placeKey: 'norecs-1', lines: [{ sku: 'LAMP', qty: 1 }], fulfilment: pickup },
      { cookie: admin },
    );
    expect(order.body.status).toBe('CONFIRMED');
    expect((await t.call('PUT', `/api/carts/${customer.id}/fulfilment`, pickup, { cookie: admin })).status).toBe(200);
    expect(
      (await t.call('POST', `/api/carts/${customer.id}/lines`, { sku: 'LAMP', qty: 1 }, { cookie: admin })).status,
    ).toBe(200);
    const outbox = new StoreOutbox(t, store.id);
    outbox.event('stock.moved', {}); // seq 1, sent above
    const sale = saleOf('S-NORECS-1', Date.now() - 60_000, [['LAMP', 1, 1000]], customer.card);
    expect(await outbox.send(outbox.event('sale.completed', sale))).toEqual({ ackedSeq: 2 });
    expect(await parkedOf(t, admin, store.id)).toEqual([]);
    const held = await t.call('GET', '/api/sales/S-NORECS-1', undefined, { cookie: admin });
    expect(held.status).toBe(200);
    const tables = await t.hub.db.query(
      "SELECT 1 FROM information_schema.tables WHERE table_name = 'recs_interactions'",
    );
    expect(tables.rows).toEqual([]); // the module's schema is not there: nothing could have been recorded
  });
});
