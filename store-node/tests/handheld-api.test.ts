import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HandheldStore, startHandheldStore } from './support/handheld-store.js';
import { waitFor } from './support/sync-fixture.js';

/** What the handheld's Devices and RFID tabs read from the node, and renaming a device. */
describe('the handheld’s device names and RFID drift list', () => {
  let store: HandheldStore;
  const call = async (method: string, path: string, body?: unknown, key?: string) => {
    const res = await fetch(store.node.url + path, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };
  const labels = async () =>
    Object.fromEntries(
      (await call('GET', '/api/devices')).body.items.map((d: { name: string; label: string }) => [d.name, d.label]),
    );

  beforeAll(async () => {
    store = await startHandheldStore();
  });
  afterAll(() => store?.stop());

  it('names each device by its kind and number, or its configured label; the path and state stay beside it', async () => {
    expect(await labels()).toEqual({
      'rfid-1': 'RFID reader 1',
      'lane-scanner': 'Barcode scanner 1',
      'printer-1': 'Till receipt printer',
    });
    await waitFor('the scanner’s pty open', async () =>
      (await call('GET', '/api/devices')).body.items.some(
        (d: { name: string; state: string }) => d.name === 'lane-scanner' && d.state === 'open',
      ),
    );
    const scanner = (await call('GET', '/api/devices')).body.items.find(
      (d: { name: string }) => d.name === 'lane-scanner',
    );
    expect(scanner).toMatchObject({ kindName: 'Barcode scanner', path: expect.stringMatching(/scanner-dev$/) });
  });

  it('staff rename a device; a retry with the same Idempotency-Key answers the same, and the name is kept', async () => {
    const first = await call('PUT', '/api/devices/lane-scanner/label', { label: '  Lane 3 scanner ' }, 'rename-1');
    expect(first).toMatchObject({ status: 200, body: { name: 'lane-scanner', label: 'Lane 3 scanner' } });
    const again = await call('PUT', '/api/devices/lane-scanner/label', { label: '  Lane 3 scanner ' }, 'rename-1');
    expect(again.body).toEqual(first.body);
    expect((await labels())['lane-scanner']).toBe('Lane 3 scanner');
    expect(store.node.db.prepare("SELECT label FROM device_labels WHERE name = 'lane-scanner'").pluck().get()).toBe(
      'Lane 3 scanner',
    );
  });

  it('refuses an empty, overlong or control-character name and an unknown device, changing nothing', async () => {
    const before = await labels();
    for (const body of [{ label: '   ' }, { label: 'x'.repeat(61) }, { label: 'Lane\u00073' }, { label: 3 }, {}, '[]'])
      expect(await call('PUT', '/api/devices/rfid-1/label', body)).toMatchObject({
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
    expect(await call('PUT', '/api/devices/rfid-9/label', { label: 'Back room' })).toMatchObject({
      status: 404,
      type: expect.stringMatching(/^application\/problem\+json/),
      body: { detail: expect.stringMatching(/rfid-9/) },
    });
    expect(await labels()).toEqual(before);
  });

  it('lists the RFID drift with product names, the largest drift either way first, then by name', async () => {
    const { body } = await call('GET', '/api/devices/rfid/report');
    expect(body.items).toEqual([
      {
        sku: 'TEA-GREEN',
        name: 'Green tea, 20 bags',
        zones: ['floor-front'],
        expected: 30,
        counted: 27,
        drift: -3,
        streak: 2,
      },
      { sku: 'CAP-BLUE', name: 'Blue cap', zones: ['floor-back'], expected: 5, counted: 6, drift: 1, streak: 1 },
      {
        sku: 'MUG-RED',
        name: 'Red enamel mug',
        zones: ['floor-front'],
        expected: 10,
        counted: 10,
        drift: 0,
        streak: 0,
      },
      { sku: 'TEE-WHITE', name: 'White tee', zones: ['floor-back'], expected: 8, counted: 8, drift: 0, streak: 0 },
    ]);
    expect(body.report.cycle).toBe(12);
  });
});
