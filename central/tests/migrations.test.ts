import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub } from '../src/index.js';
import { hubMigrationSources } from '../src/hub.js';
import type { Db } from '../src/db/db.js';
import { openDb } from '../src/db/open-db.js';
import { loadMigrations } from '../src/migrations/load-migrations.js';
import { migrate } from '../src/migrations/migrate.js';
import { dbTargets } from './support/db-targets.js';

function moduleDir(files: Record<string, string>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'sf-mig-')), 'schema');
  mkdirSync(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe.each(dbTargets)('migrations on $name', (target) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  async function freshDb(): Promise<{ db: Db; place: Awaited<ReturnType<typeof target.open>> }> {
    const place = await target.open();
    const db = await openDb(place);
    cleanups.push(async () => {
      await db.close();
      await place.drop();
    });
    return { db, place };
  }

  it('applies files in version order, once, and records them', async () => {
    const { db } = await freshDb();
    const dir = moduleDir({
      '010_add_note.sql': 'ALTER TABLE shelf ADD COLUMN note text;',
      '001_shelf.sql': 'CREATE TABLE shelf (id int PRIMARY KEY);',
      '002_label.sql': 'ALTER TABLE shelf ADD COLUMN label text;',
      'README.md': 'not a migration',
    });
    const files = loadMigrations([{ module: 'shelves', dir }]);
    expect((await migrate(db, files)).applied).toEqual(['shelves/shelf', 'shelves/label', 'shelves/add_note']);
    expect((await migrate(db, files)).applied).toEqual([]);
    const { rows } = await db.query<{ version: number }>("SELECT version FROM schema_migrations WHERE module = 'shelves' ORDER BY version");
    expect(rows.map((r) => r.version)).toEqual([1, 2, 10]);
    await db.query("INSERT INTO shelf (id, label, note) VALUES (1, 'A', 'n')");
  });

  it('refuses an applied migration whose text changed', async () => {
    const { db } = await freshDb();
    const dir = moduleDir({ '001_shelf.sql': 'CREATE TABLE shelf (id int);' });
    await migrate(db, loadMigrations([{ module: 'shelves', dir }]));
    writeFileSync(join(dir, '001_shelf.sql'), 'CREATE TABLE shelf (id bigint);');
    await expect(migrate(db, loadMigrations([{ module: 'shelves', dir }]))).rejects.toThrow(
      'migration shelves/1_shelf was changed after it was applied; add a new migration instead',
    );
  });

  it('rolls back the whole run when one migration fails', async () => {
    const { db } = await freshDb();
    const dir = moduleDir({ '001_ok.sql': 'CREATE TABLE good (id int);', '002_bad.sql': 'CREATE TABLE broken (id nosuchtype);' });
    await expect(migrate(db, loadMigrations([{ module: 'm', dir }]))).rejects.toThrow(/migration m\/002_bad failed/);
    const exists = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'good'");
    expect(exists.rowCount).toBe(0);
  });

  it('survives concurrent runs on one database', async () => {
    const { db, place } = await freshDb();
    const dir = moduleDir({ '001_a.sql': 'CREATE TABLE a (id int);', '002_b.sql': 'CREATE TABLE b (id int);' });
    const files = loadMigrations([{ module: 'm', dir }]);
    // PGlite is one backend in one process; Postgres gets a second pool, as a second hub process would have.
    const other = target.name === 'postgres' ? await openDb(place) : db;
    try {
      const reports = await Promise.all([migrate(db, files), migrate(other, files)]);
      expect(reports.map((r) => r.applied.length).sort()).toEqual([0, 2]);
    } finally {
      if (other !== db) await other.close();
    }
  });

  it('lets two hubs start at once on one database', async () => {
    const place = await target.open();
    cleanups.push(place.drop);
    if (target.name === 'pglite') {
      // An embedded PGlite folder belongs to one process; two starts one after the other must both succeed.
      const dataDir = mkdtempSync(join(tmpdir(), 'sf-hub-'));
      const first = await createHub({ dataDir, logLevel: 'silent' });
      await first.stop();
      const second = await createHub({ dataDir, logLevel: 'silent' });
      const { rows } = await second.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      await second.stop();
      expect(rows[0]!.n).toBeGreaterThanOrEqual(4);
      return;
    }
    const hubs = await Promise.all([1, 2].map(() => createHub({ databaseUrl: place.databaseUrl, logLevel: 'silent' })));
    try {
      const files = loadMigrations(hubMigrationSources(hubs[0]!.modules));
      const { rows } = await hubs[0]!.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(files.length); // every file recorded once…
      expect((await migrate(hubs[1]!.db, files)).applied).toEqual([]); // …and nothing left for anyone to apply
      // both hubs agree on the token key, so a token from one is accepted by the other
      const loc = await hubs[0]!.fleet.register({ code: 'S1', name: 's', kind: 'STORE', lat: 0, lon: 0 });
      const token = await hubs[0]!.auth.storeToken(loc.credential!.storeId, loc.credential!.secret);
      await expect(hubs[1]!.auth.principalFor(token.token)).resolves.toMatchObject({ kind: 'store', storeId: loc.location.id });
    } finally {
      for (const h of hubs) await h.stop();
    }
  });
});
