import { Readable } from 'node:stream';
import { Counter } from 'prom-client';
import type { Queryable } from '../../db/db.js';
import type { HubContext, JobHandle } from '../../kernel/module-contract.js';
import type { VaultAudit } from './audit.js';
import { ProcessingRepository, type VersionToProcess } from './processing-repository.js';
import { type ScanVerdict, type Scanner, scannerFor } from './scanner.js';
import type { SealedObject, SealedStore } from './sealed-store.js';
import type { VaultStoreFeed } from './store-feed.js';
import { teeInto } from './stream-tee.js';
import { makeThumbnail, type ThumbnailResult, wantsThumbnail } from './thumbnails.js';

/** The job that reads each new version once (kernel/jobs): one run per version, keyed by the version's id. */
export const VAULT_PROCESS_JOB = 'vault.process';

/** Versions re-enqueued per query at start. */
const PENDING_PAGE = 500;

interface ProcessPayload {
  readonly versionId: string;
}

/**
 * After an upload: a job reads each new version once, through the scanner (the EICAR test file → INFECTED,
 * quarantined) and, for images, makes a thumbnail — one pass over the decrypted stream, teed to both.
 *
 *   upload commits ──enqueue──▶ job vault.process(versionId) ──▶ PENDING → CLEAN | INFECTED (+ thumbnail)
 *                                                              └▶ a tampered blob: stays PENDING, why in scan_detail
 *
 * Invariants: the verdict is written once (only a PENDING version changes, so a retry or a second hub does nothing);
 * a verdict of INFECTED is audited (QUARANTINE) and told to the store feed in the same transaction; a hub with no
 * scanner enqueues nothing (uploads are UNSCANNED, set by the documents part); a version left PENDING by a crash
 * between the upload's commit and its enqueue is enqueued again at the next start.
 */
export class VaultProcessing {
  /** The scanner the hub was configured with, or null: then nothing is scanned and nothing enqueued. */
  readonly scanner: Scanner | null;
  readonly #repo = new ProcessingRepository();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #scans: Counter<'verdict'>;
  readonly #thumbnails: Counter<'outcome'>;
  #defined = false;

