import { afterEach, describe, expect, it } from 'vitest';
import { startTill, type Till } from './support/till-fixture.js';

/** A customer card whose GS1 check digit (the last 6) was worked out by hand: 29 1234567890123 6. */
const CARD = '2912345678901236';
const MASKED = '••••••••••••1236';

/** #21: the customer's loyalty card shown at the lane, kept with the basket and sent on `sale.completed`. */
describe('the customer card at the lane', () => {
  const tills: Till[] = [];
  afterEach(async () => {
    for (const t of tills.splice(0)) await t.stop();
  });
  const till = async (opts: Parameters<typeof startTill>[0] = {}) => {
    const t = await startTill({ lane: 2, storeCode: 'S001', ...opts });
    tills.push(t);
    return t;
  };
  const pay = (t: Till, id: string) =>
    t.call('POST', `/api/pos/sales/${id}/tender`, { kind: 'CASH', givenMinor: 100_000 });
  const cardColumn = (t: Till, id: string) =>
    t.node.db.prepare('SELECT customer_card FROM pos_baskets WHERE sale_id = ?').pluck().get(id);

  it('shows the card masked, sends it whole on sale.completed, and prints only its last four digits', async () => {
    const t = await till();
    const id = await t.basket({ HEADPHONES: 1, CEREAL: 2 });
    // As a cashier types it from the card, in groups of four.
    const put = await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: '2912 3456 7890 1236' });
    expect(put).toMatchObject({ status: 200, body: { id, status: 'OPEN', customerCard: MASKED } });
    expect(JSON.stringify(put.body)).not.toContain(CARD);
    expect((await t.call('GET', '/api/pos/lane')).body.open.customerCard).toBe(MASKED);

    const paid = await pay(t, id);
    expect(paid).toMatchObject({ status: 200, body: { status: 'COMPLETED', customerCard: MASKED } });
    const [event] = t.events('sale.completed', id);
    expect(event).toMatchObject({ saleId: id, customerCard: CARD, totalMinor: 1000 + 89 + 698 });
    expect(paid.body.receipt).toContain('Customer card ending 1236');
    expect(paid.body.receipt).not.toContain(CARD);
    // Read back later (a reprint, a return at another lane): still masked, the whole number is not on the sale.
    const again = await t.call('GET', `/api/pos/sales/${id}`);
    expect(again.body).toMatchObject({ customerCard: MASKED, receipt: paid.body.receipt });
    expect(JSON.stringify(t.node.db.prepare('SELECT * FROM sales WHERE id = ?').get(id))).not.toContain(CARD);
  });

  it('refuses a card number with a wrong check digit, or no card number at all, in words, and changes nothing', async () => {
    const t = await till();
    const id = await t.basket({ CEREAL: 1 });
    const outbox = () => t.node.db.prepare('SELECT count(*) FROM sync_outbox').pluck().get();
    const before = { view: (await t.call('GET', `/api/pos/sales/${id}`)).body, outbox: outbox() };

    const misread = await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: '2912345678901235' });
    expect(misread.status).toBe(422);
    expect(misread.body.detail).toBe(
      'Customer card ••••••••••••1235 does not check out (a digit was misread or mistyped): scan the card again, or type the number carefully.',
    );
    for (const card of ['29123456789012', '1912345678901236', '29123456789012361', 'abc', '']) {
      const bad = await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card });
      expect(bad.status, card).toBeGreaterThanOrEqual(400);
      expect(bad.status, card).toBeLessThan(500);
      expect(bad.body.detail, card).toBeTruthy();
    }
    const wrongShape = await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: CARD, extra: 1 });
    expect(wrongShape.status).toBe(400);
    expect(cardColumn(t, id)).toBeNull();
    expect({ view: (await t.call('GET', `/api/pos/sales/${id}`)).body, outbox: outbox() }).toEqual(before);

    // A good card then a misread one: the good one stays.
    await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: CARD });
    expect((await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: '2912345678901230' })).status).toBe(422);
    expect(cardColumn(t, id)).toBe(CARD);
  });

  it('keeps the card with the open basket over a restart of the store node', async () => {
    const t = await till();
    const id = await t.basket({ HEADPHONES: 1 });
    await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: CARD });
    await t.stop();
    tills.pop();

    const again = await till({ dbPath: t.dbPath });
    expect((await again.call('GET', '/api/pos/lane')).body.open).toMatchObject({ id, customerCard: MASKED });
    expect((await pay(again, id)).status).toBe(200);
    expect(again.events('sale.completed', id)[0]).toMatchObject({ customerCard: CARD });
  });

  it('sends no card once it is removed, and a removal with no card there is fine', async () => {
    const t = await till();
    const id = await t.basket({ CEREAL: 1 });
    await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: CARD });
    const removed = await t.call('DELETE', `/api/pos/sales/${id}/customer-card`);
    expect(removed).toMatchObject({ status: 200, body: { id, customerCard: null } });
    expect((await t.call('DELETE', `/api/pos/sales/${id}/customer-card`)).body.customerCard).toBeNull();
    const paid = await pay(t, id);
    expect(paid.body.receipt).not.toContain('Customer card');
    const [event] = t.events('sale.completed', id);
    expect(event).toBeDefined();
    expect(event).not.toHaveProperty('customerCard');
  });

  it('carries the card on a card sale completed later from an approval the node kept, and cannot change it meanwhile', async () => {
    const t = await till();
    const id = await t.basket({ CEREAL: 3 });
    await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: CARD });
    const heal = t.breakCommits('fault');
    t.terminal.voidsFail = true;
    expect((await t.call('POST', `/api/pos/sales/${id}/tender`, { kind: 'CARD' })).status).toBe(500);
    expect((await t.call('GET', `/api/pos/sales/${id}`)).body).toMatchObject({
      payment: 'AUTHORISING',
      customerCard: MASKED,
    });
    // Waiting for the terminal's word: the card stays as it was.
    expect((await t.call('DELETE', `/api/pos/sales/${id}/customer-card`)).status).toBe(409);
    expect((await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: '2900000000000005' })).status).toBe(409);

    heal();
    t.terminal.voidsFail = false;
    const paid = await t.call('POST', `/api/pos/sales/${id}/tender`, { kind: 'CARD' });
    expect(paid.body).toMatchObject({ status: 'COMPLETED', customerCard: MASKED });
    expect(t.events('sale.completed', id)).toEqual([expect.objectContaining({ customerCard: CARD, totalMinor: 1047 })]);
  });

  it('takes a card only on an open basket of this lane, and a retried PUT with the same Idempotency-Key answers the first result', async () => {
    const t = await till();
    const id = await t.basket({ CEREAL: 1 });
    const key = { 'idempotency-key': 'card-retry-1' };
    const first = await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: CARD }, key);
    await t.call('DELETE', `/api/pos/sales/${id}/customer-card`);
    const retried = await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: CARD }, key);
    expect(retried).toEqual(first);
    expect(cardColumn(t, id)).toBeNull(); // the retry was answered, not done again

    // Another lane's screen may not put a card on lane 2's customer.
    const otherLane = await t.call(
      'PUT',
      `/api/pos/sales/${id}/customer-card`,
      { card: CARD },
      {
        cookie: 'sf_screen=pos; sf_lane=3',
      },
    );
    expect(otherLane.status).toBe(403);
    expect(cardColumn(t, id)).toBeNull();

    await pay(t, id);
    const late = await t.call('PUT', `/api/pos/sales/${id}/customer-card`, { card: CARD });
    expect(late.status).toBe(409);
    expect(t.events('sale.completed', id)[0]).not.toHaveProperty('customerCard');
  });
});
