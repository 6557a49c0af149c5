import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emulatorLink,
  encodeSgtin96,
  PtyPair,
  RfidFloorEmulator,
  type DriftReport,
  type SerialLink,
} from '@storefleet/devices';
import { gtinCheckDigit } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { waitFor } from './support/sync-fixture.js';

const TEE = `0061414112345${gtinCheckDigit('0061414112345')}`;
const SHELF = Array.from({ length: 300 }, (_, i) =>
  encodeSgtin96({ gtin14: TEE, companyPrefixLength: 7, serial: i + 1 }),
);

/**
 * A store node whose reader (the emulator on a socat pty) drops out every cycle: each window hears a sweep or two
 * between the link coming back and dropping again. Cycles are run by the test (the timer's cycle is an hour), so each
 * window is exactly one drop-out.
 */
describe('a reader that keeps dropping out (emulator over a real pty)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-flaky-'));
  let pair: PtyPair;
  let emulator: SerialLink;
  let node: StoreNode;
  // Half the tags go unheard in any one sweep: a window of a sweep or two is a short count every time.
  const floor = new RfidFloorEmulator(
    [{ antenna: 1, tags: SHELF }],
    { miss: 0.5, repeat: 0, strays: [], strayChance: 0, garbageBytes: 4 },
    50,
    3,
  );
  const call = async (path: string) => (await fetch(node.url + path)).json() as Promise<any>;
  const reader = async () =>
    (await call('/api/devices')).items[0] as { state: string; stats: { reads: number; sweeps: number } };

  beforeAll(async () => {
    pair = await PtyPair.create(join(dir, 'rfid-dev'), join(dir, 'rfid-host'));
    emulator = emulatorLink(pair.hostPath, floor);
    emulator.start();
    node = createStoreNode({
      dbPath: join(dir, 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      name: 'Flaky Reader Store',
      devices: [{ name: 'floor-reader', kind: 'rfid', path: pair.devicePath, sweepMs: 50 }],
      rfid: { cycleMs: 3_600_000, cyclesToConfirm: 3 },
    });
    node.db
      .prepare(
        `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES ('TEE', ?, 'T-shirt', 'Apparel', 1500, 'USD', 'STANDARD', 1)`,
      )
      .run(TEE);
    await node.start();
    await fetch(`${node.url}/api/stock/movements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'TEE', delta: 300, kind: 'RECEIVE' }),
    });
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
    await emulator?.stop();
    await pair?.unplug();
  });

  it('300 units on the shelf stay 300: every window with a drop-out is reported incomplete and moves nothing', async () => {
    const reports: DriftReport[] = [];
    for (let c = 0; c < 6; c++) {
      const before = (await reader()).stats.reads;
      await pair.plug();
      await waitFor('the reader heard again', async () => (await reader()).stats.reads > before);
      await pair.unplug();
      await waitFor('the link to notice the drop', async () => (await reader()).state === 'waiting');
      const report = await node.devices.rfid.runCycle();
      expect(report).not.toBeNull();
      reports.push(report!);
    }
    const onHand = (await call('/api/stock/TEE')).onHand;
    const moved = node.db
      .prepare("SELECT count(*) AS n FROM sync_outbox WHERE type = 'stock.moved' AND payload LIKE '%RFID_RECONCILE%'")
      .get() as { n: number };
    expect({ onHand, rfidMoves: moved.n }).toEqual({ onHand: 300, rfidMoves: 0 });
    expect(reports.map((r) => r.complete)).toEqual([false, false, false, false, false, false]);
    expect(reports.some((r) => r.skus[0]!.counted < 300)).toBe(true); // the short counts were there
    for (const r of reports) expect(r.incomplete).toContain('floor-reader: link down at the end of the window');
    expect((await call('/api/devices/rfid/report')).report).toMatchObject({ complete: false, adjustments: [] });
    expect(await (await fetch(`${node.url}/metrics`)).text()).toMatch(/storefleet_store_rfid_incomplete_windows 6/);
  }, 120_000);

  it('once the link holds, a full window counts the shelf again (and still moves nothing)', async () => {
    await pair.plug();
    await waitFor('the link back', async () => (await reader()).state === 'open');
    const report = await waitFor(
      'a complete window',
      async () => {
        const start = (await reader()).stats.sweeps;
        await waitFor('a few sweeps', async () => (await reader()).stats.sweeps >= start + 15);
        const r = await node.devices.rfid.runCycle();
        return r?.complete ? r : undefined;
      },
      60_000,
    );
    expect(report).toMatchObject({ complete: true, incomplete: [], adjustments: [] });
    expect(report.skus[0]).toMatchObject({ sku: 'TEE', counted: 300, drift: 0 });
    expect(node.pos.stock.onHand('TEE')).toBe(300);
  }, 90_000);
});
