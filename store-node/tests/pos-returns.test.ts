import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedTerminal } from '../src/pos/payment-terminal.js';
import { startTill, type Till } from './support/till-fixture.js';

/** Returns give the money back the way it came: to the card the sale was paid with, or in cash. */
describe('returns at the till', () => {
  let till: Till;
  beforeAll(async () => {
    till = await startTill();
  });
  afterAll(() => till?.stop());

  const sell = async (lines: Record<string, number>, tender: object) => {
    const saleId = await till.basket(lines);
    const sale = (await till.call('POST', `/api/pos/sales/${saleId}/tender`, tender)).body;
    expect(sale.status).toBe('COMPLETED');
    return sale as { id: string; number: string; totalMinor: number; tender: { reference: string } };
  };
  const giveBack = (saleId: string, items: { sku: string; qty: number }[], key?: string) =>
    till.call('POST', `/api/pos/sales/${saleId}/returns`, { items }, key ? { 'idempotency-key': key } : {});

  it('refuses at the lane a Scan & Go sale paid in the app (422): no cash from the drawer, nothing restocked', async () => {
    // As the Scan & Go feed records it at this store (door-service applyPaid): tender APP, the hub's payment ref.
    const saleId = '0190b000-0000-7000-8000-00000000a001';
    till.node.pos.repo.insertSale(
      {
        id: saleId,
        status: 'COMPLETED',
        currency: 'USD',
        subtotal_minor: 1000,
        tax_minor: 89,
        total_minor: 1089,
        tender_kind: 'APP',
        tender_ref: 'PAY-APP-1',
        cash_given_minor: null,
        opened_at: Date.parse('2026-03-02T08:00:00Z'),
        closed_at: Date.parse('2026-03-02T08:00:00Z'),
        void_reason: null,
        lane: null,
        number: null,
      },
      [{ sku: 'HEADPHONES', name: 'Wireless headphones', tax_class: 'STANDARD', unit_price_minor: 1000, qty: 1 }],
    );
    const refused = await giveBack(saleId, [{ sku: 'HEADPHONES', qty: 1 }]);
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/paid in the app: the refund goes back through the app/);
    expect(till.events('sale.returned', saleId)).toEqual([]);
    expect(till.node.pos.returns.repo.returnedQty(saleId).size).toBe(0);
  });

  it('refunds a card sale to its card, the exact amount, once per Idempotency-Key', async () => {
    const { terminal } = till;
    const sale = await sell({ HEADPHONES: 2 }, { kind: 'CARD' }); // $21.78
    const card = sale.tender.reference;
    const made = terminal.refundsMade;

    const first = await giveBack(sale.id, [{ sku: 'HEADPHONES', qty: 1 }], 'return-1');
    expect(first).toMatchObject({
      status: 201,
      body: { refundMinor: 1089, refund: { kind: 'CARD', reference: expect.stringMatching(/^SIMR-/) } },
    });
    const again = await giveBack(sale.id, [{ sku: 'HEADPHONES', qty: 1 }], 'return-1');
    expect(again).toEqual(first);
    expect(terminal.refundsMade).toBe(made + 1);
    expect(terminal.statement(card)).toMatchObject({ authorisedMinor: 2178, refundedMinor: 1089, chargedMinor: 1089 });
    expect(till.events('sale.returned', sale.id)).toEqual([
      {
        returnId: first.body.returnId,
        saleId: sale.id,
        number: 'S000-01-R00001',
        saleNumber: sale.number,
        currency: 'USD',
        at: till.clock.now,
        lines: [{ sku: 'HEADPHONES', qty: 1, refundMinor: 1089 }],
        refundMinor: 1089,
        refund: { kind: 'CARD', reference: first.body.refund.reference },
      },
    ]);

    const last = await giveBack(sale.id, [{ sku: 'HEADPHONES', qty: 1 }]);
    expect(last.body).toMatchObject({ refundMinor: 1089, refund: { kind: 'CARD' } });
    expect(terminal.statement(card)).toMatchObject({ refundedMinor: 2178, chargedMinor: 0 });
    expect((await giveBack(sale.id, [{ sku: 'HEADPHONES', qty: 1 }])).body.detail).toBe(
      `only 0 of Wireless headphones (HEADPHONES) from sale ${sale.number} can still be returned`,
    );
  });

  it('refunds a cash sale in cash', async () => {
    const sale = await sell({ CEREAL: 2, HEADPHONES: 1 }, { kind: 'CASH', givenMinor: 2000 });
    const made = till.terminal.refundsMade;
    const r = await giveBack(sale.id, [{ sku: 'CEREAL', qty: 2 }]);
    expect(r).toMatchObject({ status: 201, body: { refundMinor: 698, refund: { kind: 'CASH' } } });
    expect(till.terminal.refundsMade).toBe(made);
    expect(till.events('sale.returned', sale.id)).toEqual([
      expect.objectContaining({ refundMinor: 698, refund: { kind: 'CASH' } }),
    ]);
    expect(till.events('sale.completed', sale.id)).toEqual([
      {
        saleId: sale.id,
        lane: '01',
        number: sale.number,
        currency: 'USD',
        openedAt: till.clock.now,
        closedAt: till.clock.now,
        lines: [
          { sku: 'CEREAL', qty: 2, unitPriceMinor: 349, taxClass: 'REDUCED', subtotalMinor: 698, taxMinor: 0 },
          { sku: 'HEADPHONES', qty: 1, unitPriceMinor: 1000, taxClass: 'STANDARD', subtotalMinor: 1000, taxMinor: 89 },
        ],
        subtotalMinor: 1698,
        taxMinor: 89,
        totalMinor: 1787,
        tenders: [{ kind: 'CASH', amountMinor: 1787, givenMinor: 2000 }],
        rulesRevision: 0, // the store's pricing rules it was priced with (#25): none pulled yet
      },
    ]);
  });

  it('keeps a card return whose refund the terminal did not answer, holding its items, and completes it once on the retry', async () => {
    const { terminal, node } = till;
    const sale = await sell({ CEREAL: 1 }, { kind: 'CARD' });
    const onHand = node.pos.stock.onHand('CEREAL');
    terminal.refundsFail = true;
    const unheard = await giveBack(sale.id, [{ sku: 'CEREAL', qty: 1 }], 'return-2');
    expect(unheard.status).toBe(503);
    expect(unheard.body.detail).toMatch(
      new RegExp(
        `^the card terminal could not be reached to refund \\$3\\.49 to card payment ${sale.tender.reference} \\(the terminal is offline\\): return [0-9a-f-]{36} is kept`,
      ),
    );
    expect(node.pos.stock.onHand('CEREAL')).toBe(onHand);
    expect(till.events('sale.returned', sale.id)).toEqual([]);

    terminal.refundsFail = false;
    const made = terminal.refundsMade;
    const retried = await giveBack(sale.id, [{ sku: 'CEREAL', qty: 1 }], 'return-2');
    expect(retried).toMatchObject({ status: 201, body: { refundMinor: 349, refund: { kind: 'CARD' } } });
    expect(unheard.body.detail).toContain(`return ${retried.body.returnId} is kept`);
    expect(terminal.refundsMade).toBe(made + 1);
    expect(terminal.statement(sale.tender.reference)).toMatchObject({ chargedMinor: 0 });
    expect(node.pos.stock.onHand('CEREAL')).toBe(onHand + 1);
    expect(till.events('sale.returned', sale.id)).toHaveLength(1);
  });

  it('refuses a return that names a sku twice', async () => {
    const sale = await sell({ CEREAL: 2 }, { kind: 'CASH', givenMinor: 1000 });
    const r = await giveBack(sale.id, [
      { sku: 'CEREAL', qty: 1 },
      { sku: 'CEREAL', qty: 1 },
    ]);
    expect(r.status).toBe(400);
  });
});

