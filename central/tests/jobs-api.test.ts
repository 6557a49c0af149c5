import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { createHub, type Hub } from '../src/index.js';
import type { HubConfig } from '../src/config.js';
import { ADMIN, TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait-for.js';

describe.each(dbTargets)('the job runner in a hub, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
  });
  afterAll(() => t?.hub.stop());

  it('lists every sweeper of the hub and its modules as a schedule, with its runs, to an admin', async () => {
    const list = await t.call('GET', '/api/jobs', undefined, { cookie: admin });
    expect(list.status).toBe(200);
    const schedules = Object.fromEntries(list.body.schedules.map((s: { name: string }) => [s.name, s]));
    expect(Object.keys(schedules)).toEqual(
      expect.arrayContaining([
        'hub.housekeeping',
        'inventory.low-stock',
        'inventory.movement-partitions',
        'jobs.prune',
        'orders.capture-payments',
        'orders.resume-sagas',
        'orders.retry-refunds',
        'reservations.expire-holds',
        'reservations.repair-oversells',
        'workflows.send-notices',
      ]),
    );
    expect(schedules['inventory.low-stock']).toMatchObject({ everyMs: 5_000, jitter: 0 });
    expect(schedules['sync.retention']).toMatchObject({ everyMs: 3_600_000, jitter: 0.2 });
    expect(schedules['orders.capture-payments']).toMatchObject({ everyMs: 1_000, jitter: 0 });
    // the hold sweep runs each second: its latest run shows up, DONE, and is readable by id
    const done = await waitFor('a finished run of the hold sweep', async () => {
      const r = await t.call('GET', '/api/jobs?name=reservations.expire-holds&state=DONE&limit=1', undefined, {
        cookie: admin,
      });
      return r.body.runs[0];
    });
    expect(done).toMatchObject({
      name: 'reservations.expire-holds',
      schedule: 'reservations.expire-holds',
      attempts: 1,
    });
    const one = await t.call('GET', `/api/jobs/${done.id}`, undefined, { cookie: admin });
    expect(one).toMatchObject({ status: 200, body: { id: done.id, state: 'DONE' } });
  });
});

describe('a schedule a setting turns off', () => {
  let dir: string;
  const hubs: Hub[] = [];
  afterAll(async () => {
    for (const hub of hubs) await hub.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is gone from GET /api/jobs once a hub starts with RETENTION_EVERY_MINUTES=0 on the same database', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sf-jobs-'));
    /** A hub on the one data folder (removed in afterAll); the schedules its admin sees. */
    const scheduleNames = async (config: Partial<HubConfig>, newFolder = false) => {
      const hub = await createHub({ port: 0, logLevel: 'silent', mode: 'test', dataDir: dir, ...config });
      hubs.push(hub);
      const url = await hub.start();
      if (newFolder) await hub.auth.createUser({ ...ADMIN, name: 'Test Admin', role: 'ADMIN' });
      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      const list = await fetch(`${url}/api/jobs`, { headers: { cookie } });
      expect(list.status).toBe(200);
      const names = ((await list.json()) as { schedules: { name: string }[] }).schedules.map((s) => s.name);
      await hub.stop();
      return names;
    };

    expect(await scheduleNames({}, true)).toContain('sync.retention');
    const after = await scheduleNames({ retention: { everyMinutes: 0 } });
    expect(after).not.toContain('sync.retention');
    expect(after).toContain('reservations.expire-holds');
  });
});
