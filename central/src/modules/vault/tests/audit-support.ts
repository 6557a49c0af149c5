import pino from 'pino';
import type { Db, Queryable } from '../../../db/db.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { openMigratedDb } from '../../../../tests/support/migrated-db.js';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { VaultAudit } from '../audit.js';
import type { VaultAuditInput } from '../types.js';

/** A fresh database with the vault's schema, and the trail on it with a clock the test moves. */
export async function auditDb(target: DbTarget) {
  const opened = await openMigratedDb(
    target,
    [{ module: 'vault', dir: new URL('../schema/', import.meta.url) }],
    pino({ level: 'silent' }),
  );
  const clock = { ms: Date.UTC(2026, 10, 29, 9, 30) };
  const audit = auditOn(() => clock.ms);
  return { db: opened.db, close: opened.close, clock, audit };
}

/** The trail with only what it reads of the hub: the clock. */
export const auditOn = (now: () => number) => new VaultAudit({ now } as unknown as HubContext);

/** Appends each line in a transaction of its own, as a request would. */
export async function appendAll(db: Db, audit: VaultAudit, lines: readonly VaultAuditInput[]) {
  for (const line of lines) await db.transaction((tx) => audit.append(tx, line));
}

/**
 * Runs `sql` as the database's owner with the append-only triggers switched off (what someone with the database's
 * superuser could do), then switches them on again.
 */
export async function tamper(q: Queryable, sql: string, params: readonly unknown[] = []) {
  await q.query('ALTER TABLE vault_audit DISABLE TRIGGER USER');
  try {
    await q.query(sql, params);
  } finally {
    await q.query('ALTER TABLE vault_audit ENABLE TRIGGER USER');
  }
}

export const ANNA = 'user:6c0d6a4e-5f0b-4a57-9d57-0a8a3c1b2e01';
export const BORIS = 'user:0f1e2d3c-4b5a-4697-8877-665544332211';
export const STORE_A = 'store:11111111-2222-4333-8444-555555555555';
export const DOC = 'a1b2c3d4-0000-4000-8000-00000000d0c1';
export const DOC2 = 'a1b2c3d4-0000-4000-8000-00000000d0c2';
export const VERSION = 'a1b2c3d4-0000-4000-8000-0000000fe251';

/** A day's lines a person could read: uploads, views, a share, a download from a store. */
export const DAY: readonly VaultAuditInput[] = [
  {
    actor: ANNA,
    action: 'UPLOAD',
    nodeId: DOC,
    versionId: VERSION,
    detail: { name: 'Opening hours.pdf', size: 1234 },
    origin: '10.0.0.7',
  },
  { actor: BORIS, action: 'VIEW', nodeId: DOC, origin: '10.0.0.8' },
  {
    actor: ANNA,
    action: 'SHARE',
    nodeId: DOC,
    detail: { subject: 'store:riv', permission: 'READ' },
    origin: '10.0.0.7',
  },
  { actor: STORE_A, action: 'DOWNLOAD', nodeId: DOC, versionId: VERSION, origin: 'handheld RIV-2' },
  { actor: BORIS, action: 'DELETE', nodeId: DOC2, detail: { name: 'Old planogram.png', items: [1, 2.5, 'x'] } },
];
