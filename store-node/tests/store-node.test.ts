import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createStoreNode, openSqlite, type StoreNode } from '../src/index.js';
import { storeMigrationSources } from '../src/store-node.js';
import { loadSqliteMigrations } from '../src/db/migrate-sqlite.js';

const migrationCount = loadSqliteMigrations(storeMigrationSources).length;

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'sf-store-')), 'store.sqlite');

describe('store node', () => {
  const running: StoreNode[] = [];
  afterEach(async () => {
    for (const n of running.splice(0)) await n.stop();
  });
  const start = async (dbPath = tempDb(), extra = {}) => {
    const node = createStoreNode({ dbPath, port: 0, logLevel: 'silent', ...extra });
    running.push(node);
    return { node, url: await node.start(), dbPath };
  };

  it('keeps its state in a durable SQLite file', async () => {
    const { node } = await start();
    expect(node.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(node.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(node.db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('answers health, metrics and unknown routes', async () => {
    const { url } = await start();
    const health = await (await fetch(`${url}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok', hub: { state: 'not-configured' } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('storefleet_store_hub_link_up 0');
    const missing = await fetch(`${url}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const bad = await fetch(`${url}/api/nothing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/^malformed JSON body/);
  });

  it('reopens its file without re-running migrations', async () => {
    const first = await start();
    await first.node.stop();
    const again = await start(first.dbPath);
    const rows = again.node.db
      .prepare('SELECT module, version, count(*) OVER () AS n FROM schema_migrations')
      .all() as { n: number }[];
    expect(rows.length).toBe(migrationCount);
    expect(again.node.db.prepare('SELECT count(DISTINCT module || version) AS n FROM schema_migrations').get()).toEqual(
      { n: migrationCount },
    );
  });

  it('lets two processes open one new file at once', async () => {
    const dbPath = tempDb();
    const script = fileURLToPath(new URL('./support/open-and-migrate.ts', import.meta.url));
    const runOne = () =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, dbPath], { stdio: 'ignore' });
        child.on('exit', (code) => resolve(code ?? -1));
      });
    expect(await Promise.all([runOne(), runOne()])).toEqual([0, 0]);
    const db = openSqlite(dbPath);
    // each migration recorded once, though two processes raced to apply them
    expect(
      db
        .prepare("SELECT count(*) AS n, count(DISTINCT module || '/' || version) AS distinct_n FROM schema_migrations")
        .get(),
    ).toEqual({
      n: migrationCount,
      distinct_n: migrationCount,
    });
    db.close();
  });
});
