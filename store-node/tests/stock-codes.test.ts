import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { HANDHELD, haveChromium, launchChromium, pageErrors, screenshot } from './support/browser.js';

// Barcodes as printed on the packs; the catalog keeps them as GTIN-14.
const KETTLE_EAN13 = '4006381333931';
const TEA_UPCA = '036000291452';
const MINTS_EAN8 = '96385074';

/** Counting and receiving at a store node with its catalog seeded: codes resolve to the catalog's sku, others are refused. */
describe('stock codes at the store node', () => {
  let node: StoreNode;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(node.url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const stockRows = () => node.db.prepare('SELECT sku, on_hand AS onHand FROM stock ORDER BY sku').all();
  const outbox = () =>
    (
      node.db.prepare("SELECT payload FROM sync_outbox WHERE type = 'stock.moved' ORDER BY seq").all() as {
        payload: string;
      }[]
    ).map((r) => JSON.parse(r.payload));

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-stock-codes-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    const put = node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES (?, ?, ?, 'Test', 500, 'USD', 'STANDARD', 1)`,
    );
    put.run('KETTLE', KETTLE_EAN13.padStart(14, '0'), 'Kettle');
    put.run('TEA-GREEN', TEA_UPCA.padStart(14, '0'), 'Green tea');
    put.run('MINTS', MINTS_EAN8.padStart(14, '0'), 'Mints');
    await node.start();
  });
  afterAll(() => node?.stop());

  it('receives a scanned barcode (EAN-13) as the catalog’s sku, here and in the event for the hub', async () => {
    const r = await call('POST', '/api/stock/movements', {
      sku: KETTLE_EAN13,
      delta: 12,
      kind: 'RECEIVE',
      ref: 'DN-1',
    });
    expect(r).toEqual({ status: 201, body: { sku: 'KETTLE', name: 'Kettle', onHand: 12 } });
    expect(stockRows()).toEqual([{ sku: 'KETTLE', onHand: 12 }]);
    expect(outbox().at(-1)).toMatchObject({ sku: 'KETTLE', delta: 12, kind: 'RECEIVE', ref: 'DN-1' });
  });

  it('counts by UPC-A, GTIN-14, EAN-8 or sku, always against the catalog’s sku', async () => {
    expect((await call('POST', '/api/stock/counts', { sku: TEA_UPCA, counted: 7 })).body).toEqual({
      sku: 'TEA-GREEN',
      name: 'Green tea',
      counted: 7,
      adjustedBy: 7,
      onHand: 7,
    });
    expect(
      (await call('POST', '/api/stock/counts', { sku: TEA_UPCA.padStart(14, '0'), counted: 5 })).body,
    ).toMatchObject({ sku: 'TEA-GREEN', adjustedBy: -2, onHand: 5 });
    expect((await call('POST', '/api/stock/counts', { sku: MINTS_EAN8, counted: 3 })).body).toMatchObject({
      sku: 'MINTS',
      adjustedBy: 3,
      onHand: 3,
    });
    expect((await call('POST', '/api/stock/counts', { sku: 'MINTS', counted: 3 })).body).toMatchObject({
      sku: 'MINTS',
      adjustedBy: 0,
      onHand: 3,
    });
    expect(stockRows()).toEqual([
      { sku: 'KETTLE', onHand: 12 },
      { sku: 'MINTS', onHand: 3 },
      { sku: 'TEA-GREEN', onHand: 5 },
    ]);
  });

  it('refuses a code the catalog does not hold, naming it, and stocks nothing', async () => {
    const before = { rows: stockRows(), events: outbox().length };
    const unknownBarcode = '5012345678900'; // a valid EAN-13 of no product here
    for (const [path, body, code] of [
      ['/api/stock/counts', { sku: 'SF-99999', counted: 40 }, 'SF-99999'],
      ['/api/stock/movements', { sku: 'SF-99999', delta: 40, kind: 'RECEIVE' }, 'SF-99999'],
      ['/api/stock/movements', { sku: unknownBarcode, delta: 5, kind: 'TRANSFER_IN' }, unknownBarcode],
      ['/api/stock/counts', { sku: 'kettle', counted: 1 }, 'kettle'], // skus are exact
    ] as const) {
      const r = await call('POST', path, body);
      expect({ path, status: r.status, type: r.body.type, detail: r.body.detail, code: r.body.code }).toEqual({
        path,
        status: 422,
        type: 'urn:storefleet:problem:unprocessable',
        detail: `no product with code ${code} in this store's catalog`,
        code,
      });
    }
    // A barcode with a wrong check digit (a misread, or a typo) says so.
    const misread = await call('POST', '/api/stock/counts', { sku: '4006381333932', counted: 1 });
    expect(misread.body.detail).toBe(
      "no product with code 4006381333932 in this store's catalog (as a barcode its check digit is wrong: scan it again)",
    );
    expect({ rows: stockRows(), events: outbox().length }).toEqual(before);
  });

  it('looks up and sets the low-stock level by a code too; an unknown code is 404', async () => {
    expect(await call('GET', `/api/stock/${KETTLE_EAN13}`)).toEqual({
      status: 200,
      body: { sku: 'KETTLE', name: 'Kettle', onHand: 12 }, // the handheld's look-up shows the name
    });
    expect(await call('PUT', `/api/stock/${MINTS_EAN8}/low-stock-at`, { lowStockAt: 4 })).toEqual({
      status: 200,
      body: { sku: 'MINTS', onHand: 3, lowStockAt: 4 },
    });
    expect((await call('GET', '/api/stock/low')).body.items).toEqual([{ sku: 'MINTS', onHand: 3, lowStockAt: 4 }]);
    for (const [method, path] of [
      ['GET', '/api/stock/SF-99999'],
      ['PUT', '/api/stock/SF-99999/low-stock-at'],
    ] as const) {
      const r = await call(method, path, method === 'PUT' ? { lowStockAt: 2 } : undefined);
      expect({ status: r.status, detail: r.body.detail }).toEqual({
        status: 404,
        detail: "no product with code SF-99999 in this store's catalog",
      });
    }
    expect(stockRows().map((r: any) => r.sku)).toEqual(['KETTLE', 'MINTS', 'TEA-GREEN']);
  });

  it('says the catalog has not arrived yet when a fresh node has none', async () => {
    const fresh = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-stock-codes-empty-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    await fresh.start();
    try {
      const res = await fetch(`${fresh.url}/api/stock/counts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'MUG', counted: 2 }),
      });
      expect({ status: res.status, detail: ((await res.json()) as { detail: string }).detail }).toEqual({
        status: 422,
        detail: "no product with code MUG in this store's catalog (the catalog has not arrived from the hub yet)",
      });
    } finally {
      await fresh.stop();
    }
  });

  describe.skipIf(!haveChromium && !process.env.CI)('on the handheld page (Chromium)', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());

    it('shows the refusal naming the code, and the product’s name when a scan is received', async () => {
      const page = await browser.newPage({ viewport: HANDHELD });
      const errors = pageErrors(page);
      try {
        await page.goto(`${node.url}/handheld.html#receive`);
        await page.locator('#receive-sku').fill('SF-99999');
        await page.locator('#receive-qty').fill('4');
        await page.getByRole('button', { name: 'Receive', exact: true }).click();
        await expect
          .poll(() => page.locator('#receive-msg').getByRole('alert').textContent(), { timeout: 30_000 })
          .toBe("no product with code SF-99999 in this store's catalog");
        await screenshot(page, 'handheld-unknown-code-390');

        await page.getByRole('tab', { name: 'Count' }).click();
        await page.locator('#count-sku').fill(KETTLE_EAN13);
        await page.locator('#count-qty').fill('10');
        await page.getByRole('button', { name: 'Record count' }).click();
        await expect
          .poll(() => page.locator('#count-msg').getByRole('status').textContent(), { timeout: 30_000 })
          .toBe('Adjusted by -2; Kettle (KETTLE) now has 10 on hand.');
        expect(stockRows().map((r: any) => r.sku)).toEqual(['KETTLE', 'MINTS', 'TEA-GREEN']);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  });
});
