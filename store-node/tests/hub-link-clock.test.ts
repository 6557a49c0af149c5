import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../src/index.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';
import { TcpProxy } from './support/tcp-proxy.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface Health {
  online: boolean;
  hub: { state: string; error: string | null };
}
interface SyncStatus {
  phase: string;
  pendingUp: number;
  lastError: string | null;
}

// A store whose PC clock is a day behind the hub's, syncing through a proxy the test can cut (so it reconnects with
// the token it holds). Both clocks are the tests' to move: `hub` and `store` shift them from real time.
// Waits are bounded at 60 s, well inside the test's own bound, so a failure names what never happened.
describe('a store whose clock is behind the hub', { timeout: 150_000 }, () => {
  const shift = { hub: 0, store: 0 };
  let f: SyncFixture;
  let proxy: TcpProxy;
  let node: StoreNode;
  let url: string;
  let storeId: string;
  let code = 0;

  const health = async () =>
    (await (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) })).json()) as Health;
  const syncStatus = async () =>
    (await (await fetch(`${url}/api/sync/status`, { signal: AbortSignal.timeout(30_000) })).json()) as SyncStatus;
  /** A sale rung up now, and whether the hub has it (what the store's staff and head office would check). */
  const sellAndSync = async () => {
    node.sync.write((emit) => emit('test.sale', { qty: 1 }));
    await waitFor('the sale at the hub', async () => (await syncStatus()).pendingUp === 0, 60_000);
  };

  beforeAll(async () => {
    f = await SyncFixture.start(dbTargets[0]!, { now: () => Date.now() + shift.hub, storeTokenTtlSeconds: 3600 });
    proxy = await TcpProxy.start(Number(new URL(f.hubUrl).port));
  });
  afterAll(async () => {
    await proxy?.close();
    await f?.stop();
  });

  const startStore = async () => {
    shift.hub = 0;
    shift.store = 0;
    const storeCode = `CLK${++code}`;
    const reg = await f.hub.fleet.register({
      code: storeCode,
      name: `Store ${storeCode}`,
      kind: 'STORE',
      lat: 40,
      lon: -74,
    });
    storeId = reg.credential!.storeId;
    f.credentials.set(storeCode, reg.credential!);
    node = await f.store(storeCode, {
      hub: { url: proxy.url, ...reg.credential! },
      now: () => Date.now() - DAY + shift.store,
    });
    url = node.url!;
    await sellAndSync();
    expect(await health()).toMatchObject({ online: true, hub: { state: 'connected', error: null } });
  };
  afterEach(async () => {
    await node?.stop();
    f.stores.splice(f.stores.indexOf(node), 1);
  });

  it('judges its token by the hub’s time: two hours on, it reconnects with a fresh token', async () => {
    await startStore();
    shift.hub = shift.store = 2 * HOUR; // both clocks run on; the hour-long token has expired by the hub's clock
    proxy.cut();
    await sellAndSync();
    expect(await health()).toMatchObject({ online: true, hub: { state: 'connected', error: null } });
    expect(await syncStatus()).toMatchObject({ phase: 'syncing', lastError: null });
    expect(Math.abs(node.hubLink.clockOffsetMs - DAY)).toBeLessThan(HOUR); // it knows its clock is a day behind
  });

  it('renews after a 401 when the hub says its token has expired (the hub’s clock jumped on)', async () => {
    await startStore();
    shift.hub = 2 * HOUR; // the store's estimate of the hub's time is now two hours short
    proxy.cut();
    await sellAndSync();
    expect(await health()).toMatchObject({ online: true, hub: { state: 'connected', error: null } });
    expect(await syncStatus()).toMatchObject({ phase: 'syncing', lastError: null });
  });

  it('a request to the hub refused with 401 renews the token, so the next one goes through', async () => {
    await startStore();
    shift.hub = 2 * HOUR; // the hub now takes the store's token for expired, while the store still trusts it
    const nearby = () => fetch(`${url}/api/catalog/products/MUG/nearby`, { signal: AbortSignal.timeout(30_000) });
    const first = await nearby();
    expect(first.status).toBe(503);
    // plain words for the screen (a kiosk's customer reads them); why, for a staff screen
    expect(((await first.json()) as { reason: string }).reason).toMatch(/→ 401 store token expired/);
    const retry = await nearby();
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ items: [] });
  });

  it('says so in /healthz and /api/sync/status when the hub refuses its token and its credential', async () => {
    await startStore();
    await f.hub.fleet.rotateCredential(storeId); // the hub no longer takes this store's token, nor its secret
    proxy.cut();
    const seen = await waitFor(
      'the refusal in /healthz',
      async () => {
        const h = await health();
        return h.hub.state === 'unauthorized' ? h : undefined;
      },
      60_000,
    );
    expect(seen).toMatchObject({
      online: false,
      hub: { error: expect.stringMatching(/^hub refused the store credential: 401/) },
    });
    const status = await syncStatus();
    expect(status.phase).not.toBe('syncing');
    expect(status.lastError).toMatch(/401/);
  });
});
