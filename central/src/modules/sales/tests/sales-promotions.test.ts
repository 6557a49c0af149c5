import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SaleCompleted } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { completed, parkedOf, StoreOutbox } from './sales-fixture.js';

const THREE_FOR_TWO = '0190a000-0000-7000-8000-000000000001';
const at = (iso: string) => Date.parse(iso);

/**
 * A sale priced with promotions (issue #25): 3 yoghurts at $1.29 on a 3-for-2 ($1.29 off the line), one coffee at
 * $5.00, 10 % tax on the nets; paid by `tender` (a Scan & Go sale arrives with an APP tender).
 */
function promoted(saleId: string, closedAt: number, tender: 'CARD' | 'APP'): SaleCompleted {
  const lines = [
    {
      sku: 'YOGHURT',
      qty: 3,
      unitPriceMinor: 129,
      taxClass: 'STANDARD',
      discountMinor: 129,
      subtotalMinor: 258,
      taxMinor: 26,
    },
    { sku: 'COFFEE', qty: 1, unitPriceMinor: 500, taxClass: 'STANDARD', subtotalMinor: 500, taxMinor: 50 },
  ];
  const totalMinor = 258 + 26 + 500 + 50;
  return {
    saleId,
    lane: tender === 'APP' ? null : '01',
    currency: 'USD',
    openedAt: closedAt - 60_000,
    closedAt,
    lines,
    subtotalMinor: 758,
    taxMinor: 76,
    totalMinor,
    tenders: [{ kind: tender, amountMinor: totalMinor, reference: `${tender}-${saleId}` }],
    promotions: [{ promotionId: THREE_FOR_TWO, name: '3 for 2 yoghurts', discountMinor: 129 }],
    rulesRevision: 42,
  };
}

describe.each(dbTargets)('the sales ledger takes discounts on $name', (target) => {
  let t: TestHub;
  let admin: string;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
  });
  afterAll(() => t?.stop());

  it('keeps each line’s discount and the sale’s promotions, counts APP tenders, and adds the discounts to the day; old events still apply', async () => {
    const s = await t.store('PROMO-1', admin);
    const o = new StoreOutbox(t, s.id);
    const lane = promoted('P-1', at('2024-06-03T15:00:00Z'), 'CARD');
    const app = promoted('P-2', at('2024-06-03T16:00:00Z'), 'APP');
    const old = completed('P-3', at('2024-06-03T17:00:00Z'), [['MUG', 2, 500]]); // no discounts: before #25
    expect(
      await o.send(o.event('sale.completed', lane), o.event('sale.completed', app), o.event('sale.completed', old)),
    ).toEqual({ ackedSeq: 3 });
    expect(await parkedOf(t, admin, s.id)).toEqual([]);

    const look = async (saleId: string) => {
      const r = await t.call('GET', `/api/sales/${saleId}`, undefined, { cookie: admin });
      expect(r.status).toBe(200);
      return r.body.matches[0].sale;
    };
    const one = await look('P-1');
    expect(one).toMatchObject({
      totalMinor: 834,
      discountMinor: 129,
      promotions: [{ promotionId: THREE_FOR_TWO, name: '3 for 2 yoghurts', discountMinor: 129 }],
      rulesRevision: 42,
    });
    expect(one.lines[0]).toMatchObject({ sku: 'YOGHURT', discountMinor: 129, subtotalMinor: 258 });
    expect(await look('P-2')).toMatchObject({
      discountMinor: 129,
      tenders: [{ kind: 'APP', amountMinor: 834, reference: 'APP-P-2' }],
    });
    expect(await look('P-3')).toMatchObject({ discountMinor: 0, promotions: null, rulesRevision: null });

    const daily = await t.call('GET', `/api/sales/daily?store=${s.id}&from=2024-06-03&to=2024-06-03`, undefined, {
      cookie: admin,
    });
    expect(daily.status).toBe(200);
    expect(daily.body.items).toEqual([
      expect.objectContaining({
        salesCount: 3,
        grossMinor: 834 + 834 + 1100,
        discountMinor: 258,
        netMinor: 834 + 834 + 1100,
      }),
    ]);

    // The same sale sent again under a new seq counts once: the day's discounts too.
    expect(await o.send(o.event('sale.completed', lane))).toEqual({ ackedSeq: 4 });
    const again = await t.call('GET', `/api/sales/daily?store=${s.id}&from=2024-06-03&to=2024-06-03`, undefined, {
      cookie: admin,
    });
    expect(again.body.items[0]).toMatchObject({ salesCount: 3, discountMinor: 258 });
  });

  it('parks a sale whose line discount is more than the line, changing nothing', async () => {
    const s = await t.store('PROMO-2', admin);
    const o = new StoreOutbox(t, s.id);
    const bad = promoted('P-9', at('2024-06-04T15:00:00Z'), 'CARD');
    const lying = { ...bad, lines: [{ ...bad.lines[0]!, discountMinor: 400 }, bad.lines[1]!] };
    expect(await o.send(o.event('sale.completed', lying))).toEqual({ ackedSeq: 1 });
    expect((await parkedOf(t, admin, s.id)).length).toBe(1);
    const r = await t.call('GET', '/api/sales/P-9', undefined, { cookie: admin });
    expect(r.status).toBe(404);
  });
});
