import { readFile } from 'node:fs/promises';
import { ConflictError } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import { TextModel, type TextModelSpec, TEXT_MODEL_DEFAULTS } from './fraud/text-model.js';
import { trainOnWorker } from './fraud/train-worker.js';
import { type LabelledText, parseLabelledCsv, trainingCsvPath } from './fraud/training-data.js';
import { ModelsRepository } from './models-repository.js';
import type { ModelRun } from './types.js';

export const REVIEWS_TRAIN_JOB = 'reviews.train';

/** How often a hub looks for a newer ACTIVE model trained by another hub. */
export const MODEL_CHECK_MS = 30_000;
/**
 * A hub that starts with training data and no model trains its first one this soon: a minute, once the hub is up —
 * not at once, which would spend seconds of CPU in every short-lived hub (a test's, a CLI command's) that never
 * scores a review. Until then reviews are scored by the rules alone.
 */
export const FIRST_MODEL_AFTER_MS = 60_000;
/** A TRAINING run not heard of for this long died with its hub. */
const STALE_MS = 5 * 60_000;
const HEARTBEAT_MS = 30_000;
/** The moderators' decisions learned from at most (the newest). */
const MAX_MODERATED = 100_000;
const CV_FOLDS = 5;
/** RETIRED versions that keep their weights (the newest); older ones keep their row and figures only. */
export const RETIRED_WEIGHTS_KEPT = 5;
const CV_SEED = 24;

/** A run was asked for while another one trains (on this hub or another). */
export class TrainingBusyError extends Error {
  override readonly name = 'TrainingBusyError';
}

/** What GET /api/reviews/models answers. */
export interface ModelsStatus {
  readonly active: number | null;
  /** Why no model scores reviews (null when one does). */
  readonly why: string | null;
  readonly runs: readonly ModelRun[];
}

/**
 * The text model's versions (lane C): trained on a worker thread from the labelled CSV (settings.reviews.trainingCsv,
 * else the team's data set when it is there) and the moderators' decisions, stored in `review_models` with its
 * cross-validated figures; the ACTIVE one loaded in every hub process and used in-process by `probability`. The job
 * `reviews.train` retrains every `reviewsRetrainEveryMs`; a hub with no model trains one soon after it starts.
 */
export class ReviewModels {
  #loaded: { readonly version: number; readonly model: TextModel } | null = null;
  #check: NodeJS.Timeout | null = null;
  #warned = false;
  readonly #stopping = new AbortController();
  readonly #running = new Set<Promise<unknown>>();

  constructor(readonly ctx: HubContext) {}

  async start(): Promise<void> {
    const repo = new ModelsRepository(this.ctx.db);
    const now = this.ctx.now();
    const failed = await repo.failStale(now - STALE_MS, now);
    if (failed.length > 0) this.ctx.log.warn({ versions: failed }, 'reviews: stale training runs marked failed');
    this.ctx.jobs.define({
      name: REVIEWS_TRAIN_JOB,
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
    await this.ctx.jobs.schedule(REVIEWS_TRAIN_JOB, {
      everyMs: this.ctx.settings.tuning.reviewsRetrainEveryMs,
      jitter: 0.1,
    });
    await this.refresh();
    const source = trainingCsvPath(this.ctx.settings.reviews.trainingCsv);
    if (!source.path) this.#warnNoData(source.why!);
    if (!this.#loaded && (source.path || (await repo.moderated(1)).length > 0)) {
      // the first model a minute from now rather than a period later (one run across hubs started together)
      await this.ctx.jobs.enqueue(
        REVIEWS_TRAIN_JOB,
        {},
        { idempotencyKey: `first-after-${await repo.newestVersion()}`, runAt: now + FIRST_MODEL_AFTER_MS },
      );
    }
    this.#check = setInterval(() => {
      this.refresh().catch((err: unknown) => this.ctx.log.warn({ err }, 'reviews: checking for a newer model failed'));
    }, MODEL_CHECK_MS);
    this.#check.unref();
  }

