import { hostname } from 'node:os';
import type { RoaringBitmap32 } from 'roaring';
import type { TagQuery } from '@storefleet/shared';
import { MAYBE_MISSED } from '../../../db/db.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { TAGS_CHANNEL, TagsRepository } from '../repository.js';
import type { Tag, TagIndexStatus } from '../types.js';
import { TagBitmaps } from './tag-bitmaps.js';
import { answerTagQuery, matchTagQuery, type TagQueryAnswer } from './tag-match.js';

/** Rows read per page during a catch-up. */
const PAGE = 50_000;
/**
 * Product numbers per range of a rebuild's scan (one statement each, grouped per tag by Postgres), and how many
 * ranges are read ahead while the client adds the one it has: Postgres groups the next range while Node builds.
 */
const SCAN_RANGE = 200_000;
const SCAN_AHEAD = 2;
/** How often a rebuild logs its progress (the check for missed notices: the hub setting TAGS_INDEX_CHECK_MS). */
const LOG_MS = 5_000;
const MAX_BACKOFF_MS = 60_000;
/** This hub process among the replicas, as the hub names it by default (host-pid): each holds its own index. */
const REPLICA = `${hostname()}-${process.pid}`;

/** The index is not READY: search answers 503 with this message and a Retry-After. */
export class TagIndexNotReadyError extends Error {
  constructor(readonly status: TagIndexStatus) {
    const r = status.rebuilt;
    super(
      status.state === 'FAILED'
        ? `the tag index failed to build (${status.lastError ?? 'unknown error'}); it is retrying`
        : r && r.total > 0
          ? `the tag index is rebuilding: ${Math.floor((100 * r.done) / r.total)} % (${r.done.toLocaleString('en')} of ${r.total.toLocaleString('en')} products)`
          : 'the tag index is rebuilding',
    );
  }
}

/**
 * The in-memory index of compressed bitmaps that answers tag queries (issue #20); Postgres is the truth.
 *
 * One bitmap of product numbers per tag (the products given that tag) and, derived, one per tag for the tag and its
 * subtree (what `tag:` and `path:` match: a child implies its ancestors). On `start` it rebuilds from Postgres with
 * progress (status().rebuilt, and a log line every few seconds); it stays current from the `tags_changed` NOTIFY
 * every writer sends at commit (repository.ts TAGS_CHANNEL), reading the rows changed after the version it holds
 * (tags, then product rows) and applying them, and from a periodic check in case a notice was missed. Bitmaps
 * handed out are never mutated afterwards (a change replaces a tag's bitmap), so a reader may hold one while a
 * change is applied.
 *
 * A rebuild reads the version first, then scans; afterwards it applies everything changed after that version, so a
 * write committed during the scan is never lost (applying a change twice is harmless). Catch-ups run one at a time
 * (a caller arriving meanwhile waits for the one in flight, then runs another if it still lacks its version).
 */
export class TagIndex {
  readonly #repo: TagsRepository;
  #data: TagBitmaps | null = null;
  #state: TagIndexStatus['state'] = 'EMPTY';
  #rebuilt: { done: number; total: number } | null = null;
  #lastRebuildMs: number | null = null;
  #lastError: string | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #unlisten: (() => Promise<void>) | null = null;
  #stopped = false;
  #rebuilding: Promise<void> | null = null;

  constructor(readonly ctx: HubContext) {
    this.#repo = new TagsRepository(ctx.db);
  }

