import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { cand, RecsHarness } from './serving-harness.js';

/**
 * The A/B test as head office runs it: the two variants a hub starts with, lists served by both, a click counted once
 * per list, per-variant CTR with its credible interval and chance of being best, and a variant stopped (and started).
 */
const WEIGHTS = Object.fromEntries(
  ['home', 'product', 'cart', 'kiosk'].map((s) => [
    s,
    { personal: 1, boughtWith: 1, similar: 0, popular: 1, session: 0 },
  ]),
);

interface VariantRow {
  name: string;
  state: string;
  impressions: number;
  clicks: number;
  ctr: number;
  ctrLow: number;
  ctrHigh: number;
  chanceBest: number;
}

describe.each(dbTargets)('the A/B test through the API, on $name', (target) => {
  let h: RecsHarness;
  const variants = async () => (await h.get<{ variants: VariantRow[] }>('/api/recommendations/variants')).body.variants;
  const variant = async (name: string) => (await variants()).find((v) => v.name === name)!;

  beforeAll(async () => {
    h = await RecsHarness.start(target);
    await h.products([
      { sku: 'TEA', name: 'Black tea', category: 'Drinks' },
      { sku: 'JAM', name: 'Strawberry jam', category: 'Pantry' },
    ]);
    await h.model({ popular: [['all', [cand('TEA', 1), cand('JAM', 0.5)]]] });
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('a hub starts with two running variants, and each list names the variant that served it', async () => {
    const list = await variants();
    expect(list.map((v) => [v.name, v.state])).toEqual([
      ['control', 'RUNNING'],
      ['session-boost', 'RUNNING'],
    ]);
    const served = new Set<string>();
    for (let i = 0; i < 40 && served.size < 2; i++)
      served.add((await h.get('/api/recommendations?surface=home')).body.variant);
    expect([...served].sort()).toEqual(['control', 'session-boost']);
  });

  it('a click counts once per list served; a product not on the list is 422, an unknown list 404', async () => {
    const shown = await h.get('/api/recommendations?surface=home');
    const { impressionId, variant: name } = shown.body;
    const before = await variant(name);
    const click = (sku: string, id = impressionId) => h.post('/api/recommendations/clicks', { impressionId: id, sku });
    expect((await click('TEA')).body).toEqual({ counted: true });
    expect((await click('TEA')).body).toEqual({ counted: false });
    expect((await click('JAM')).body).toEqual({ counted: false });
    const notShown = await click('COFFEE');
    expect(notShown.status).toBe(422);
    expect(notShown.headers.get('content-type')).toContain('application/problem+json');
    expect((await click('TEA', randomUUID())).status).toBe(404);
    const after = await variant(name);
    expect(after.clicks).toBe(before.clicks + 1);
    const { rows } = await h.db.query<{ clicked_sku: string }>(
      'SELECT clicked_sku FROM recs_impressions WHERE id = $1',
      [impressionId],
    );
    expect(rows).toEqual([{ clicked_sku: 'TEA' }]);
  });

  it('lists each variant with its impressions, CTR, a 95 % credible interval around it and its chance of being best', async () => {
    for (let i = 0; i < 6; i++) await h.get('/api/recommendations?surface=home');
    const list = await waitFor(
      'the impressions written',
      async () => {
        const l = await variants();
        return l.reduce((n, v) => n + v.impressions, 0) >= 6 + 2 ? l : undefined;
      },
      30_000,
    );
    for (const v of list) {
      expect(v.ctr).toBeCloseTo(v.impressions ? v.clicks / v.impressions : 0, 10);
      expect(v.ctrLow).toBeGreaterThan(0);
      expect(v.ctrLow).toBeLessThan(v.ctrHigh);
      expect(v.ctrHigh).toBeLessThan(1);
    }
    expect(list.reduce((s, v) => s + v.chanceBest, 0)).toBeCloseTo(1, 6);
  });

  it('a stopped variant is no longer served; the last running one cannot be stopped (409); started, it serves again', async () => {
    const stopped = await h.post('/api/recommendations/variants/session-boost/stop', {});
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ name: 'session-boost', state: 'STOPPED', stoppedAt: expect.any(Number) });
    for (let i = 0; i < 20; i++)
      expect((await h.get('/api/recommendations?surface=home')).body.variant).toBe('control');

    const last = await h.post('/api/recommendations/variants/control/stop', {});
    expect(last.status).toBe(409);
    expect(last.headers.get('content-type')).toContain('application/problem+json');
    expect((await variant('control')).state).toBe('RUNNING');
    expect((await h.post('/api/recommendations/variants/nobody/stop', {})).status).toBe(404);

    expect((await h.post('/api/recommendations/variants/session-boost/start', {})).body).toMatchObject({
      state: 'RUNNING',
      stoppedAt: null,
    });
    const served = new Set<string>();
    for (let i = 0; i < 40 && served.size < 2; i++)
      served.add((await h.get('/api/recommendations?surface=home')).body.variant);
    expect(served.has('session-boost')).toBe(true);
  });

  it('a new variant starts running; its name is taken once (409)', async () => {
    const body = { name: 'popular-only', description: 'popularity alone', weights: WEIGHTS };
    const made = await h.post('/api/recommendations/variants', body);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: 'popular-only', state: 'RUNNING', impressions: 0, clicks: 0 });
    expect((await h.post('/api/recommendations/variants', body)).status).toBe(409);
    expect((await variants()).map((v) => v.name)).toContain('popular-only');
  });

  it('only head office sees and changes the variants', async () => {
    const store = { bearer: h.storeA.token };
    expect((await h.get('/api/recommendations/variants', store)).status).toBe(403);
    expect((await h.post('/api/recommendations/variants/control/stop', {}, store)).status).toBe(403);
  });
});
