import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { completed, parkedOf, returned, StoreOutbox, voided } from './sales-fixture.js';

/** How many events the bulk trial sends in one batch (the hub applies batches of up to 2,000). */
const BULK = Number(process.env.SF_SALES_TEST_BATCH ?? 2000);
const at = (iso: string) => Date.parse(iso);

describe.each(dbTargets)('the sales ledger on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let seqStore = 0;

  /** A store registered as head office would; `timezone` set on its location when given. */
  const newStore = async (timezone?: string) => {
    const s = await t.store(`SALES-${++seqStore}`, admin);
    if (timezone)
      expect((await t.call('PATCH', `/api/locations/${s.id}`, { timezone }, { cookie: admin })).status).toBe(200);
    return { ...s, outbox: new StoreOutbox(t, s.id) };
  };
  const daily = async (storeId: string, from: string, to: string) => {
    const r = await t.call('GET', `/api/sales/daily?store=${storeId}&from=${from}&to=${to}`, undefined, {
      cookie: admin,
    });
    expect(r.status).toBe(200);
    return r.body.items.map((d: Record<string, unknown>) => ({
      day: d.day,
      sales: d.salesCount,
      gross: d.grossMinor,
      tax: d.taxMinor,
      returns: d.returnsCount,
      refunds: d.returnsMinor,
      voids: d.voidsCount,
      net: d.netMinor,
    }));
  };
  /** Head office's lookup of a sale id; `body` is the one store's match (each test's ids are its store's alone). */
  const sale = async (saleId: string) => {
    const r = await t.call('GET', `/api/sales/${saleId}`, undefined, { cookie: admin });
    if (r.status === 200) expect(r.body.matches).toHaveLength(1);
    return { status: r.status, body: r.body.matches?.[0] };
  };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
  });
  afterAll(() => t?.stop());

  it('counts each sale, void and return once, on the store’s own day, even sent again under new seqs and a return before its sale', async () => {
    const a = await newStore('America/New_York');
    const o = a.outbox;
    // 02:30 UTC on 3 June is 22:30 on 2 June in New York: that sale belongs to the 2nd.
    const s1 = completed('S-1', at('2024-06-03T02:30:00Z'), [['MUG', 2, 500]]);
    const s2 = completed('S-2', at('2024-06-03T15:00:00Z'), [
      ['MUG', 1, 500],
      ['TEA', 3, 250],
    ]);
    const s3 = completed('S-3', at('2024-06-03T16:00:00Z'), [['CUP', 3, 100]]);
    const r1 = returned('R-1', 'S-3', at('2024-06-03T20:00:00Z'), 'CUP', 3, 330);
    expect(
      await o.send(
        o.event('sale.completed', s1),
        o.event('sale.completed', s2),
        o.event('sale.voided', voided('V-1', at('2024-06-03T18:00:00Z'))),
        o.event('sale.returned', r1),
      ),
    ).toEqual({ ackedSeq: 4 });

    // The return came first (its sale's event was parked at the store, say): it waits for its sale, uncounted, and its
    // sale reads as not here yet.
    const early = await sale('S-3');
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({
      storeId: a.id,
      saleId: 'S-3',
      sale: null,
      returns: [{ returnId: 'R-1', refundMinor: 330, originSeq: 4, day: '2024-06-03', status: 'PENDING' }],
    });
    expect((await daily(a.id, '2024-06-03', '2024-06-03'))[0]).toMatchObject({ returns: 0, refunds: 0 });

    // The store's file was restored from a backup: it sends S-1, V-1 and R-1 again under new seqs, then S-3 at last.
    expect(
      await o.send(
        o.event('sale.completed', s1),
        o.event('sale.voided', voided('V-1', at('2024-06-03T18:00:00Z'))),
        o.event('sale.returned', r1),
        o.event('sale.completed', s3),
      ),
    ).toEqual({ ackedSeq: 8 });
    expect(await o.send(o.event('sale.completed', s1))).toEqual({ ackedSeq: 9 });

    expect(await parkedOf(t, admin, a.id)).toEqual([]);
    expect(await daily(a.id, '2024-06-01', '2024-06-05')).toEqual([
      {
        day: '2024-06-03',
        sales: 2,
        gross: 1375 + 330,
        tax: 125 + 30,
        returns: 1,
        refunds: 330,
        voids: 1,
        net: 1375 + 330 - 330,
      },
      { day: '2024-06-02', sales: 1, gross: 1100, tax: 100, returns: 0, refunds: 0, voids: 0, net: 1100 },
    ]);
    const one = await sale('S-1');
    expect(one.body.sale).toMatchObject({
      status: 'COMPLETED',
      originSeq: 1,
      day: '2024-06-02',
      totalMinor: 1100,
      lane: 'LANE-1',
      tenders: [{ kind: 'CARD', amountMinor: 1100, reference: 'AUTH-S-1' }],
    });
    const late = await sale('S-3');
    expect(late.body.sale).toMatchObject({ originSeq: 8, totalMinor: 330 });
    expect(
      late.body.returns.map((r: { returnId: string; originSeq: number; status: string }) => [
        r.returnId,
        r.originSeq,
        r.status,
      ]),
    ).toEqual([['R-1', 4, 'COUNTED']]);
    expect((await sale('V-1')).body.sale).toMatchObject({ status: 'VOIDED', totalMinor: 0, day: '2024-06-03' });
    expect((await sale('S-404')).status).toBe(404);
  });

  it('parks a malformed payload alone, saying which field, and a void of a paid sale; the rest of the batch applies', async () => {
    const b = await newStore();
    const o = b.outbox;
    const noon = at('2024-07-01T12:00:00Z');
    const zeroQty = completed('B-BAD', noon, [['MUG', 1, 500]]);
    const bad = { ...zeroQty, lines: [{ ...zeroQty.lines[0]!, qty: 0 }] };
    const { returnId: _dropped, ...noReturnId } = returned('R-X', 'B-1', noon, 'MUG', 1, 550);
    const answer = await o.send(
      o.event('sale.completed', completed('B-1', noon, [['MUG', 1, 500]])),
      o.event('sale.completed', bad),
      o.event('sale.returned', noReturnId),
      o.event('sale.completed', completed('B-2', noon + 1000, [['TEA', 2, 250]])),
      o.event('sale.voided', voided('B-1', noon + 2000)),
      o.event('sale.returned', returned('R-2', 'B-2', noon + 3000, 'TEA', 1, 275)),
    );
    expect(answer).toEqual({ ackedSeq: 6 });
    const parked = await parkedOf(t, admin, b.id);
    expect(parked.map((p) => [p.seq, p.type])).toEqual([
      [2, 'sale.completed'],
      [3, 'sale.returned'],
      [5, 'sale.voided'],
    ]);
    expect(parked[0]!.reason).toMatch(/lines\.0\.qty/);
    expect(parked[1]!.reason).toMatch(/returnId/);
    expect(parked[2]!.reason).toContain('sale B-1 is already in the ledger as COMPLETED');
    expect(await daily(b.id, '2024-07-01', '2024-07-01')).toEqual([
      {
        day: '2024-07-01',
        sales: 2,
        gross: 550 + 550,
        tax: 50 + 50,
        returns: 1,
        refunds: 275,
        voids: 0,
        net: 1100 - 275,
      },
    ]);
    expect((await sale('B-BAD')).status).toBe(404);
  });

  it('cuts days in UTC for a store whose time zone the hub does not know, instead of parking its sales', async () => {
    const c = await newStore('Mars/Olympus_Mons');
    const o = c.outbox;
    expect(
      await o.send(o.event('sale.completed', completed('C-1', at('2024-06-03T02:30:00Z'), [['MUG', 1, 500]]))),
    ).toEqual({ ackedSeq: 1 });
    expect(await parkedOf(t, admin, c.id)).toEqual([]);
    expect((await daily(c.id, '2024-06-01', '2024-06-05')).map((d: { day: string }) => d.day)).toEqual(['2024-06-03']);
  });

  it(`applies a full batch of ${BULK} events with resends among them, and its totals are the ledger’s`, async () => {
    const d = await newStore('Asia/Tokyo');
    const o = d.outbox;
    const start = at('2024-08-01T00:00:00Z');
    const events = [];
    const want = new Map<string, { sales: number; gross: number }>();
    for (let i = 0; i < BULK; i++) {
      // every tenth event resends the sale of ten events before
      const n = i % 10 === 9 ? i - 9 : i;
      const s = completed(`D-${n}`, start + n * 600_000, [['MUG', 1 + (n % 3), 100 + n]]);
      events.push(o.event('sale.completed', s));
      if (n !== i) continue;
      const day = new Date(s.closedAt + 9 * 3600_000).toISOString().slice(0, 10); // Tokyo is UTC+9, no summer time
      const w = want.get(day) ?? { sales: 0, gross: 0 };
      want.set(day, { sales: w.sales + 1, gross: w.gross + s.totalMinor });
    }
    expect(await o.send(...events)).toEqual({ ackedSeq: BULK });
    const days = await daily(d.id, '2024-07-01', '2024-12-31');
    expect(
      Object.fromEntries(
        days.map((x: { day: string; sales: number; gross: number }) => [x.day, { sales: x.sales, gross: x.gross }]),
      ),
    ).toEqual(Object.fromEntries(want));
    const ledger = await t.hub.db.query<{ n: number; gross: number }>(
      'SELECT count(*)::int AS n, sum(total_minor)::bigint AS gross FROM sales WHERE store_id = $1',
      [d.id],
    );
    expect(ledger.rows[0]).toEqual({
      n: [...want.values()].reduce((a, w) => a + w.sales, 0),
      gross: [...want.values()].reduce((a, w) => a + w.gross, 0),
    });
  });
});
