import pg from 'pg';
import type { Db, Queryable, QueryResult } from './db.js';

const INT8_OID = 20;

// A private type registry: int8 → number, leaving the process-wide pg defaults alone.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const res = await client.query(sql, params as unknown[]);
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

export class PgDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #q: Queryable;

  constructor(connectionString: string, options: { max?: number; applicationName?: string } = {}) {
    this.#pool = new pg.Pool({
      connectionString,
      max: options.max ?? 16,
      application_name: options.applicationName ?? 'storefleet-hub',
      types,
    });
    // An idle client that loses its connection emits here; without a listener it would crash the process.
    this.#pool.on('error', () => {});
    this.#q = wrap(this.#pool);
  }

  query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.#q.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.#q.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(wrap(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error; // the connection is unusable: destroy it rather than return it to the pool
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