describe('the simulated card terminal', () => {
  it('refunds no more than was charged, answers a repeated refund id with the first answer, and voids only its own approvals', async () => {
    const t = new SimulatedTerminal();
    const a = await t.authorise(1000, 'USD', 'sale-1');
    if (!a.approved) throw new Error('approved by default');
    expect(await t.refund(a.reference, 1001, 'USD', 'r-1')).toEqual({
      refunded: false,
      reason: `a refund of $10.01 is more than the $10.00 left on card payment ${a.reference}`,
    });
    const first = await t.refund(a.reference, 600, 'USD', 'r-2');
    expect(first).toMatchObject({ refunded: true });
    expect(await t.refund(a.reference, 600, 'USD', 'r-2')).toEqual(first);
    expect(await t.refund(a.reference, 500, 'USD', 'r-2')).toEqual({
      refunded: false,
      reason: 'refund id r-2 was used for another refund',
    });
    expect((await t.refund(a.reference, 500, 'USD', 'r-3')).refunded).toBe(false); // only $4.00 left
    expect(await t.refund(a.reference, 400, 'EUR', 'r-4')).toMatchObject({ refunded: false });
    expect(t.statement(a.reference)).toMatchObject({ refundedMinor: 600, chargedMinor: 400 });
    expect(t.refundsMade).toBe(1);
    expect(await t.void(a.reference, 'sale-2')).toEqual({
      voided: false,
      reason: `no card payment ${a.reference} for sale sale-2`,
    });
  });
});
