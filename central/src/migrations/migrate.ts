import { setTimeout as sleep } from 'node:timers/promises';
import { planMigrations, type AppliedMigration, type MigrationFile } from '@storefleet/shared';
import type { Db, Queryable } from '../db/db.js';
import { MigrationRepository } from './migration-repository.js';
import { migrationLabel, runOutsideTransaction, type MigrationLog } from './outside-transaction.js';

export type { MigrationLog } from './outside-transaction.js';

export interface MigrationReport {
  readonly applied: readonly string[];
}

export interface MigrateOptions {
  /**
   * How long one migration may wait for a table lock that live traffic holds (default 3 s). Past it, the migration
   * gives back every lock it took and is tried again: while it waits, the uploads behind it wait too.
   */
  readonly lockTimeoutMs?: number | undefined;
  /** How many more times a migration that timed out on a lock (55P03) or lost a deadlock (40P01) is tried (default 5). */
  readonly lockRetries?: number | undefined;
  /** The pause before the first retry (default 500 ms), doubled for each next one, at most 10 s. */
  readonly retryDelayMs?: number | undefined;
  readonly log?: MigrationLog | undefined;
}

interface Run {
  readonly db: Db;
  readonly repo: MigrationRepository;
  readonly files: readonly MigrationFile[];
  readonly lockTimeoutMs: number;
  readonly lockRetries: number;
  readonly retryDelayMs: number;
  readonly log: MigrationLog | undefined;
}

/** SQLSTATEs of a lock wait given up: lock_timeout (55P03) and deadlock (40P01). */
const LOCK_WAIT_CODES = new Set(['55P03', '40P01']);

/** A migration that gave up waiting for a lock held by live traffic; the runner tries it again. */
class LockWaitError extends Error {
  constructor(
    readonly label: string,
    readonly code: string,
    cause: unknown,
  ) {
    super(`migration ${label} failed: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Applies pending migrations one file at a time, each in its own transaction under a transaction-scoped advisory
 * lock, re-planning after each: take the lock, read what is applied, apply the first pending file, record it, commit.
 * So two hub processes starting together on one database apply each file once, a failing file leaves the ones
 * before it applied, and locks are held for one file only. Inside each file, a table lock waited for longer than
 * `lockTimeoutMs` fails the file, which is tried again after a pause (logged: "waits for a lock held by live
 * traffic"): a migration never queues uploads behind it for longer than that.
 *
 * A `-- migrate: no-transaction` file (CREATE INDEX CONCURRENTLY) runs on one connection of its own (Db.session)
 * outside any transaction, under the same lock taken for the session, and is recorded there after its statements.
 * Not in a transaction left open to hold the lock: an open transaction keeps a snapshot, which the concurrent build
 * would wait for forever. A hub that dies mid-file releases the lock with its connection, and the next run repeats
 * the whole file (its statements must be idempotent).
 */
export async function migrate(
  db: Db,
  files: readonly MigrationFile[],
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const run: Run = {
    db,
    repo: new MigrationRepository(),
    files,
    lockTimeoutMs: options.lockTimeoutMs ?? 3000,
    lockRetries: options.lockRetries ?? 5,
    retryDelayMs: options.retryDelayMs ?? 500,
    log: options.log,
  };
  await underLock(run, (tx) => run.repo.ensureTable(tx));
  const applied: string[] = [];
  for (;;) {
    const file = await withLockRetries(run, () => applyNext(run));
    if (file === null) return { applied };
    if (file !== AGAIN) applied.push(`${file.module}/${file.name}`);
  }
}

/** Another hub took the lock between two steps: plan again. */
const AGAIN = Symbol('again');

/** Applies the first pending file; resolves to it, or to null when none is left. */
async function applyNext(run: Run): Promise<MigrationFile | null | typeof AGAIN> {
  const step = await underLock(run, async (tx): Promise<{ file: MigrationFile; outside: boolean } | null> => {
    const next = pending(run, await run.repo.applied(tx));
    if (!next) return null;
    if (next.noTransaction) return { file: next, outside: true };
    await attempt(next, async () => {
      await run.repo.limitLockWait(tx, run.lockTimeoutMs);
      await tx.exec(next.sql);
    });
    await run.repo.record(tx, next, Date.now());
    return { file: next, outside: false };
  });
  if (!step?.outside) return step?.file ?? null;
  const { file } = step;
  return run.db.session(async (session) => {
    if (!(await run.repo.tryLockSession(session))) return AGAIN;
    try {
      if (pending(run, await run.repo.applied(session)) !== file) return AGAIN;
      await attempt(file, () => runOutsideTransaction(session, run.repo, file, run.log, run.retryDelayMs));
      await run.repo.record(session, file, Date.now());
      return file;
    } finally {
      await run.repo.unlockSession(session).catch(() => undefined); // the session is closed next, which releases it too
    }
  });
}

function pending(run: Run, applied: readonly AppliedMigration[]): MigrationFile | null {
  return planMigrations(run.files, applied)[0] ?? null;
}

async function attempt(file: MigrationFile, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const label = migrationLabel(file);
    const code = sqlState(err);
    if (code && LOCK_WAIT_CODES.has(code)) throw new LockWaitError(label, code, err);
    const message = (err as Error).message;
    throw new Error(message.startsWith(`migration ${label}`) ? message : `migration ${label} failed: ${message}`, {
      cause: err,
    });
  }
}

async function withLockRetries<T>(run: Run, fn: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof LockWaitError) || tries > run.lockRetries) throw err;
      run.log?.warn(
        { migration: err.label, code: err.code, tries, lockTimeoutMs: run.lockTimeoutMs },
        `migration ${err.label} waits for a lock held by live traffic; retrying`,
      );
      await sleep(Math.min(run.retryDelayMs * 2 ** (tries - 1), 10_000));
    }
  }
}

/**
 * Runs `fn` in a transaction that holds the migration lock. While another hub holds it, waits outside any
 * transaction (see MigrationRepository.tryLock), polling, and says so.
 */
async function underLock<T>(run: Run, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const since = Date.now();
  let toldAt: number | undefined;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    const out = await run.db.transaction(async (tx) => ((await run.repo.tryLock(tx)) ? { value: await fn(tx) } : null));
    if (out) return out.value;
    if (toldAt === undefined || Date.now() - toldAt >= 60_000) {
      toldAt = Date.now();
      run.log?.info(
        { waitedMs: toldAt - since },
        'another hub is applying migrations to this database; waiting for it to finish',
      );
    }
    await sleep(pause);
  }
}

function sqlState(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}
