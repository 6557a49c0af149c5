import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';
import { completed, parkedOf, returned, StoreOutbox, voided } from './sales-fixture.js';

const noon = Date.parse('2024-08-01T12:00:00Z');
const nextDay = noon + 86_400_000;

describe.each(dbTargets)('returns checked against their sales on $name', (target) => {
  const hub = signedInHub(target);

  const daily = async (storeId: string, from = '2024-08-01', to = '2024-08-02') => {
    const r = await hub.t.call('GET', `/api/sales/daily?store=${storeId}&from=${from}&to=${to}`, undefined, {
      cookie: hub.admin,
    });
    expect(r.status).toBe(200);
    return r.body.items.map((d: Record<string, unknown>) => ({
      day: d.day,
      currency: d.currency,
      sales: d.salesCount,
      gross: d.grossMinor,
      returns: d.returnsCount,
      refunds: d.returnsMinor,
      net: d.netMinor,
    }));
  };
  const lookup = (saleId: string, who: { cookie?: string; bearer?: string } = { cookie: hub.admin }) =>
    hub.t.call('GET', `/api/sales/${saleId}`, undefined, who);
  const returnsOf = async (saleId: string) =>
    (await lookup(saleId)).body.matches[0].returns.map(
      (r: { returnId: string; status: string; refusedReason: string | null }) => [
        r.returnId,
        r.status,
        r.refusedReason,
      ],
    );

  it('parks a lying sale and every return that does not fit its sale, with the reason; the rest of the batch applies and the totals stay true', async () => {
    const a = await hub.t.store('CHECK-A', hub.admin);
    const b = await hub.t.store('CHECK-B', hub.admin);
    const oa = new StoreOutbox(hub.t, a.id);
    const ob = new StoreOutbox(hub.t, b.id);
    expect(await ob.send(ob.event('sale.completed', completed('SALE-B-1', noon, [['MUG', 1, 500]])))).toEqual({
      ackedSeq: 1,
    });

    const cheap = completed('A-LIE', noon, [['MUG', 1, 1]]);
    const lie = { ...cheap, totalMinor: 100_000_000_000, tenders: [{ kind: 'CASH', amountMinor: 0, givenMinor: 0 }] };
    const answer = await oa.send(
      oa.event('sale.completed', completed('A-1', noon, [['MUG', 1, 500]])), // 1: total 550
      oa.event('sale.completed', lie), // 2
      oa.event('sale.returned', returned('A-R1', 'A-1', noon + 1, 'MUG', 1, 100_000_000_000)), // 3: refunds past the sale
      oa.event('sale.returned', { ...returned('A-R2', 'A-1', noon + 2, 'MUG', 1, 550), currency: 'EUR' }), // 4
      oa.event('sale.returned', returned('A-R3', 'A-1', noon + 3, 'MUG', 5, 500)), // 5: more than was sold
      oa.event('sale.returned', returned('A-R4', 'A-1', noon + 4, 'TEA', 1, 275)), // 6: not sold at all
      oa.event('sale.returned', returned('A-R5', 'A-1', noon + 5, 'MUG', 1, 550)), // 7: fits: counted
      oa.event('sale.returned', returned('A-R6', 'A-1', noon + 6, 'MUG', 1, 550)), // 8: the mug already came back
      oa.event('sale.returned', returned('A-R7', 'NO-SUCH-SALE', noon + 7, 'MUG', 5, 77_777)), // 9: sale unknown: waits
      oa.event('sale.returned', returned('A-R8', 'A-LIE', noon + 8, 'MUG', 1, 1)), // 10: its sale was parked: waits
      oa.event('sale.completed', completed('SALE-B-1', noon, [['MUG', 1, 1]])), // 11: store B's id, store A's own sale
    );
    expect(answer).toEqual({ ackedSeq: 11 });

    expect(await parkedOf(hub.t, hub.admin, a.id)).toEqual([
      {
        seq: 2,
        type: 'sale.completed',
        reason:
          'rejected by sale.completed handler: invalid payload: totalMinor: totalMinor 100000000000 is not subtotal 1 + tax 0 (+1 more)',
      },
      {
        seq: 3,
        type: 'sale.returned',
        reason:
          'rejected by sale.returned handler: return A-R1 of sale A-1: it refunds 100000000000 but the sale took 550, of which 0 is already refunded',
      },
      {
        seq: 4,
        type: 'sale.returned',
        reason:
          'rejected by sale.returned handler: return A-R2 of sale A-1: it refunds in EUR but the sale was paid in USD',
      },
      {
        seq: 5,
        type: 'sale.returned',
        reason:
          'rejected by sale.returned handler: return A-R3 of sale A-1: it brings back 5 of MUG but the sale sold 1, of which 0 already came back',
      },
      {
        seq: 6,
        type: 'sale.returned',
        reason:
          'rejected by sale.returned handler: return A-R4 of sale A-1: it brings back TEA, which the sale did not sell',
      },
      {
        seq: 8,
        type: 'sale.returned',
        reason:
          'rejected by sale.returned handler: return A-R6 of sale A-1: it brings back 1 of MUG but the sale sold 1, of which 1 already came back',
      },
    ]);
    // A-1 (550) and A's own SALE-B-1 (1); A-R5 refunded 550; the waiting returns count nothing yet; no EUR day.
    expect(await daily(a.id)).toEqual([
      { day: '2024-08-01', currency: 'USD', sales: 2, gross: 551, returns: 1, refunds: 550, net: 1 },
    ]);
    expect(await returnsOf('A-1')).toEqual([['A-R5', 'COUNTED', null]]);
    expect(await returnsOf('NO-SUCH-SALE')).toEqual([['A-R7', 'PENDING', null]]);
    expect(await returnsOf('A-LIE')).toEqual([['A-R8', 'PENDING', null]]);

    // Head office sees both stores' sales under the shared id; each store sees its own only.
    const both = await lookup('SALE-B-1');
    expect(both.status).toBe(200);
    const mine = (m: { storeCode: string; sale: { totalMinor: number } }) => [m.storeCode, m.sale.totalMinor];
    expect(both.body.matches.map(mine).sort()).toEqual([
      ['CHECK-A', 1],
      ['CHECK-B', 550],
    ]);
    expect((await lookup('SALE-B-1', { bearer: a.token })).body.matches.map(mine)).toEqual([['CHECK-A', 1]]);
    expect((await lookup('SALE-B-1', { bearer: b.token })).body.matches.map(mine)).toEqual([['CHECK-B', 550]]);
    expect((await lookup(`SALE-B-1?store=${b.id}`)).body.matches.map(mine)).toEqual([['CHECK-B', 550]]);
  });

  it('counts a waiting return on its own day when its sale arrives, and keeps one that does not fit as refused, with why', async () => {
    const c = await hub.t.store('CHECK-C', hub.admin);
    const o = new StoreOutbox(hub.t, c.id);
    await o.send(
      o.event('sale.returned', returned('C-R1', 'C-1', nextDay, 'MUG', 1, 550)),
      o.event('sale.returned', returned('C-R2', 'C-1', nextDay + 1, 'MUG', 1, 550)), // C-1 sold one mug only
      o.event('sale.returned', { ...returned('C-R3', 'C-2', nextDay + 2, 'TEA', 1, 275), currency: 'EUR' }),
      o.event('sale.returned', returned('C-R4', 'C-3', nextDay + 3, 'MUG', 1, 550)), // C-3 turns out voided
    );
    expect(await daily(c.id)).toEqual([]);
    expect(await returnsOf('C-1')).toEqual([
      ['C-R1', 'PENDING', null],
      ['C-R2', 'PENDING', null],
    ]);

    await o.send(
      o.event('sale.completed', completed('C-1', noon, [['MUG', 1, 500]])),
      o.event('sale.completed', completed('C-2', noon, [['TEA', 2, 250]])),
      o.event('sale.voided', voided('C-3', noon)),
      o.event('sale.returned', returned('C-R1', 'C-1', nextDay, 'MUG', 1, 550)), // sent again: counts once
    );
    expect(await parkedOf(hub.t, hub.admin, c.id)).toEqual([]);
    expect(await daily(c.id)).toEqual([
      { day: '2024-08-02', currency: 'USD', sales: 0, gross: 0, returns: 1, refunds: 550, net: -550 },
      { day: '2024-08-01', currency: 'USD', sales: 2, gross: 550 + 550, returns: 0, refunds: 0, net: 1100 },
    ]);
    expect(await returnsOf('C-1')).toEqual([
      ['C-R1', 'COUNTED', null],
      [
        'C-R2',
        'REFUSED',
        'return C-R2 of sale C-1: it brings back 1 of MUG but the sale sold 1, of which 1 already came back',
      ],
    ]);
    expect(await returnsOf('C-2')).toEqual([
      ['C-R3', 'REFUSED', 'return C-R3 of sale C-2: it refunds in EUR but the sale was paid in USD'],
    ]);
    expect(await returnsOf('C-3')).toEqual([
      ['C-R4', 'REFUSED', 'return C-R4 of sale C-3: the sale was voided, nothing was paid to refund'],
    ]);

    // Later batches are judged against what earlier ones already took back: C-2 took 550 for two teas.
    await o.send(o.event('sale.returned', returned('C-R5', 'C-2', nextDay, 'TEA', 1, 275)));
    await o.send(o.event('sale.returned', returned('C-R6', 'C-2', nextDay, 'TEA', 1, 300)));
    expect(await parkedOf(hub.t, hub.admin, c.id)).toEqual([
      {
        seq: 10,
        type: 'sale.returned',
        reason:
          'rejected by sale.returned handler: return C-R6 of sale C-2: it refunds 300 but the sale took 550, of which 275 is already refunded',
      },
    ]);
    expect((await daily(c.id))[0]).toMatchObject({ day: '2024-08-02', returns: 2, refunds: 825 });
  });
});
