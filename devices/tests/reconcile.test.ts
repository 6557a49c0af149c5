import { describe, expect, it } from 'vitest';
import { encodeSgtin96, RfidFloorEmulator, RfidReader, RfidReconciler, type TagRead } from '../src/index.js';

const SKUS = { 'TEE-M': '80614141123458', 'JEANS-32': '08719139005740', SOCKS: '03483387813215' } as const;
const skuOfGtin = new Map<string, string>(Object.entries(SKUS).map(([sku, gtin]) => [gtin, sku]));
const tagsOf = (sku: keyof typeof SKUS, n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => encodeSgtin96({ gtin14: SKUS[sku], companyPrefixLength: 7, serial: from + i }));

/** A store floor: tees and jeans in zone A (antenna 1), socks in zone B (antenna 2), the next aisle's tags as strays. */
function floor(seed: number) {
  const neighbours = tagsOf('TEE-M', 30, 9000); // the next store's stock rack: heard faintly, never ours
  return new RfidFloorEmulator(
    [
      { antenna: 1, tags: [...tagsOf('TEE-M', 20), ...tagsOf('JEANS-32', 12)] },
      {
        antenna: 2,
        tags: [
          ...tagsOf('SOCKS', 40),
          encodeSgtin96({ gtin14: '00000096385074', companyPrefixLength: 7, serial: 5 }),
          'E2801160600002054C9A3B4D',
        ],
      },
    ],
    { miss: 0.3, repeat: 0.4, strays: neighbours, strayChance: 0.5, garbageBytes: 20 },
    50,
    seed,
  );
}

/** One reconciliation cycle = several sweeps of the floor through the real driver (bytes → frames → reads). */
function cycleReads(f: RfidFloorEmulator, sweeps: number): TagRead[] {
  const reads: TagRead[] = [];
  const reader = new RfidReader((r) => reads.push(r));
  for (let i = 0; i < sweeps; i++) reader.onData(f.sweepBytes());
  return reads;
}

const reconciler = (cyclesToConfirm = 3) =>
  new RfidReconciler({
    cyclesToConfirm,
    minRssi: -65,
    zoneOfAntenna: (a) => (a === 1 ? 'apparel' : 'accessories'),
    skuOfGtin: (g) => skuOfGtin.get(g),
  });

describe('RFID reconciliation under a noisy floor', () => {
  it('counts each tag once, per zone, ignoring strays, unknown GTINs and non-SGTIN tags, and moves nothing when stock agrees', () => {
    const r = reconciler();
    const expected = new Map([
      ['TEE-M', 20],
      ['JEANS-32', 12],
      ['SOCKS', 40],
    ]);
    for (let c = 0; c < 10; c++) {
      const report = r.cycle(cycleReads(floor(c), 8), expected);
      expect(report.adjustments).toEqual([]);
      expect(report.zones).toEqual({ apparel: { 'TEE-M': 20, 'JEANS-32': 12 }, accessories: { SOCKS: 40 } });
      expect(report.unknownGtins).toEqual(['00000096385074']);
      expect(report.invalidEpcs).toBe(1);
      expect(report.weakReads).toBeGreaterThan(0);
    }
  });

  it('never adjusts for a transient miss: a cycle that saw too little, then normal cycles', () => {
    const r = reconciler();
    const expected = new Map([
      ['TEE-M', 20],
      ['JEANS-32', 12],
      ['SOCKS', 40],
    ]);
    const f = floor(1);
    const short = r.cycle(cycleReads(f, 1), expected); // one sweep at 30 % misses: several tags unheard
    expect(short.skus.some((s) => s.drift < 0)).toBe(true);
    expect(short.adjustments).toEqual([]);
    for (let c = 0; c < 5; c++) expect(r.cycle(cycleReads(f, 8), expected).adjustments).toEqual([]);
  });

  it('adjusts by the sustained drift after N cycles, and only by what every cycle agreed on', () => {
    const r = reconciler(3);
    const expected = new Map([
      ['TEE-M', 20],
      ['JEANS-32', 12],
      ['SOCKS', 40],
    ]);
    const f = floor(2);
    f.zones[0]!.tags = f.zones[0]!.tags.filter((_, i) => i >= 4); // 4 tees walked out of the door (never sold)
    const reports = [1, 2, 3].map(() => r.cycle(cycleReads(f, 8), expected));
    expect(reports.map((x) => x.adjustments)).toEqual([[], [], [{ sku: 'TEE-M', delta: -4 }]]);
    expect(reports[1]!.skus[0]).toEqual({ sku: 'TEE-M', expected: 20, counted: 16, drift: -4, streak: 2 });
    expected.set('TEE-M', 16); // the store applied the RFID_RECONCILE movement
    expect(r.cycle(cycleReads(f, 8), expected).adjustments).toEqual([]);
    // a drift that flips direction restarts its streak
    const flip = reconciler(2);
    const others = [
      ['JEANS-32', 12],
      ['SOCKS', 40],
    ] as const;
    expect(flip.cycle(cycleReads(f, 8), new Map([['TEE-M', 18], ...others])).skus[0]!.streak).toBe(1);
    expect(flip.cycle(cycleReads(f, 8), new Map([['TEE-M', 14], ...others])).adjustments).toEqual([]);
  });
});
