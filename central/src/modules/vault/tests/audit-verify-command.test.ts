import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbTarget, dbTargets } from '../../../../tests/support/db-targets.js';
import { openMigratedDb } from '../../../../tests/support/migrated-db.js';
import { openExistingDb } from '../../../../tests/support/open-existing-db.js';
import { appendAll, auditOn, DAY, tamper } from './audit-support.js';

/**
 * `npm run vault:verify-audit` as an operator runs it: against the hub's database named the way the hub is told
 * (DATABASE_URL, or HUB_DATA_DIR for PGlite), one line on stdout and the exit code a script checks — 0 whole,
 * 1 broken (at which line and why), 2 could not check (no database there, or no vault in it), never a URL's password.
 */
const CLI = fileURLToPath(new URL('../../../vault-verify-audit.ts', import.meta.url));

function runVerify(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.HUB_DATA_DIR;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI],
      { env: { ...base, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The hub's schema and the vault's in an existing place (a PGlite folder, a Postgres database), left there. */
async function migrateAt(place: { dataDir?: string; databaseUrl?: string }) {
  const at: DbTarget = {
    name: place.dataDir ? 'pglite' : 'postgres',
    open: async () => ({ ...place, drop: async () => {} }),
  };
  return openMigratedDb(
    at,
    [{ module: 'vault', dir: new URL('../schema/', import.meta.url) }],
    pino({ level: 'silent' }),
  );
}

describe('npm run vault:verify-audit on a PGlite folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vault-verify-'));
  const dataDir = join(dir, 'hub');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says where no database is (exit 2), then whole (exit 0), then broken at the edited line (exit 1)', async () => {
    const none = await runVerify({ HUB_DATA_DIR: dataDir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`Could not check the audit trail: ${dataDir} holds no hub database`);

    const { db, close } = await migrateAt({ dataDir });
    await appendAll(db, auditOn(Date.now), DAY);
    await close();
    const whole = await runVerify({ HUB_DATA_DIR: dataDir });
    expect(whole).toMatchObject({ code: 0, stdout: "The vault's audit trail is whole: 5 lines checked.\n" });

    const again = await openExistingDb({ dataDir });
    await tamper(again, `UPDATE vault_audit SET detail = '{"name": "Closing hours.pdf", "size": 1234}' WHERE seq = 1`);
    await again.close();
    const broken = await runVerify({ HUB_DATA_DIR: dataDir });
    expect(broken).toMatchObject({
      code: 1,
      stdout:
        "The vault's audit trail is broken at line 1: line 1 was changed after it was written: its fields no longer give its hash (0 lines before it are whole).\n",
    });
  }, 120_000);
});

const postgres = dbTargets.find((t) => t.name === 'postgres');
describe.skipIf(!postgres)('npm run vault:verify-audit on Postgres', () => {
  let url = '';
  let drop: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const opened = await postgres!.open();
    url = opened.databaseUrl!;
    drop = opened.drop;
  });
  afterAll(() => drop());

  it('could not check a database without the vault (2), nor one it cannot reach, without showing the password', async () => {
    const empty = await runVerify({ DATABASE_URL: url });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('this database has no vault');
    const wrong = new URL(url);
    wrong.password = 'sesame-do-not-show';
    wrong.port = '1';
    const away = await runVerify({ DATABASE_URL: wrong.toString(), DB_CONNECT_TIMEOUT_MS: '2000' });
    expect(away.code).toBe(2);
    expect(away.stderr).toMatch(/^Could not check the audit trail: /);
    expect(away.stderr + away.stdout).not.toContain('sesame-do-not-show');
  }, 120_000);

  it('says whole (0), then broken where a line was removed (1)', async () => {
    const { db, close } = await migrateAt({ databaseUrl: url });
    try {
      await appendAll(db, auditOn(Date.now), DAY);
      expect(await runVerify({ DATABASE_URL: url })).toMatchObject({
        code: 0,
        stdout: "The vault's audit trail is whole: 5 lines checked.\n",
      });
      // as a superuser with the triggers off, from another connection than the hub's
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await tamper(admin as never, 'DELETE FROM vault_audit WHERE seq = 4');
      await admin.end();
      const broken = await runVerify({ DATABASE_URL: url });
      expect(broken.code).toBe(1);
      expect(broken.stdout).toBe(
        "The vault's audit trail is broken at line 4: line 4 is missing: the trail jumps from line 3 to line 5 (lines were removed) (3 lines before it are whole).\n",
      );
    } finally {
      await close();
    }
  }, 120_000);
});