  /** Aborts a run in progress (it ends FAILED) and waits for it. */
  async stop(): Promise<void> {
    if (this.#check) clearInterval(this.#check);
    this.#stopping.abort(new Error('the hub is stopping'));
    await Promise.allSettled([...this.#running]);
  }

  /** The probability (0..1) that `text` was generated rather than written by a customer, or null with no model. */
  probability(text: string): { readonly p: number; readonly version: number } | null {
    const m = this.#loaded;
    if (!m) return null;
    return { p: m.model.probability(text), version: m.version };
  }

  /** The version this process scores with, or null. */
  get activeVersion(): number | null {
    return this.#loaded?.version ?? null;
  }

  /** Loads the ACTIVE model when it is newer than the one this process has (or drops it when none is ACTIVE). */
  async refresh(): Promise<void> {
    const repo = new ModelsRepository(this.ctx.db);
    const version = await repo.activeVersion();
    if (version === (this.#loaded?.version ?? null)) return;
    const stored = await repo.active();
    if (!stored) {
      this.#loaded = null;
      return;
    }
    if (this.#loaded && this.#loaded.version >= stored.version) return;
    this.#loaded = {
      version: stored.version,
      model: TextModel.fromBytes(stored.spec as TextModelSpec, stored.weights),
    };
    this.ctx.log.info({ version: stored.version }, 'reviews: text model loaded');
  }

  async list(): Promise<ModelRun[]> {
    return new ModelsRepository(this.ctx.db).list(50);
  }

  /** The versions, which is ACTIVE, and why there is none. */
  async status(): Promise<ModelsStatus> {
    const runs = await this.list();
    const active = runs.find((r) => r.state === 'ACTIVE')?.version ?? null;
    if (active !== null) return { active, why: null, runs };
    const source = trainingCsvPath(this.ctx.settings.reviews.trainingCsv);
    let why: string;
    if (runs[0]?.state === 'TRAINING') why = `the first model (version ${runs[0].version}) is training`;
    else if (runs[0]?.state === 'FAILED')
      why = `the last training run (version ${runs[0].version}) failed: ${runs[0].error}`;
    else if (!source.path) why = source.why!;
    else why = 'no model has been trained yet';
    return { active, why, runs };
  }

  /** Queues a training run now (the job); resolves with the job's id. A run already queued or training → 409. */
  async trainNow(): Promise<string> {
    const repo = new ModelsRepository(this.ctx.db);
    const now = this.ctx.now();
    await repo.failStale(now - STALE_MS, now);
    const busy = await repo.training();
    if (busy) throw new ConflictError(`the text model's version ${busy.version} is training already`);
    const key = `after-${await repo.newestVersion()}`;
    const made = await this.ctx.jobs.enqueue(REVIEWS_TRAIN_JOB, {}, { idempotencyKey: key });
    if (made.created) return made.id;
    const earlier = await this.ctx.jobs.get(made.id);
    if (earlier && (earlier.state === 'QUEUED' || earlier.state === 'RUNNING'))
      throw new ConflictError('a training run of the text model is queued already', { jobId: made.id });
    // that run ended without leaving a version (it found another training): a new one
    return (await this.ctx.jobs.enqueue(REVIEWS_TRAIN_JOB, {}, { idempotencyKey: `${key}-${now}` })).id;
  }

  /** Trains a version now on this process's worker and makes it ACTIVE; resolves with the run. */
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

  #warnNoData(why: string): void {
    if (this.#warned) return;
    this.#warned = true;
    this.ctx.log.warn(`reviews: ${why}`);
  }

  async #begin(): Promise<number> {
    return this.ctx.db.transaction(async (tx) => {
      const repo = new ModelsRepository(tx);
      await repo.lockTraining();
      const now = this.ctx.now();
      await repo.failStale(now - STALE_MS, now);
      const other = await repo.training();
      if (other) throw new TrainingBusyError(`reviews: text model ${other.version} is training already`);
      return repo.begin(now);
    });
  }

  /** The CSV's rows and the moderators' decisions. */
  async #rows(summary: Record<string, unknown>): Promise<LabelledText[]> {
    const source = trainingCsvPath(this.ctx.settings.reviews.trainingCsv);
    let fromCsv: LabelledText[] = [];
    if (source.path) {
      const parsed = parseLabelledCsv(await readFile(source.path, 'utf8'));
      fromCsv = parsed.rows;
      Object.assign(summary, { csv: source.path, skipped: parsed.skipped });
    } else this.#warnNoData(source.why!);
    const moderated = await new ModelsRepository(this.ctx.db).moderated(MAX_MODERATED);
    Object.assign(summary, {
      rows: fromCsv.length + moderated.length,
      fromCsv: fromCsv.length,
      fromModeration: moderated.length,
    });
    if (fromCsv.length + moderated.length === 0)
      throw new Error(source.why ?? `no labelled rows in ${source.path} and no moderated reviews`);
    return [...fromCsv, ...moderated];
  }

  async #train(signal: AbortSignal): Promise<ModelRun> {
    const version = await this.#begin();
    const repo = new ModelsRepository(this.ctx.db);
    const summary: Record<string, unknown> = {};
    const beat = setInterval(() => {
      repo
        .heartbeat(version, this.ctx.now())
        .catch((err: unknown) => this.ctx.log.warn({ err, version }, 'reviews: training heartbeat failed'));
    }, HEARTBEAT_MS);
    beat.unref();
    try {
      const rows = await this.#rows(summary);
      signal.throwIfAborted();
      const t = performance.now();
      const trained = await trainOnWorker(
        { rows, options: TEXT_MODEL_DEFAULTS, folds: CV_FOLDS, seed: CV_SEED },
        signal,
      );
      Object.assign(summary, {
        features: trained.spec.features,
        nb: trained.spec.nb,
        cv: trained.cv,
        cvMs: trained.cvMs,
        trainMs: trained.trainMs,
        wallMs: Math.round(performance.now() - t),
      });
      signal.throwIfAborted();
      const activated = await this.ctx.db.transaction(async (tx) => {
        const models = new ModelsRepository(tx);
        if (!(await models.activate(version, this.ctx.now(), trained.spec, trained.bytes, summary))) return false;
        await models.pruneRetired(RETIRED_WEIGHTS_KEPT);
        return true;
      });
      if (!activated) throw new Error(`version ${version} was marked failed while it trained (no heartbeat)`);
      this.ctx.log.info({ version, rows: summary.rows, cv: trained.cv }, 'reviews: text model trained and active');
      await this.refresh();
      return (await repo.list(50)).find((r) => r.version === version)!;
    } catch (err) {
      const reason = signal.aborted ? `aborted: ${errorText(signal.reason)}` : errorText(err);
      await repo.fail(version, this.ctx.now(), reason, summary).catch(() => {});
      throw err;
    } finally {
      clearInterval(beat);
    }
  }
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
