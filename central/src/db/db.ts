/**
 * The hub's one database interface. Two implementations: `PgDb` (a pg Pool, when DATABASE_URL is set) and
 * `PgliteDb` (embedded Postgres in a data folder, the default). Repositories take a `Queryable`, so the same SQL
 * runs inside or outside a transaction. Both return int8 columns as JS numbers (epoch ms fit in 2^53).
 */
export type Row = Record<string, unknown>;

export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

export interface Queryable {
  /** One statement with `$1…` parameters. */
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` once the surrounding transaction has committed (at once outside one); never after a rollback. */
  afterCommit(fn: () => void): void;
}

export interface Db extends Queryable {
  readonly dialect: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (and the error is rethrown).
   * Nested calls are not supported: pass the `tx` down instead.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one connection of its own, outside any transaction (each statement commits alone): for statements
   * that refuse a transaction (CREATE INDEX CONCURRENTLY) run under a session-level advisory lock. The connection is
   * closed afterwards, never reused, so no lock or setting of the session outlives it. The migration runner's.
   */
  session<T>(fn: (session: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onPayload` for each NOTIFY on `channel` (sent with `SELECT pg_notify(channel, payload)`, delivered at
   * commit, to every hub process on the database). After a lost listening connection is re-established it calls
   * `onPayload(MAYBE_MISSED)`: notifications may have been missed, so re-check. Resolves to an unsubscribe function.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Resolves when the database answers a trivial statement within `timeoutMs`; otherwise rejects, by then at the
   * latest, with DatabaseUnreachableError saying why (refused, lost, silent). For `/healthz`.
   */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Passed to a listener after its connection was re-established: anything may have changed meanwhile. */
export const MAYBE_MISSED = '*';
