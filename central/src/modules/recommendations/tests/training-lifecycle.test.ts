import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCT_TAGS } from '../../../kernel/ports/tags.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { RecsTraining, TrainingBusyError } from '../training.js';
import { TrainingHub } from './training-hub.js';

/**
 * Runs that do not end well, and runs asked for: a stop during training leaves the run FAILED (never TRAINING for
 * good), a run whose hub died is marked FAILED by the next one, a second run is refused while one trains, a request
 * is queued once and trained by the job runner; and the tags a product carries reach content similarity.
 */
describe.each(dbTargets)('training runs started, stopped and asked for ($name)', (target) => {
  let h: TrainingHub;
  let first = 0;

  const active = async () => [...(await h.states())].filter(([, s]) => s === 'ACTIVE').map(([v]) => v);
  const training = async () => [...(await h.states())].filter(([, s]) => s === 'TRAINING').map(([v]) => v);

  beforeAll(async () => {
    h = await TrainingHub.start(target);
    await h.products([
      { sku: 'MILK', name: 'Whole milk 1 l', category: 'Dairy' },
      { sku: 'BREAD', name: 'Sourdough bread', category: 'Bakery' },
      { sku: 'OAT-DRINK', name: 'Oat drink', category: 'Dairy alternatives' },
      { sku: 'SOY-DRINK', name: 'Soya', category: 'Chilled' },
      { sku: 'RICE', name: 'Basmati rice', category: 'Pantry' },
    ]);
    const cookie = await h.t.login();
    const tag = await h.t.call(
      'POST',
      '/api/tags',
      { slug: 'plant-based', name: 'Plant based', kind: 'ATTRIBUTE', parentId: null },
      { cookie },
    );
    expect(tag.status, JSON.stringify(tag.body)).toBe(201);
    for (const sku of ['OAT-DRINK', 'SOY-DRINK']) {
      const r = await h.t.call('PUT', `/api/tags/products/${sku}`, { tagIds: [tag.body.id] }, { cookie });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    await h.record(
      Array.from({ length: 8 }, (_, k) =>
        ['MILK', 'BREAD'].map((sku) => ({ customerId: `c-${k}`, sku, kind: 'PURCHASE' as const, storeId: null })),
      ).flat(),
    );
    first = (await h.parts.training.train()).version;
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('the tags module answers the names of the tags given to products, and content similarity uses them', async () => {
    const tags = h.ctx.services.get(PRODUCT_TAGS);
    const names = await tags.namesOf(['OAT-DRINK', 'MILK', 'NOT-THERE']);
    expect([...names]).toEqual([['OAT-DRINK', ['Plant based']]]);
    await expect(tags.namesOf(Array.from({ length: 1_001 }, (_, k) => `S-${k}`))).rejects.toThrow(RangeError);
    // nothing but the tag ties soya to the oat drink: another name, another category
    expect((await h.neighbours(first, 'SOY-DRINK', 'SIMILAR'))?.[0]?.sku).toBe('OAT-DRINK');
  });

  it('stop() during a run aborts it: the run ends FAILED, nothing is left TRAINING, the old model serves', async () => {
    const second = new RecsTraining(h.ctx);
    second.fault = (phase) => {
      // asked to stop once the worker is being started
      if (phase === 'train') setImmediate(() => void second.stop());
    };
    await expect(second.train()).rejects.toThrow();
    const [run] = await h.parts.training.runs(1);
    expect(run).toMatchObject({ state: 'FAILED' });
    expect(run!.error).toMatch(/^train: aborted: the hub is stopping/);
    expect(await h.rowsOf(run!.version)).toBe(0);
    expect(await training()).toEqual([]);
    expect(await active()).toEqual([first]);
    // a stopped part trains no more
    await expect(second.train()).rejects.toThrow('the hub is stopping');
  });

  it('a run left TRAINING by a hub that died is marked FAILED; a live one keeps a second run out', async () => {
    const now = h.ctx.now();
    const insert = async (aliveAt: number) =>
      Number(
        (
          await h.t.hub.db.query<{ version: number }>(
            `INSERT INTO recs_models (state, started_at, summary) VALUES ('TRAINING', $1, jsonb_build_object('aliveAt', $1::bigint))
             RETURNING version`,
            [aliveAt],
          )
        ).rows[0]!.version,
      );
    const live = await insert(now);
    await expect(h.parts.training.train()).rejects.toThrow(TrainingBusyError);
    expect(await h.parts.training.requestTraining()).toEqual({ queued: false });
    expect(await training()).toEqual([live]);

    // its hub went away: ten minutes without a heartbeat
    await h.t.hub.db.query(
      `UPDATE recs_models SET summary = jsonb_build_object('aliveAt', $2::bigint) WHERE version = $1`,
      [live, now - 10 * 60_000],
    );
    const run = await h.parts.training.train();
    expect(run.state).toBe('ACTIVE');
    const dead = (await h.parts.training.runs(10)).find((r) => r.version === live)!;
    expect(dead.state).toBe('FAILED');
    expect(dead.error).toMatch(/stopped without finishing/);
    first = run.version;
  });

  it('a request is queued once, trained by the job runner, and then another may be asked for', async () => {
    expect(await h.parts.training.requestTraining()).toEqual({ queued: true });
    expect(await h.parts.training.requestTraining()).toEqual({ queued: false });
    const next = await waitFor(
      'the requested run to become the active model',
      async () => (await active()).find((v) => v > first),
      120_000,
    );
    await waitFor('no run training', async () => (await training()).length === 0, 60_000);
    expect(await h.parts.training.requestTraining()).toEqual({ queued: true });
    await waitFor('the second request trained', async () => (await active()).find((v) => v > next), 120_000);
    await waitFor('no run training', async () => (await training()).length === 0, 60_000);
  });
});
