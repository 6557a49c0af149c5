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
}

export async function openDb(config: DbConfig): Promise<Db> {
  if (config.databaseUrl) return new PgDb(config.databaseUrl, { max: config.poolSize });
  if (config.dataDir === 'memory') return PgliteDb.open();
  const dir = config.dataDir ?? './data/hub';
  mkdirSync(dir, { recursive: true });
  return PgliteDb.open(dir);
}
