import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { REPLAY_JOB } from '../replay/replay-job.js';
import { FlowHub } from './support/flow-hub.js';

/**
 * Review finding 10 of #27: every `POST /api/replay/check` queued another full scan. The hub's job runner is stopped
 * here so that a queued check stays queued for as long as the test looks at it.
 */
describe.each(dbTargets)('the replay check runs one at a time ($name)', (target) => {
  const f = new FlowHub();

  beforeAll(async () => {
    await f.start(target, ['R1A', 'R1B']);
    await f.t.hub.jobs.stop();
  });
  afterAll(() => f.stop());

  const runs = async () =>
    (
      await f.t.hub.db.query<{ id: string; state: string }>(
        'SELECT id, state FROM job_runs WHERE name = $1 ORDER BY seq',
        [REPLAY_JOB],
      )
    ).rows;

  it('five asks at once queue one check; the others are 409 naming it; once it ended the next ask queues another', {
    timeout: 180_000,
  }, async () => {
    const asks = await Promise.all(Array.from({ length: 5 }, () => f.t.call('POST', '/api/replay/check', {}, f.admin)));
    const started = asks.filter((a) => a.status === 202);
    expect(started).toHaveLength(1);
    const jobId = started[0]!.body.jobId as string;
    const refused = asks.filter((a) => a.status === 409);
    expect(refused).toHaveLength(4);
    for (const r of refused) {
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.jobId).toBe(jobId);
      expect(r.body.detail).toContain(`job ${jobId}`);
    }
    expect(await runs()).toEqual([{ id: jobId, state: 'QUEUED' }]);

    // running, it still refuses another
    await f.t.hub.db.query(`UPDATE job_runs SET state = 'RUNNING' WHERE id = $1`, [jobId]);
    const whileRunning = await f.t.call('POST', '/api/replay/check', {}, f.admin);
    expect(whileRunning.status).toBe(409);
    expect(whileRunning.body.jobId).toBe(jobId);

    // ended: the next ask queues a new check, and only one
    await f.t.hub.db.query(`UPDATE job_runs SET state = 'DONE', finished_at = 1 WHERE id = $1`, [jobId]);
    const again = await Promise.all([
      f.t.call('POST', '/api/replay/check', {}, f.admin),
      f.t.call('POST', '/api/replay/check', {}, f.admin),
    ]);
    expect(again.map((a) => a.status).sort()).toEqual([202, 409]);
    const second = again.find((a) => a.status === 202)!.body.jobId as string;
    expect(second).not.toBe(jobId);
    expect(again.find((a) => a.status === 409)!.body.jobId).toBe(second);
    expect(await runs()).toEqual([
      { id: jobId, state: 'DONE' },
      { id: second, state: 'QUEUED' },
    ]);
  });
});
