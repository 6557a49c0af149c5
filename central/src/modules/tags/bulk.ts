import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  formatTagQueryError,
  NotFoundError,
  parseTagQuery,
  tagQueryToText,
  UnprocessableError,
} from '@storefleet/shared';
import type { HubContext, JobHandle } from '../../kernel/module-contract.js';
import { bulkProgressMessage, bulkRate, type BulkJobView } from './bulk-progress.js';
import {
  type BulkAction,
  type BulkChunk,
  type BulkJobRow,
  type BulkSelection,
  TagBulkRepository,
} from './bulk-repository.js';
import { TagIndexNotReadyError, type TagIndex } from './index/tag-index.js';
import { TagsRepository } from './repository.js';
import { namedTags, unavailable } from './tag-search.js';
import type { TagWriter } from './writer.js';

export type { BulkJobView } from './bulk-progress.js';

/** The most skus one request may carry (the create and the append alike). */
export const MAX_BULK_SKUS = 10_000;
const BULK_JOB = 'tags.bulk';
/** The sweep that gives a run to a job left QUEUED without one (its hub died between the two). */
const BULK_SWEEP_JOB = 'tags.bulk-sweep';
const SWEEP_EVERY_MS = 30_000;
const ATTEMPTS = 5;
/** Short, so a hub killed mid-job has its run taken over by another within seconds (renewed at a third of it). */
const LEASE_MS = 10_000;

export interface NewBulkJob {
  readonly action: BulkAction;
  readonly tagIds: readonly number[];
  readonly query?: string | undefined;
  readonly skus?: readonly string[] | undefined;
  readonly more?: boolean | undefined;
}

interface BulkPayload {
  readonly jobId: string;
}

