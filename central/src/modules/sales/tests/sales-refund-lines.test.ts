import { applyRatePpm, money, type SaleCompleted } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';
import { SalesRepository } from '../repository.js';
import { ReturnJudge, type SaleFacts } from '../return-checks.js';
import { MAX_PENDING_RETURNS } from '../service.js';
import type { NewReturn } from '../types.js';
import { completed, parkedOf, returned, StoreOutbox } from './sales-fixture.js';

const noon = Date.parse('2024-08-01T12:00:00Z');

/** What the till charges or refunds for `qty` units of a line (basket-rules.ts `lineTotals`): subtotal + its tax, rounded. */
const tillTotal = (unit: number, qty: number, ratePpm: number) =>
  unit * qty + applyRatePpm(money(unit * qty, 'USD'), ratePpm).minor;

/** A paid sale of 3 pens at 10¢ taxed 5% (line tax 1.5¢ → 2¢, while one pen's tax 0.5¢ → 1¢) and a $5 mug. */
function pensAndMug(saleId: string): SaleCompleted {
  const pens = {
    sku: 'PEN',
    qty: 3,
    unitPriceMinor: 10,
    taxClass: 'REDUCED',
    subtotalMinor: 30,
    taxMinor: tillTotal(10, 3, 50_000) - 30,
  };
  const base = completed(saleId, noon, [['MUG', 1, 500]]);
  const lines = [pens, ...base.lines];
  const subtotalMinor = 530;
  const taxMinor = pens.taxMinor + base.lines[0]!.taxMinor;
  return {
    ...base,
    lines,
    subtotalMinor,
    taxMinor,
    totalMinor: subtotalMinor + taxMinor,
    tenders: [{ kind: 'CASH', amountMinor: subtotalMinor + taxMinor, givenMinor: 10_000 }],
  };
}

