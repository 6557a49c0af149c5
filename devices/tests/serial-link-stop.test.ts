import { mkdtempSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { PtyPair, SerialLink, type DeviceDriver, type PortOpener } from '../src/index.js';

async function until<T>(what: string, check: () => T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** This process's descriptors open on `device` (a pty's /dev/pts/N). */
const descriptorsOn = (device: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === device;
    } catch {
      return false;
    }
  });

describe('stopping a serial link', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('stop() while the port is still opening leaves it closed: no late open, no descriptor left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-stop-'));
    const pair = await PtyPair.create(join(dir, 'dev'), join(dir, 'host'));
    cleanup.push(() => pair.unplug());
    const device = realpathSync(pair.devicePath);
    const ports: { port: SerialPort; settled: boolean }[] = [];
    const opener: PortOpener = (path, baudRate) => {
      const entry = { port: new SerialPort({ path, baudRate }), settled: false };
      entry.port.once('open', () => (entry.settled = true));
      entry.port.once('error', () => (entry.settled = true));
      ports.push(entry);
      return entry.port;
    };
    cleanup.push(async () => {
      for (const { port } of ports) if (port.isOpen) await new Promise((r) => port.close(r));
    });
    let opens = 0;
    const driver: DeviceDriver = { kind: 'probe', onOpen: () => void opens++, onData: () => {}, stats: () => ({}) };
    const states: string[] = [];
    const link = new SerialLink(pair.devicePath, 115200, driver, opener, (s) => states.push(s.state));

    link.start();
    expect(link.status().state).toBe('opening');
    await link.stop();
    await until('the pending open to settle', () => ports.length === 1 && ports[0]!.settled);

    expect({
      state: link.status().state,
      opens,
      portOpen: ports[0]!.port.isOpen,
      descriptors: descriptorsOn(device).length,
    }).toEqual({ state: 'closed', opens: 0, portOpen: false, descriptors: 0 });
    expect(states).toEqual(['opening', 'closed']);
  });
});
