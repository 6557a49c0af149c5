import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeNodeConfigFromEnv } from '../src/config.js';
import { defaultLabels } from '../src/devices/device-labels.js';
import { type HandheldStore, startHandheldStore } from './support/handheld-store.js';

/** Issue #17, what a hostile caller found: a label that reads as another (U+202E, zero-width characters). */
describe('device labels refuse invisible formatting characters', () => {
  let store: HandheldStore;
  beforeAll(async () => {
    store = await startHandheldStore();
  });
  afterAll(() => store?.stop());
  const put = async (label: string) => {
    const res = await fetch(`${store.node.url}/api/devices/rfid-1/label`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ label }),
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };

  it('a rename with U+202E, a zero-width space, joiner or BOM is a 400 problem and changes nothing', async () => {
    for (const label of ['Lane \u202E3 rennacs', 'Back\u200Broom', 'Lane\u200D1', 'Fr\uFEFFont', 'Till\u2066 2'])
      expect(await put(label), JSON.stringify(label)).toMatchObject({
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
        body: { detail: expect.stringMatching(/invisible formatting characters/) },
      });
    expect(
      store.node.db.prepare("SELECT label FROM device_labels WHERE name = 'rfid-1'").pluck().get(),
    ).toBeUndefined();
    expect((await put('Back room, über-reader 2')).status).toBe(200); // ordinary text, accents included, still works
  });

  it('STORE_DEVICES with such a label stops the start with a clear message; a config label with one is not shown', () => {
    const devices = (label: string) => JSON.stringify([{ name: 'rfid-1', kind: 'rfid', path: '/dev/ttyUSB0', label }]);
    expect(() => storeNodeConfigFromEnv({ STORE_DEVICES: devices('Front\u202Edoor') })).toThrow(
      /STORE_DEVICES: the label of "rfid-1" must be text without control or invisible formatting characters/,
    );
    expect(storeNodeConfigFromEnv({ STORE_DEVICES: devices('Front door') }).devices?.[0]).toMatchObject({
      label: 'Front door',
    });
    expect(
      defaultLabels([{ name: 'rfid-1', kind: 'rfid', path: '/dev/x', label: 'Front\u200Bdoor' }]).get('rfid-1'),
    ).toBe('RFID reader 1');
  });
});
