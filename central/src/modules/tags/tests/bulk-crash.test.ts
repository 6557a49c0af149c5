import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets, type DbTarget } from '../../../../tests/support/db-targets.js';
import { openExistingDb } from '../../../../tests/support/open-existing-db.js';
import { waitFor } from '../../../../tests/support/wait-for.js';

const HUB = fileURLToPath(new URL('./support-bulk-hub.ts', import.meta.url));
// kept in step with support-bulk-hub.ts (importing it would start a hub)
const PRODUCTS = 6_000;
const ADMIN = { email: 'ops@example.test', password: 'a long enough password' };
// A hub on PGlite keeps its database in a data folder here, so the killed hub and the one that resumes share it.
const pgliteOnDisk: DbTarget = {
  name: 'pglite',
  async open() {
    const dataDir = await mkdtemp(join(tmpdir(), 'sf-tags-crash-'));
    return { dataDir, drop: () => rm(dataDir, { recursive: true, force: true }) };
  },
};
const targets = [pgliteOnDisk, ...dbTargets.filter((t) => t.name === 'postgres')];

describe.each(targets)('a tag bulk job survives its hub killed midway ($name)', (target) => {
  let place: Awaited<ReturnType<typeof target.open>>;
  let hub: ChildProcess | undefined;
  let url = '';

  const startHub = async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', HUB], {
      env: { ...process.env, DATABASE_URL: place.databaseUrl ?? '', HUB_DATA_DIR: place.dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    hub = child;
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /READY (\S+)\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`hub exited (${code}) before READY`)));
    });
  };
  const killHub = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
    const h = hub;
    if (!h || h.exitCode !== null || h.signalCode !== null) return;
    const gone = new Promise((r) => h.once('exit', r));
    h.kill(signal);
    const killer = setTimeout(() => h.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(killer);
  };
  const login = async () => {
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  };
  const api = async (cookie: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { cookie, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  const began = Date.now();
  /** Where the trial is, on stderr: a trial that times out says how far it got. */
  const step = (what: string) =>
    process.stderr.write(`bulk crash trial (${target.name}) +${Math.round((Date.now() - began) / 1000)} s: ${what}\n`);

  beforeAll(async () => {
    place = await target.open();
  }, 60_000);
  afterEach(() => killHub()); // a trial that fails or times out leaves no hub behind
  afterAll(async () => {
    await killHub();
    await place?.drop();
  });

  it('resumes from its checkpoint on a new hub: DONE, every product tagged, none counted twice', {
    timeout: 480_000,
  }, async () => {
    await startHub();
    let cookie = await login();
    const tags = await api(cookie, 'GET', '/api/tags/bulk-jobs');
    expect(tags.status).toBe(200);
    const skus = Array.from({ length: PRODUCTS }, (_, i) => `CRASH-${String(i + 1).padStart(5, '0')}`);
    const tagId = 1;
    const first = await api(cookie, 'POST', '/api/tags/bulk-jobs', {
      action: 'ADD',
      tagIds: [tagId],
      skus: skus.slice(0, 4_000),
      more: true,
    });
    expect(first.status).toBe(202);
    const id = first.body.id as string;
    expect((await api(cookie, 'POST', `/api/tags/bulk-jobs/${id}/skus`, { skus: skus.slice(4_000) })).status).toBe(200);
    expect((await api(cookie, 'POST', `/api/tags/bulk-jobs/${id}/start`, {})).status).toBe(202);
    step('the job started');
    // killed while between 10 % and 90 % done (however slow the machine, the job is slower: 60 chunks, each paused)
    const midway = await waitFor(
      'the job between 10 % and 90 %',
      async () => {
        const j = (await api(cookie, 'GET', `/api/tags/bulk-jobs/${id}`)).body;
        if (j.percent > 90) throw new Error(`the job went past 90 % before it was seen midway: ${JSON.stringify(j)}`);
        return j.percent >= 10 ? j : false;
      },
      120_000,
    );
    step(`killing the hub at ${midway.percent} %`);
    await killHub();
    expect(midway.state).toBe('RUNNING');

    const resumedAfter = Date.now();
    await startHub();
    step('the second hub is up');
    cookie = await login();
    const job = await waitFor(
      'the job to finish on the new hub',
      async () => {
        const j = (await api(cookie, 'GET', `/api/tags/bulk-jobs/${id}`).catch(() => undefined))?.body;
        return j && ['DONE', 'FAILED', 'CANCELLED'].includes(j.state) ? j : false;
      },
      180_000,
    );
    expect(job).toMatchObject({ state: 'DONE', total: PRODUCTS, done: PRODUCTS, failed: 0, percent: 100 });
    const report = await api(cookie, 'GET', `/api/tags/bulk-jobs/${id}/failures`);
    expect(report.body.items).toEqual([]);
    // the rate and ETA count from the resume, not across the time the job had no hub
    expect(job.startedAt).toBeGreaterThanOrEqual(resumedAfter);
    expect(job.startedAt).toBeGreaterThan(midway.startedAt);
    step('the job is DONE; stopping the hub');
    await killHub('SIGTERM');
    step('reading the database');
    // every product tagged exactly as asked, read in the database the hubs shared
    const db = await openExistingDb({ databaseUrl: place.databaseUrl, dataDir: place.dataDir });
    try {
      const { rows } = await db.query<{ sku: string; tag_ids: number[] }>(
        "SELECT sku, tag_ids FROM tag_products WHERE sku LIKE 'CRASH-%' ORDER BY sku",
      );
      const crash = (await db.query<{ id: number }>("SELECT id FROM tags WHERE slug = 'crash'")).rows[0]!.id;
      expect(crash).toBe(tagId);
      expect(rows.map((r) => r.sku)).toEqual(skus);
      expect(rows.filter((r) => r.tag_ids.length !== 1 || r.tag_ids[0] !== crash)).toEqual([]);
      const attempts = await db.query<{ n: number }>(
        'SELECT r.attempts AS n FROM job_runs r JOIN tag_bulk_jobs j ON j.run_id::text = r.id::text WHERE j.id = $1',
        [id],
      );
      expect(attempts.rows[0]!.n).toBeGreaterThanOrEqual(2); // the run was taken over, not started afresh
      // the analytics counted each product given the tag once, despite the takeover (the day's rows, summed)
      const added = await db.query<{ n: string | null }>(
        'SELECT sum(added)::text AS n FROM tag_daily_stats WHERE tag_id = $1',
        [crash],
      );
      expect(Number(added.rows[0]!.n)).toBe(PRODUCTS);
    } finally {
      await db.close();
    }
  });
});
