import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { LagHistory } from '../src/sync/lag-history.js';

/**
 * A store that goes offline shows as offline in the sync lag history, with how long it was behind, and a stretch the
 * hub did not sample stays a gap (issue #17). Before, a sample kept only the counts the hub knew of: an offline
 * store had nothing waiting as far as the hub could tell, so the history read "no lag" right through its outage.
 */
describe.each(dbTargets)('sync lag history through a store outage on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: { id: string };
  const EVERY = 10_000;
  // Far enough ahead of the real clock that the hub's own sampler (once an hour here) writes nothing in our window.
  const base = Math.ceil((Date.now() + 3_600_000) / EVERY) * EVERY;
  const at = (s: number) => {
    t.clock.offsetMs = base + s * 1000 - Date.now();
  };
  let lag: LagHistory;
  const sampleAt = async (s: number) => {
    at(s + 1); // one second into the bucket, so the bucket is `s` however slow the machine is
    await lag.sample();
  };

  beforeAll(async () => {
    t = await TestHub.start(target, { syncLagSampleMs: 3_600_000 });
    admin = await t.login();
    store = await t.store('OUT1', admin);
    await t.store('CALM', admin); // never connected: offline in every sample, and the fleet's count says so
    lag = new LagHistory(t.hub.db, () => Date.now() + t.clock.offsetMs, EVERY, pino({ level: 'silent' }));
    const repo = t.hub.sync.repo;
    const session = { protocol: 1, outboxHead: 0, feedCursor: 0, replica: 'replica-1' };
    at(0);
    await repo.open(store.id, session);
    await sampleAt(0);
    await sampleAt(10);
    at(15);
    await repo.closed(store.id, 'replica-1'); // the store drops off at +15 s…
    for (let s = 20; s <= 120; s += 10) await sampleAt(s);
    at(125);
    await repo.open(store.id, session); // …and is back at +125 s
    await sampleAt(130);
    await sampleAt(140);
    // The hub takes no sample from +150 to +190 (it was down); then the store's replica dies without recording the
    // close: at +200 it was seen last, and the samples after a minute without a heartbeat find it offline.
    at(200);
    await repo.open(store.id, session);
    await sampleAt(200);
    await sampleAt(270);
    // signed in again on the test's clock, an hour on: a console session ends after 30 idle minutes (#27)
    admin = await t.login();
  });
  afterAll(() => t?.stop());

  it('keeps the outage: offline samples with the time since the store was last heard from', async () => {
    at(280);
    const r = await t.call('GET', `/api/sync/lag-history?storeId=${store.id}&minutes=10`, undefined, { cookie: admin });
    expect(r.status).toBe(200);
    const items = r.body.items.filter((x: { at: number }) => x.at >= base);
    const view = items.map((x: { at: number; connected: boolean; lagMs: number }) => [
      (x.at - base) / 1000,
      x.connected ? 'online' : 'offline',
      // Whole seconds: the hub stamps "last heard" a few ms after the test sets its clock (on a loaded machine,
      // 4.992 s instead of 5), which is the machine's delay, not the lag the history is about.
      Math.round(x.lagMs / 1000),
    ]);
    expect(view).toEqual([
      [0, 'online', 0],
      [10, 'online', 0],
      [20, 'offline', 5],
      [30, 'offline', 15],
      [40, 'offline', 25],
      [50, 'offline', 35],
      [60, 'offline', 45],
      [70, 'offline', 55],
      [80, 'offline', 65],
      [90, 'offline', 75],
      [100, 'offline', 85],
      [110, 'offline', 95],
      [120, 'offline', 105],
      [130, 'online', 0],
      [140, 'online', 0],
      // +150 … +190: no samples (the hub was down); the chart breaks its lines there (everyMs says so)
      [200, 'online', 0],
      [270, 'offline', 70], // a dead replica's "connected" with no heartbeat for 70 s
    ]);
    expect(new Set(items.map((x: { everyMs: number }) => x.everyMs))).toEqual(new Set([EVERY]));
  });

  it('the fleet’s series counts the store offline and carries its worst lag', async () => {
    at(280);
    const r = await t.call('GET', '/api/sync/lag-history?minutes=10', undefined, { cookie: admin });
    const byAt = new Map(r.body.items.map((x: { at: number }) => [(x.at - base) / 1000, x]));
    expect(byAt.get(10)).toMatchObject({ stores: 2, connected: 1 });
    expect(byAt.get(60)).toMatchObject({ stores: 2, connected: 0 });
    expect(byAt.get(130)).toMatchObject({ stores: 2, connected: 1 });
    expect(byAt.has(170)).toBe(false);
  });

  it('answers worst and p95 lag per store against the one-minute target; a store reads only its own', async () => {
    at(280);
    const r = await t.call('GET', `/api/sync/lag-targets?storeId=${store.id}&minutes=10`, undefined, {
      cookie: admin,
    });
    expect(r.status).toBe(200);
    // 17 samples in the window, 12 of them behind: the p95 is the longest lag.
    expect(r.body.targetMs).toBe(60_000);
    const toSecond = (ms: number) => Math.round(ms / 1000) * 1000; // as above: the machine's few ms are not lag
    expect(
      r.body.items.map((x: { worstMs: number; p95Ms: number }) => ({
        ...x,
        worstMs: toSecond(x.worstMs),
        p95Ms: toSecond(x.p95Ms),
      })),
    ).toEqual([{ storeId: store.id, worstMs: 105_000, p95Ms: 105_000, offlineSamples: 12, behindSamples: 12 }]);
    const other = await t.store('OTHER', admin);
    expect(
      (await t.call('GET', `/api/sync/lag-targets?storeId=${store.id}`, undefined, { bearer: other.token })).status,
    ).toBe(403);
    const bad = await t.call('GET', '/api/sync/lag-targets?minutes=abc', undefined, { cookie: admin });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });
});
