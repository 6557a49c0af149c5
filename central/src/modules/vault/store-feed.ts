import { randomUUID } from 'node:crypto';
import { feedEntry } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { FeedItem } from '../../kernel/feed-writer.js';
import type { HubContext, JobHandle } from '../../kernel/module-contract.js';
import { pathIds, planStoreBatch } from './store-feed-plan.js';
import { VaultStoreFeedRepository } from './store-feed-repository.js';

/** The job that brings stores' copies up to date (enqueued after each change, and on a schedule for new stores). */
export const VAULT_STORE_SYNC_JOB = 'vault.store-sync';
/** How often the job also runs with nothing marked: a store registered since gets its list then. */
const SWEEP_EVERY_MS = 30_000;
/** Changes within this window share one run. */
const DEBOUNCE_MS = 250;
/** Documents looked at per chunk, and stores per transaction: at most DOCS × STORES feed entries in memory at once. */
const DOC_CHUNK = 200;
const STORE_BATCH = 100;
/** Marked nodes a run takes at a time. */
const DIRTY_TAKE = 5_000;

/** What one run did (tests and the job's progress line). */
export interface StoreSyncReport {
  readonly documents: number;
  readonly docs: number;
  readonly removed: number;
  readonly newStores: number;
}

/**
 * Keeps each store's copy of the documents its staff may read (lane: store side): every change that can alter what a
 * store reads (an upload, a new version, a rename or move, a grant or revoke, a delete or restore, a quarantine) calls
 * `changed` in its transaction; the store feed sends `vault.doc` / `vault.doc-removed` to the stores concerned.
 *
 * `changed` only marks the nodes (`vault_store_dirty`) and, after commit, asks for a run of `vault.store-sync`. A run
 * takes the marks, works out the documents under them, and for each chunk of documents and batch of stores, in one
 * transaction under the feed's lock, compares what each store may read now with what it was sent
 * (`vault_store_docs`, store-feed-plan.ts) and appends the difference to the stores' feeds. Stores that never had
 * their list (registered since the last run) get all of it. Memory is bounded by a chunk × a batch, whatever the
 * fleet's size; a folder shared with everyone reaches 5,000 stores in 50 transactions per 200 documents.
 */
export class VaultStoreFeed {
  #started = false;

  constructor(readonly ctx: HubContext) {}

  async start(): Promise<void> {
    this.ctx.jobs.define({
      name: VAULT_STORE_SYNC_JOB,
      run: (job) => this.#run(job),
      maxAttempts: 5,
      backoffMs: 2_000,
    });
    await this.ctx.jobs.schedule(VAULT_STORE_SYNC_JOB, { everyMs: SWEEP_EVERY_MS, jitter: 0.2, firstAfterMs: 1_000 });
    // A feed rebased after a hub restore lost entries the store applied: its list goes again, whole.
    this.ctx.feed.reconcileWith('vault', async (tx, storeId) => {
      await new VaultStoreFeedRepository(tx).forgetStore(storeId);
      tx.afterCommit(() => this.#kick());
      return [];
    });
    this.#started = true;
  }

  async stop(): Promise<void> {
    this.#started = false;
  }

  /** Marks nodes (documents or folders: everything under a folder) as changed, in the caller's transaction. */
  async changed(tx: Queryable, nodeIds: readonly string[]): Promise<void> {
    const ids = [...new Set(nodeIds)];
    if (ids.length === 0) return;
    await new VaultStoreFeedRepository(tx).mark(ids);
    tx.afterCommit(() => this.#kick());
  }

  /** Runs the sync now, in this process (tests, and a console's "send now"). */
  syncNow(): Promise<StoreSyncReport> {
    return this.#sync(undefined);
  }

  /** Asks for a run soon: changes within DEBOUNCE_MS share one; a run that already began gets a follower. */
  #kick(): void {
    if (!this.#started) return; // the schedule's next sweep picks the marks up
    const now = this.ctx.now();
    const key = `after-${Math.floor(now / DEBOUNCE_MS)}`;
    void (async () => {
      const made = await this.ctx.jobs.enqueue(VAULT_STORE_SYNC_JOB, {}, { idempotencyKey: key });
      if (made.created) return;
      const run = await this.ctx.jobs.get(made.id);
      if (run?.state === 'QUEUED') return;
      await this.ctx.jobs.enqueue(VAULT_STORE_SYNC_JOB, {}, { idempotencyKey: `${key}-${randomUUID()}` });
    })().catch((err: unknown) =>
      this.ctx.log.warn({ err }, 'could not queue the vault store sync; the next sweep sends the change'),
    );
  }

  async #run(job: JobHandle): Promise<void> {
    const report = await this.#sync(job);
    if (report.docs || report.removed || report.newStores)
      this.ctx.log.info(report, 'stores told what changed in the vault');
  }

  async #sync(job: JobHandle | undefined): Promise<StoreSyncReport> {
    let documents = 0;
    let docs = 0;
    let removed = 0;
    let newStores = 0;
    const add = (r: { documents: number; docs: number; removed: number }) => {
      documents += r.documents;
      docs += r.docs;
      removed += r.removed;
    };
    // stores that never had their list: all of it
    for (let i = 0; i < 1_000; i++) {
      const stores = await new VaultStoreFeedRepository(this.ctx.db).unsyncedStores(STORE_BATCH);
      if (stores.length === 0) break;
      add(await this.#pass(job, null, stores, 'new stores’ lists'));
      await new VaultStoreFeedRepository(this.ctx.db).markSynced(stores, this.ctx.now());
      newStores += stores.length;
    }
    // marked nodes: every store
    for (let i = 0; i < 1_000; i++) {
      const marks = await new VaultStoreFeedRepository(this.ctx.db).dirty(DIRTY_TAKE);
      if (marks.length === 0) break;
      add(
        await this.#pass(
          job,
          marks.map((m) => m.nodeId),
          null,
          'changed documents',
        ),
      );
      await new VaultStoreFeedRepository(this.ctx.db).clearDirty(marks);
      if (marks.length < DIRTY_TAKE) break;
    }
    return { documents, docs, removed, newStores };
  }

