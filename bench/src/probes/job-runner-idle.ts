/**
 * Probe (not a benchmark of the suite): what the hub's job runner (issue #15) costs an idle hub. Starts one hub in
 * test mode (PGlite in memory unless DATABASE_URL names a Postgres), waits 3 s, then counts for S seconds (default 30)
 * the runner's looks at the queue (its SELECT of the schedules) and every statement it sends: a statement naming a
 * job_ table, plus BEGIN and COMMIT of a transaction that sends one. Prints looks per second, runner statements per
 * second and per look, all the hub's statements per second, and the periods claimed per job. Run: `npx tsx
 * bench/src/probes/job-runner-idle.ts`.
 */
import type { Queryable } from '../../../central/src/db/db.js';
import { createHub } from '../../../central/src/index.js';

const S = Number(process.env.S ?? 30);
const hub = await createHub({
  port: 0,
  logLevel: 'silent',
  mode: 'test',
  ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: 'memory' }),
});
const count = { looks: 0, runner: 0, all: 0 };
const seen = (sql: string) => {
  count.all++;
  if (/\bjob_/.test(sql)) count.runner++;
  if (/FROM job_schedules/.test(sql)) count.looks++;
};
const db = hub.db as { -readonly [K in keyof typeof hub.db]: (typeof hub.db)[K] };
const query = db.query.bind(db);
db.query = ((sql: string, params?: readonly unknown[]) => {
  seen(sql);
  return query(sql, params);
}) as typeof db.query;
const transaction = db.transaction.bind(db);
db.transaction = ((fn: (tx: Queryable) => Promise<unknown>) =>
  transaction(async (tx) => {
    count.all += 2; // BEGIN, COMMIT
    let runner = false;
    const counted: Queryable = {
      query: ((sql: string, params?: readonly unknown[]) => {
        seen(sql);
        if (/\bjob_/.test(sql) && !runner) {
          runner = true;
          count.runner += 2;
        }
        return tx.query(sql, params);
      }) as Queryable['query'],
      exec: (sql) => tx.exec(sql),
      afterCommit: (f) => tx.afterCommit(f),
    };
    return fn(counted);
  })) as typeof db.transaction;

await hub.start();
await new Promise((r) => setTimeout(r, 3_000));
const from = Date.now();
Object.assign(count, { looks: 0, runner: 0, all: 0 });
const { rows: before } = await hub.db.query<{ name: string; n: number }>(
  'SELECT name, count(*)::int AS n FROM job_runs GROUP BY name',
);
await new Promise((r) => setTimeout(r, S * 1_000));
const seconds = (Date.now() - from) / 1_000;
const snapshot = { ...count };
const { rows: after } = await hub.db.query<{ name: string; n: number }>(
  'SELECT name, count(*)::int AS n FROM job_runs GROUP BY name ORDER BY name',
);
const had = new Map(before.map((r) => [r.name, r.n]));
console.log(
  JSON.stringify({
    db: hub.db.dialect,
    seconds: Number(seconds.toFixed(1)),
    looks_per_s: Number((snapshot.looks / seconds).toFixed(2)),
    runner_statements_per_s: Number((snapshot.runner / seconds).toFixed(1)),
    runner_statements_per_look: Number((snapshot.runner / snapshot.looks).toFixed(1)),
    hub_statements_per_s: Number((snapshot.all / seconds).toFixed(1)),
    runs_per_s: Object.fromEntries(
      after.map((r) => [r.name, Number(((r.n - (had.get(r.name) ?? 0)) / seconds).toFixed(2))]),
    ),
  }),
);
await hub.stop();
