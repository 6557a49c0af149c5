import { afterEach, describe, expect, it } from 'vitest';
import { createStoreNode, storeNodeConfigFromEnv } from '../src/index.js';
import { basketExpiryMinutes } from '../src/config.js';
import { STORE_DISK_FULL } from '../src/store-node.js';
import { startTill, type Till } from './support/till-fixture.js';

/**
 * A card approved at the terminal is never left charged for a sale the store did not record: a commit that fails
 * after the approval voids it, voiding a basket voids its approved card, and so does the expiry of an idle basket.
 */
describe('card approvals the till could not turn into a sale', () => {
  let till: Till | undefined;
  afterEach(async () => {
    await till?.stop();
    till = undefined;
  });

  it('voids a card approved when the sale then cannot be recorded (disk full): nothing charged, the basket says so, no event', async () => {
    till = await startTill();
    const { call, terminal, node } = till;
    const saleId = await till.basket({ HEADPHONES: 2 }); // $20.00 + $1.78 tax
    const outboxBefore = node.sync.outbox.head();
    const heal = till.breakCommits('disk-full');

    const refused = await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' });
    expect(refused).toMatchObject({ status: 507, body: { detail: STORE_DISK_FULL } });
    expect(terminal.authorisations).toBe(1);
    const record = await terminal.lookup(saleId);
    expect(record).toMatchObject({ state: 'voided' });
    const reference = (record as { reference: string }).reference;
    expect(terminal.statement(reference)).toMatchObject({ authorisedMinor: 2178, voided: true, chargedMinor: 0 });

    const basket = (await call('GET', `/api/pos/sales/${saleId}`)).body;
    expect(basket).toMatchObject({ status: 'OPEN', payment: null, totalMinor: 2178 });
    expect(basket.note).toBe(
      `The card was approved but the sale was not completed (the sale could not be recorded: database or disk is full), so card payment ${reference} was voided: the customer was not charged. Take payment again.`,
    );
    expect(node.sync.outbox.head()).toBe(outboxBefore); // no stock move, no sale event left for the hub
    expect(node.db.prepare('SELECT count(*) FROM sales WHERE id = ?').pluck().get(saleId)).toBe(0);

    heal();
    const paid = await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' });
    expect(paid.body).toMatchObject({ status: 'COMPLETED', totalMinor: 2178, tender: { kind: 'CARD' } });
    expect(paid.body.tender.reference).not.toBe(reference);
    expect(terminal.statement(paid.body.tender.reference)).toMatchObject({ chargedMinor: 2178, voided: false });
    expect(terminal.statement(reference)).toMatchObject({ chargedMinor: 0 });
    expect(till.eventsAbout(saleId)).toEqual(['stock.moved', 'sale.completed']);
    expect(till.events('sale.completed', saleId)).toEqual([
      expect.objectContaining({
        totalMinor: 2178,
        tenders: [{ kind: 'CARD', amountMinor: 2178, reference: paid.body.tender.reference }],
      }),
    ]);
  });

  it('keeps an approval it could not void, completes nothing on it, and voids the card when the basket is voided', async () => {
    till = await startTill();
    const { call, terminal } = till;
    const saleId = await till.basket({ CEREAL: 3 }); // $10.47, untaxed
    const heal = till.breakCommits('fault');
    terminal.voidsFail = true;

    expect((await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' })).status).toBe(500);
    const reference = ((await terminal.lookup(saleId)) as { reference: string }).reference;
    expect(terminal.statement(reference)).toMatchObject({ chargedMinor: 1047, voided: false });
    const waiting = (await call('GET', `/api/pos/sales/${saleId}`)).body;
    expect(waiting).toMatchObject({ status: 'OPEN', payment: 'AUTHORISING' });
    expect(waiting.note).toBe(
      `The card was approved (${reference}) but the sale was not completed (the sale could not be recorded: the sale could not be written (injected)), and the card terminal could not void it (the terminal could not be reached: the terminal is offline): the sale completes with this payment once it can be recorded, or void the sale to void the card.`,
    );
    expect((await call('POST', `/api/pos/sales/${saleId}/lines`, { code: 'CEREAL' })).status).toBe(409);

    terminal.voidsFail = false;
    const voided = await call('POST', `/api/pos/sales/${saleId}/void`);
    expect(voided.body).toMatchObject({
      status: 'VOIDED',
      tender: { kind: 'CARD', reference },
      note: `Voided at the lane. Card payment ${reference} was voided at the terminal: the customer was not charged.`,
    });
    expect(terminal.statement(reference)).toMatchObject({ voided: true, chargedMinor: 0 });
    expect(terminal.authorisations).toBe(1);
    expect(till.eventsAbout(saleId)).toEqual(['sale.voided']);
    expect(till.events('sale.voided', saleId)).toEqual([
      {
        saleId,
        lane: '01',
        number: voided.body.number,
        currency: 'USD',
        openedAt: till.clock.now,
        voidedAt: till.clock.now,
        lines: [{ sku: 'CEREAL', qty: 3 }],
        voidedCardReference: reference,
      },
    ]);
    heal();
  });

  it('voids baskets left untouched past the expiry at the hourly housekeeping, an approved card first, and keeps a recent one', async () => {
    till = await startTill({ basketExpiryMinutes: 240 });
    const { call, terminal, clock, node } = till;
    const t0 = clock.now;
    const idle = await till.basket({ HEADPHONES: 1 });
    const withCard = await till.basket({ CEREAL: 1 });
    const heal = till.breakCommits('fault');
    terminal.voidsFail = true;
    await call('POST', `/api/pos/sales/${withCard}/tender`, { kind: 'CARD' }); // approved, not recorded, void unheard
    heal();
    terminal.voidsFail = false;
    const card = ((await terminal.lookup(withCard)) as { reference: string }).reference;
    const recent = await till.basket({ CEREAL: 2 });
    clock.now = t0 + 3 * 3_600_000;
    await call('PUT', `/api/pos/sales/${recent}/lines/CEREAL`, { qty: 1 }); // touched an hour before the expiry check

    clock.now = t0 + 4 * 3_600_000 + 60_000;
    await node.housekeeping();

    expect((await call('GET', `/api/pos/sales/${idle}`)).body).toMatchObject({
      status: 'VOIDED',
      note: 'Voided by the store node: nobody touched this basket for 4 h.',
    });
    expect((await call('GET', `/api/pos/sales/${withCard}`)).body).toMatchObject({
      status: 'VOIDED',
      note: `Voided by the store node: nobody touched this basket for 4 h. Card payment ${card} was voided at the terminal: the customer was not charged.`,
    });
    expect(terminal.statement(card)).toMatchObject({ voided: true, chargedMinor: 0 });
    expect((await call('GET', `/api/pos/sales/${recent}`)).body).toMatchObject({
      status: 'OPEN',
      lines: [expect.objectContaining({ sku: 'CEREAL', qty: 1 })],
    });
    expect(till.events('sale.voided', idle)).toEqual([
      expect.objectContaining({ lines: [{ sku: 'HEADPHONES', qty: 1 }], voidedCardReference: null }),
    ]);
    expect(till.events('sale.voided', withCard)).toEqual([expect.objectContaining({ voidedCardReference: card })]);
    expect(till.eventsAbout(recent)).toEqual([]);

    await node.housekeeping(); // again: nothing more to do, nothing voided twice
    expect(till.events('sale.voided', idle)).toHaveLength(1);
  });

  it('refuses an expiry that is not a number of minutes from 15 to a week, at start', () => {
    expect(basketExpiryMinutes(undefined)).toBe(240);
    expect(storeNodeConfigFromEnv({ STORE_BASKET_EXPIRY_MINUTES: '90' }).basketExpiryMinutes).toBe(90);
    for (const bad of ['abc', '', '0', '14', '10081', '2.5', 'NaN']) {
      expect(() => storeNodeConfigFromEnv({ STORE_BASKET_EXPIRY_MINUTES: bad })).toThrow(
        `STORE_BASKET_EXPIRY_MINUTES (basketExpiryMinutes) must be a whole number of minutes from 15 to 10080 (a week), not "${bad}"`,
      );
    }
    expect(() => createStoreNode({ dbPath: ':memory:', basketExpiryMinutes: Number.NaN })).toThrow(
      /basketExpiryMinutes/,
    );
  });
});
