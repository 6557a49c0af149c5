import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../src/index.js';

describe('the end-of-day sales report, built on the local executor', () => {
  let node: StoreNode;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(node.url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const sell = async (lines: [string, number][], tender: unknown) => {
    const sale = (await call('POST', '/api/pos/sales')).body;
    for (const [code, qty] of lines) await call('POST', `/api/pos/sales/${sale.id}/lines`, { code, qty });
    return (await call('POST', `/api/pos/sales/${sale.id}/tender`, tender)).body;
  };

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-report-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      executor: { size: 1 },
    });
    const put = node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES (?, NULL, ?, 'Test', ?, 'USD', ?, 1)`,
    );
    put.run('MUG', 'Mug', 1000, 'STANDARD');
    put.run('TEA', 'Tea', 450, 'REDUCED');
    await node.start();
  });
  afterAll(() => node?.stop());

  it('adds up the day: sales, tax, tenders, voids, returns, best sellers', async () => {
    const a = await sell(
      [
        ['MUG', 2],
        ['TEA', 1],
      ],
      { kind: 'CASH', givenMinor: 5000 },
    ); // 2000 + 177.5→178 tax + 450
    await sell([['TEA', 3]], { kind: 'CARD' }); // 1350, no tax
    const voided = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${voided.id}/lines`, { code: 'MUG', qty: 1 });
    await call('POST', `/api/pos/sales/${voided.id}/void`);
    await call('POST', `/api/pos/sales/${a.id}/returns`, { items: [{ sku: 'TEA', qty: 1 }] });

    const { status, body } = await call('GET', `/api/reports/sales?date=${new Date().toISOString().slice(0, 10)}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      sales: 2,
      voids: 1,
      subtotalMinor: 2450 + 1350,
      taxMinor: 178,
      totalMinor: 2628 + 1350,
      tenders: [
        { kind: 'CARD', sales: 1, totalMinor: 1350 },
        { kind: 'CASH', sales: 1, totalMinor: 2628 },
      ],
      returns: { count: 1, refundMinor: 450 },
      netMinor: 2628 + 1350 - 450,
      topSkus: [
        { sku: 'TEA', qty: 4, revenueMinor: 1800 },
        { sku: 'MUG', qty: 2, revenueMinor: 2000 },
      ].map((s) => expect.objectContaining(s)),
    });
    expect(node.executor.stats()).toMatchObject({ completed: 1, workers: 1 });
    expect(await (await fetch(`${node.url}/metrics`)).text()).toMatch(/storefleet_store_executor_completed 1/);
    expect((await call('GET', '/api/reports/sales?date=2026-13-99')).status).toBe(400);
    expect((await call('GET', '/api/reports/sales?from=2000&to=1000')).status).toBe(400);
    const empty = (await call('GET', '/api/reports/sales?date=2001-01-01')).body;
    expect(empty).toMatchObject({ sales: 0, totalMinor: 0, tenders: [], topSkus: [] });
  });
});