describe.each(dbTargets)('a return refunds no more per line than the line took, on $name', (target) => {
  const hub = signedInHub(target);

  const statuses = async (saleId: string) =>
    (await hub.t.call('GET', `/api/sales/${saleId}`, undefined, { cookie: hub.admin })).body.matches[0].returns.map(
      (r: { returnId: string; status: string; refusedReason: string | null }) => [
        r.returnId,
        r.status,
        r.refusedReason,
      ],
    );

  it('refuses a 1¢ line refunding $10, naming the line and both numbers, whether its sale is held or arrives later', async () => {
    const s = await hub.t.store('LINE-A', hub.admin);
    const o = new StoreOutbox(hub.t, s.id);
    const sale = completed('L-1', noon, [
      ['MUG', 1, 5_000],
      ['CANDY', 1, 1],
    ]); // took 5,501 in all, 1 for the candy
    await o.send(o.event('sale.returned', returned('L-R0', 'L-2', noon + 1, 'CANDY', 1, 1_000))); // L-2 not held yet: waits
    expect(
      await o.send(
        o.event('sale.completed', sale),
        o.event('sale.returned', returned('L-R1', 'L-1', noon + 2, 'CANDY', 1, 1_000)),
      ),
    ).toEqual({ ackedSeq: 3 });
    expect(await parkedOf(hub.t, hub.admin, s.id)).toEqual([
      {
        seq: 3,
        type: 'sale.returned',
        reason:
          "rejected by sale.returned handler: return L-R1 of sale L-1: it refunds 1000 for 1 of CANDY but the sale's CANDY line took 1 for 1, of which 0 is already refunded: at most 1 can be refunded for 1",
      },
    ]);
    await o.send(o.event('sale.completed', { ...sale, saleId: 'L-2' }));
    expect(await statuses('L-2')).toEqual([
      [
        'L-R0',
        'REFUSED',
        "return L-R0 of sale L-2: it refunds 1000 for 1 of CANDY but the sale's CANDY line took 1 for 1, of which 0 is already refunded: at most 1 can be refunded for 1",
      ],
    ]);
  });

  it("counts the till's own partial returns of one line, a cent of tax rounding each, and refuses a cent more", async () => {
    const s = await hub.t.store('LINE-B', hub.admin);
    const o = new StoreOutbox(hub.t, s.id);
    const one = tillTotal(10, 1, 50_000); // 11: the till's refund of one pen, 33 for three on a line that took 32
    const answer = await o.send(
      o.event('sale.completed', pensAndMug('P-1')),
      o.event('sale.returned', returned('P-R1', 'P-1', noon + 1, 'PEN', 1, one)),
      o.event('sale.returned', returned('P-R2', 'P-1', noon + 2, 'PEN', 1, one)),
      o.event('sale.returned', returned('P-R3', 'P-1', noon + 3, 'PEN', 1, one + 1)),
      o.event('sale.returned', returned('P-R4', 'P-1', noon + 4, 'PEN', 1, one)),
    );
    expect(answer).toEqual({ ackedSeq: 5 });
    expect(await parkedOf(hub.t, hub.admin, s.id)).toEqual([
      {
        seq: 4,
        type: 'sale.returned',
        reason:
          "rejected by sale.returned handler: return P-R3 of sale P-1: it refunds 12 for 1 of PEN but the sale's PEN line took 32 for 3, of which 22 is already refunded: at most 11 can be refunded for 1",
      },
    ]);
    expect((await statuses('P-1')).map((r: unknown[]) => r.slice(0, 2))).toEqual([
      ['P-R1', 'COUNTED'],
      ['P-R2', 'COUNTED'],
      ['P-R4', 'COUNTED'],
    ]);
  });

  it(`parks a new return waiting for an unseen sale once ${MAX_PENDING_RETURNS} of the store's already wait; one of a held sale still counts`, async () => {
    const s = await hub.t.store('LINE-C', hub.admin);
    const waiting: NewReturn[] = Array.from({ length: MAX_PENDING_RETURNS }, (_, i) => ({
      ...returned(`W-${i}`, `UNSEEN-${i}`, noon, 'MUG', 1, 550),
      number: null,
      saleNumber: null,
      day: '2024-08-01',
      originSeq: 0,
      status: 'PENDING',
    }));
    await new SalesRepository(hub.t.hub.db).insertReturns(s.id, waiting, noon);
    const o = new StoreOutbox(hub.t, s.id);
    const answer = await o.send(
      o.event('sale.completed', completed('H-1', noon, [['MUG', 1, 500]])),
      o.event('sale.returned', returned('H-R1', 'H-1', noon + 1, 'MUG', 1, 550)),
      o.event('sale.returned', returned('X-R1', 'UNSEEN-X', noon + 2, 'MUG', 1, 550)),
    );
    expect(answer).toEqual({ ackedSeq: 3 });
    expect(await parkedOf(hub.t, hub.admin, s.id)).toEqual([
      {
        seq: 3,
        type: 'sale.returned',
        reason: `rejected by sale.returned handler: return X-R1 of sale UNSEEN-X: too many returns wait for sales this hub has not seen (${MAX_PENDING_RETURNS}); it is parked until its sale arrives`,
      },
    ]);
    expect(await statuses('H-1')).toEqual([['H-R1', 'COUNTED', null]]);
  });
});

describe('the per-line refund rule accepts every refund the till makes', () => {
  const rates = [0, 45_000, 50_000, 88_750, 100_000, 125_000, 333_333];
  it('for every unit price up to $2, line of 1–6 units, rate, returned one unit at a time or all but one then the last', () => {
    let judged = 0;
    for (const rate of rates) {
      for (let unit = 1; unit <= 200; unit++) {
        for (let sold = 1; sold <= 6; sold++) {
          const took = tillTotal(unit, sold, rate);
          const sale: SaleFacts = {
            saleId: 'S',
            status: 'COMPLETED',
            currency: 'USD',
            totalMinor: took + 1_000_000,
            lines: [
              { sku: 'A', qty: sold, subtotalMinor: unit * sold, taxMinor: took - unit * sold },
              { sku: 'B', qty: 1, subtotalMinor: 1_000_000, taxMinor: 0 },
            ],
          };
          for (const split of [Array<number>(sold).fill(1), sold > 1 ? [sold - 1, 1] : [1]]) {
            const judge = new ReturnJudge([sale], []);
            split.forEach((qty, i) => {
              const refundMinor = tillTotal(unit, qty, rate);
              const v = judge.judge({
                returnId: `R${i}`,
                saleId: 'S',
                currency: 'USD',
                refundMinor,
                lines: [{ sku: 'A', qty, refundMinor }],
              });
              expect(v, `unit ${unit}, rate ${rate} ppm, ${sold} sold, returns of ${split.join('+')}`).toEqual({
                status: 'COUNTED',
              });
              judged++;
            });
          }
        }
      }
    }
    expect(judged).toBeGreaterThan(10_000);
  });
});
