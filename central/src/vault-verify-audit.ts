import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HubConfigError, hubConfigFromEnv } from './config.js';
import type { Db } from './db/db.js';
import { openDb } from './db/open-db.js';
import { redactUrls } from './kernel/redact-url.js';
import { verifyAuditChain } from './modules/vault/audit.js';

/**
 * `npm run vault:verify-audit`: checks the vault's audit chain in the hub's database (DATABASE_URL or HUB_DATA_DIR,
 * read as the hub reads them) and says where it first breaks; exit 0 when whole, 1 when broken, 2 when it could not
 * check. Progress goes to stderr (at most once a second, so a long chain shows it moving), the verdict to stdout as
 * one line. It only reads: no migration runs, and a PGlite folder that holds no database is not created. PGlite is
 * one process's database: stop the hub before checking its folder (a Postgres hub may keep running).
 */
const EXIT_WHOLE = 0;
const EXIT_BROKEN = 1;
const EXIT_UNCHECKED = 2;

const fmt = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<number> {
  let config: ReturnType<typeof hubConfigFromEnv>;
  try {
    config = hubConfigFromEnv();
  } catch (err) {
    if (!(err instanceof HubConfigError)) throw err;
    console.error(`Could not check the audit trail: ${err.message}`);
    return EXIT_UNCHECKED;
  }
  if (!config.databaseUrl) {
    const dir = config.dataDir ?? './data/hub';
    if (!existsSync(join(dir, 'PG_VERSION'))) {
      console.error(
        `Could not check the audit trail: ${dir} holds no hub database (set HUB_DATA_DIR to the hub's folder, or DATABASE_URL)`,
      );
      return EXIT_UNCHECKED;
    }
  }
  let db: Db | undefined;
  try {
    db = await openDb({ ...config, poolSize: 1 });
    const { rows } = await db.query<{ t: string | null }>("SELECT to_regclass('vault_audit')::text AS t");
    if (!rows[0]?.t) {
      console.error('Could not check the audit trail: this database has no vault (the hub never ran the vault module)');
      return EXIT_UNCHECKED;
    }
    let lastSaid = Date.now();
    const verdict = await verifyAuditChain(db, (checked, total) => {
      if (Date.now() - lastSaid < 1000) return;
      lastSaid = Date.now();
      console.error(`checked ${fmt(checked)} of ${fmt(total)} lines…`);
    });
    if (verdict.ok) {
      console.log(`The vault's audit trail is whole: ${fmt(verdict.checked)} lines checked.`);
      return EXIT_WHOLE;
    }
    const b = verdict.firstBroken!;
    console.log(
      `The vault's audit trail is broken at line ${b.seq}: ${b.reason} (${fmt(verdict.checked)} lines before it are whole).`,
    );
    return EXIT_BROKEN;
  } catch (err) {
    // the database's own words, without a URL's password
    console.error(`Could not check the audit trail: ${redactUrls((err as Error).message ?? String(err))}`);
    return EXIT_UNCHECKED;
  } finally {
    await db?.close().catch(() => {});
  }
}

process.exitCode = await main();
