import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesBaskets } from '../../../kernel/ports/pricing.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { completed, importProducts, sendSales, StoreOutbox } from './insights-fixture.js';

/**
 * The sales ledger's baskets as the dry run reads them (SALES_BASKETS): completed sales only, in (closedAt, saleId)
 * order across pages, by store, each line's discount as the sale said; and a dry run that cannot read them FAILED
 * saying why.
 */
const DAY = 86_400_000;

describe.each(dbTargets)('the ledger’s baskets for dry runs, on $name', (target) => {
  let t: TestHub;
  let admin: { cookie: string };
  let baskets: SalesBaskets;
  let a: { id: string };
  let b: { id: string };
  const now = Date.now();
  const ids: string[] = [];

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = { cookie: await t.login() };
    await importProducts(t, admin.cookie);
    a = await t.store('BKA', admin.cookie);
    b = await t.store('BKB', admin.cookie);
    const sales = t.hub.modules.find((m) => m.name === 'sales')!;
    baskets = sales.provides!({} as never)[0]!.service as SalesBaskets;
    const oa = new StoreOutbox(t, a.id);
    const ob = new StoreOutbox(t, b.id);
    ids.push(
      ...(await sendSales(oa, [
        { at: now - 3 * DAY, lines: [['MILK', 2, 300]] },
        { at: now - 2 * DAY, lines: [['BREAD', 1, 400]] },
      ])),
      ...(await sendSales(ob, [
        { at: now - 2 * DAY, lines: [['APPLES', 1, 250]] },
        { at: now - 1 * DAY, lines: [['MILK', 1, 300]] },
        { at: now - 10 * DAY, lines: [['MILK', 9, 300]] },
      ])),
    );
    // a sale with a promotion's discount on its line, and a voided basket (never a basket)
    const discounted = completed(randomUUID(), now - DAY / 2, [['YOGURT', 3, 150]]);
    const line = { ...discounted.lines[0]!, discountMinor: 150, subtotalMinor: 300, taxMinor: 30 };
    await ob.send(
      ob.event('sale.completed', {
        ...discounted,
        lines: [line],
        subtotalMinor: 300,
        taxMinor: 30,
        totalMinor: 330,
        tenders: [{ kind: 'CARD', amountMinor: 330, reference: 'AUTH-D' }],
        promotions: [{ promotionId: randomUUID(), name: '3 for 2 on yoghurts', discountMinor: 150 }],
      }),
      ob.event('sale.voided', {
        saleId: randomUUID(),
        lane: 'LANE-1',
        currency: 'USD',
        openedAt: now - DAY,
        voidedAt: now - DAY + 1,
        lines: [{ sku: 'MILK', qty: 1 }],
        voidedCardReference: null,
      }),
    );
    ids.push(discounted.saleId);
    await waitFor('the discounted sale in the ledger', async () => {
      const { rows } = await t.hub.db.query('SELECT 1 FROM sales WHERE sale_id = $1', [discounted.saleId]);
      return rows.length > 0;
    });
  }, 120_000);
  afterAll(() => t?.stop());

  it('pages the completed sales of a window in (closedAt, saleId) order, by store, with the lines’ discounts', async () => {
    const seen: { saleId: string; closedAt: number }[] = [];
    let after: { closedAt: number; saleId: string } | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await baskets.page(t.hub.db, {
        from: now - 7 * DAY,
        to: now,
        limit: 2,
        ...(after ? { after } : {}),
      });
      seen.push(...page);
      if (page.length < 2) break;
      after = { closedAt: page[1]!.closedAt, saleId: page[1]!.saleId };
    }
    expect(seen.map((s) => s.closedAt)).toEqual([...seen.map((s) => s.closedAt)].sort((x, y) => x - y));
    expect(seen).toHaveLength(5); // the 10-day-old sale and the voided basket are not in it
    const yog = (await baskets.page(t.hub.db, { from: now - DAY, to: now, limit: 10, storeId: b.id })).find((s) =>
      s.lines.some((l) => l.sku === 'YOGURT'),
    )!;
    expect(yog).toMatchObject({ storeId: b.id, member: false, totalMinor: 330 });
    expect(yog.lines).toEqual([{ sku: 'YOGURT', qty: 3, unitPriceMinor: 150, discountMinor: 150 }]);
    const onlyA = await baskets.page(t.hub.db, { from: now - 7 * DAY, to: now, limit: 10, storeId: a.id });
    expect(onlyA.map((s) => s.lines[0]!.sku)).toEqual(['MILK', 'BREAD']);
    expect(await baskets.page(t.hub.db, { from: now, to: now - 1, limit: 10 })).toEqual([]);
  });

  it('a dry run that cannot read the ledger ends FAILED and says why', async () => {
    await t.hub.db.query('ALTER TABLE sales RENAME TO sales_away');
    try {
      const start = await t.call(
        'POST',
        '/api/pricing/dry-runs',
        { promotion: { name: 'x', rule: { kind: 'PERCENT_OFF', target: { skus: ['MILK'] }, bp: 500 } } },
        admin,
      );
      expect(start.status).toBe(202);
      const run = await waitFor(
        'the dry run to end',
        async () => {
          const r = await t.call('GET', `/api/pricing/dry-runs/${start.body.id}`, undefined, admin);
          return r.body.status !== 'RUNNING' && r.body;
        },
        60_000,
      );
      expect(run.status).toBe('FAILED');
      expect(run.error).toMatch(/^the dry run failed: .*sales/);
      expect(run.result).toBeNull();
    } finally {
      await t.hub.db.query('ALTER TABLE sales_away RENAME TO sales');
    }
  });
});
