import { createHash } from 'node:crypto';
import pg from 'pg';
import { MAYBE_MISSED, type Db, type Queryable, type QueryResult } from './db.js';
import { asUnreachable, DatabaseUnreachableError, isConnectionError } from './db-unreachable.js';

const INT8_OID = 20;

// A private type registry: int8 → number, leaving the process-wide pg defaults alone.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * Statements the hub runs are prepared once per connection and reused by name: Postgres then skips parsing and
 * planning (measured: orders end to end ~+25 %). The name is the SQL text's hash. Text built at run time could make
 * names without end, so only the first MAX_PREPARED distinct texts of a process are prepared; later ones run unnamed.
 * `preparedStatements: false` (PG_PREPARED_STATEMENTS=off) turns it off for a pool (a pooler in transaction mode that
 * cannot keep prepared statements, e.g. PgBouncer before 1.21).
 */
const MAX_PREPARED = 1000;
const prepared = new Map<string, string>();

function statementName(sql: string, prepare: boolean): string | undefined {
  if (!prepare) return undefined;
  let name = prepared.get(sql);
  if (name === undefined && prepared.size < MAX_PREPARED) {
    name = `sf_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    prepared.set(sql, name);
  }
  return name;
}

/** Scripts (migrations) may run long on a big database: they get this much, not the statement timeout. */
const SCRIPT_TIMEOUT_MS = 3600_000;
/** Waiting for an advisory lock (a replica behind another's migrations) is waiting for work, not for a silent database. */
const LOCK_WAIT = /^\s*SELECT\s+pg_advisory(_xact)?_lock\(/i;

function wrap(client: pg.Pool | pg.PoolClient, prepare: boolean, committed?: (() => void)[]): Queryable {
  return {
    afterCommit(fn) {
      if (committed) committed.push(fn);
      else fn();
    },
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      try {
        const query: pg.QueryConfig = { name: statementName(sql, prepare), text: sql, values: params as unknown[] };
        if (LOCK_WAIT.test(sql)) Object.assign(query, { query_timeout: SCRIPT_TIMEOUT_MS });
        const res = await client.query(query);
        return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
      } catch (err) {
        throw asUnreachable(err);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await client.query({ text: sql, query_timeout: SCRIPT_TIMEOUT_MS } as pg.QueryConfig);
      } catch (err) {
        throw asUnreachable(err);
      }
    },
  };
}

export interface PgDbOptions {
  readonly max?: number | undefined;
  readonly applicationName?: string | undefined;
  /**
   * How long getting a connection may take before the call fails (default 5 s): a black-holed database must not hold
   * requests for minutes. A new connection not made in time fails with DatabaseUnreachableError; a wait for one of
   * the pool's connections (all in use) that runs out fails with DatabaseBusyError (overload, not an outage).
   */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * How long one statement may wait for its answer (default 60 s; scripts get an hour). Past it the connection is
   * dropped and the call fails with DatabaseUnreachableError — the only way to notice a database that went silent
   * without closing the connection.
   */
  readonly queryTimeoutMs?: number | undefined;
  /** Prepare each statement once per connection (default true); see MAX_PREPARED. */
  readonly preparedStatements?: boolean | undefined;
}

export class PgDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  /**
   * The ping's own connection, outside the pool: with every pooled connection in use (a spike, thousands of store
   * sessions) a ping that queued behind them timed out and the degraded mode called a database that answers
   * "unreachable". Its connection is kept while pings come (the degraded mode checks every 10 s).
   */
  readonly #probePool: pg.Pool;
  readonly #q: Queryable;
  readonly #connectionString: string;
  readonly #listeners = new Set<() => Promise<void>>();
  readonly #prepare: boolean;

  constructor(connectionString: string, options: PgDbOptions = {}) {
    this.#pool = new pg.Pool({
      connectionString,
      max: options.max ?? 16,
      application_name: options.applicationName ?? 'storefleet-hub',
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      query_timeout: options.queryTimeoutMs ?? 60_000,
      keepAlive: true,
      types,
    });
    // An idle client that loses its connection emits here; without a listener it would crash the process.
    this.#pool.on('error', () => {});
    this.#probePool = new pg.Pool({
      connectionString,
      max: 2, // the degraded mode's check and a /healthz at once
      application_name: 'storefleet-hub-probe',
      idleTimeoutMillis: 60_000,
      keepAlive: true,
      types,
    });
    this.#probePool.on('error', () => {});
    this.#prepare = options.preparedStatements ?? true;
    this.#q = wrap(this.#pool, this.#prepare);
    this.#connectionString = connectionString;
  }

  /**
   * One statement on a pooled connection. Not `pool.query`: it destroys the connection after ANY error, so every
   * statement refused by a constraint (a seat already claimed, a duplicate key) cost a new Postgres backend on the
   * next call. Here only a lost connection or a silent database (a timed-out statement) destroys it.
   */
  async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    const client = await this.#connect();
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken ??= err;
    };
    client.on('error', onError);
    try {
      return await wrap(client, this.#prepare).query<R>(sql, params);
    } catch (err) {
      if (isConnectionError(err)) broken ??= err as Error;
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  exec(sql: string): Promise<void> {
    return this.#q.exec(sql);
  }

  afterCommit(fn: () => void): void {
    fn();
  }

  async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new DatabaseUnreachableError(new Error(`Query read timeout after ${timeoutMs} ms`))),
        timeoutMs,
      );
    });
    // The probe's own statement gives up at the same bound, so a silent database does not keep its connection. It runs
    // on its own connection: a full pool is overload (DatabaseBusyError), not an unreachable database.
    const probe = this.#probePool
      .query({ text: 'SELECT 1', query_timeout: timeoutMs } as pg.QueryConfig)
      .catch((err: unknown) => {
        throw asUnreachable(err);
      });
    try {
      await Promise.race([probe, silent]);
    } finally {
      clearTimeout(timer);
      probe.catch(() => undefined); // answered (or failed) after the bound: already reported
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    // A checked-out client has no listener of the pool's: a connection lost now (Postgres restarted, the network
    // cut) would emit an unhandled 'error' and end the process. Keep it, and destroy the connection on release.
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken ??= err;
    };
    client.on('error', onError);
    const committed: (() => void)[] = [];
    try {
      await client.query('BEGIN');
      const result = await fn(wrap(client, this.#prepare, committed));
      await client.query('COMMIT');
      runAll(committed);
      return result;
    } catch (err) {
      if (broken || isConnectionError(err)) {
        broken ??= err as Error; // no ROLLBACK over a dead connection: Postgres rolls back when it ends
      } else {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr as Error; // the connection is unusable: destroy it rather than return it to the pool
        }
      }
      throw asUnreachable(err);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (err) {
      throw asUnreachable(err);
    }
  }

  async session<T>(fn: (session: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    const onError = () => {}; // a lost connection fails the statement running on it; it is destroyed below anyway
    client.on('error', onError);
    try {
      return await fn(wrap(client, this.#prepare));
    } finally {
      client.removeListener('error', onError);
      client.release(true);
    }
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let closed = false;
    const lost = (c: pg.Client) => {
      if (closed || client !== c) return;
      client = undefined;
      c.end().catch(() => undefined);
      retry();
    };
    // Re-listen after a pause, for as long as it takes; then the listener re-checks, as notifications may be lost.
    const retry = () =>
      setTimeout(() => {
        if (closed) return;
        connect().then(() => onPayload(MAYBE_MISSED), retry);
      }, 1000).unref();
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: this.#connectionString, application_name: 'storefleet-hub-listen' });
      c.on('notification', (n) => {
        if (n.channel === channel) onPayload(n.payload ?? '');
      });
      c.on('error', () => lost(c));
      c.on('end', () => lost(c));
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      client = c;
    };
    await connect();
    const unlisten = async () => {
      closed = true;
      this.#listeners.delete(unlisten);
      await client?.end().catch(() => undefined);
    };
    this.#listeners.add(unlisten);
    return unlisten;
  }

  async close(): Promise<void> {
    for (const unlisten of [...this.#listeners]) await unlisten();
    await Promise.all([this.#pool.end(), this.#probePool.end()]);
  }
}

/** Post-commit hooks must not undo a commit by throwing: each runs, failures are swallowed by design of the hook. */
export function runAll(hooks: readonly (() => void)[]): void {
  for (const h of hooks) {
    try {
      h();
    } catch {
      // a hook reports its own failures (e.g. a publish that logs); the transaction already committed
    }
  }
}