  constructor(
    readonly ctx: HubContext,
    readonly sealed: SealedStore,
    readonly audit: VaultAudit,
    readonly storeFeed: VaultStoreFeed,
    scanner?: Scanner | null,
  ) {
    this.scanner = scanner === undefined ? scannerFor(ctx.settings.vault.scanner) : scanner;
    this.#scans = new Counter({
      name: 'vault_scans_total',
      help: 'Document versions scanned after upload, by verdict (STUCK: the stored content failed its check)',
      labelNames: ['verdict'],
      registers: [ctx.metrics],
    });
    this.#thumbnails = new Counter({
      name: 'vault_thumbnails_total',
      help: 'Thumbnails of uploaded images, by outcome (made, or refused: not decodable, too many pixels)',
      labelNames: ['outcome'],
      registers: [ctx.metrics],
    });
  }

  /** Defines the job and enqueues every version still PENDING (a crash between an upload's commit and its enqueue). */
  async start(): Promise<void> {
    if (!this.#defined) {
      this.ctx.jobs.define<ProcessPayload>({
        name: VAULT_PROCESS_JOB,
        run: (job) => this.#run(job),
        maxAttempts: 5,
        backoffMs: 5_000,
      });
      this.#defined = true;
    }
    if (!this.scanner) return;
    let after: string | null = null;
    let enqueued = 0;
    for (;;) {
      const page = await this.#repo.pending(this.ctx.db, after, PENDING_PAGE);
      for (const id of page) if (await this.#enqueueNow(id, true)) enqueued += 1;
      if (page.length < PENDING_PAGE) break;
      after = page.at(-1)!;
    }
    if (enqueued)
      this.ctx.log.info({ versions: enqueued }, 'vault: versions still waiting for their scan enqueued again');
  }

  /** Waits for enqueues still on their way (after their transactions' commits). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * Asks for the version's scan and thumbnail. Called by the documents part with the upload's transaction (or the
   * db): the job is enqueued once that commits (never for a rolled-back upload), so this returns before it is in the
   * queue. With no scanner configured it does nothing. A failure to enqueue is logged; the next start picks the
   * version up, since it stays PENDING.
   */
  async enqueue(q: Queryable, versionId: string): Promise<void> {
    if (!this.scanner) return;
    q.afterCommit(() => {
      const p = this.#enqueueNow(versionId, false)
        .then(() => undefined)
        .catch((err: unknown) =>
          this.ctx.log.error(
            { err, versionId },
            'vault: the scan of a new version could not be enqueued; it stays PENDING until the next start',
          ),
        )
        .finally(() => this.#inFlight.delete(p));
      this.#inFlight.add(p);
    });
  }

  /** Enqueues the version's run (once per version); at start, a run that had FAILED gets a new one. */
  async #enqueueNow(versionId: string, retryFailed: boolean): Promise<boolean> {
    const made = await this.ctx.jobs.enqueue(VAULT_PROCESS_JOB, { versionId }, { idempotencyKey: versionId });
    if (made.created || !retryFailed) return made.created;
    const run = await this.ctx.jobs.get(made.id);
    if (run?.state !== 'FAILED') return false;
    const again = await this.ctx.jobs.enqueue(
      VAULT_PROCESS_JOB,
      { versionId },
      { idempotencyKey: `${versionId}:after-${made.id}` },
    );
    return again.created;
  }

  async #run(job: JobHandle<ProcessPayload>): Promise<void> {
    const versionId = (job.payload as Partial<ProcessPayload> | null)?.versionId;
    if (typeof versionId !== 'string') {
      this.ctx.log.error({ jobRunId: job.id }, 'vault: a processing run without a version id was skipped');
      return;
    }
    await this.process(versionId, job.signal);
  }

  /**
   * The job's body, for one version: reads it once, records the verdict and the thumbnail. Idempotent: a version
   * gone (purged) or no longer PENDING is left as it is. Throws only what a retry may mend (the database, the scanner
   * unreachable, the hub stopping).
   */
  async process(versionId: string, signal?: AbortSignal): Promise<void> {
    const v = await this.#repo.version(this.ctx.db, versionId);
    if (v?.scanState !== 'PENDING') return;
    const thumbnail = wantsThumbnail(v.mediaType, v.size) && !v.hasThumbnail;
    const scanner = this.scanner;
    let verdict: ScanVerdict | null = null;
    let image: ThumbnailResult | null = null;
    if (scanner || thumbnail) {
      try {
        const plaintext = await this.sealed.open(v.content);
        const stopReading = () => plaintext.destroy(new Error('the hub is stopping'));
        signal?.addEventListener('abort', stopReading, { once: true });
        try {
          [verdict, image] = await teeInto<[ScanVerdict | null, ThumbnailResult | null]>(plaintext, [
            (s) => (scanner ? scanner.scan(s, { name: v.documentName, mediaType: v.mediaType, size: v.size }) : none),
            (s) => (thumbnail ? makeThumbnail(s) : none),
          ]);
        } finally {
          signal?.removeEventListener('abort', stopReading);
        }
      } catch (err) {
        if (signal?.aborted || !isTampered(err)) throw err;
        await this.#stuck(v, err as Error);
        return;
      }
    }
    const thumb = await this.#sealThumbnail(v, image);
    await this.ctx.db.transaction(async (tx) => {
      const state = verdict ? verdict.verdict : 'UNSCANNED';
      const detail = verdict
        ? verdict.verdict === 'INFECTED'
          ? `${verdict.signature ?? 'a threat'} found by ${verdict.engine}`
          : `clean, scanned by ${verdict.engine}`
        : 'no virus scanner is configured';
      if (!(await this.#repo.recordVerdict(tx, v.id, state, detail))) return; // another run recorded it first
      if (thumb) await this.#repo.recordThumbnail(tx, v.id, thumb);
      if (verdict?.verdict === 'INFECTED') {
        // the rows changed and the stores told first; the QUARANTINE line last, as the trail's lock is held from the
        // append to the commit and every audited writer waits for it (see VaultAudit)
        if (v.current) await this.#repo.bumpDocument(tx, v.documentId);
        await this.storeFeed.changed(tx, [v.documentId]);
        await this.audit.append(tx, {
          actor: 'system',
          action: 'QUARANTINE',
          nodeId: v.documentId,
          versionId: v.id,
          detail: { versionNo: v.versionNo, signature: verdict.signature ?? null, engine: verdict.engine },
        });
      }
      tx.afterCommit(() => {
        this.#scans.inc({ verdict: state });
        if (verdict?.verdict === 'INFECTED')
          this.ctx.log.warn(
            { documentId: v.documentId, versionId: v.id, versionNo: v.versionNo, signature: verdict.signature },
            'vault: an uploaded version is infected and quarantined',
          );
      });
    });
  }

  async #sealThumbnail(v: VersionToProcess, image: ThumbnailResult | null): Promise<SealedObject | null> {
    if (!image) return null;
    if (!image.ok) {
      this.#thumbnails.inc({ outcome: 'refused' });
      this.ctx.log.warn(
        { documentId: v.documentId, versionId: v.id, mediaType: v.mediaType, reason: image.reason },
        'vault: no thumbnail for an uploaded image (it could not be read as an image)',
      );
      return null;
    }
    this.#thumbnails.inc({ outcome: 'made' });
    return this.sealed.seal(Readable.from([image.png]), { maxBytes: image.png.length });
  }

  async #stuck(v: VersionToProcess, err: Error): Promise<void> {
    const detail = `the stored content failed its integrity check: ${err.message}`.slice(0, 500);
    await this.#repo.recordStuck(this.ctx.db, v.id, detail);
    this.#scans.inc({ verdict: 'STUCK' });
    this.ctx.log.error(
      { documentId: v.documentId, versionId: v.id, err: { name: err.name, message: err.message } },
      'vault: a version could not be scanned: its stored content failed its integrity check; it stays PENDING',
    );
  }
}

/** A branch nobody needs: settled at once, so the tee feeds it nothing. */
const none = Promise.resolve(null);

function isTampered(err: unknown): boolean {
  return err instanceof Error && err.name === 'SealedTamperedError';
}
