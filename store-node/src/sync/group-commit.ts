import type { SqliteDb } from '../db/open-sqlite.js';

interface Pending {
  readonly change: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/**
 * Commits the changes submitted during one turn of the event loop in one transaction: with `synchronous=FULL` every
 * commit costs an fsync, and a store's lanes closing sales at the same moment share one. Each change runs in its own
 * savepoint, so a change that throws is rolled back alone and rejects only its own promise; the others commit. A
 * promise resolves only after the commit, so "resolved" still means "on disk".
 */
export class GroupCommit {
  #queue: Pending[] = [];
  #scheduled = false;
  commits = 0;
  changes = 0;

  readonly #begin;
  readonly #commit;
  readonly #rollback;
  readonly #savepoint;
  readonly #release;
  readonly #undo;

  constructor(readonly db: SqliteDb) {
    // Prepared once rather than through db.transaction(): on the till's hot path the wrapper costs as much as a row.
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#savepoint = db.prepare('SAVEPOINT grouped_change');
    this.#release = db.prepare('RELEASE grouped_change');
    this.#undo = db.prepare('ROLLBACK TO grouped_change');
  }

  submit<T>(change: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ change, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits whatever is queued now (also called directly by `stop`, so nothing queued is left behind). */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (!batch.length) return;
    this.#queue = [];
    const outcomes: Outcome[] = [];
    try {
      this.#begin.run();
      try {
        for (const p of batch) outcomes.push(this.#inSavepoint(p.change));
        this.#commit.run();
      } catch (err) {
        if (this.db.inTransaction) this.#rollback.run();
        throw err;
      }
    } catch (err) {
      for (const p of batch) p.reject(err); // the commit itself failed: nothing of the batch is on disk
      return;
    }
    this.commits++;
    this.changes += batch.length;
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.err);
    });
  }

  #inSavepoint(change: () => unknown): Outcome {
    this.#savepoint.run();
    try {
      const value = change();
      this.#release.run();
      return { ok: true, value };
    } catch (err) {
      // Some errors (SQLITE_FULL: the disk is full) make SQLite roll the whole transaction back: then the savepoint is
      // gone too, and it is this error, not "no such savepoint", that fails the batch.
      if (!this.db.inTransaction) throw err;
      this.#undo.run();
      this.#release.run();
      return { ok: false, err };
    }
  }
}
