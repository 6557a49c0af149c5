import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EscPosReader,
  emulatorLink,
  PrinterEmulator,
  PtyPair,
  renderDrawerKick,
  type SerialLink,
} from '@storefleet/devices';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { waitFor } from './support/sync-fixture.js';

/**
 * A no-sale drawer open (issue #27) at a store node with a receipt printer on a pty (socat), read back by the printer
 * emulator: the kick (ESC p 0 25 250) reaches the printer, nothing prints and nothing is cut. The store asks for nobody
 * here (no roster): the manager's approval is tested with an enforcing gate in pos-manager-approvals.test.ts.
 */
describe('the cash drawer kick through the receipt printer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-drawer-'));
  let pair: PtyPair;
  let link: SerialLink;
  let node: StoreNode;
  const printer = new PrinterEmulator();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(node.url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    pair = await PtyPair.create(join(dir, 'printer-dev'), join(dir, 'printer-host'));
    link = emulatorLink(pair.hostPath, printer);
    link.start();
    node = createStoreNode({
      dbPath: join(dir, 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      name: 'Drawer Store',
      devices: [{ name: 'lane-1-printer', kind: 'printer', path: pair.devicePath }],
    });
    // one product, for the receipt the refusal test prints after its refused no-sale
    node.db
      .prepare(
        `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES ('MARK', NULL, 'Marker', 'Misc', 100, 'USD', 'STANDARD', 1)`,
      )
      .run();
    await node.start();
  });
  afterAll(async () => {
    await node?.stop();
    await link?.stop();
    await pair?.unplug();
  });

  it('reads a kick back as the pin and the pulse, and skips nothing else', () => {
    const reader = new EscPosReader();
    const bytes = renderDrawerKick();
    expect([...bytes]).toEqual([0x1b, 0x70, 0, 25, 250]);
    reader.push(bytes.subarray(0, 3)); // split across chunks, as a serial port may deliver it
    reader.push(bytes.subarray(3));
    expect(reader.drawerKicks).toEqual([{ pin: 0, onMs: 50, offMs: 500 }]);
    expect(reader.unknownCommands).toBe(0);
    expect(reader.receipts).toEqual([]);
  });

  it('sends ESC p 0 25 250 to the printer on a no-sale, and says it opened', async () => {
    await waitFor('the printer open', async () => {
      const items = (await call('GET', '/api/devices')).body.items as { state: string }[];
      return items[0]?.state === 'open' ? true : undefined;
    });
    const answer = await call('POST', '/api/pos/drawer/open', { reason: 'change for the float' });
    expect(answer).toEqual({ status: 200, body: { opened: true } });
    const kick = await waitFor('the drawer kick at the printer', () => printer.reader.drawerKicks[0]);
    expect(kick).toEqual({ pin: 0, onMs: 50, offMs: 500 });
    expect(printer.reader.receipts).toEqual([]); // no paper for a drawer open
    const stats = (await call('GET', '/api/devices')).body.items[0].stats;
    expect(stats).toMatchObject({ printed: 0, drawerKicks: 1 });
  });

  it('refuses a no-sale without a reason (400) and kicks nothing', async () => {
    const before = printer.reader.drawerKicks.length;
    const answer = await call('POST', '/api/pos/drawer/open', {});
    expect(answer.status).toBe(400);
    // then a receipt on the same serial line: bytes arrive in the order they were written, so once its cut has arrived
    // a kick sent for the refused no-sale would have arrived before it
    const printed = printer.reader.receipts.length;
    const sale = await call('POST', '/api/pos/sales');
    expect((await call('POST', `/api/pos/sales/${sale.body.id}/lines`, { code: 'MARK' })).status).toBe(200);
    const done = await call('POST', `/api/pos/sales/${sale.body.id}/tender`, { kind: 'CASH', givenMinor: 500 });
    expect(done.body.printed).toBe(true);
    await waitFor('the receipt printed after the refusal', () => printer.reader.receipts[printed]);
    expect(printer.reader.drawerKicks.length).toBe(before);
  });
});
