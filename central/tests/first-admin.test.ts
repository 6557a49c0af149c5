import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { dbTargets } from './support/db-targets.js';
import { HubProcess } from './support/hub-process.js';

const postgres = dbTargets.find((t) => t.name === 'postgres');
const ADMIN = { email: 'first.admin@example.test', password: 'a long enough first password' };

// Two replicas of one hub, started together on a database nobody has used yet, both with HUB_ADMIN_EMAIL set.
describe.skipIf(!postgres)(
  postgres
    ? 'first admin on a fresh Postgres'
    : 'first admin on a fresh Postgres — skipped: needs a real Postgres because two hub processes start on one database at once, and PGlite is one process; set DATABASE_URL',
  { timeout: 150_000 },
  () => {
    const started: HubProcess[] = [];
    let drop: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await Promise.all(started.splice(0).map((h) => h.stop()));
      await drop?.();
    });

    it('two replicas starting at once both come up, and there is exactly one admin who can sign in', async () => {
      const place = await postgres!.open();
      drop = place.drop;
      const env = { DATABASE_URL: place.databaseUrl, HUB_ADMIN_EMAIL: ADMIN.email, HUB_ADMIN_PASSWORD: ADMIN.password };
      const replicas = [new HubProcess(env), new HubProcess(env)];
      started.push(...replicas);

      const urls = await Promise.all(replicas.map((r) => r.listening()));
      for (const url of urls) {
        const res = await fetch(`${url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ADMIN),
        });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { user: { role: string } }).user.role).toBe('ADMIN');
      }
      const db = new pg.Client({ connectionString: place.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query<{ email: string }>('SELECT email FROM users');
        expect(rows.map((r) => r.email)).toEqual([ADMIN.email]);
      } finally {
        await db.end();
      }
      expect(replicas.every((r) => r.exitCode === undefined)).toBe(true);
    });
  },
);
