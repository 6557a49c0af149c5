import { setTimeout as sleep } from 'node:timers/promises';
import type { MigrationFile } from '@storefleet/shared';
import type { Queryable } from '../db/db.js';
import type { MigrationRepository } from './migration-repository.js';
import { splitStatements } from './split-statements.js';

/** What the runner logs; the hub passes its pino logger. */
export interface MigrationLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

const CONCURRENT_INDEX =
  /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?)?/i;

/** `migration sync/013_sync_events_indexes`: how logs and errors name a file. */
export function migrationLabel(file: MigrationFile): string {
  return `${file.module}/${String(file.version).padStart(3, '0')}_${file.name}`;
}

/**
 * Runs a `-- migrate: no-transaction` file on `session` (Db.session, where the caller holds the migration lock): each
 * statement on its own, outside any transaction. Before each
 * `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS name`, an index of that name that an interrupted build left
 * INVALID (unused by queries, yet skipped by IF NOT EXISTS) is dropped so the statement builds it anew; one that a
 * connection is still building (a hub that stopped mid-build leaves its backend building) is waited for. A
 * CONCURRENTLY build without IF NOT EXISTS is refused: it would fail when a crash makes the file run again.
 */
export async function runOutsideTransaction(
  session: Queryable,
  repo: MigrationRepository,
  file: MigrationFile,
  log: MigrationLog | undefined,
  pollMs: number,
): Promise<void> {
  const label = migrationLabel(file);
  for (const statement of splitStatements(file.sql)) {
    const index = CONCURRENT_INDEX.exec(statement);
    if (index && (!index[1] || !index[2])) {
      throw new Error(
        `migration ${label}: write CREATE INDEX CONCURRENTLY IF NOT EXISTS <name>, so the file can run again after a crash: ${statement.slice(0, 120)}`,
      );
    }
    if (index) await clearInterruptedBuild(session, repo, index[2]!, label, log, pollMs);
    await session.exec(statement);
  }
}

async function clearInterruptedBuild(
  session: Queryable,
  repo: MigrationRepository,
  index: string,
  label: string,
  log: MigrationLog | undefined,
  pollMs: number,
): Promise<void> {
  let told = false;
  for (;;) {
    const state = await repo.indexState(session, index);
    if (!state || state.valid) return;
    if (state.buildingPid === null) {
      log?.warn(
        { migration: label, index },
        `migration ${label}: index ${index} was left INVALID by an interrupted build; dropping it to build it again`,
      );
      await repo.dropIndexConcurrently(session, index);
      return;
    }
    if (!told) {
      log?.info(
        { migration: label, index, pid: state.buildingPid },
        `migration ${label}: index ${index} is still being built by database connection ${state.buildingPid} (a hub that stopped mid-build); waiting for it`,
      );
      told = true;
    }
    await sleep(pollMs);
  }
}
