import { afterEach, describe, expect, it } from 'vitest';
import { startTill, type Till } from './support/till-fixture.js';

const at = (iso: string) => Date.parse(iso);

/**
 * #17: the return window printed on the receipt (`STORE_RETURN_DAYS`, default 30) is kept by the node, by its own
 * clock, through the whole "until" day in the store's time zone. There is no override at the till.
 */
describe('the return window at the till', () => {
  const running: Till[] = [];
  afterEach(async () => {
    for (const t of running.splice(0)) await t.stop();
  });
  const open = async (opts: Parameters<typeof startTill>[0]) => {
    const t = await startTill(opts);
    running.push(t);
    return t;
  };

  const sellAt = async (t: Till, when: number, tender: object = { kind: 'CASH', givenMinor: 2000 }) => {
    t.clock.now = when;
    const id = await t.basket({ HEADPHONES: 1 });
    const sale = (await t.call('POST', `/api/pos/sales/${id}/tender`, tender)).body;
    expect(sale.status).toBe('COMPLETED');
    return sale as { id: string; number: string; receipt: string };
  };
  const giveBack = (t: Till, number: string) =>
    t.call('POST', `/api/pos/sales/${number}/returns`, { items: [{ sku: 'HEADPHONES', qty: 1 }] });

  it('takes a return through the last day the receipt names, and refuses it the day after, in words, changing nothing', async () => {
    const t = await open({ lane: 3, storeCode: 'S001', timeZone: 'Europe/Berlin' });
    const sale = await sellAt(t, at('2026-10-12T10:00:00+02:00'));
    expect(sale.receipt).toContain('until 11 Nov 2026');
    const onHand = t.node.pos.stock.onHand('HEADPHONES');
    const events = t.eventsAbout(sale.id);

    // The next morning in Berlin, 30 days and 14 hours after the sale: closed.
    t.clock.now = at('2026-11-12T00:30:00+01:00');
    const res = await fetch(`${t.node.url}/api/pos/sales/${sale.number}/returns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ sku: 'HEADPHONES', qty: 1 }] }),
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      status: 422,
      detail: `Sale ${sale.number} was on 12 Oct 2026; returns are accepted for 30 days, until 11 Nov 2026. The till has no override: ask the store manager.`,
      returnsUntil: '11 Nov 2026',
    });
    expect(t.node.pos.stock.onHand('HEADPHONES')).toBe(onHand);
    expect(t.eventsAbout(sale.id)).toEqual(events);

    // Late on the last day (past 30 × 24 h since the sale): still inside, as the receipt promised.
    t.clock.now = at('2026-11-11T23:30:00+01:00');
    expect((await giveBack(t, sale.number)).status).toBe(201);
    expect(t.node.pos.stock.onHand('HEADPHONES')).toBe(onHand + 1);
  });

  it('counts days in the store’s zone, not the node’s, and follows STORE_RETURN_DAYS', async () => {
    const t = await open({ storeCode: 'S002', timeZone: 'America/Los_Angeles', returnWindowDays: 7 });
    // 1 Mar 22:00 in Los Angeles is already 2 Mar in UTC: the window ends 8 Mar, Los Angeles time (summer time by
    // then: UTC−7).
    const sale = await sellAt(t, at('2026-03-01T22:00:00-08:00'));
    expect(sale.receipt).toContain('within 7 days (until 8 Mar 2026)');
    t.clock.now = at('2026-03-09T00:05:00-07:00');
    expect((await giveBack(t, sale.number)).body.detail).toBe(
      `Sale ${sale.number} was on 1 Mar 2026; returns are accepted for 7 days, until 8 Mar 2026. The till has no override: ask the store manager.`,
    );
    t.clock.now = at('2026-03-08T23:55:00-07:00');
    expect((await giveBack(t, sale.number)).status).toBe(201);
  });

  it('takes no returns at all when the receipts say sales are final (0 days)', async () => {
    const t = await open({ storeCode: 'S003', timeZone: 'Europe/Berlin', returnWindowDays: 0 });
    const sale = await sellAt(t, at('2026-11-28T10:00:00+01:00'));
    expect(sale.receipt).toContain('Sales are final');
    const refused = await giveBack(t, sale.number);
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toBe(
      `Sale ${sale.number} was on 28 Nov 2026; this store takes no returns (its receipts say sales are final). The till has no override: ask the store manager.`,
    );
  });

  it('finishes a card refund begun inside the window when the lane retries it after the window closed', async () => {
    const t = await open({ storeCode: 'S004', timeZone: 'Europe/Berlin' });
    const sale = await sellAt(t, at('2026-10-12T10:00:00+02:00'), { kind: 'CARD' });
    t.clock.now = at('2026-11-11T18:00:00+01:00');
    t.terminal.refundsFail = true;
    expect((await giveBack(t, sale.number)).status).toBe(503); // kept, waiting for the terminal
    t.terminal.refundsFail = false;
    t.clock.now = at('2026-11-12T10:00:00+01:00');
    const retried = await giveBack(t, sale.number);
    expect(retried.status).toBe(201);
    expect(retried.body.refund.kind).toBe('CARD');
    // A new return of what is left is refused: the window closed.
    expect((await giveBack(t, sale.number)).status).toBe(422);
  });
});
