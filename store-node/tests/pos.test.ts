import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { createStoreNode, type StoreNode } from '../src/index.js';
import type { SimulatedTerminal } from '../src/pos/payment-terminal.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

const PRODUCTS = [
  { sku: 'HEADPHONES', gtin: '04006381333931', name: 'Wireless headphones', price_minor: 1000, tax_class: 'STANDARD' },
  { sku: 'CEREAL', gtin: null, name: 'Oat cereal 500 g', price_minor: 349, tax_class: 'REDUCED' },
];

describe('the till', () => {
  let node: StoreNode;
  let url: string;
  let dbPath: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    dbPath = join(mkdtempSync(join(tmpdir(), 'sf-pos-')), 'store.sqlite');
    node = createStoreNode({ dbPath, port: 0, logLevel: 'silent', mode: 'test', name: 'Test Store #1' });
    const put = node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
       VALUES (@sku, @gtin, @name, NULL, NULL, 'Test', @price_minor, 'USD', @tax_class, 1)`,
    );
    for (const p of PRODUCTS) put.run(p);
    url = await node.start();
    await call('POST', '/api/stock/movements', { sku: 'HEADPHONES', delta: 5, kind: 'RECEIVE' });
    await call('POST', '/api/stock/movements', { sku: 'CEREAL', delta: 5, kind: 'RECEIVE' });
  });
  afterAll(() => node?.stop());

  it('scans, totals with tax per class, takes cash and prints a receipt', async () => {
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: '4006381333931' }); // EAN-13 barcode
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: '4006381333931' });
    const basket = (await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL', qty: 1 })).body;
    // 2 × $10.00 at 8.875 % = $1.775 → $1.78; cereal is tax-free
    expect(basket).toMatchObject({ status: 'OPEN', subtotalMinor: 2349, taxMinor: 178, totalMinor: 2527 });
    const short = await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 2000 });
    expect(short.status).toBe(400);
    expect(short.body.detail).toBe('cash given ($20.00) is less than the total ($25.27)');
    const done = (await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 3000 })).body;
    expect(done).toMatchObject({ status: 'COMPLETED', totalMinor: 2527, tender: { kind: 'CASH', changeMinor: 473 } });
    expect(done.receipt).toContain('Test Store #1');
    expect(done.receipt).toMatch(/TOTAL\s+\$25\.27/);
    expect(done.receipt).toMatch(/Change\s+\$4\.73/);
    expect((await call('GET', '/api/stock/HEADPHONES')).body.onHand).toBe(3);
    const events = node.db
      .prepare("SELECT payload FROM sync_outbox WHERE type = 'stock.moved' AND payload LIKE ?")
      .all(`%${sale.id}%`) as { payload: string }[];
    expect(events.map((e) => JSON.parse(e.payload))).toEqual([
      expect.objectContaining({ sku: 'HEADPHONES', delta: -2, kind: 'SALE', ref: sale.id }),
      expect.objectContaining({ sku: 'CEREAL', delta: -1, kind: 'SALE', ref: sale.id }),
    ]);
  });

  it('keeps the basket open when the card is declined, and completes on approval', async () => {
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL', qty: 2 });
    (node.terminal as SimulatedTerminal).willAnswer({ approved: false, reason: 'insufficient funds' });
    const declined = await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CARD' });
    expect(declined.status).toBe(422);
    expect(declined.body.detail).toBe('card declined: insufficient funds');
    expect((await call('GET', `/api/pos/sales/${sale.id}`)).body.status).toBe('OPEN');
    const paid = (await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CARD' })).body;
    expect(paid).toMatchObject({
      status: 'COMPLETED',
      totalMinor: 698,
      tender: { kind: 'CARD', reference: expect.stringMatching(/^SIM-/) },
    });
    expect((await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CARD' })).status).toBe(409);
  });

  it('takes returns against the sale, never more than was sold', async () => {
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'HEADPHONES', qty: 2 });
    await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 5000 });
    const before = (await call('GET', '/api/stock/HEADPHONES')).body.onHand;
    const first = await call('POST', `/api/pos/sales/${sale.id}/returns`, { items: [{ sku: 'HEADPHONES', qty: 1 }] });
    expect(first.status).toBe(201);
    expect(first.body.refundMinor).toBe(1000 + 89); // $10.00 + 8.875 % ($0.8875 → $0.89)
    const tooMany = await call('POST', `/api/pos/sales/${sale.id}/returns`, { items: [{ sku: 'HEADPHONES', qty: 2 }] });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.detail).toBe(
      `only 1 of Wireless headphones (HEADPHONES) from sale ${sale.number} can still be returned`,
    );
    expect(
      (await call('POST', `/api/pos/sales/${sale.id}/returns`, { items: [{ sku: 'CEREAL', qty: 1 }] })).status,
    ).toBe(400);
    expect((await call('GET', '/api/stock/HEADPHONES')).body.onHand).toBe(before + 1);
  });

  it('voids an open basket and refuses bad input', async () => {
    const sale = (await call('POST', '/api/pos/sales')).body;
    expect(
      (await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 100 })).body.detail,
    ).toBe('the basket is empty');
    expect((await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: '4006381333932' })).status).toBe(404); // bad check digit
    expect((await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL', qty: 0 })).status).toBe(400);
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL' });
    expect((await call('POST', `/api/pos/sales/${sale.id}/void`)).body.status).toBe('VOIDED');
    expect((await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL' })).status).toBe(409);
    expect((await call('POST', '/api/stock/movements', { sku: 'CEREAL', delta: -3, kind: 'RECEIVE' })).status).toBe(
      400,
    );
  });

  it('keeps a completed sale through a power cut', async () => {
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL' });
    await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 500 });
    // Another process opening the file sees the committed sale and its events, without the node closing anything.
    const after = new Database(dbPath, { readonly: true });
    expect(after.prepare('SELECT status FROM sales WHERE id = ?').get(sale.id)).toEqual({ status: 'COMPLETED' });
    expect(
      after.prepare('SELECT type FROM sync_outbox WHERE payload LIKE ? ORDER BY seq').pluck().all(`%${sale.id}%`),
    ).toEqual(['stock.moved', 'sale.completed']);
    after.close();
  });
});

describe.each(dbTargets)('a sale reaching the hub on $name', (target) => {
  it('lowers the hub’s stock for the store, and its sales ledger holds the sale, its card return and a void', async () => {
    const f = await SyncFixture.start(target);
    try {
      await f.hub.db.query(
        `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES ('MUG', NULL, 'Mug', 'Home', 799, 'USD', 'STANDARD', 1)`,
      );
      const store = await f.store('TILL');
      const storeId = f.credentials.get('TILL')!.storeId;
      await waitFor('the catalog at the store', () => store.sync.bootstrap!.progress().state === 'done');
      const api = (path: string, body?: unknown) =>
        fetch(store.url + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        }).then((r) => r.json() as Promise<any>);
      await api('/api/stock/movements', { sku: 'MUG', delta: 6, kind: 'RECEIVE' });
      const sale = await api('/api/pos/sales');
      await api(`/api/pos/sales/${sale.id}/lines`, { code: 'MUG', qty: 2 });
      expect((await api(`/api/pos/sales/${sale.id}/tender`, { kind: 'CARD' })).status).toBe('COMPLETED');
      await waitFor('the hub stock', async () => {
        const r = await f.hub.db.query<{ on_hand: number }>(
          "SELECT on_hand FROM inventory_stock WHERE store_id = $1 AND sku = 'MUG'",
          [storeId],
        );
        return r.rows[0]?.on_hand === 4;
      });

      // The sale, a return of it to the card, and a voided basket reach the hub's sales ledger, none parked.
      const returned = await api(`/api/pos/sales/${sale.id}/returns`, { items: [{ sku: 'MUG', qty: 1 }] });
      expect(returned.refund).toMatchObject({ kind: 'CARD' });
      const other = await api('/api/pos/sales');
      await api(`/api/pos/sales/${other.id}/lines`, { code: 'MUG', qty: 1 });
      expect((await api(`/api/pos/sales/${other.id}/void`)).status).toBe('VOIDED');
      const ledger = async () =>
        (
          await f.hub.db.query<{ sale_id: string; status: string; total_minor: string | number }>(
            'SELECT sale_id, status, total_minor FROM sales WHERE store_id = $1 ORDER BY closed_at, sale_id',
            [storeId],
          )
        ).rows;
      await waitFor('the hub ledger', async () => (await ledger()).length === 2);
      expect((await ledger()).map((r) => [r.sale_id, r.status, Number(r.total_minor)])).toEqual([
        [sale.id, 'COMPLETED', 1598 + 142],
        [other.id, 'VOIDED', 0],
      ]);
      await waitFor(
        'the return at the hub',
        async () =>
          (
            await f.hub.db.query('SELECT 1 FROM sale_returns WHERE store_id = $1 AND return_id = $2', [
              storeId,
              returned.returnId,
            ])
          ).rows.length === 1,
      );
      expect(
        (await f.hub.db.query('SELECT count(*)::int AS n FROM sync_parked WHERE origin = $1', [storeId])).rows[0],
      ).toEqual({ n: 0 });
    } finally {
      await f.stop();
    }
  });
});