const chunked = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Tag bulk jobs (lane B): add/remove/replace tags on products chosen by a query (its result fixed at creation) or a
 * list, run on the hub's job runner (`tags.bulk`) chunk by chunk through TagWriter, with progress, ETA, a
 * partial-failure report, cancel, idempotent retry, and resume after a crash (the run's checkpoint).
 *
 * Each chunk is one transaction: the job's row locked at that chunk (`next_chunk`), the products written, the
 * failures recorded, done/failed added and `next_chunk` moved on. A run that dies after the commit and before its
 * checkpoint re-reads `next_chunk`, so no chunk is counted twice; one that dies before the commit left nothing.
 */
export class TagBulkJobs {
  /** A test seam: awaited before each chunk is applied (tests hold a job midway with it). */
  beforeChunk: ((jobId: string, chunk: number) => Promise<void>) | undefined;

  constructor(
    readonly ctx: HubContext,
    readonly index: TagIndex,
    readonly writer: TagWriter,
  ) {}

  /** Defines the job kinds on the runner and schedules the sweep (called from the module's start). */
  async start(): Promise<void> {
    this.ctx.jobs.define<BulkPayload>({
      name: BULK_JOB,
      maxAttempts: ATTEMPTS,
      backoffMs: 1_000,
      leaseMs: LEASE_MS,
      timeoutMs: 24 * 3_600_000,
      run: (job) => this.#run(job),
    });
    this.ctx.jobs.define({
      name: BULK_SWEEP_JOB,
      run: async () => {
        const given = await this.sweep();
        if (given) this.ctx.log.warn({ jobs: given }, 'tag bulk jobs left queued without a run were given one');
      },
    });
    await this.ctx.jobs.schedule(BULK_SWEEP_JOB, { everyMs: SWEEP_EVERY_MS });
  }

  /**
   * Gives a run to every job QUEUED without one (its hub died after queueing it and before enqueueing its run).
   * The run's idempotency key is the one startJob or retry uses, so a sweep meeting one of them mid-way makes no
   * second run. Returns how many jobs it gave a run.
   */
  async sweep(): Promise<number> {
    const repo = new TagBulkRepository(this.ctx.db);
    let given = 0;
    for (const job of await repo.queuedWithoutRun()) {
      await this.#enqueue(repo, job.id, job.retries);
      given++;
    }
    return given;
  }

  /** Enqueues the job's run (idempotent per job and retry) and records its id. */
  async #enqueue(repo: TagBulkRepository, id: string, retries: number): Promise<void> {
    const key = retries === 0 ? id : `${id}:retry:${retries}`;
    const run = await this.ctx.jobs.enqueue(BULK_JOB, { jobId: id }, { idempotencyKey: key });
    await repo.setRun(id, run.id);
  }

  get #batch(): number {
    return this.ctx.settings.tuning.tagsBulkBatch;
  }

  async create(input: NewBulkJob, createdBy: string): Promise<BulkJobView> {
    const hasQuery = input.query !== undefined;
    const hasSkus = input.skus !== undefined;
    if (hasQuery === hasSkus)
      throw new UnprocessableError('give exactly one of query (a tag query) or skus (a list of products)');
    if (hasQuery && input.more) throw new UnprocessableError('more: true is for lists of skus, not for a query');
    let selection: BulkSelection;
    let chunks: BulkChunk[];
    const tags = [...new Set(input.tagIds)];
    const missing = await new TagsRepository(this.ctx.db).missingTags(tags);
    if (missing.length) throw new UnprocessableError(`no such tag: ${missing.slice(0, 10).join(', ')}`, { missing });
    if (hasQuery) {
      const { text, productNos } = await this.#select(input.query!);
      selection = { query: text };
      chunks = chunked(productNos, this.#batch).map((c) => ({ productNos: c, skus: null }));
    } else {
      const skus = [...new Set(input.skus!)];
      selection = { skus: 0 };
      chunks = chunked(skus, this.#batch).map((c) => ({ productNos: null, skus: c }));
    }
    const id = randomUUID();
    const now = this.ctx.now();
    await this.ctx.db.transaction(async (tx) => {
      const repo = new TagBulkRepository(tx);
      await repo.insert({
        id,
        action: input.action,
        tagIds: tags,
        selection,
        state: 'PREPARING',
        createdBy,
        createdAt: now,
      });
      await repo.appendChunks(id, chunks);
    });
    if (!input.more) return this.startJob(id);
    return this.view(id);
  }

  /** More skus for a job still PREPARING (created with `more: true`). */
  async appendSkus(id: string, skus: readonly string[]): Promise<BulkJobView> {
    await this.ctx.db.transaction(async (tx) => {
      const repo = new TagBulkRepository(tx);
      const job = await repo.job(id, true);
      if (!job) throw new NotFoundError('tag bulk job', id);
      if (job.state !== 'PREPARING')
        throw new ConflictError(`tag bulk job ${id} is ${job.state}: skus are added only before it is started`);
      if (!('skus' in job.selection)) throw new ConflictError(`tag bulk job ${id} chose its products by a query`);
      const chunks = chunked([...new Set(skus)], this.#batch).map((c) => ({ productNos: null, skus: c }));
      await repo.appendChunks(id, chunks);
    });
    return this.view(id);
  }

  /** Queues a PREPARING job (a repeat on a queued or later job answers it as it is). */
  async startJob(id: string): Promise<BulkJobView> {
    const repo = new TagBulkRepository(this.ctx.db);
    const job = await repo.job(id);
    if (!job) throw new NotFoundError('tag bulk job', id);
    // Queued before the run is made, so the run finds it QUEUED however soon it starts; a hub dying between the two
    // leaves it QUEUED without a run, which the sweep (tags.bulk-sweep) gives one.
    if (await repo.move(id, ['PREPARING'], 'QUEUED')) await this.#enqueue(repo, id, 0);
    return this.view(id);
  }

  /** Asks a job to stop: one not yet running stops at once; a running one after its current chunk. */
  async cancel(id: string): Promise<BulkJobView> {
    const repo = new TagBulkRepository(this.ctx.db);
    const job = await this.#job(id);
    const now = this.ctx.now();
    if (job.state === 'DONE' || job.state === 'FAILED')
      throw new ConflictError(`tag bulk job ${id} is already ${job.state}: there is nothing to cancel`, {
        state: job.state,
      });
    if (job.state === 'PREPARING' || job.state === 'QUEUED')
      await repo.move(id, ['PREPARING', 'QUEUED'], 'CANCELLED', { finishedAt: now });
    await repo.move(id, ['RUNNING'], 'CANCELLING');
    return this.view(id);
  }

  /** A FAILED or CANCELLED job carries on from the chunk it stopped at, on a new run. */
  async retry(id: string): Promise<BulkJobView> {
    const repo = new TagBulkRepository(this.ctx.db);
    const job = await this.#job(id);
    if (job.state !== 'FAILED' && job.state !== 'CANCELLED')
      throw new ConflictError(`tag bulk job ${id} is ${job.state}: only a FAILED or CANCELLED job can be retried`, {
        state: job.state,
      });
    const moved = await repo.move(id, ['FAILED', 'CANCELLED'], 'QUEUED', {
      finishedAt: null,
      lastError: null,
      retry: true,
    });
    if (moved) await this.#enqueue(repo, id, moved.retries);
    return this.view(id);
  }

  async recent(limit: number): Promise<BulkJobView[]> {
    const rows = await new TagBulkRepository(this.ctx.db).recent(limit);
    return Promise.all(rows.map((r) => this.#toView(r)));
  }

  async view(id: string): Promise<BulkJobView> {
    return this.#toView(await this.#job(id));
  }

  async failures(id: string, after: string, limit: number) {
    await this.#job(id);
    const items = await new TagBulkRepository(this.ctx.db).failures(id, after, limit);
    return { items, next: items.length === limit ? items[items.length - 1]!.sku : null };
  }

  /** The job, settled first when its run ended FAILED without it hearing (its process died on its last attempt). */
  async #job(id: string): Promise<BulkJobRow> {
    const repo = new TagBulkRepository(this.ctx.db);
    const job = await repo.job(id);
    if (!job) throw new NotFoundError('tag bulk job', id);
    if (job.runId && (job.state === 'QUEUED' || job.state === 'RUNNING' || job.state === 'CANCELLING')) {
      const run = await this.ctx.jobs.get(job.runId);
      if (run?.state === 'FAILED') {
        const failed = await repo.move(id, ['QUEUED', 'RUNNING', 'CANCELLING'], 'FAILED', {
          finishedAt: run.finishedAt ?? this.ctx.now(),
          lastError: run.lastError ?? 'its run failed',
        });
        if (failed) return failed;
      }
    }
    return job;
  }

  async #toView(job: BulkJobRow): Promise<BulkJobView> {
    const tags = await new TagBulkRepository(this.ctx.db).tagsOf(job.tagIds);
    const { ratePerSecond, etaSeconds } = bulkRate(job, this.ctx.now());
    return {
      id: job.id,
      action: job.action,
      tags,
      selection: job.selection,
      state: job.state,
      total: job.total,
      done: job.done,
      failed: job.failed,
      percent:
        job.total === 0 ? (job.state === 'DONE' ? 100 : 0) : Math.floor(((job.done + job.failed) * 100) / job.total),
      ratePerSecond,
      etaSeconds,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      lastError: job.lastError,
    };
  }

  /**
   * A query's products now, as search reads it: parsed (422 with the place of a mistake), every tag it names live
   * (422 at the first unknown one), then matched on the index caught up to Postgres (503 while it rebuilds).
   */
  async #select(query: string): Promise<{ text: string; productNos: number[] }> {
    const parsed = parseTagQuery(query);
    if (!parsed.ok) {
      const { message, position, length } = parsed.error;
      throw new UnprocessableError(message, { position, length, caret: formatTagQueryError(query, parsed.error) });
    }
    if (this.index.status().state !== 'READY') throw unavailable(this.index);
    try {
      await this.index.caughtUp(await new TagsRepository(this.ctx.db).version());
    } catch (err) {
      if (err instanceof TagIndexNotReadyError) throw unavailable(this.index);
      throw err;
    }
    namedTags(this.index, query, parsed.ast);
    return { text: tagQueryToText(parsed.ast), productNos: this.index.match(parsed.ast).toArray() };
  }

  async #run(handle: JobHandle<BulkPayload>): Promise<void> {
    const id = handle.payload.jobId;
    const repo = new TagBulkRepository(this.ctx.db);
    try {
      const job = await repo.job(id);
      // gone, or a newer run (a retry's) owns it; a run that starts before its id was recorded finds null
      if (!job || (job.runId !== null && job.runId !== handle.id)) return;
      if (job.state === 'CANCELLING') {
        await repo.move(id, ['CANCELLING'], 'CANCELLED', { finishedAt: this.ctx.now() });
        return;
      }
      if (job.state === 'QUEUED')
        await repo.move(id, ['QUEUED'], 'RUNNING', {
          startedAt: this.ctx.now(),
          startedFromDone: true,
          lastError: null,
        });
      else if (job.state === 'RUNNING')
        // a new attempt resumes (its hub died or stopped): the rate and ETA count from now, not across the downtime
        await repo.move(id, ['RUNNING'], 'RUNNING', { startedAt: this.ctx.now(), startedFromDone: true });
      else return;
      const chunks = await repo.chunkCount(id);
      for (;;) {
        if (handle.signal.aborted) return; // the hub is stopping: the runner queues the run again, it resumes here
        const now = await repo.job(id);
        if (!now || (now.runId !== null && now.runId !== handle.id)) return;
        if (now.state === 'CANCELLING') {
          await repo.move(id, ['CANCELLING'], 'CANCELLED', { finishedAt: this.ctx.now() });
          return;
        }
        if (now.state !== 'RUNNING') return;
        if (now.nextChunk >= chunks) break;
        await this.beforeChunk?.(id, now.nextChunk);
        const after = await this.#apply(now, now.nextChunk);
        if (!after) continue;
        await handle.saveCheckpoint({ nextChunk: after.nextChunk });
        await handle.progress(after.done + after.failed, after.total, bulkProgressMessage(after, this.ctx.now()));
      }
      await repo.move(id, ['RUNNING', 'CANCELLING'], 'DONE', { finishedAt: this.ctx.now() });
    } catch (err) {
      if (err instanceof UnprocessableError) {
        // a tag went away under the job: trying again cannot help
        await repo.move(id, ['RUNNING', 'CANCELLING'], 'FAILED', {
          finishedAt: this.ctx.now(),
          lastError: err.message,
        });
        return;
      }
      if (handle.signal.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (handle.attempt >= ATTEMPTS)
        await repo
          .move(id, ['RUNNING', 'CANCELLING', 'QUEUED'], 'FAILED', { finishedAt: this.ctx.now(), lastError: message })
          .catch(() => undefined);
      else await repo.noteError(id, `attempt ${handle.attempt} of ${ATTEMPTS}: ${message}`).catch(() => undefined);
      throw err;
    }
  }

  /** Applies chunk `n` in one transaction; null when it was not this run's to apply (applied, or cancelled). */
  async #apply(job: BulkJobRow, n: number): Promise<BulkJobRow | null> {
    return this.ctx.db.transaction(async (tx) => {
      const repo = new TagBulkRepository(tx);
      const locked = await repo.claimChunk(job.id, n);
      if (!locked) return null;
      const chunk = await repo.chunk(job.id, n);
      const change = { action: job.action, tagIds: job.tagIds };
      const failures: { sku: string; reason: string }[] = [];
      let size = 0;
      if (chunk?.skus) {
        size = chunk.skus.length;
        const r = await this.writer.write(tx, chunk.skus, change);
        const reason = job.action === 'REMOVE' ? unknownToRemove : notInCatalog;
        for (const s of r.unknownSkus) failures.push({ sku: s, reason });
        for (const s of r.tooManyTags) failures.push({ sku: s, reason: tooMany });
      } else if (chunk?.productNos) {
        size = chunk.productNos.length;
        const tags = new TagsRepository(tx);
        await tags.lockForWrite();
        const missing = await tags.missingTags(job.tagIds);
        if (missing.length)
          throw new UnprocessableError(`no such tag: ${missing.join(', ')} (deleted while the job ran)`, { missing });
        const r = await this.writer.writeNumbers(tx, chunk.productNos, change);
        for (const s of r.tooManyTags) failures.push({ sku: s, reason: tooMany });
      }
      const failed = await repo.addFailures(job.id, failures);
      return repo.chunkApplied(job.id, n, size - failures.length, failed);
    });
  }
}

const notInCatalog = 'not in the catalog: no such product';
const unknownToRemove = 'not a product the catalog or the tags know: check the sku';
const tooMany = 'would carry more than 500 tags: remove some of its tags first';
