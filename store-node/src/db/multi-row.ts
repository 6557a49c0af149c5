import type Database from 'better-sqlite3';
import type { SqliteDb } from './open-sqlite.js';

/**
 * One INSERT of n rows instead of n INSERTs: on a till's CPU each statement costs several microseconds of overhead,
 * and a sale writes a row per line into three tables. Statements are prepared once per row count (up to `maxRows`);
 * larger inputs are written in chunks.
 */
export class MultiRowInsert {
  readonly #byCount = new Map<number, Database.Statement>();

  constructor(
    readonly db: SqliteDb,
    /** e.g. `INSERT INTO t (a, b) VALUES` */
    readonly head: string,
    /** e.g. `(?, ?)` */
    readonly row: string,
    /** e.g. `ON CONFLICT (a) DO UPDATE SET …`, or '' */
    readonly tail = '',
    readonly maxRows = 32,
  ) {}

  /** Runs the insert with the flattened parameters of `rows`. */
  run(rows: readonly (readonly unknown[])[]): void {
    for (let i = 0; i < rows.length; i += this.maxRows) {
      const chunk = rows.slice(i, i + this.maxRows);
      this.#statement(chunk.length).run(...chunk.flat());
    }
  }

  #statement(n: number): Database.Statement {
    let s = this.#byCount.get(n);
    if (!s) {
      s = this.db.prepare(`${this.head} ${Array.from({ length: n }, () => this.row).join(', ')} ${this.tail}`);
      this.#byCount.set(n, s);
    }
    return s;
  }
}
