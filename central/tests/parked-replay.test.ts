import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from './support/console-fixture.js';
import { hlcEncode, type WireEvent } from '@storefleet/shared';
import type { HubModule } from '../src/kernel/module-contract.js';
import { dbTargets } from './support/db-targets.js';
import { ADMIN, TestHub } from './support/test-hub.js';

/** A module whose handler is "broken" for some events until the fix is "deployed" (the set emptied). */
const broken = new Set<number>();
const tallyModule: HubModule = {
  name: 'tally',
  eventHandlers: () => ({
    'tally.counted': async (tx, events) => {
      for (const e of events)
        if (broken.has((e.payload as { n: number }).n))
          throw new Error(`tally ${(e.payload as { n: number }).n} hit the bug`);
      await tx.query('INSERT INTO tally (origin, seq) SELECT $1, unnest($2::bigint[])', [
        events[0]!.origin,
        events.map((e) => e.seq),
      ]);
    },
  }),
};

/** Generous: the machine is shared and slow. */
const UI_WAIT_MS = 30_000;

describe.each(dbTargets)('parked events can be replayed once a fix is deployed, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let adminId: string;
  let n = 0;

  beforeAll(async () => {
    const { discoverModules } = await import('../src/kernel/discover-modules.js');
    t = await TestHub.start(target, { modules: [...(await discoverModules()), tallyModule] });
    await t.hub.db.exec('CREATE TABLE tally (origin uuid NOT NULL, seq bigint NOT NULL, PRIMARY KEY (origin, seq))');
    admin = await t.login();
    adminId = (await t.call('GET', '/api/auth/me', undefined, { cookie: admin })).body.userId;
  });
  afterAll(() => t?.stop());

  const newStore = () => t.store(`REPLAY-${++n}`, admin);
  const tallies = (storeId: string, from: number, count: number): WireEvent[] =>
    Array.from({ length: count }, (_, i) => ({
      origin: storeId,
      seq: from + i,
      hlc: hlcEncode({ wallMs: Date.now(), counter: i, node: storeId }),
      type: 'tally.counted',
      payload: { n: from + i },
    }));
  const counted = async (storeId: string) =>
    (await t.hub.db.query<{ seq: number }>('SELECT seq FROM tally WHERE origin = $1 ORDER BY seq', [storeId])).rows.map(
      (r) => r.seq,
    );
  const parked = async (query: string) =>
    (await t.call('GET', `/api/sync/parked?${query}`, undefined, { cookie: admin })).body;
  const replayOne = (storeId: string, seq: number, cookie = admin) =>
    t.call('POST', `/api/sync/parked/${storeId}/${seq}/replay`, {}, { cookie });

  it('brings a stock count back: a movement parked for a sku the catalog lacked applies once the product exists', async () => {
    const store = await newStore();
    const moved = (seq: number, delta: number): WireEvent => ({
      origin: store.id,
      seq,
      hlc: hlcEncode({ wallMs: Date.now(), counter: seq, node: store.id }),
      type: 'stock.moved',
      payload: { sku: 'LATE-LAMP', delta, kind: 'RECEIVE' },
    });
    await t.hub.sync.repo.applyBatch(store.id, [moved(1, 12)], 0);
    expect((await parked(`storeId=${store.id}`)).items.map((p: { seq: number }) => p.seq)).toEqual([1]);
    // The fix: the product reaches the hub's catalog. The store's resend changes nothing (it was acknowledged).
    await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'LATE-LAMP', name: 'Lamp', category: 'Home', priceMinor: 1500 }] },
      { cookie: admin },
    );
    expect(await t.hub.sync.repo.applyBatch(store.id, [moved(1, 12)], 0)).toEqual({ ackedSeq: 1 });
    expect(
      (await t.call('GET', `/api/inventory/stores/${store.id}/stock/LATE-LAMP`, undefined, { cookie: admin })).status,
    ).toBe(404);

    const replay = await replayOne(store.id, 1);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({
      storeId: store.id,
      seq: 1,
      type: 'stock.moved',
      outcome: 'applied',
      resolvedBy: adminId,
    });
    expect(
      (await t.call('GET', `/api/inventory/stores/${store.id}/stock/LATE-LAMP`, undefined, { cookie: admin })).body,
    ).toMatchObject({ onHand: 12 });

    // A second replay (a double click, a retry) applies nothing again.
    const again = await replayOne(store.id, 1);
    expect(again.body).toMatchObject({
      outcome: 'already-applied',
      resolvedAt: replay.body.resolvedAt,
      resolvedBy: adminId,
    });
    expect(
      (await t.call('GET', `/api/inventory/stores/${store.id}/stock/LATE-LAMP`, undefined, { cookie: admin })).body,
    ).toMatchObject({ onHand: 12 });
    expect((await parked(`storeId=${store.id}`)).items).toEqual([]);
    expect((await parked(`storeId=${store.id}&state=resolved`)).items).toEqual([
      expect.objectContaining({
        seq: 1,
        outcome: 'applied',
        resolvedAt: replay.body.resolvedAt,
        resolvedBy: adminId,
        resolvedByEmail: ADMIN.email,
        replays: 1,
      }),
    ]);
    expect((await t.call('GET', `/api/sync/stores/${store.id}`, undefined, { cookie: admin })).body).toMatchObject({
      parked: 0,
    });
  });

  it('keeps an event that fails again parked, with the new reason and the attempt recorded', async () => {
    const store = await newStore();
    broken.add(3);
    await t.hub.sync.repo.applyBatch(store.id, tallies(store.id, 1, 5), 0);
    expect(await counted(store.id)).toEqual([1, 2, 4, 5]);
    const first = (await parked(`storeId=${store.id}`)).items;
    expect(first.map((p: { seq: number; reason: string }) => [p.seq, p.reason])).toEqual([
      [3, 'handler failed: tally 3 hit the bug'],
    ]);

    const replay = await replayOne(store.id, 3);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({
      storeId: store.id,
      seq: 3,
      type: 'tally.counted',
      outcome: 'failed',
      reason: 'handler failed: tally 3 hit the bug',
    });
    expect((await parked(`storeId=${store.id}`)).items).toEqual([
      expect.objectContaining({ seq: 3, replays: 1, resolvedAt: null, outcome: null }),
    ]);
    const audit = await t.hub.db.query(
      'SELECT attempt, replayed_by, outcome, reason FROM sync_parked_replays WHERE origin = $1 ORDER BY attempt',
      [store.id],
    );
    expect(audit.rows).toEqual([
      { attempt: 1, replayed_by: adminId, outcome: 'failed', reason: 'handler failed: tally 3 hit the bug' },
    ]);

    broken.delete(3); // the fix is deployed
    expect((await replayOne(store.id, 3)).body).toMatchObject({ outcome: 'applied' });
    expect(await counted(store.id)).toEqual([1, 2, 3, 4, 5]);
    const audit2 = await t.hub.db.query(
      'SELECT attempt, outcome FROM sync_parked_replays WHERE origin = $1 ORDER BY attempt',
      [store.id],
    );
    expect(audit2.rows).toEqual([
      { attempt: 1, outcome: 'failed' },
      { attempt: 2, outcome: 'applied' },
    ]);
  });

  it('applies an event once when replays race each other and the store resends', async () => {
    const store = await newStore();
    broken.add(2);
    await t.hub.sync.repo.applyBatch(store.id, tallies(store.id, 1, 3), 0);
    broken.delete(2);
    const [a, b, resend, c] = await Promise.all([
      replayOne(store.id, 2),
      replayOne(store.id, 2),
      t.hub.sync.repo.applyBatch(store.id, tallies(store.id, 1, 3), 0),
      t.call('POST', '/api/sync/parked/replay', { type: 'tally.counted', storeId: store.id }, { cookie: admin }),
    ]);
    expect(resend).toEqual({ ackedSeq: 3 });
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    const applied = [a.body.outcome, b.body.outcome].filter((o) => o === 'applied').length + c.body.applied;
    expect(applied).toBe(1);
    expect(await counted(store.id)).toEqual([1, 2, 3]);
  });

  it('replays every parked event of a type, store by store; those that still fail stay parked', async () => {
    const [s1, s2] = [await newStore(), await newStore()];
    broken.add(2).add(4).add(5);
    await t.hub.sync.repo.applyBatch(s1.id, tallies(s1.id, 1, 6), 0);
    await t.hub.sync.repo.applyBatch(s2.id, tallies(s2.id, 1, 6), 0);
    expect(await counted(s1.id)).toEqual([1, 3, 6]);
    broken.delete(2);
    broken.delete(4); // a fix for two of the three bugs

    const r = await t.call('POST', '/api/sync/parked/replay', { type: 'tally.counted' }, { cookie: admin });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ type: 'tally.counted', applied: 4, failed: 2 });
    expect(r.body.failures.map((f: { storeId: string; seq: number }) => [f.storeId, f.seq]).sort()).toEqual(
      [
        [s1.id, 5],
        [s2.id, 5],
      ].sort(),
    );
    expect(await counted(s1.id)).toEqual([1, 2, 3, 4, 6]);
    expect(await counted(s2.id)).toEqual([1, 2, 3, 4, 6]);
    expect(
      (await parked('type=tally.counted')).items
        .map((p: { storeId: string; seq: number }) => `${p.storeId === s1.id ? 's1' : 's2'}:${p.seq}`)
        .sort(),
    ).toEqual(['s1:5', 's2:5']);
    broken.clear();
  });

  it('is for an ADMIN only, and answers 404 for an event that was never parked', async () => {
    const store = await newStore();
    await t.hub.auth.createUser({
      email: 'replay-manager@example.test',
      name: 'M',
      role: 'STORE_MANAGER',
      storeId: store.id as never,
      password: 'a long enough password 123',
    });
    const manager = await t.login('replay-manager@example.test', 'a long enough password 123');
    expect((await replayOne(store.id, 1, manager)).status).toBe(403);
    expect((await t.call('POST', `/api/sync/parked/${store.id}/1/replay`, {}, { bearer: store.token })).status).toBe(
      403,
    );
    expect(
      (await t.call('POST', '/api/sync/parked/replay', { type: 'tally.counted' }, { cookie: manager })).status,
    ).toBe(403);
    const missing = await replayOne(store.id, 99);
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain(`${store.id}/99`);
    expect((await t.call('POST', '/api/sync/parked/replay', {}, { cookie: admin })).status).toBe(400);
  });

  it.skipIf(skipWithoutChromium)(
    'shows parked events on the console’s Fleet page and replays one with its button',
    async () => {
      const store = await newStore();
      broken.add(2);
      await t.hub.sync.repo.applyBatch(store.id, tallies(store.id, 1, 3), 0);
      broken.delete(2);
      const browser = await launchChromium();
      try {
        const context = await browser.newContext();
        const [name, value] = admin.split('=') as [string, string];
        await context.addCookies([{ name, value, url: t.url }]);
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${t.url}/console/#/fleet?store=${store.id}`);
        const row = page.getByRole('row').filter({ hasText: 'handler failed: tally 2 hit the bug' });
        await row.waitFor({ timeout: UI_WAIT_MS });
        await page.screenshot({
          path: fileURLToPath(new URL('../../.test-artifacts/screenshots/console-parked-events.png', import.meta.url)),
          fullPage: true,
        });
        await page.getByRole('button', { name: `Replay event 2 of REPLAY-${n} — Store REPLAY-${n}` }).click();
        await page.getByText(`Event 2 of REPLAY-${n} — Store REPLAY-${n} applied.`).waitFor({ timeout: UI_WAIT_MS });
        await row.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        expect(await counted(store.id)).toEqual([1, 2, 3]);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
