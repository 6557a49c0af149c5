import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorLink, encodeSgtin96, PtyPair, RfidFloorEmulator, type SerialLink } from '@storefleet/devices';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { waitFor } from './support/sync-fixture.js';

/** A reader configured on a pty that has nothing behind it: the port opens fine, and nothing ever answers. */
describe('a silent reader (a pty with no device behind it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-silent-'));
  let pair: PtyPair;
  let node: StoreNode;
  let emulator: SerialLink | undefined;
  const devices = async () =>
    ((await (await fetch(`${node.url}/api/devices`)).json()) as { items: unknown }).items as {
      name: string;
      state: string;
      stats: Record<string, number>;
    }[];
  const metrics = async () => (await fetch(`${node.url}/metrics`)).text();

  beforeAll(async () => {
    pair = await PtyPair.create(join(dir, 'rfid-dev'), join(dir, 'rfid-host'));
    node = createStoreNode({
      dbPath: join(dir, 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      devices: [{ name: 'back-room-reader', kind: 'rfid', path: pair.devicePath, sweepMs: 50, silentAfterMs: 500 }],
      rfid: { cycleMs: 3_600_000 },
    });
    await node.start();
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
    await emulator?.stop();
    await pair?.unplug();
  });

  it('shows as silent, not up, in the device API and at /metrics; and open once a reader answers', async () => {
    const [silent] = await waitFor('the reader reported silent', async () =>
      (await devices())[0]?.state === 'silent' ? devices() : undefined,
    );
    expect(silent).toMatchObject({ name: 'back-room-reader', state: 'silent', stats: { reads: 0, silent: 1 } });
    expect(silent!.stats.msSinceHeard).toBeGreaterThan(500);
    const text = await metrics();
    expect(text).toMatch(/storefleet_store_device_up\{device="back-room-reader",kind="rfid"\} 0/);
    expect(text).toMatch(/storefleet_store_device_state\{device="back-room-reader",kind="rfid",state="silent"\} 1/);
    expect(text).toMatch(/storefleet_store_device_state\{device="back-room-reader",kind="rfid",state="open"\} 0/);

    const tags = Array.from({ length: 5 }, (_, i) =>
      encodeSgtin96({ gtin14: '80614141123458', companyPrefixLength: 7, serial: i + 1 }),
    );
    emulator = emulatorLink(pair.hostPath, new RfidFloorEmulator([{ antenna: 1, tags }], undefined, 50));
    emulator.start();
    const [up] = await waitFor(
      'the reader heard',
      async () => ((await devices())[0]?.state === 'open' ? devices() : undefined),
      30_000,
    );
    expect(up!.stats.reads).toBeGreaterThan(0);
    expect(await metrics()).toMatch(/storefleet_store_device_up\{device="back-room-reader",kind="rfid"\} 1/);
  }, 60_000);
});
