import type { Queryable } from '../../db/db.js';
import { compareKeys, type LiveRow, type ReplayRow, type ReplaySource } from '../../kernel/ports/replay.js';

/** Keys a page reads of each side (per source): memory holds two pages, whatever the fleet's size. */
export const REPLAY_PAGE = 5_000;
/** Differences an answer lists (all are counted). */
export const DIFFERENCES_LISTED = 100;

export interface ReplayDifference {
  /** The source: stock, reservations, orders. */
  readonly kind: string;
  readonly key: string;
  /** The live row's values, null when the key has no live row. */
  readonly live: ReplayRow['value'] | null;
  /** The values rebuilt from the log, null when the log has nothing of the key. */
  readonly rebuilt: ReplayRow['value'] | null;
}

export interface ReplayReport {
  /** Keys compared, per source. */
  readonly checked: Readonly<Record<string, number>>;
  /** Live keys whose log retention pruned (not compared), per source. */
  readonly outOfLog: Readonly<Record<string, number>>;
  /** The first DIFFERENCES_LISTED differences, in source then key order. */
  readonly differences: readonly ReplayDifference[];
  readonly differenceCount: number;
  readonly tookMs: number;
}

export interface ReplayProgress {
  readonly kind: string;
  readonly checked: number;
  readonly differences: number;
}

export interface ReplayOptions {
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
  /** After each page: where the check is (for a job's progress). */
  readonly onPage?: (p: ReplayProgress) => Promise<void> | void;
}

/** Reads one side of a source as a sorted stream of rows, a page at a time. */
async function* pages<R extends ReplayRow>(
  read: (after: string | null, limit: number) => Promise<R[]>,
  size: number,
  signal?: AbortSignal,
): AsyncGenerator<R[]> {
  let after: string | null = null;
  for (;;) {
    signal?.throwIfAborted();
    const page = await read(after, size);
    if (page.length) yield page;
    if (page.length < size) return;
    after = page.at(-1)!.key;
  }
}

/** One row at a time from a paged stream, with a look at the next. */
class Cursor<R extends ReplayRow> {
  #page: R[] = [];
  #i = 0;
  #done = false;
  constructor(readonly it: AsyncGenerator<R[]>) {}
  async peek(): Promise<R | undefined> {
    while (this.#i >= this.#page.length && !this.#done) {
      const next = await this.it.next();
      if (next.done) this.#done = true;
      else {
        this.#page = next.value;
        this.#i = 0;
      }
    }
    return this.#page[this.#i];
  }
  take(): void {
    this.#i += 1;
  }
}

function same(a: ReplayRow['value'], b: ReplayRow['value']): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? null) !== (b[k] ?? null)) return false;
  return true;
}

/**
 * Rebuilds each source's state from its log and compares it with the live state, key by key, as a merge of two
 * sorted streams (two pages in memory per source at a time). A key on one side only is a difference unless the
 * source says what a missing key stands for (stock: on hand 0), or the live row's log was pruned (counted apart as
 * out of the log). Reads run outside a transaction: a check while the hub takes writes may see a row between its
 * change and its log line's commit only if they are separate commits, which the modules never do.
 */
export async function replayCheck(
  db: Queryable,
  sources: readonly ReplaySource[],
  options: ReplayOptions = {},
  now: () => number = () => performance.now(),
): Promise<ReplayReport> {
  const started = now();
  const size = options.pageSize ?? REPLAY_PAGE;
  const checked: Record<string, number> = {};
  const outOfLog: Record<string, number> = {};
  const differences: ReplayDifference[] = [];
  let differenceCount = 0;
  const differ = (d: ReplayDifference) => {
    differenceCount += 1;
    if (differences.length < DIFFERENCES_LISTED) differences.push(d);
  };
  for (const source of sources) {
    let n = 0;
    let pruned = 0;
    const live = new Cursor<LiveRow>(pages((a, l) => source.live(db, a, l), size, options.signal));
    const rebuilt = new Cursor<ReplayRow>(pages((a, l) => source.rebuild(db, a, l), size, options.signal));
    for (;;) {
      const [l, r] = [await live.peek(), await rebuilt.peek()];
      if (!l && !r) break;
      const order = !l ? 1 : !r ? -1 : compareKeys(l.key, r.key);
      n += 1;
      if (order === 0) {
        live.take();
        rebuilt.take();
        if (!same(l!.value, r!.value)) differ({ kind: source.kind, key: l!.key, live: l!.value, rebuilt: r!.value });
      } else if (order < 0) {
        live.take();
        if (l!.logPruned) {
          pruned += 1;
          n -= 1;
        } else if (!(source.absent && same(l!.value, source.absent)))
          differ({ kind: source.kind, key: l!.key, live: l!.value, rebuilt: null });
      } else {
        rebuilt.take();
        if (!(source.absent && same(r!.value, source.absent)))
          differ({ kind: source.kind, key: r!.key, live: null, rebuilt: r!.value });
      }
      if (n % size === 0) await options.onPage?.({ kind: source.kind, checked: n, differences: differenceCount });
    }
    checked[source.kind] = n;
    outOfLog[source.kind] = pruned;
    await options.onPage?.({ kind: source.kind, checked: n, differences: differenceCount });
  }
  return { checked, outOfLog, differences, differenceCount, tookMs: Math.round(now() - started) };
}

/** The report in a few lines for people (the CLI's output, a job's last progress line). */
export function describeReplay(r: ReplayReport): string {
  const fmt = (v: number) => v.toLocaleString('en-US');
  const lines = [
    `replay check: ${Object.entries(r.checked)
      .map(([k, v]) => `${k} ${fmt(v)} checked${r.outOfLog[k] ? ` (${fmt(r.outOfLog[k])} out of the log)` : ''}`)
      .join(', ')} in ${fmt(r.tookMs)} ms`,
    r.differenceCount === 0
      ? 'no differences: the live state is what the event log rebuilds'
      : `${fmt(r.differenceCount)} difference${r.differenceCount === 1 ? '' : 's'} between the live state and the event log:`,
  ];
  for (const d of r.differences)
    lines.push(`  ${d.kind} ${d.key}: live ${JSON.stringify(d.live)}, rebuilt ${JSON.stringify(d.rebuilt)}`);
  if (r.differenceCount > r.differences.length)
    lines.push(`  … and ${fmt(r.differenceCount - r.differences.length)} more`);
  return lines.join('\n');
}
