import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
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
        'reservations.expire-holds',
        'reservations.repair-oversells',
        'workflows.send-notices',
      ]),
    );
    expect(schedules['inventory.low-stock']).toMatchObject({ everyMs: 5_000, jitter: 0 });
    expect(schedules['sync.retention']).toMatchObject({ everyMs: 3_600_000 });
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
