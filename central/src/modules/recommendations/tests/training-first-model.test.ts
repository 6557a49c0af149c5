import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { FIRST_MODEL_AFTER_MS, TRAIN_JOB } from '../training.js';
import { TrainingHub } from './training-hub.js';

const HOUR = 3_600_000;

/**
 * The first model: a hub that starts with interactions and no ACTIVE model trains a minute later on its job runner,
 * not a whole period (6 h) later; a hub with no interactions (a fresh one) does not train at all; once a model is
 * ACTIVE, a start keeps the period.
 */
describe.each(dbTargets)('the first model after a start ($name)', (target) => {
  let h: TrainingHub;

  /** How far ahead of the hub's clock the training schedule's next run is. */
  const nextRunIn = async () => {
    const { rows } = await h.t.hub.db.query<{ next: string }>(
      'SELECT next_run_at AS next FROM job_schedules WHERE name = $1',
      [TRAIN_JOB],
    );
    return Number(rows[0]!.next) - h.ctx.now();
  };
  const active = async () => [...(await h.states())].filter(([, s]) => s === 'ACTIVE').map(([v]) => v);

  beforeAll(async () => {
    h = await TrainingHub.start(target);
    await h.products([
      { sku: 'MILK', name: 'Whole milk 1 l', category: 'Dairy' },
      { sku: 'BREAD', name: 'Sourdough bread', category: 'Bakery' },
    ]);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('a hub started with no interactions keeps the period: nothing to learn, nothing trained', async () => {
    expect(await nextRunIn()).toBeGreaterThan(HOUR);
    await h.parts.training.scheduleRuns(); // as a start does
    expect(await nextRunIn()).toBeGreaterThan(HOUR);
    expect(await h.states()).toEqual(new Map());
  });

  it('a start with interactions and no model trains a minute later, on the job runner', async () => {
    await h.record(
      Array.from({ length: 6 }, (_, k) =>
        ['MILK', 'BREAD'].map((sku) => ({ customerId: `c-${k}`, sku, kind: 'PURCHASE' as const, storeId: null })),
      ).flat(),
    );
    await h.parts.training.scheduleRuns(); // what the module's start does on a hub restarted with these rows
    const wait = await nextRunIn();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(FIRST_MODEL_AFTER_MS);
    expect(await active()).toEqual([]); // not at once: the hub's other modules start first

    h.t.clock.offsetMs += FIRST_MODEL_AFTER_MS + 1_000;
    const [version] = await waitFor(
      'the first model trained by the job runner',
      async () => ((await active()).length > 0 ? active() : undefined),
      120_000,
    );
    expect(version).toBeGreaterThan(0);
    await waitFor('the run to finish', async () => ![...(await h.states()).values()].includes('TRAINING'), 60_000);
    // the next run is a period later, and a start with a model keeps it there
    expect(await nextRunIn()).toBeGreaterThan(HOUR);
    await h.parts.training.scheduleRuns();
    expect(await nextRunIn()).toBeGreaterThan(HOUR);
  });
});
