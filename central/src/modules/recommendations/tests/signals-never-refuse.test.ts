import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { parkedOf, StoreOutbox } from '../../../../tests/support/store-outbox.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { importProducts, interactionsOf, newCustomer, saleOf, stockIn } from './signals-support.js';

// Issue #21: recommendations never refuse an order's confirmation or a sale. Here every insert into the interactions
// table throws (a trigger the test adds): the order still ends CONFIRMED and the sale applies, without purchases.
describe.each(dbTargets)('purchases that cannot be recorded, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: { id: string; token: string };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    store = await t.store('REFUSE', admin);
    await importProducts(t, admin, ['LAMP']);
    await stockIn(t, store.id, 1, 'LAMP', 10); // the store's event 1: its sale below is event 2
    await t.hub.db.exec(`
      CREATE FUNCTION recs_test_refuse() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'the interactions table refuses every row (test)'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER recs_test_refuse BEFORE INSERT ON recs_interactions
        FOR EACH ROW EXECUTE FUNCTION recs_test_refuse();`);
  }, 120_000);
  afterAll(() => t?.stop());

  it('confirms the order and applies the sale with a card; neither records a purchase', async () => {
    const customer = await newCustomer(t, admin, 'Rita Refused');
    const pickup = { type: 'PICKUP', storeId: store.id };
    const order = await t.call(
      'POST',
      '/api/orders',
      { customerId: customer.id, placeKey: 'refuse-1', lines: [{ sku: 'LAMP', qty: 1 }], fulfilment: pickup },
      { cookie: admin },
    );
    expect(order.body.status).toBe('CONFIRMED');
    const read = await t.call('GET', `/api/orders/${order.body.id}`, undefined, { cookie: admin });
    expect(read.body.status).toBe('CONFIRMED');

    const outbox = new StoreOutbox(t, store.id);
    outbox.event('stock.moved', {}); // seq 1, sent above
    const sale = saleOf('S-REFUSE-1', Date.now() - 60_000, [['LAMP', 1, 1000]], customer.card);
    expect(await outbox.send(outbox.event('sale.completed', sale))).toEqual({ ackedSeq: 2 });
    expect(await parkedOf(t, admin, store.id)).toEqual([]);
    expect((await t.call('GET', '/api/sales/S-REFUSE-1', undefined, { cookie: admin })).status).toBe(200);

    expect(await interactionsOf(t, 'order')).toEqual([]);
    expect(await interactionsOf(t, 'pos')).toEqual([]);
  });
});
