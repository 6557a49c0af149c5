import { describe, expect, it } from 'vitest';
import {
  encodeSgtin96,
  RfidFloorEmulator,
  RfidReader,
  RfidReconciler,
  type ReaderWindow,
  type TagRead,
} from '../src/index.js';

const TEE = '80614141123458';
const shelf = (n: number) =>
  Array.from({ length: n }, (_, i) => encodeSgtin96({ gtin14: TEE, companyPrefixLength: 7, serial: i + 1 }));
const reconciler = () =>
  new RfidReconciler({
    cyclesToConfirm: 3,
    minRssi: -65,
    zoneOfAntenna: () => 'floor',
    skuOfGtin: (g) => (g === TEE ? 'TEE' : undefined),
  });

/** A reader on a fake clock and a fake port, fed the emulator's sweeps as bytes. */
function bench(sweepMs: number, tags = shelf(300)) {
  let t = 0;
  const floor = new RfidFloorEmulator(
    [{ antenna: 1, tags }],
    { miss: 0.5, repeat: 0, strays: [], strayChance: 0, garbageBytes: 3 },
    sweepMs,
    11,
  );
  const reads: TagRead[] = [];
  const reader = new RfidReader(
    (r) => reads.push(r),
    26,
    () => t,
    { sweepMs, silentAfterMs: 10 * sweepMs },
  );
  const sink = { write: () => {} };
  return {
    reader,
    reads,
    at: (ms: number) => {
      t = ms;
    },
    open: () => reader.onOpen(sink),
    close: () => reader.onClose(),
    /** Sweeps the floor every sweepMs from now until `until`. */
    sweepUntil(until: number) {
      for (; t < until; t += sweepMs) reader.onData(floor.sweepBytes());
      t = until;
    },
  };
}

describe('a reconciliation window that is incomplete never moves stock', () => {
  it('a reader whose link drops and comes back every cycle: 300 on the shelf stay 300', () => {
    const b = bench(50);
    b.reader.startInventory();
    const r = reconciler();
    let onHand = 300;
    const reports = [];
    for (let c = 0; c < 6; c++) {
      // Each cycle of 1 s: the link comes back, one or two sweeps are heard, and it drops again.
      const start = c * 1000;
      b.at(start + 600);
      b.open();
      b.sweepUntil(start + 700);
      b.close();
      b.at(start + 1000);
      const reads = b.reads.splice(0);
      const report = r.cycle(reads, new Map([['TEE', onHand]]), [b.reader.takeWindow('floor-reader', 3)]);
      for (const a of report.adjustments) onHand += a.delta;
      reports.push(report);
    }
    expect(onHand).toBe(300);
    expect(reports.every((x) => !x.complete && x.adjustments.length === 0)).toBe(true);
    expect(reports[1]!.skus[0]!.counted).toBeLessThan(300); // the short count was there, and was not believed
    expect(reports[1]!.incomplete).toEqual([
      'floor-reader: link down at the end of the window',
      'floor-reader: link dropped or reopened during the window (2×)',
      'floor-reader: heard 2 of 6 expected sweeps',
    ]);
  });

  it('a window with the link open throughout but too few sweeps heard is incomplete; full windows count again', () => {
    const b = bench(50, shelf(40));
    b.reader.startInventory();
    b.open();
    b.sweepUntil(1000);
    const r = reconciler();
    const expected = new Map([['TEE', 40]]);
    const first = r.cycle(b.reads.splice(0), expected, [b.reader.takeWindow('floor-reader', 3)]);
    expect(first.incomplete).toEqual(['floor-reader: link dropped or reopened during the window (1×)']); // opened in it
    b.sweepUntil(1100);
    b.at(2000); // the reader stalls for 0.9 s of the window
    const stalled = r.cycle(b.reads.splice(0), expected, [b.reader.takeWindow('floor-reader', 3)]);
    expect(stalled).toMatchObject({ complete: false, incomplete: ['floor-reader: heard 2 of 6 expected sweeps'] });
    b.sweepUntil(3000);
    expect(r.cycle(b.reads.splice(0), expected, [b.reader.takeWindow('floor-reader', 3)])).toMatchObject({
      complete: true,
      incomplete: [],
      adjustments: [],
    });
    // A real loss still confirms over three complete windows.
    const gone = bench(50, shelf(36));
    gone.reader.startInventory();
    gone.open();
    gone.sweepUntil(1000);
    gone.reader.takeWindow('floor-reader', 3);
    const adjustments = [2000, 3000, 4000].map((end) => {
      gone.sweepUntil(end);
      return r.cycle(gone.reads.splice(0), expected, [gone.reader.takeWindow('floor-reader', 3)]).adjustments;
    });
    expect(adjustments).toEqual([[], [], [{ sku: 'TEE', delta: -4 }]]);
    b.close();
    gone.close();
  });

  it('incomplete windows neither extend nor break a streak', () => {
    const r = reconciler();
    const reads = (n: number) => shelf(n).map((epc) => ({ epc, pc: 0x3000, rssi: -50, antenna: 1 }));
    const full: ReaderWindow = { reader: 'r', ms: 1000, sweeps: 20, expectedSweeps: 6, linkChanges: 0, up: true };
    const flaky: ReaderWindow = { ...full, linkChanges: 2 };
    const expected = new Map([['TEE', 10]]);
    expect(r.cycle(reads(8), expected, [full]).skus[0]).toMatchObject({ drift: -2, streak: 1 });
    expect(r.cycle(reads(1), expected, [flaky]).skus[0]).toMatchObject({ drift: -9, streak: 1 });
    expect(r.cycle(reads(8), expected, [full]).skus[0]).toMatchObject({ streak: 2 });
    expect(r.cycle(reads(8), expected, [full]).adjustments).toEqual([{ sku: 'TEE', delta: -2 }]);
    expect(r.cycle(reads(10), expected, []).incomplete).toEqual(['no reader feeds this window']);
  });
});

describe('a silent reader', () => {
  it('is open but silent once nothing has come back for its silence time, and up again at the next frame', () => {
    const b = bench(50, shelf(5));
    b.reader.startInventory();
    b.at(1000);
    b.open();
    expect(b.reader.silent()).toBe(false);
    b.at(1400);
    expect(b.reader.silent()).toBe(false);
    b.at(1501);
    expect(b.reader.silent()).toBe(true);
    expect(b.reader.stats()).toMatchObject({ reads: 0, silent: 1, msSinceHeard: 501 });
    b.sweepUntil(1550);
    expect(b.reader.silent()).toBe(false);
    b.close();
    b.at(5000);
    expect(b.reader.silent()).toBe(false); // closed is not silent: the link says waiting
  });
});
