import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  emulatorLink,
  encodeSgtin96,
  PrinterDriver,
  PrinterEmulator,
  PtyPair,
  RfidFloorEmulator,
  RfidReader,
  ScaleDriver,
  ScaleEmulator,
  ScannerDriver,
  ScannerEmulator,
  SerialLink,
  type TagRead,
} from '../src/index.js';

/** The running test's signal: aborted when it times out or the run is cancelled. */
let testSignal: AbortSignal | undefined;

/** Polls `check` until it holds, for up to `ms`; stops as soon as its test has timed out, so no poll outlives it. */
async function until<T>(what: string, check: () => T | undefined | false, ms = 60_000): Promise<T> {
  const signal = testSignal;
  const end = Date.now() + ms;
  for (;;) {
    if (signal?.aborted) throw new Error(`stopped waiting for ${what}: the test ended (${String(signal.reason)})`);
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// A test may wait several times for up to a minute each on a loaded machine: three minutes each, so that a wait that
// runs out fails with what it waited for rather than with vitest's generic timeout.
describe('devices over a real pty (socat), through the serialport binding', { timeout: 180_000 }, () => {
  const cleanup: (() => Promise<void>)[] = [];
  beforeEach(({ signal }) => {
    testSignal = signal;
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  const pair = async (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-pty-'));
    const p = await PtyPair.create(join(dir, `${name}-device`), join(dir, `${name}-host`));
    cleanup.push(() => p.unplug());
    return p;
  };
  const run = (link: SerialLink) => {
    link.start();
    cleanup.push(() => link.stop());
    return link;
  };

  it('an RFID reader inventories the emulated floor, and resumes by itself after being unplugged and plugged back', async () => {
    const p = await pair('rfid');
    const epcs = Array.from({ length: 25 }, (_, i) =>
      encodeSgtin96({ gtin14: '80614141123458', companyPrefixLength: 7, serial: i + 1 }),
    );
    const floor = new RfidFloorEmulator(
      [{ antenna: 1, tags: epcs }],
      { miss: 0.1, repeat: 0.2, strays: [], strayChance: 0, garbageBytes: 7 },
      30,
    );
    run(emulatorLink(p.hostPath, floor));
    const seen = new Set<string>();
    const reader = new RfidReader((r: TagRead) => seen.add(r.epc), 27);
    const link = run(new SerialLink(p.devicePath, 115200, reader));
    reader.startInventory();
    await until('every tag read', () => seen.size === 25);
    expect(floor.powerDbm).toBe(27);

    await p.unplug();
    await until('the link to notice', () => link.status().state === 'waiting');
    const before = reader.reads;
    await p.plug();
    await until('the link to reopen', () => link.status().state === 'open' && link.status().opens === 2);
    await until('reads again without anyone asking', () => reader.reads > before + 50);
    expect(link.status().lastError).toBeNull();
  });

  it('an RFID reader counts each false frame head in the line noise as one bad frame, and skips every noise byte', async () => {
    const p = await pair('rfid');
    const epcs = Array.from({ length: 25 }, (_, i) =>
      encodeSgtin96({ gtin14: '80614141123458', companyPrefixLength: 7, serial: i + 1 }),
    );
    const GARBAGE = 64; // random bytes after each sweep: about one in four sweeps carries a byte that looks like a frame head
    const floor = new RfidFloorEmulator(
      [{ antenna: 1, tags: epcs }],
      { miss: 0.1, repeat: 0.2, strays: [], strayChance: 0, garbageBytes: GARBAGE },
      30,
    );
    // Taps on both ends of the line (bytes pass through unchanged): each sweep the floor writes ends with its garbage;
    // its other writes answer commands (set-power, then stop-poll).
    const sweeps: Buffer[] = [];
    let answers = 0;
    let written = 0;
    const attach = floor.attach.bind(floor);
    floor.attach = (sink) =>
      attach({
        write: (b) => {
          written += b.length;
          if (floor.sweeps > sweeps.length) sweeps.push(Buffer.from(b));
          else answers++;
          sink.write(b);
        },
      });
    run(emulatorLink(p.hostPath, floor));
    const seen = new Set<string>();
    const reader = new RfidReader((r: TagRead) => seen.add(r.epc), 27);
    let received = 0;
    const onData = reader.onData.bind(reader);
    reader.onData = (chunk) => {
      received += chunk.length;
      onData(chunk);
    };
    run(new SerialLink(p.devicePath, 115200, reader));
    reader.startInventory();
    await until('every tag read and 40 sweeps sent', () => seen.size === 25 && floor.sweeps >= 40);
    expect(floor.powerDbm).toBe(27);
    reader.stopInventory();
    // After the stop-poll answer nothing more is written, and a false head at the end of the last sweep is settled.
    await until('the stop-poll answer, and the reader to get every byte', () => answers === 2 && received === written);
    // Every garbage byte is skipped, and each one that looks like a frame head (0xBB) is one bad frame: the frames
    // around it still parse (every tag was read), and a false head swallows nothing.
    const garbage = Buffer.concat(sweeps.map((s) => s.subarray(s.length - GARBAGE)));
    const heads = garbage.filter((b) => b === 0xbb).length;
    expect(heads).toBeGreaterThan(0); // 40 sweeps of 64 random bytes: none at all would be one chance in 20,000
    expect({ badFrames: reader.stats().badFrames, skippedBytes: reader.stats().skippedBytes }).toEqual({
      badFrames: heads,
      skippedBytes: garbage.length,
    });
  });

  it('a scanner, a scale and a receipt printer speak their protocols end to end', async () => {
    const [sp, wp, pp] = [await pair('scan'), await pair('scale'), await pair('print')];
    const scanner = new ScannerEmulator();
    run(emulatorLink(sp.hostPath, scanner));
    const scans: string[] = [];
    const scanDriver = new ScannerDriver((s) => scans.push(s.gtin14 ?? s.code));
    run(new SerialLink(sp.devicePath, 9600, scanDriver));
    await until('scanner attached', () => scanner.attached);
    scanner.scan('4006381333931');
    scanner.scan('4006381333932'); // misread check digit
    scanner.scan('SKU-1');
    await until('two scans', () => scans.length === 2);
    await until('the misread counted', () => scanDriver.stats().rejected === 1);
    expect(scans).toEqual(['04006381333931', 'SKU-1']);

    const scale = new ScaleEmulator(20);
    run(emulatorLink(wp.hostPath, scale));
    const scaleDriver = new ScaleDriver();
    run(new SerialLink(wp.devicePath, 9600, scaleDriver));
    scale.place(1234, 3);
    await until('a stable 1,234 g', () => scaleDriver.latestStable?.grams === 1234);

    const printer = new PrinterEmulator();
    run(emulatorLink(pp.hostPath, printer));
    const printDriver = new PrinterDriver();
    const printLink = run(new SerialLink(pp.devicePath, 9600, printDriver));
    await until('printer open', () => printLink.status().state === 'open');
    expect(printDriver.print('Storefleet #7\nTOTAL  $4.99')).toBe(true);
    await until('the receipt printed and cut', () => printer.reader.receipts.length === 1);
    expect(printer.reader.receipts[0]!.lines.slice(0, 2)).toEqual(['Storefleet #7', 'TOTAL  $4.99']);
  });

  it('a port that does not exist is retried with backoff, with the reason shown', async () => {
    const link = run(new SerialLink('/dev/does-not-exist-sf', 9600, new ScaleDriver()));
    await until('a failed open', () => link.status().lastError);
    expect(link.status()).toMatchObject({ state: 'waiting', opens: 0 });
    expect(link.status().lastError).toMatch(/No such file|ENOENT|cannot open/i);
  });
});
