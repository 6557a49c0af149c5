import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import type { HubModule } from '../../src/kernel/module-contract.js';

/** A database a test opened: where a hub finds it, and how to remove it. */
export interface OpenedDb {
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  drop(): Promise<void>;
}

/**
 * Where hub tests run. Each `open()` gives an empty database; `drop()` removes it. See `dbTargets` and `bothDbTargets`.
 */
export interface DbTarget {
  readonly name: 'pglite' | 'postgres';
  open(): Promise<OpenedDb>;
  /**
   * A database for a hub with these modules (default: the ones it discovers), with the hub's migrations for them
   * already applied as its own runner applies them: on Postgres a copy (CREATE DATABASE … TEMPLATE) of a database
   * migrated once per distinct set of migration texts, so a test's hub finds nothing left to apply at start and the
   * suite does not run 90 migrations for every hub it starts. On PGlite an empty database (the hub migrates it).
   * Tests of the migrations themselves use `open()`. A target without it (one database shared by several hubs, a
   * data folder on disk) is opened with `open()`: see `placeForHub`.
   */
  openForHub?(modules?: readonly HubModule[]): Promise<OpenedDb>;
}

/** Where a hub with these modules starts: `openForHub` when the target has it, else `open()`. */
export function placeForHub(target: DbTarget, modules?: readonly HubModule[]): Promise<OpenedDb> {
  return target.openForHub ? target.openForHub(modules) : target.open();
}

const pglite: DbTarget = {
  name: 'pglite',
  async open() {
    return { dataDir: 'memory', drop: async () => {} };
  },
};

/**
 * This run's template databases are named `sf_tpl_<run>_<hash>`: `<run>` is set once per vitest run by
 * tests/support/template-run.ts (vitest's globalSetup), which drops them when the run ends, so runs sharing one server
 * (CI and a developer's) never build, use or drop each other's. Without it (a process of its own) the run is this
 * process.
 */
export const TEMPLATE_RUN_ENV = 'SF_TEST_TEMPLATE_RUN';
function templateRun(): string {
  process.env[TEMPLATE_RUN_ENV] ??= randomBytes(4).toString('hex');
  return process.env[TEMPLATE_RUN_ENV];
}

/**
 * What decides a template's schema besides the migration texts: the migration runner, the planner of what to apply,
 * the Db that executes it and this file. A change to any of them makes a new template.
 */
function runnerText(): string {
  const files = [
    ...readdirSync(new URL('../../src/migrations/', import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => new URL(`../../src/migrations/${f}`, import.meta.url)),
    new URL('../../../shared/src/migration-plan.ts', import.meta.url),
    new URL('../../src/db/pg-db.ts', import.meta.url),
    new URL(import.meta.url),
  ];
  return files.map((f) => `${f.pathname}\n${readFileSync(f, 'utf8')}`).join('\n');
}

// Imported when first needed: `open()` users (the Db and migration tests, store-node's fixtures) need not load the hub.
async function hubMigrations(modules: readonly HubModule[] | undefined) {
  const [{ hubMigrationSources }, { loadMigrations }, { discoverModules }] = await Promise.all([
    import('../../src/hub.js'),
    import('../../src/migrations/load-migrations.js'),
    import('../../src/kernel/discover-modules.js'),
  ]);
  return loadMigrations(hubMigrationSources(modules ?? (await discoverModules())));
}

function postgres(adminUrl: string): DbTarget {
  const urlOf = (name: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const asAdmin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const freshName = () => `sf_test_${randomBytes(6).toString('hex')}`;
  const opened = (name: string): OpenedDb => ({
    databaseUrl: urlOf(name),
    async drop() {
      await asAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  });
  /** Templates this process built or found, by name. */
  const ready = new Map<string, Promise<void>>();
  let runner: string | undefined;

  /**
   * Builds the template once for the run: the run's workers share DATABASE_URL's database, where the advisory lock
   * holds, and whoever comes second finds it made.
   */
  const build = (name: string, migrations: Awaited<ReturnType<typeof hubMigrations>>) =>
    asAdmin(async (c) => {
      await c.query('SELECT pg_advisory_lock(hashtext($1))', [name]); // released when this connection ends
      const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount) return;
      const building = `${name}_b${randomBytes(3).toString('hex')}`;
      await c.query(`CREATE DATABASE ${building}`);
      try {
        const [{ openDb }, { migrate }] = await Promise.all([
          // when first needed, as above
          import('../../src/db/open-db.js'),
          import('../../src/migrations/migrate.js'),
        ]);
        const db = await openDb({ databaseUrl: urlOf(building) });
        try {
          await migrate(db, migrations);
        } finally {
          await db.close();
        }
        // The pool's connections may outlive close() on the server by a moment; a database is renamed only alone.
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [building]);
        await c.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
        // Nobody connects to a template: a connection to it would refuse every copy made while it is open.
        await c.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
      } catch (err) {
        await c.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`).catch(() => undefined);
        throw err;
      }
    });

  return {
    name: 'postgres',
    async open() {
      const name = freshName();
      await asAdmin((c) => c.query(`CREATE DATABASE ${name}`));
      return opened(name);
    },
    async openForHub(modules) {
      const migrations = await hubMigrations(modules);
      runner ??= runnerText();
      const hash = createHash('sha256').update(runner);
      for (const m of migrations)
        hash.update(`\0${m.module}\0${m.version}\0${m.name}\0${m.noTransaction ? 1 : 0}\0${m.sql}`);
      const template = `sf_tpl_${templateRun()}_${hash.digest('hex').slice(0, 20)}`;
      const name = freshName();
      let made = ready.get(template);
      if (!made) {
        made = build(template, migrations);
        ready.set(template, made);
        made.catch(() => ready.delete(template));
      }
      await made;
      await asAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      return opened(name);
    },
  };
}

const named = process.env.DATABASE_URL ? postgres(process.env.DATABASE_URL) : null;

/**
 * Both engines when DATABASE_URL names a Postgres: the Db conformance suite, migrations, group-commit isolation and the
 * concurrency tests (where PGlite's one connection and Postgres's pool really differ) run on each.
 */
export const bothDbTargets: readonly DbTarget[] = named ? [pglite, named] : [pglite];

/**
 * Where a hub test runs: on the Postgres named by DATABASE_URL (CI sets it), else on in-memory PGlite. PGlite is the
 * same Postgres compiled to WASM — same SQL, same planner —, so the rest of the suite runs once per run, not twice:
 * a laptop without Postgres covers PGlite, CI covers Postgres, and `HUB_TESTS_ON_BOTH=1` runs every file on both.
 */
export const dbTargets: readonly DbTarget[] =
  process.env.HUB_TESTS_ON_BOTH === '1' ? bothDbTargets : [bothDbTargets.at(-1)!];

/** Where a browser test of the pages runs: one database, as `dbTargets` without `HUB_TESTS_ON_BOTH`. */
export const pageTargets: readonly DbTarget[] = [dbTargets.at(-1)!];
