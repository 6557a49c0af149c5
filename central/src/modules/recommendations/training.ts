import type { RecsStoreTop } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import { ModelRepository } from './model-repository.js';
import { IALS_DEFAULTS } from './models/ials.js';
import { normalised, StoreTops } from './store-top.js';
import { startTrainer, type TrainerHandle, type TrainSettings } from './train-worker.js';
import { readTrainingInput, type TrainingInput } from './training-data.js';
import type { Candidate, ModelRun, NeighbourKind } from './types.js';

export const TRAIN_JOB = 'recommendations.train';

/** What a run learns from: the last year of interactions (tastes older than that say little about today). */
const WINDOW_MS = 365 * 86_400_000;
/** A TRAINING run not heard of for this long died with its hub: the next start or run marks it FAILED. */
const STALE_MS = 5 * 60_000;
const HEARTBEAT_MS = 30_000;
/**
 * A hub that starts with interactions but no model trains its first one this soon (a minute: the hub is up and its
 * other modules have started), not a whole period later — until then every list is live popularity only.
 */
export const FIRST_MODEL_AFTER_MS = 60_000;
/**
 * Customers' candidate rows per insert (and per slice asked of the worker): 25,000 candidates of JSON, a statement
 * embedded PGlite (which parses on the hub's own thread) gets through without holding the event loop for long.
 */
const CUSTOMERS_A_BATCH = 250;
const ROWS_A_BATCH = 1_000;

export const TRAIN_SETTINGS: TrainSettings = {
  ials: IALS_DEFAULTS,
  candidates: 100,
  neighbours: 20,
  popular: 100,
  knnShrink: 10,
  whyAmong: 50,
};

/** Where a run is; a test's `fault` hook may throw at any of them. */
export type TrainingPhase = 'read' | 'train' | 'write' | 'activate' | 'feed';

/** A run was asked for while another one trains (on this hub or another). */
export class TrainingBusyError extends Error {
  override readonly name = 'TrainingBusyError';
}

/**
 * Training runs (issue #21, lane B): a TRAINING row, the interactions and the catalog read into typed arrays, the
 * models trained on a worker thread (train-worker.ts), their candidates written in batches, then — in one short
 * transaction — the new model ACTIVE and the old one RETIRED; the candidates of all but the newest three models are
 * deleted, and every store is fed its top list (store-top.ts). A run that fails is FAILED with its error and the
 * model before it keeps serving. The job `recommendations.train` runs it every `recsTrainEveryMs` (6 h) and on request;
 * a hub that starts with interactions and no ACTIVE model runs it FIRST_MODEL_AFTER_MS after it starts.
 */
export class RecsTraining {
  readonly #stopping = new AbortController();
  readonly #running = new Set<Promise<unknown>>();
  readonly #storeTops: StoreTops;
  /** Test seam: called at each phase of a run; a throw fails the run there (never set in a real hub). */
  fault: ((phase: TrainingPhase) => void) | null = null;

  constructor(readonly ctx: HubContext) {
    this.#storeTops = new StoreTops(ctx);
  }

  async start(): Promise<void> {
    const now = this.ctx.now();
    const failed = await new ModelRepository(this.ctx.db).failStale(now - STALE_MS, now);
    if (failed.length > 0)
      this.ctx.log.warn({ versions: failed }, 'recommendations: stale training runs marked failed');
    this.ctx.jobs.define({
      name: TRAIN_JOB,
      // a failed run is retried by the next period or request, not at once on the same data
      maxAttempts: 1,
      timeoutMs: 3_600_000,
      run: async (job) => {
        try {
          await this.train({ signal: job.signal });
        } catch (err) {
          if (err instanceof TrainingBusyError) return this.ctx.log.info(err.message);
          throw err;
        }
      },
    });
    await this.scheduleRuns();
  }

