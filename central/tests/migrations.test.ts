import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationChecksum } from '@storefleet/shared';
import { createHub } from '../src/index.js';
import { hubMigrationSources } from '../src/hub.js';
import type { Db } from '../src/db/db.js';
import { openDb } from '../src/db/open-db.js';
import { loadMigrations } from '../src/migrations/load-migrations.js';
import { migrate } from '../src/migrations/migrate.js';
import { bothDbTargets } from './support/db-targets.js';

function moduleDir(files: Record<string, string>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'sf-mig-')), 'schema');
  mkdirSync(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

async function recorded(db: Db, module: string): Promise<number[]> {
  const { rows } = await db.query<{ version: number }>(
    'SELECT version FROM schema_migrations WHERE module = $1 ORDER BY version',
    [module],
  );
  return rows.map((r) => r.version);
}

async function indexValid(db: Db, name: string): Promise<boolean | undefined> {
  const { rows } = await db.query<{ valid: boolean }>(
    'SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)',
    [name],
  );
  return rows[0]?.valid;
}

describe.each(bothDbTargets)('migrations on $name', (target) => {
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
    const { rows } = await db.query<{ version: number }>(
      "SELECT version FROM schema_migrations WHERE module = 'shelves' ORDER BY version",
    );
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

  it('keeps the files before a failing one applied, and applies the rest once it is fixed', async () => {
    const { db } = await freshDb();
    const dir = moduleDir({
      '001_ok.sql': 'CREATE TABLE good (id int);',
      '002_bad.sql': 'CREATE TABLE broken (id nosuchtype);',
      '003_later.sql': 'CREATE TABLE later (id int);',
    });
    await expect(migrate(db, loadMigrations([{ module: 'm', dir }]))).rejects.toThrow(
      /^migration m\/002_bad failed: type "nosuchtype" does not exist/,
    );
    const tables = async () =>
      (
        await db.query<{ t: string }>(
          "SELECT table_name AS t FROM information_schema.tables WHERE table_name IN ('good', 'broken', 'later') ORDER BY 1",
        )
      ).rows.map((r) => r.t);
    expect(await tables()).toEqual(['good']);
    expect(await recorded(db, 'm')).toEqual([1]);

    writeFileSync(join(dir, '002_bad.sql'), 'CREATE TABLE broken (id int);'); // never applied: it may still change
    expect((await migrate(db, loadMigrations([{ module: 'm', dir }]))).applied).toEqual(['m/bad', 'm/later']);
    expect(await tables()).toEqual(['broken', 'good', 'later']);
  });

  it('applies each file once when two hubs migrate a fresh database at once, a no-transaction file included', async () => {
    const { db, place } = await freshDb();
    const dir = moduleDir({
      '001_runs.sql': 'CREATE TABLE runs (file text);',
      // Not idempotent on purpose: a second run of this file would show as a second row.
      '002_slow.sql': [
        '-- migrate: no-transaction',
        'SELECT pg_sleep(0.3);',
        "INSERT INTO runs VALUES ('002');",
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS runs_file ON runs (file);',
      ].join('\n'),
      '003_after.sql': "INSERT INTO runs VALUES ('003');",
    });
    const files = loadMigrations([{ module: 'm', dir }]);
    // PGlite is one backend in one process; Postgres gets a second pool, as a second hub process would have.
    const other = target.name === 'postgres' ? await openDb(place) : db;
    try {
      const reports = await Promise.all([migrate(db, files), migrate(other, files)]);
      expect(reports.flatMap((r) => r.applied).sort()).toEqual(['m/after', 'm/runs', 'm/slow']);
    } finally {
      if (other !== db) await other.close();
    }
    expect((await db.query<{ file: string }>('SELECT file FROM runs ORDER BY file')).rows.map((r) => r.file)).toEqual([
      '002',
      '003',
    ]);
    expect(await recorded(db, 'm')).toEqual([1, 2, 3]);
    expect(await indexValid(db, 'runs_file')).toBe(true);
  });

  it('rebuilds an index that an interrupted concurrent build left INVALID', async () => {
    const { db } = await freshDb();
    await db.exec("CREATE TABLE shelf (code text); INSERT INTO shelf VALUES ('A1'), ('A1')");
    // A unique build over duplicates fails after creating its index: left behind INVALID, as a crash mid-build leaves it.
    await expect(db.exec('CREATE UNIQUE INDEX CONCURRENTLY shelf_code ON shelf (code)')).rejects.toThrow(
      /could not create unique index/,
    );
    expect(await indexValid(db, 'shelf_code')).toBe(false);
    await db.exec("DELETE FROM shelf; INSERT INTO shelf VALUES ('A1')");

    const warnings: string[] = [];
    const dir = moduleDir({
      '001_shelf_code.sql':
        '-- migrate: no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS shelf_code ON shelf (code);\n',
    });
    const report = await migrate(db, loadMigrations([{ module: 'shelves', dir }]), {
      log: { info: () => {}, warn: (_f, m) => warnings.push(m) },
    });

    expect(report.applied).toEqual(['shelves/shelf_code']);
    expect(await indexValid(db, 'shelf_code')).toBe(true);
    await expect(db.query("INSERT INTO shelf VALUES ('A1')")).rejects.toThrow(
      /duplicate key value violates unique constraint "shelf_code"/,
    );
    expect(warnings).toEqual([
      'migration shelves/001_shelf_code: index shelf_code was left INVALID by an interrupted build; dropping it to build it again',
    ]);
  });

  it('refuses a concurrent index build that could not run again after a crash', async () => {
    const { db } = await freshDb();
    const dir = moduleDir({
      '001_shelf.sql': 'CREATE TABLE shelf (code text);',
      '002_code.sql': '-- migrate: no-transaction\nCREATE INDEX CONCURRENTLY shelf_code ON shelf (code);',
    });
    await expect(migrate(db, loadMigrations([{ module: 'shelves', dir }]))).rejects.toThrow(
      'migration shelves/002_code: write CREATE INDEX CONCURRENTLY IF NOT EXISTS <name>, so the file can run again after a crash: CREATE INDEX CONCURRENTLY shelf_code ON shelf (code)',
    );
    expect(await recorded(db, 'shelves')).toEqual([1]);
  });

  it('counts a file applied under an earlier text that its new text amends, and refuses any other text', async () => {
    const { db } = await freshDb();
    const first = 'CREATE TABLE shelf (code text);\nCREATE INDEX shelf_code ON shelf (code);\n';
    const dir = moduleDir({ '001_shelf.sql': first });
    await migrate(db, loadMigrations([{ module: 'shelves', dir }]));
    // A demo data folder applied the first text; the index now moves to a concurrent build of its own.
    writeFileSync(
      join(dir, '001_shelf.sql'),
      `-- migrate: amends ${migrationChecksum(first)}\nCREATE TABLE shelf (code text);\n`,
    );
    writeFileSync(
      join(dir, '002_shelf_code.sql'),
      '-- migrate: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS shelf_code ON shelf (code);\n',
    );
    expect((await migrate(db, loadMigrations([{ module: 'shelves', dir }]))).applied).toEqual(['shelves/shelf_code']);
    expect(await indexValid(db, 'shelf_code')).toBe(true);

    writeFileSync(
      join(dir, '001_shelf.sql'),
      `-- migrate: amends ${migrationChecksum('CREATE TABLE shelf (id int);')}\nCREATE TABLE shelf (code text);\n`,
    );
    await expect(migrate(db, loadMigrations([{ module: 'shelves', dir }]))).rejects.toThrow(
      'migration shelves/1_shelf was changed after it was applied',
    );
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
      await expect(hubs[1]!.auth.principalFor(token.token)).resolves.toMatchObject({
        kind: 'store',
        storeId: loc.location.id,
      });
    } finally {
      for (const h of hubs) await h.stop();
    }
  });
});
