import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSgtin96, type ReaderWindow, type RfidReader } from '@storefleet/devices';
import { gtinCheckDigit, type StockCounted } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';

const TEE = `0061414112345${gtinCheckDigit('0061414112345')}`;
const CAP = `0061414154321${gtinCheckDigit('0061414154321')}`;
const tag = (gtin14: string, serial: number) => ({
  epc: encodeSgtin96({ gtin14, companyPrefixLength: 7, serial }),
  pc: 0x3000,
  rssi: -40,
  antenna: 1,
});

/**
 * Each complete RFID count sends the hub one `stock.counted` summary, in the count's own transaction, whether it
 * found drift or not: a count that matched on-hand is what the hub's inventory accuracy needs most. A window that did
 * not see the whole floor (a reader's link down) and an empty window send nothing.
 */
describe('the RFID count summary for the hub', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-rfid-summary-'));
  let node: StoreNode;
  /** What the fake reader says of each window: a full look unless the test drops its link. */
  let window: Omit<ReaderWindow, 'reader'> = { ms: 60_000, sweeps: 30, expectedSweeps: 3, linkChanges: 0, up: true };
  const summaries = () =>
    (
      node.db
        .prepare("SELECT payload FROM sync_outbox WHERE type = 'stock.counted' ORDER BY seq")
        .pluck()
        .all() as string[]
    ).map((p) => JSON.parse(p) as StockCounted);
  const count = (tags: { epc: string; pc: number; rssi: number; antenna: number }[]) => {
    for (const t of tags) node.devices.rfid.add(t);
    return node.devices.rfid.runCycle();
  };

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(dir, 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      name: 'Count Summary Store',
      rfid: { cycleMs: 3_600_000, cyclesToConfirm: 3 },
    });
    const product = node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES (?, ?, ?, 'Apparel', 1500, 'USD', 'STANDARD', 1)`,
    );
    product.run('TEE', TEE, 'T-shirt');
    product.run('CAP', CAP, 'Cap');
    await node.start();
    node.devices.rfid.addReader('floor', {
      takeWindow: (reader: string) => ({ reader, ...window }),
    } as unknown as RfidReader);
    for (const [sku, delta] of [
      ['TEE', 4],
      ['CAP', 2],
    ] as const)
      await fetch(`${node.url}/api/stock/movements`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku, delta, kind: 'RECEIVE' }),
      });
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
  });

  it('a count that matches on-hand sends a summary of every sku matching, and moves nothing', async () => {
    const report = await count([1, 2, 3, 4].map((s) => tag(TEE, s)).concat([1, 2].map((s) => tag(CAP, s))));
    expect(report).toMatchObject({ complete: true, adjustments: [] });
    expect(summaries()).toEqual([
      {
        countId: expect.any(String),
        at: expect.any(Number),
        skusCounted: 2,
        skusMatching: 2,
        unitsCounted: 6,
        unitsOff: 0,
      },
    ]);
    expect(
      node.db
        .prepare("SELECT count(*) FROM sync_outbox WHERE type = 'stock.moved' AND payload LIKE '%RFID%'")
        .pluck()
        .get(),
    ).toBe(0);
  });

  it('a count with drift says how many skus and units were off', async () => {
    await count([1, 2, 3].map((s) => tag(TEE, s)).concat([1, 2, 3].map((s) => tag(CAP, s))));
    expect(summaries().at(-1)).toMatchObject({ skusCounted: 2, skusMatching: 0, unitsCounted: 6, unitsOff: 2 });
    expect(new Set(summaries().map((s) => s.countId)).size).toBe(2);
  });

  it('an incomplete window and an empty one send no summary', async () => {
    window = { ...window, up: false };
    expect(await count([1, 2, 3, 4].map((s) => tag(TEE, s)))).toMatchObject({ complete: false });
    window = { ...window, up: true };
    expect(await node.devices.rfid.runCycle()).toBeNull();
    expect(summaries()).toHaveLength(2);
  });
});
