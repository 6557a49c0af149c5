import { decodeSgtin96, EpcError } from '../epc/sgtin96.js';
import type { TagRead } from '../rfid/frames.js';
import { incompleteReasons, type ReaderWindow } from './window-coverage.js';

export interface ReconcilerOptions {
  /** Consecutive cycles a drift must persist (same direction) before stock is adjusted. */
  readonly cyclesToConfirm: number;
  /** Reads weaker than this are tags outside the zone (the next aisle, the back room) and are ignored. */
  readonly minRssi: number;
  readonly zoneOfAntenna: (antenna: number) => string;
  readonly skuOfGtin: (gtin14: string) => string | undefined;
  /** On-hand of a sku read this cycle but missing from `expected` (read for the first time); 0 if absent. */
  readonly onHandOf?: (sku: string) => number;
}

export const DEFAULT_RECONCILER: Pick<ReconcilerOptions, 'cyclesToConfirm' | 'minRssi'> = {
  cyclesToConfirm: 3,
  minRssi: -65,
};

export interface SkuDrift {
  readonly sku: string;
  readonly expected: number;
  readonly counted: number;
  readonly drift: number;
  /** Cycles in a row this drift has pointed the same way. */
  readonly streak: number;
}

export interface DriftReport {
  readonly cycle: number;
  /** Every reader kept its link and swept enough: only a complete window counts towards an adjustment. */
  readonly complete: boolean;
  /** Why the window was incomplete (empty when complete). */
  readonly incomplete: readonly string[];
  readonly reads: number;
  readonly uniqueTags: number;
  readonly weakReads: number;
  readonly invalidEpcs: number;
  readonly unknownGtins: readonly string[];
  /** Counted units per sku in each zone (a tag heard by several antennas counts once, where it was loudest). */
  readonly zones: Record<string, Record<string, number>>;
  readonly skus: readonly SkuDrift[];
  /** Adjustments this cycle confirmed: counted − expected, held across the whole streak. */
  readonly adjustments: readonly { sku: string; delta: number }[];
}

export interface Streak {
  sign: number;
  cycles: number;
  /** The smallest drift seen in the streak: adjust only by what every cycle agreed on. */
  minAbs: number;
}

/** What a reconciler remembers between cycles (plain data: it can cross to a worker thread and back). */
export interface ReconcilerState {
  readonly cycle: number;
  readonly streaks: Record<string, Streak>;
}

/**
 * RFID cycle counting without phantom moves. Each cycle takes the reads of one window (many sweeps of the floor),
 * dedupes them by EPC, decodes SGTIN-96 to GTIN to sku, and compares the count per sku with the expected on-hand.
 * A drift becomes an adjustment only after it has persisted in the same direction for `cyclesToConfirm` cycles, and
 * only by the smallest drift seen meanwhile: a tag missed once, a sale between read and count, or a stray from the
 * next aisle never moves stock. A window that was incomplete (a reader's link dropped or reopened, or it heard too few
 * sweeps: see window-coverage.ts) is reported but neither moves stock nor counts towards a streak. Pure: no I/O, the
 * caller supplies reads, expected counts and what each reader did in the window, and applies adjustments.
 */
export class RfidReconciler {
  readonly #streaks: Map<string, Streak>;
  #cycle: number;

  constructor(
    readonly options: ReconcilerOptions,
    state: ReconcilerState = { cycle: 0, streaks: {} },
  ) {
    this.#cycle = state.cycle;
    this.#streaks = new Map(Object.entries(state.streaks).map(([k, v]) => [k, { ...v }]));
  }

  state(): ReconcilerState {
    return { cycle: this.#cycle, streaks: Object.fromEntries([...this.#streaks].map(([k, v]) => [k, { ...v }])) };
  }

  /**
   * `expected`: on-hand of every RFID-tracked sku (skus not in it and never read are left alone). `coverage`: what each
   * reader feeding the window did (from `RfidReader.takeWindow`); reads that came over a link must bring it. Omitted,
   * the reads are taken as a full look (reads replayed from bytes in a test or a benchmark).
   */
  cycle(
    reads: Iterable<TagRead>,
    expected: ReadonlyMap<string, number>,
    coverage?: readonly ReaderWindow[],
  ): DriftReport {
    this.#cycle++;
    const incomplete = coverage ? incompleteReasons(coverage) : [];
    const complete = incomplete.length === 0;
    const loudest = new Map<string, TagRead>();
    let total = 0;
    let weak = 0;
    for (const r of reads) {
      total++;
      if (r.rssi < this.options.minRssi) {
        weak++;
        continue;
      }
      const seen = loudest.get(r.epc);
      if (!seen || r.rssi > seen.rssi) loudest.set(r.epc, r);
    }
    let invalid = 0;
    const unknown = new Set<string>();
    const zones: Record<string, Record<string, number>> = {};
    const counted = new Map<string, number>();
    for (const [epc, r] of loudest) {
      let gtin: string;
      try {
        gtin = decodeSgtin96(epc).gtin14;
      } catch (err) {
        if (!(err instanceof EpcError)) throw err;
        invalid++;
        continue;
      }
      const sku = this.options.skuOfGtin(gtin);
      if (!sku) {
        unknown.add(gtin);
        continue;
      }
      const zone = this.options.zoneOfAntenna(r.antenna);
      zones[zone] ??= {};
      const z = zones[zone];
      z[sku] = (z[sku] ?? 0) + 1;
      counted.set(sku, (counted.get(sku) ?? 0) + 1);
    }
    const skus: SkuDrift[] = [];
    const adjustments: { sku: string; delta: number }[] = [];
    for (const sku of new Set([...expected.keys(), ...counted.keys()])) {
      const exp = expected.get(sku) ?? this.options.onHandOf?.(sku) ?? 0;
      const got = counted.get(sku) ?? 0;
      const drift = got - exp;
      const streak = complete ? this.#track(sku, drift) : this.#streaks.get(sku);
      skus.push({ sku, expected: exp, counted: got, drift, streak: streak?.cycles ?? 0 });
      if (complete && streak && streak.cycles >= this.options.cyclesToConfirm) {
        adjustments.push({ sku, delta: streak.sign * streak.minAbs });
        this.#streaks.delete(sku);
      }
    }
    skus.sort((a, b) => Math.abs(b.drift) - Math.abs(a.drift) || a.sku.localeCompare(b.sku));
    return {
      cycle: this.#cycle,
      complete,
      incomplete,
      reads: total,
      uniqueTags: loudest.size,
      weakReads: weak,
      invalidEpcs: invalid,
      unknownGtins: [...unknown].sort(),
      zones,
      skus,
      adjustments,
    };
  }

  #track(sku: string, drift: number): Streak | undefined {
    const sign = Math.sign(drift);
    if (sign === 0) {
      this.#streaks.delete(sku);
      return undefined;
    }
    const s = this.#streaks.get(sku);
    if (!s || s.sign !== sign) {
      const fresh = { sign, cycles: 1, minAbs: Math.abs(drift) };
      this.#streaks.set(sku, fresh);
      return fresh;
    }
    s.cycles++;
    s.minAbs = Math.min(s.minAbs, Math.abs(drift));
    return s;
  }
}