  /**
   * Makes the periodic schedule (at start). Its first run is one period away, or FIRST_MODEL_AFTER_MS when no model
   * is ACTIVE and there are interactions to learn from; a hub with none (every fresh test hub) does not train. One
   * query, each side stops at its first row. A schedule already due sooner keeps its time (the job runner's rule).
   */
  async scheduleRuns(): Promise<void> {
    const everyMs = this.ctx.settings.tuning.recsTrainEveryMs;
    const { rows } = await this.ctx.db.query<{ first: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM recs_models WHERE state = 'ACTIVE')
              AND EXISTS (SELECT 1 FROM recs_interactions) AS first`,
    );
    const first = rows[0]?.first === true;
    await this.ctx.jobs.schedule(TRAIN_JOB, {
      everyMs,
      jitter: 0.1,
      ...(first ? { firstAfterMs: Math.min(FIRST_MODEL_AFTER_MS, everyMs) } : {}),
    });
  }

  /** Aborts a run in progress (it ends FAILED, its worker terminated) and waits for it to finish. */
  async stop(): Promise<void> {
    this.#stopping.abort(new Error('the hub is stopping'));
    await Promise.allSettled([...this.#running]);
  }

  /** Trains a model now (in this process's worker), activates it, feeds the stores; resolves with the run. */
  async train(opts: { signal?: AbortSignal } = {}): Promise<ModelRun> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.#stopping.signal]) : this.#stopping.signal;
    signal.throwIfAborted();
    const run = this.#train(signal);
    this.#running.add(run);
    try {
      return await run;
    } finally {
      this.#running.delete(run);
    }
  }

  /** Asks for a run on the hub's job runner (one at a time across hubs); false when one is already queued or running. */
  async requestTraining(): Promise<{ queued: boolean }> {
    const repo = new ModelRepository(this.ctx.db);
    const now = this.ctx.now();
    await repo.failStale(now - STALE_MS, now);
    if (await repo.training()) return { queued: false };
    // One request per model version: a second while the first waits is the same run; once it has made a model
    // (or failed), the key moves on.
    const key = `after-${await repo.newestVersion()}`;
    const made = await this.ctx.jobs.enqueue(TRAIN_JOB, {}, { idempotencyKey: key });
    if (made.created) return { queued: true };
    const earlier = await this.ctx.jobs.get(made.id);
    if (earlier && (earlier.state === 'QUEUED' || earlier.state === 'RUNNING')) return { queued: false };
    // that run ended without leaving a model row (it found another training, or the database failed it)
    await this.ctx.jobs.enqueue(TRAIN_JOB, {}, { idempotencyKey: `${key}-${now}` });
    return { queued: true };
  }

  async runs(limit: number): Promise<ModelRun[]> {
    return new ModelRepository(this.ctx.db).runs(Math.min(Math.max(Math.floor(limit) || 1, 1), 100));
  }

  /** What the store's feed got last (or would get), null before the first model. */
  async storeTop(storeId: string): Promise<RecsStoreTop | null> {
    return this.#storeTops.of(storeId);
  }

  async #begin(): Promise<number> {
    return this.ctx.db.transaction(async (tx) => {
      const repo = new ModelRepository(tx);
      await repo.lockTraining();
      const now = this.ctx.now();
      await repo.failStale(now - STALE_MS, now);
      const other = await repo.training();
      if (other) throw new TrainingBusyError(`recommendations: model ${other.version} is training already`);
      return repo.begin(now);
    });
  }

  async #train(signal: AbortSignal): Promise<ModelRun> {
    const version = await this.#begin();
    const repo = new ModelRepository(this.ctx.db);
    const summary: Record<string, unknown> = { ...TRAIN_SETTINGS.ials };
    let trainer: TrainerHandle | null = null;
    let phase: TrainingPhase = 'read';
    const enter = async (next: TrainingPhase) => {
      phase = next;
      signal.throwIfAborted();
      this.fault?.(next);
      await repo.heartbeat(version, this.ctx.now(), next);
    };
    const beat = setInterval(() => {
      repo
        .heartbeat(version, this.ctx.now(), phase)
        .catch((err: unknown) => this.ctx.log.warn({ err, version }, 'recommendations: training heartbeat failed'));
    }, HEARTBEAT_MS);
    beat.unref();
    try {
      await enter('read');
      let t = performance.now();
      const input = await readTrainingInput(this.ctx, this.ctx.now() - WINDOW_MS, signal);
      Object.assign(summary, {
        ...input.counts,
        customers: input.customers.length,
        products: input.skus.length,
        stores: input.stores.length,
        categories: input.categories.length,
        readMs: ms(t),
      });

      await enter('train');
      t = performance.now();
      trainer = await startTrainer(input.data, TRAIN_SETTINGS, signal);
      const timings = trainer.trained.timings;
      Object.assign(summary, { trainMs: ms(t), ...mapValues(timings, Math.round) });

      await enter('write');
      t = performance.now();
      Object.assign(summary, await this.#write(version, input, trainer, signal));
      summary.writeMs = ms(t);
      await trainer.close();
      trainer = null;

      await enter('activate');
      const finishedAt = this.ctx.now();
      const activated = await this.ctx.db.transaction((tx) =>
        new ModelRepository(tx).activate(version, finishedAt, summary),
      );
      if (!activated) throw new Error(`model ${version} was marked failed while it trained (no heartbeat)`);
      await repo.prune();
      this.ctx.log.info({ version, ...summary }, 'recommendations: model trained and active');

      // The model serves from here on; a store not fed now gets the next run's list (or reads the route).
      try {
        phase = 'feed';
        this.fault?.('feed');
        t = performance.now();
        const stores = await this.#storeTops.feedAll(version, finishedAt, signal);
        await repo.addSummary(version, { storesFed: stores, feedMs: ms(t) });
      } catch (err) {
        this.ctx.log.error({ err, version }, 'recommendations: feeding the stores their top lists failed');
      }
      return (await repo.run(version))!;
    } catch (err) {
      const reason = signal.aborted ? `aborted: ${errorText(signal.reason)}` : errorText(err);
      await repo.fail(version, this.ctx.now(), `${phase}: ${reason}`, summary).catch(() => {});
      await repo.dropRows(version).catch(() => {});
      throw err;
    } finally {
      clearInterval(beat);
      await trainer?.close();
    }
  }

  /** Writes the model's lists: popular per scope, each product's neighbours, each customer's candidates. */
  async #write(
    version: number,
    input: TrainingInput,
    trainer: TrainerHandle,
    signal: AbortSignal,
  ): Promise<Record<string, number>> {
    const repo = new ModelRepository(this.ctx.db);
    const { skus, stores, categories } = input;
    const t = trainer.trained;
    const listOf = (items: ArrayLike<number>, scores: ArrayLike<number>, why?: ArrayLike<number>): Candidate[] => {
      const out: { sku: string; score: number; why: string | null }[] = [];
      for (let r = 0; r < items.length; r++) {
        const i = items[r]!;
        if (i < 0) break;
        const w = why?.[r] ?? -1;
        out.push({ sku: skus[i]!, score: scores[r]!, why: w >= 0 ? skus[w]! : null });
      }
      return normalised(out);
    };

    const popular = [{ scope: 'all', items: listOf(t.popularAll.items, t.popularAll.scores) }];
    for (const [c, p] of t.popularByCategory.entries())
      popular.push({ scope: `category:${categories[c]}`, items: listOf(p.items, p.scores) });
    for (const [s, p] of t.popularByStore.entries())
      popular.push({ scope: `store:${stores[s]}`, items: listOf(p.items, p.scores) });
    const popularRows = popular.filter((p) => p.items.length > 0);
    for (let k = 0; k < popularRows.length; k += ROWS_A_BATCH) {
      signal.throwIfAborted();
      await repo.insertPopular(version, popularRows.slice(k, k + ROWS_A_BATCH));
    }

    const counts = { popularLists: popularRows.length, boughtWithProducts: 0, similarProducts: 0, customerLists: 0 };
    let batch: { sku: string; kind: NeighbourKind; items: Candidate[] }[] = [];
    const flush = async () => {
      signal.throwIfAborted();
      await repo.insertNeighbours(version, batch);
      batch = [];
    };
    for (let i = 0; i < skus.length; i++) {
      for (const [kind, nb] of [
        ['BOUGHT_WITH', t.boughtWith],
        ['SIMILAR', t.similar],
      ] as const) {
        const items = listOf(nb.items.subarray(i * nb.k, (i + 1) * nb.k), nb.scores.subarray(i * nb.k, (i + 1) * nb.k));
        if (items.length === 0) continue;
        batch.push({ sku: skus[i]!, kind, items });
        counts[kind === 'BOUGHT_WITH' ? 'boughtWithProducts' : 'similarProducts']++;
      }
      if (batch.length >= ROWS_A_BATCH) await flush();
    }
    await flush();

    // The worker computes the next slice while this one is written.
    const n = input.customers.length;
    const ask = (from: number) => {
      const p = trainer.candidates(from, Math.min(from + CUSTOMERS_A_BATCH, n));
      p.catch(() => {}); // awaited below; a failure while a batch is written must not go unhandled meanwhile
      return p;
    };
    let next = n > 0 ? ask(0) : null;
    while (next) {
      const slice = await next;
      next = slice.to < n ? ask(slice.to) : null;
      const rows: { customerId: string; items: Candidate[] }[] = [];
      for (let u = slice.from; u < slice.to; u++) {
        const base = (u - slice.from) * slice.n;
        const range = [base, base + slice.n] as const;
        const items = listOf(
          slice.items.subarray(...range),
          slice.scores.subarray(...range),
          slice.why.subarray(...range),
        );
        if (items.length > 0) rows.push({ customerId: input.customers[u]!, items });
      }
      signal.throwIfAborted();
      await repo.insertCustomerCandidates(version, rows);
      counts.customerLists += rows.length;
    }
    return counts;
  }
}

const ms = (since: number) => Math.round(performance.now() - since);
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
function mapValues<T extends Record<string, number>>(o: T, f: (v: number) => number): Record<keyof T, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as Record<keyof T, number>;
}