  /** Rebuilds from Postgres (progress in status()), then follows changes. Resolves when the rebuild is done. */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#unlisten = await this.ctx.db.listen(TAGS_CHANNEL, (payload) => {
      if (payload === MAYBE_MISSED || Number(payload) > (this.#data?.version ?? 0)) this.#kick();
    });
    this.#timer = setInterval(() => this.#kick(), this.ctx.settings.tuning.tagsIndexCheckMs);
    this.#timer.unref();
    let backoff = 1_000;
    for (;;) {
      try {
        await this.rebuild();
        return;
      } catch (err) {
        if (this.#stopped) return;
        this.ctx.log.warn({ err, retryInMs: backoff }, 'tags index rebuild failed; retrying');
        await new Promise<void>((resolve) => setTimeout(resolve, backoff).unref());
        if (this.#stopped) return;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const unlisten = this.#unlisten;
    this.#unlisten = null;
    await unlisten?.().catch(() => undefined);
    await this.#queue.catch(() => undefined);
    await this.#rebuilding?.catch(() => undefined);
  }

  /**
   * Builds a new generation from Postgres beside the current one and swaps it in once it has caught up; searches
   * answer from the current one meanwhile. A second call while one runs joins it.
   */
  rebuild(): Promise<void> {
    this.#rebuilding ??= this.#rebuild().finally(() => {
      this.#rebuilding = null;
    });
    return this.#rebuilding;
  }

  async #rebuild(): Promise<void> {
    const began = performance.now();
    if (this.#data === null) this.#state = 'REBUILDING';
    try {
      const version = await this.#repo.version();
      // the count (a second at 5 million products) runs beside the tree's read and the first ranges' scan
      const counting = this.#repo.productCount();
      counting.catch(() => undefined);
      const [tags, bounds] = await Promise.all([this.#repo.liveTags(), this.#repo.productNoBounds()]);
      const data = new TagBitmaps(tags, version);
      let lastLog = performance.now();
      // ranges of product numbers, each read as one statement; the next ones are read while this one is added
      const ranges: [number, number][] = [];
      for (let from = bounds?.min ?? 1; bounds && from <= bounds.max; from += SCAN_RANGE)
        ranges.push([from, Math.min(from + SCAN_RANGE - 1, bounds.max)]);
      const read = (i: number) => {
        const r = this.#repo.tagPostingsInRange(...ranges[i]!);
        // a range read ahead and then abandoned (a failure, the hub stopping) must not be an unhandled rejection
        r.catch(() => undefined);
        return r;
      };
      const reading = ranges.slice(0, SCAN_AHEAD).map((_, i) => read(i));
      const total = await counting;
      this.#rebuilt = { done: 0, total };
      for (let i = 0; i < ranges.length; i++) {
        if (this.#stopped) throw new Error('the hub is stopping');
        const postings = await reading[i]!;
        if (i + SCAN_AHEAD < ranges.length) reading.push(read(i + SCAN_AHEAD));
        reading[i] = Promise.resolve([]); // let the range's texts go
        let products = 0;
        for (const p of postings) {
          data.addScanned(p.tagId, p.productNos);
          if (p.tagId === null) products += p.productNos.length;
        }
        const done: number = (this.#rebuilt?.done ?? 0) + products;
        this.#rebuilt = { done, total: Math.max(total, done) };
        if (performance.now() - lastLog >= LOG_MS) {
          lastLog = performance.now();
          const seconds = (lastLog - began) / 1000;
          this.ctx.log.info(
            {
              done,
              total,
              percent: Math.floor((100 * done) / Math.max(total, done)),
              perSecond: Math.round(done / seconds),
            },
            'tags index rebuilding',
          );
        }
      }
      data.finishScan();
      await this.#serial(async () => {
        await this.#catchUp(data);
        this.#data = data;
      });
      this.#state = 'READY';
      this.#rebuilt = null;
      this.#lastError = null;
      this.#lastRebuildMs = Math.round(performance.now() - began);
      this.ctx.log.info(
        { products: data.all().size, tags: data.tree.size, version: data.version, ms: this.#lastRebuildMs },
        'tags index ready',
      );
    } catch (err) {
      this.#lastError = err instanceof Error ? err.message : String(err);
      this.#rebuilt = null;
      if (this.#data === null) this.#state = 'FAILED';
      throw err;
    }
  }

  /** The Postgres version the index reflects (0 before the first build). */
  version(): number {
    return this.#data?.version ?? 0;
  }

  /** True when search may be answered (a cheap check; status() measures every bitmap). */
  ready(): boolean {
    return this.#state === 'READY' && this.#data !== null;
  }

  status(): TagIndexStatus {
    const d = this.#data;
    return {
      state: this.#state,
      rebuilding: this.#rebuilding !== null,
      rebuilt: this.#rebuilt,
      replica: REPLICA,
      version: d?.version ?? 0,
      products: d?.all().size ?? 0,
      tags: d?.tree.size ?? 0,
      memoryBytes: d?.memoryBytes() ?? 0,
      lastRebuildMs: this.#lastRebuildMs,
      lastError: this.#lastError,
    };
  }

  /**
   * Resolves once the index reflects Postgres at least up to `version` (reads and applies what it lacks): a caller
   * that just wrote at version V and searches next sees its own write. Rejects (TagIndexNotReadyError) if not READY.
   */
  async caughtUp(version: number): Promise<void> {
    if (this.#state !== 'READY' || !this.#data) throw new TagIndexNotReadyError(this.status());
    if (this.#data.version >= version) return;
    await this.#serial(async () => {
      if (this.#data && this.#data.version < version) await this.#catchUp(this.#data);
    });
  }

  /** The products `q` matches (do not mutate). Unknown slugs/paths match nothing (the service refuses them first). */
  match(q: TagQuery): RoaringBitmap32 {
    return matchTagQuery(q, this.#ready().source());
  }

  /**
   * A search's figures without handing out the match (freed before it returns, so a search leaves no garbage):
   * the total, `limit` product numbers after `after`, and how many matched products each tag of `facetIds` (by
   * closure) holds. `match` then `size`/`rank`/`rangeUint32Array`/`andCardinality` answer the same.
   */
  answer(
    q: TagQuery,
    page: { readonly after?: number | undefined; readonly limit: number; readonly facetIds?: readonly number[] },
  ): TagQueryAnswer {
    const data = this.#ready();
    return answerTagQuery(q, data.source(), {
      after: page.after,
      limit: page.limit,
      within: (page.facetIds ?? []).map((id) => data.closure(id)),
    });
  }

  /** Products given the tag or one of its descendants (do not mutate); empty for an unknown id. */
  closure(tagId: number): RoaringBitmap32 {
    return this.#ready().closure(tagId);
  }

  /** Products given exactly this tag (do not mutate). */
  own(tagId: number): RoaringBitmap32 {
    return this.#ready().own(tagId);
  }

  /** Every product with a number (tagged now or before). */
  all(): RoaringBitmap32 {
    return this.#ready().all();
  }

  /** The live tags as the index holds them (the tree at its version). */
  tags(): readonly Tag[] {
    return this.#data?.tree.list() ?? [];
  }

  /** The live tag with this slug / at this path, if any. */
  tagBySlug(slug: string): Tag | undefined {
    return this.#data?.tree.bySlug(slug);
  }
  tagByPath(path: string): Tag | undefined {
    return this.#data?.tree.byPath(path);
  }

  #ready(): TagBitmaps {
    if (this.#state !== 'READY' || !this.#data) throw new TagIndexNotReadyError(this.status());
    return this.#data;
  }

  /** Runs `fn` after every earlier one (catch-ups and swaps never overlap). */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** A notice or the periodic check: catch up in the background (one in flight; a failure is logged). */
  #kick(): void {
    if (this.#stopped || !this.#data || this.#kicked) return;
    this.#kicked = true;
    this.#serial(async () => {
      this.#kicked = false;
      if (this.#data && !this.#stopped) await this.#catchUp(this.#data);
    }).catch((err: unknown) => this.ctx.log.warn({ err }, 'tags index catch-up failed; the next check retries'));
  }
  #kicked = false;

  /** Applies to `data` the tags, then the product rows, changed after its version up to Postgres's version now. */
  async #catchUp(data: TagBitmaps): Promise<void> {
    const target = await this.#repo.version();
    if (target <= data.version) return;
    data.applyTags(await this.#repo.tagsChangedBetween(data.version, target));
    let cursor = { version: data.version, productNo: 0 };
    for (;;) {
      const rows = await this.#repo.productsChangedBetween(cursor.version, cursor.productNo, target, PAGE);
      if (rows.length === 0) break;
      data.applyProducts(rows);
      const last = rows[rows.length - 1]!;
      cursor = { version: last.version, productNo: last.productNo };
    }
    data.version = target;
  }
}
