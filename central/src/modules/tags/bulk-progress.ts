import type { BulkAction, BulkJobRow, BulkSelection, BulkState } from './bulk-repository.js';

/** A bulk job as the API shows it. */
export interface BulkJobView {
  readonly id: string;
  readonly action: BulkAction;
  readonly tags: readonly {
    readonly id: number;
    readonly slug: string;
    readonly name: string;
    readonly path: string;
  }[];
  readonly selection: BulkSelection;
  readonly state: BulkState;
  /** Products in the selection (a list's skus as sent, duplicates dropped per request). */
  readonly total: number;
  /** Products changed, or already as asked. */
  readonly done: number;
  /** Products refused (the failure report lists them). */
  readonly failed: number;
  readonly percent: number;
  /** Products per second since the run (or its retry) started; null before any. */
  readonly ratePerSecond: number | null;
  /** Seconds left at that rate; null while unknown, 0 once finished. */
  readonly etaSeconds: number | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly lastError: string | null;
}

const FINISHED: readonly BulkState[] = ['DONE', 'CANCELLED', 'FAILED'];

/** The rate since the job (or its retry) started and the time left at it. */
export function bulkRate(job: BulkJobRow, now: number): { ratePerSecond: number | null; etaSeconds: number | null } {
  if (FINISHED.includes(job.state)) {
    const ms = job.startedAt !== null && job.finishedAt !== null ? job.finishedAt - job.startedAt : 0;
    const did = job.done + job.failed - job.startedDone;
    return {
      ratePerSecond: ms > 0 && did > 0 ? Math.round((did * 1000) / ms) : null,
      etaSeconds: job.state === 'DONE' ? 0 : null,
    };
  }
  if (job.startedAt === null) return { ratePerSecond: null, etaSeconds: null };
  const did = job.done + job.failed - job.startedDone;
  const ms = Math.max(1, now - job.startedAt);
  if (did <= 0) return { ratePerSecond: null, etaSeconds: null };
  const perSecond = (did * 1000) / ms;
  const left = Math.max(0, job.total - job.done - job.failed);
  return { ratePerSecond: Math.round(perSecond * 10) / 10, etaSeconds: Math.ceil(left / perSecond) };
}

const count = (n: number) => n.toLocaleString('en-US');

/** "1,250,000 of 5,000,000 products (25 %), ~3 min left" */
export function bulkProgressMessage(job: BulkJobRow, now: number): string {
  const did = job.done + job.failed;
  const pct = job.total === 0 ? 100 : Math.floor((did * 100) / job.total);
  const { etaSeconds } = bulkRate(job, now);
  const failed = job.failed > 0 ? `, ${count(job.failed)} refused` : '';
  return `${count(did)} of ${count(job.total)} products (${pct} %)${failed}${etaSeconds === null ? '' : `, ~${duration(etaSeconds)} left`}`;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  return `${h} h ${Math.round((seconds - h * 3600) / 60)} min`;
}
