import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../../../index.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { VAULT_PROCESS_JOB } from '../processing.js';
import { EICAR_TEST_STRING } from '../scanner.js';
import { modulesWithVaultParts, storeDocument, versionScan } from './processing-fixture.js';

const EICAR = Buffer.from(EICAR_TEST_STRING, 'latin1');

/** Hubs on one database, blob folder and keys file, started and stopped in turn (a restart). */
// One database (Postgres in CI): a restart needs a hub on a database that outlives it (an on-disk PGlite takes ~50 s
// here); the job itself runs on both in processing-job.test.ts.
describe.each([dbTargets.at(-1)!])('the scan across a restart, and a hub with no scanner, on $name', (target) => {
  const dir = mkdtempSync(join(tmpdir(), 'vault-processing-'));
  const opened: Hub[] = [];
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const h of opened) await h.stop();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function hub(mode: 'test' | 'production', db: { databaseUrl?: string; dataDir?: string }) {
    const vault = await modulesWithVaultParts();
    const h = await createHub({
      port: 0,
      logLevel: 'silent',
      mode,
      ...db,
      modules: vault.modules,
      blobDir: join(dir, 'blobs'),
      vaultKeysFile: join(dir, 'vault-keys.json'),
    });
    opened.push(h);
    await h.start();
    return { h, parts: vault.parts };
  }

  it('a version left PENDING by a crash between commit and enqueue is scanned after the next start', async () => {
    const db = await target.open();
    drop = db.drop;
    // PGlite in memory dies with its hub: the restart needs it on disk
    const where = target.name === 'pglite' ? { dataDir: join(dir, 'pglite') } : { databaseUrl: db.databaseUrl };
    const first = await hub('test', where);
    const { versionId } = await storeDocument(
      first.parts(),
      { name: 'left-behind.com', mediaType: 'application/octet-stream', bytes: EICAR },
      { enqueue: false },
    );
    expect((await versionScan(first.h.db, versionId)).scanState).toBe('PENDING');
    await first.h.stop();
    opened.pop();

    const second = await hub('test', where);
    const s = await waitFor('the left-behind version scanned', async () => {
      const v = await versionScan(second.h.db, versionId);
      return v.scanState !== 'PENDING' ? v : null;
    });
    expect(s.scanState).toBe('INFECTED');
  }, 150_000); // two hubs on PGlite on disk, each migrating: slow on a loaded machine

  it('a production hub with no scanner named: new versions stay UNSCANNED and nothing is enqueued', async () => {
    const db = await target.open();
    const where = target.name === 'pglite' ? { dataDir: 'memory' } : { databaseUrl: db.databaseUrl };
    try {
      const production = await hub('production', where);
      expect(production.parts().processing.scanner).toBeNull();
      const { versionId: unscanned } = await storeDocument(production.parts(), {
        name: 'unscanned.com',
        mediaType: 'application/octet-stream',
        bytes: EICAR,
        scanState: 'UNSCANNED',
      });
      await production.parts().processing.stop(); // any enqueue on its way has landed
      const runs = await production.h.db.query(
        `SELECT id FROM job_runs WHERE name = $1 AND payload ->> 'versionId' = $2`,
        [VAULT_PROCESS_JOB, unscanned],
      );
      expect(runs.rows).toEqual([]);
      expect((await versionScan(production.h.db, unscanned)).scanState).toBe('UNSCANNED');
    } finally {
      for (const h of opened.splice(0)) await h.stop();
      await db.drop();
    }
  });
});
