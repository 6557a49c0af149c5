import { mkdirSync } from 'node:fs';
import type { Db } from './db.js';
import { PgDb } from './pg-db.js';
import { PgliteDb } from './pglite-db.js';

export interface DbConfig {
  /** A postgres:// URL; when absent the hub runs on embedded PGlite. */
  readonly databaseUrl?: string | undefined;
  /** PGlite's data folder; `memory` keeps everything in memory (tests). */
  readonly dataDir?: string | 'memory' | undefined;
  readonly poolSize?: number | undefined;
  /** Postgres only: how long getting a connection may take (default 5 s); see PgDbOptions. */
  readonly dbConnectTimeoutMs?: number | undefined;
  /** Postgres only: how long one statement may wait for its answer (default 60 s); see PgDbOptions. */
  readonly dbQueryTimeoutMs?: number | undefined;
  /** Postgres only: prepare statements once per connection (default on; PG_PREPARED_STATEMENTS). */
  readonly tuning?: { readonly pgPreparedStatements?: boolean | undefined } | undefined;
}

export async function openDb(config: DbConfig): Promise<Db> {
  if (config.databaseUrl)
    return new PgDb(config.databaseUrl, {
      max: config.poolSize,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      queryTimeoutMs: config.dbQueryTimeoutMs,
      preparedStatements: config.tuning?.pgPreparedStatements,
    });
  if (config.dataDir === 'memory') return PgliteDb.open();
  const dir = config.dataDir ?? './data/hub';
  mkdirSync(dir, { recursive: true });
  return PgliteDb.open(dir);
}