  /** The documents under `nodeIds` (null: all) for `stores` (null: every store), chunk by chunk. */
  async #pass(
    job: JobHandle | undefined,
    nodeIds: readonly string[] | null,
    stores: readonly string[] | null,
    what: string,
  ): Promise<{ documents: number; docs: number; removed: number }> {
    const repo = new VaultStoreFeedRepository(this.ctx.db);
    let documents = 0;
    let docs = 0;
    let removed = 0;
    let after: string | null = null;
    const storeTotal = stores ? stores.length : await repo.storeCount();
    for (;;) {
      const chunk = await repo.affectedDocuments(nodeIds, after, DOC_CHUNK);
      if (chunk.length === 0) break;
      after = chunk.at(-1)!;
      if (stores) {
        const r = await this.#batch(chunk, stores);
        docs += r.docs;
        removed += r.removed;
      } else {
        let storeAfter: string | null = null;
        for (;;) {
          const batch = await repo.stores(storeAfter, STORE_BATCH);
          if (batch.length === 0) break;
          storeAfter = batch.at(-1)!;
          const r = await this.#batch(chunk, batch);
          docs += r.docs;
          removed += r.removed;
          if (job?.signal.aborted) throw new Error('vault store sync: asked to stop; the run resumes from its marks');
        }
      }
      documents += chunk.length;
      await job?.progress(
        documents,
        null,
        `${what}: ${documents} documents checked for ${storeTotal} stores; ${docs} sent, ${removed} removed`,
      );
      if (chunk.length < DOC_CHUNK) break;
    }
    return { documents, docs, removed };
  }

  /** One transaction: what `storeIds` are told about `documentIds`, under the feed's lock. */
  async #batch(
    documentIds: readonly string[],
    storeIds: readonly string[],
  ): Promise<{ docs: number; removed: number }> {
    return this.ctx.db.transaction(async (tx) => {
      const repo = new VaultStoreFeedRepository(tx);
      await repo.lock(this.ctx.now());
      const rows = await repo.documents(documentIds);
      const folders = [...new Set(rows.flatMap(pathIds))];
      const chainNodes = [...new Set(rows.flatMap((d) => [...d.ancestors, d.id]))];
      const plan = planStoreBatch({
        storeIds,
        documentIds,
        docs: rows,
        folderNames: await repo.names(folders),
        grants: await repo.storeGrants(chainNodes, storeIds),
        sent: await repo.sent(storeIds, documentIds),
      });
      if (plan.length === 0) return { docs: 0, removed: 0 };
      // one changeSeq per document in this batch: higher than anything sent for it before (taken under the lock)
      const docIds = [...new Set(plan.map((p) => (p.kind === 'doc' ? p.doc.documentId : p.documentId)))];
      const seqs = await repo.nextChangeSeqs(docIds.length);
      const seqOf = new Map(docIds.map((id, i) => [id, seqs[i]!]));
      const items: (FeedItem & { storeId: string })[] = [];
      const sent: { storeId: string; documentId: string; changeSeq: number; fingerprint: string }[] = [];
      const gone: { storeId: string; documentId: string }[] = [];
      for (const p of plan) {
        if (p.kind === 'doc') {
          const changeSeq = seqOf.get(p.doc.documentId)!;
          items.push({ ...feedEntry('vault.doc', { ...p.doc, changeSeq }), storeId: p.storeId });
          sent.push({ storeId: p.storeId, documentId: p.doc.documentId, changeSeq, fingerprint: p.fingerprint });
        } else {
          const changeSeq = seqOf.get(p.documentId)!;
          items.push({
            ...feedEntry('vault.doc-removed', { documentId: p.documentId, changeSeq, reason: p.reason }),
            storeId: p.storeId,
          });
          gone.push({ storeId: p.storeId, documentId: p.documentId });
        }
      }
      await repo.recordSent(sent);
      await repo.recordRemoved(gone);
      await this.ctx.feed.appendMany(tx, items);
      return { docs: sent.length, removed: gone.length };
    });
  }
}
