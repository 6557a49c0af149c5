import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emulatorLink,
  encodeSgtin96,
  PrinterEmulator,
  PtyPair,
  RfidFloorEmulator,
  ScannerEmulator,
  type SerialLink,
} from '@storefleet/devices';
import { decodeCode128, gtinCheckDigit } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { waitFor } from './support/sync-fixture.js';

const gtin = (body13: string) => body13 + gtinCheckDigit(body13);
const TEE = gtin('0061414112345');
const CAP = gtin('0061414154321');
const tags = (g: string, n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => encodeSgtin96({ gtin14: g, companyPrefixLength: 7, serial: from + i }));

describe('devices at a store node (emulators over socat ptys)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-devices-'));
  const pairs: PtyPair[] = [];
  const emulators: SerialLink[] = [];
  let node: StoreNode;
  let floor: RfidFloorEmulator;
  const scanner = new ScannerEmulator();
  const printer = new PrinterEmulator();
  const call = async (method: string, path: string, body?: unknown) =>
    (
      await fetch(node.url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).json() as Promise<any>;

  beforeAll(async () => {
    for (const name of ['rfid', 'scanner', 'printer'])
      pairs.push(await PtyPair.create(join(dir, `${name}-dev`), join(dir, `${name}-host`)));
    floor = new RfidFloorEmulator(
      [
        { antenna: 1, tags: tags(TEE, 10) },
        { antenna: 2, tags: tags(CAP, 6) },
      ],
      { miss: 0.2, repeat: 0.3, strays: tags(CAP, 5, 500), strayChance: 0.3, garbageBytes: 5 },
      25,
    );
    for (const [i, em] of [floor, scanner, printer].entries()) {
      const link = emulatorLink(pairs[i]!.hostPath, em);
      link.start();
      emulators.push(link);
    }
    node = createStoreNode({
      dbPath: join(dir, 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      name: 'Device Store',
      devices: [
        {
          name: 'floor-reader',
          kind: 'rfid',
          path: pairs[0]!.devicePath,
          zones: { 1: 'apparel', 2: 'hats' },
          sweepMs: 25,
        },
        { name: 'lane-1-scanner', kind: 'scanner', path: pairs[1]!.devicePath },
        { name: 'lane-1-printer', kind: 'printer', path: pairs[2]!.devicePath },
      ],
      rfid: { cycleMs: 300, cyclesToConfirm: 3 },
    });
    const put = node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES (?, ?, ?, 'Apparel', 1500, 'USD', 'STANDARD', 1)`,
    );
    put.run('TEE', TEE, 'T-shirt');
    put.run('CAP', CAP, 'Cap');
    await node.start();
    await call('POST', '/api/stock/movements', { sku: 'TEE', delta: 10, kind: 'RECEIVE' });
    await call('POST', '/api/stock/movements', { sku: 'CAP', delta: 6, kind: 'RECEIVE' });
  });
  afterAll(async () => {
    await node?.stop();
    for (const e of emulators) await e.stop();
    for (const p of pairs) await p.unplug();
  });

  it('shows every device connected, with its counters, in the API and at /metrics', async () => {
    const items = await waitFor('all devices open', async () => {
      const list = (await call('GET', '/api/devices')).items as { name: string; state: string }[];
      return list.every((d) => d.state === 'open') && list.length === 3 ? list : undefined;
    });
    expect(items.map((d) => d.name)).toEqual(['floor-reader', 'lane-1-scanner', 'lane-1-printer']);
    await waitFor('tag reads', async () =>
      (await call('GET', '/api/devices')).items[0].stats.reads > 100 ? true : undefined,
    );
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).toMatch(/storefleet_store_device_up\{device="floor-reader",kind="rfid"\} 1/);
    expect(metrics).toMatch(/storefleet_store_device_stat\{device="floor-reader",stat="reads"\} \d+/);
  });

  it('counts the floor per zone without moving stock while it agrees, then adjusts after a sustained drift only', async () => {
    const agreeing = await waitFor('three cycles, the last one complete', async () => {
      const { report } = await call('GET', '/api/devices/rfid/report');
      return report && report.cycle >= 3 && report.complete ? report : undefined;
    });
    expect(agreeing.zones).toEqual({ apparel: { TEE: 10 }, hats: { CAP: 6 } });
    expect(agreeing.adjustments).toEqual([]);
    expect(node.pos.stock.onHand('TEE')).toBe(10);
    expect(node.executor.stats()!.completed).toBeGreaterThanOrEqual(3); // reconciled on the worker pool, not the event loop

    floor.zones[0]!.tags.splice(0, 3); // three tees gone from the shelf without a sale
    await waitFor('the RFID adjustment', () => node.pos.stock.onHand('TEE') === 7, 30_000);
    const events = node.db
      .prepare("SELECT payload FROM sync_outbox WHERE type = 'stock.moved' AND payload LIKE '%RFID_RECONCILE%'")
      .all() as { payload: string }[];
    // Taken mid-cycle, the first short cycle may agree on less than 3: then the rest follows once confirmed again.
    const moves = events.map((e) => JSON.parse(e.payload) as { sku: string; delta: number });
    expect(moves.every((m) => m.sku === 'TEE' && m.delta < 0)).toBe(true);
    expect(moves.reduce((n, m) => n + m.delta, 0)).toBe(-3);
    expect(node.pos.stock.onHand('CAP')).toBe(6); // the strays next door never counted
  });

  it('the drift report lists the correction after the count settled it: counted, expected, when, by product name', async () => {
    // The next cycle's list no longer shows the drift (the books agree with the shelf again)…
    const { corrections } = await waitFor('a cycle after the correction', async () => {
      const answer = await call('GET', '/api/devices/rfid/report');
      const tee = answer.items.find((i: { sku: string }) => i.sku === 'TEE');
      return tee && tee.expected === 7 && tee.drift === 0 ? answer : undefined;
    });
    // …and its correction stays in view: each RFID_RECONCILE movement with the count behind it, newest first.
    expect(corrections.length).toBeGreaterThanOrEqual(1);
    for (const c of corrections) {
      expect(c).toMatchObject({ sku: 'TEE', name: 'T-shirt', counted: 7 });
      expect(c.delta).toBeLessThan(0);
      expect(c.expected).toBeGreaterThan(7);
      expect(c.at).toBeGreaterThan(Date.now() - 86_400_000);
    }
    expect(corrections.reduce((n: number, c: { delta: number }) => n + c.delta, 0)).toBe(-3);
    expect(corrections[0].expected).toBe(7 - corrections[0].delta); // the books before this correction
    const times = corrections.map((c: { at: number }) => c.at);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('a scan from the lane scanner shows up for the till, and the sale’s receipt comes out of the printer', async () => {
    scanner.scan(TEE.slice(1)); // the EAN-13 on the label
    const scans = await waitFor('the scan', async () =>
      ((await call('GET', '/api/devices/scans')).items as unknown[]).length
        ? (await call('GET', '/api/devices/scans')).items
        : undefined,
    );
    expect(scans[0]).toMatchObject({ gtin14: TEE, device: 'lane-1-scanner' });
    const sale = await call('POST', '/api/pos/sales');
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: scans[0].code });
    const done = await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 2000 });
    expect(done.printed).toBe(true);
    const receipt = await waitFor('the printed receipt', () => printer.reader.receipts[0]);
    expect(receipt.lines[0]).toBe('Device Store'); // the printer centres it
    expect(receipt.lines.join('\n')).not.toContain('?'); // nothing the printer's code page lacks
    expect(receipt.lines.some((l) => /TOTAL\s+\$16\.33/.test(l))).toBe(true);
    // Under the text, the sale's number as a Code 128 barcode that the lane's scanner reads back to the number.
    expect(done.number).toMatch(/^S\d{3}-01-\d{5}$/);
    expect(receipt.barcodes).toHaveLength(1);
    expect(receipt.barcodes![0]).toMatchObject({ symbology: 'CODE128', data: done.number, hri: 'below' });
    expect(decodeCode128(receipt.barcodes![0]!.modules)).toBe(done.number);

    // The return slip too, with its own number.
    const back = await call('POST', `/api/pos/sales/${done.number}/returns`, { items: [{ sku: 'TEE', qty: 1 }] });
    expect(back.printed).toBe(true);
    const slip = await waitFor('the printed return slip', () => printer.reader.receipts[1]);
    expect(slip.lines.map((l) => l.trim())).toContain('RETURN');
    expect(slip.barcodes![0]!.data).toBe(back.number);
    expect(decodeCode128(slip.barcodes![0]!.modules)).toBe(back.number);
  });
});
