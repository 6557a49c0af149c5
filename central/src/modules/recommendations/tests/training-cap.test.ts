import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { InteractionsRepository } from '../interactions-repository.js';
import { readTrainingInput } from '../training-data.js';
import { TrainingHub } from './training-hub.js';

/** A training run reads at most so many interactions, the newest, and says so in its summary's counts. */
describe.each(dbTargets)('the interactions one training run reads, on $name', (target) => {
  let h: TrainingHub;
  beforeAll(async () => {
    h = await TrainingHub.start(target);
    await h.products(['OLD', 'NEW'].map((sku) => ({ sku, name: sku, category: 'Misc' })));
  }, 300_000);
  afterAll(() => h?.t.stop());

  it('past the cap only the newest are read, and the counts say it was capped', async () => {
    const now = Date.now();
    const row = (n: number, sku: string) => ({
      customerId: `c-${n}`,
      sku,
      kind: 'PURCHASE' as const,
      storeId: null,
      source: 'order' as const,
      sourceRef: `cap-${n}`,
      at: now - 1_000 + n,
    });
    await new InteractionsRepository(h.ctx.db).record([
      ...[1, 2, 3, 4].map((n) => row(n, 'OLD')),
      ...[5, 6, 7].map((n) => row(n, 'NEW')),
    ]);
    const signal = new AbortController().signal;
    const capped = await readTrainingInput(h.ctx, 0, signal, 3);
    expect(capped.counts).toEqual({ interactions: 3, unknownSkus: 0, cappedAt: 3 });
    expect([...capped.customers].sort()).toEqual(['c-5', 'c-6', 'c-7']);
    const all = await readTrainingInput(h.ctx, 0, signal, 7);
    expect(all.counts).toEqual({ interactions: 7, unknownSkus: 0 });
  });
});
