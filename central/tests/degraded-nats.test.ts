import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/index.js';
import { dbTargets, type DbTarget } from './support/db-targets.js';
import { FaultProxy } from './support/fault-proxy.js';
import { SyncPeer } from './support/sync-peer.js';
import { TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait-for.js';

const postgres = dbTargets.find((t) => t.name === 'postgres');
const NATS_HOST = '127.0.0.1';
const NATS_PORT = Number(process.env.NATS_TEST_PORT ?? 4222);
const FALLBACK = /^postgres-notify \(NATS unreachable since \d{4}-\d\d-\d\dT[\d:.]+Z: .+\)$/;

/**
 * Issue #27: two hub replicas on one Postgres database with NATS_URL set; replica 2 reaches NATS through a proxy the
 * test refuses and restores (NATS itself keeps running). Replica 2 starts while NATS is away (it used to refuse to
 * start), says so in /healthz, and a feed change made on replica 1 still reaches a store connected to replica 2 —
 * then again after NATS came back, and again after it went away a second time. The feed safety check is set to an hour,
 * so only the bus can carry the change within the test's bounds.
 */
describe.skipIf(!postgres)(
  postgres
    ? 'the change bus falls back to Postgres NOTIFY while NATS is away'
    : 'the change bus fallback — skipped: two replicas need one shared Postgres; set DATABASE_URL (and NATS on 127.0.0.1:4222)',
  { timeout: 180_000 },
  () => {
    let proxy: FaultProxy;
    let t1: TestHub;
    let hub2: Hub | undefined;
    let url2: string;
    let peer: SyncPeer | undefined;
    let store: { id: string; token: string };
    let n = 0;

    const health = async (url: string) =>
      (await (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(20_000) })).json()) as { changeBus: string };

    /** A feed entry appended on replica 1 reaches the store connected to replica 2 (which acks it). */
    const changeReachesStore = async () => {
      const marker = `bus-${++n}`;
      await t1.hub.db.transaction((tx) =>
        t1.hub.sync.feed.append(tx, store.id, [{ type: 'test.marker', payload: { marker } }]),
      );
      const page = await waitFor(
        `feed entry ${marker} at the store on replica 2`,
        () =>
          peer!
            .of('feed-page')
            .find((p) => (p.entries as { payload: { marker?: string } }[]).some((e) => e.payload?.marker === marker)),
        20_000,
      );
      const entries = page.entries as { seq: number }[];
      peer!.send({ type: 'feed-ack', seq: entries.at(-1)!.seq });
    };

    beforeAll(async () => {
      const place = await postgres!.open();
      const shared: DbTarget = { name: 'postgres', open: async () => place };
      proxy = await FaultProxy.start(NATS_HOST, NATS_PORT);
      await proxy.refuse(); // NATS is away for replica 2 from its start
      const common = { natsUrl: `nats://${NATS_HOST}:${NATS_PORT}`, syncFeedCheckMs: 3_600_000 };
      t1 = await TestHub.start(shared, { ...common, replica: 'replica-1' });
      const admin = await t1.login();
      const s = await t1.store('NATS1', admin);
      store = { id: s.id, token: s.token };
      hub2 = await createHub({
        port: 0,
        logLevel: 'silent',
        mode: 'test',
        databaseUrl: place.databaseUrl,
        ...common,
        natsUrl: `nats://127.0.0.1:${proxy.port}`,
        replica: 'replica-2',
      });
      url2 = await hub2.start();
      peer = await SyncPeer.connect(url2, store, { outboxHead: 0, feedCursor: 0 });
    });

    afterAll(async () => {
      peer?.close();
      await hub2?.stop();
      await t1?.stop();
      await proxy?.close();
    });

    it('starts without NATS, says so, and a change on replica 1 reaches a store on replica 2', async () => {
      expect((await health(t1.url)).changeBus).toBe('nats-jetstream');
      expect((await health(url2)).changeBus).toMatch(FALLBACK);
      await changeReachesStore();
      expect(peer!.closed).toBeUndefined();
    });

    it('goes back to NATS by itself when it returns, and changes still arrive', async () => {
      await proxy.restore();
      await waitFor('replica 2 on NATS again', async () => (await health(url2)).changeBus === 'nats-jetstream', 60_000);
      await changeReachesStore();
    });

    it('falls back again when NATS drops later, and back again after', async () => {
      await proxy.refuse();
      await waitFor('replica 2 on NOTIFY', async () => FALLBACK.test((await health(url2)).changeBus), 30_000);
      await changeReachesStore();
      await changeReachesStore();
      await proxy.restore();
      await waitFor('replica 2 on NATS again', async () => (await health(url2)).changeBus === 'nats-jetstream', 60_000);
      await changeReachesStore();
      expect(peer!.closed).toBeUndefined();
    });
  },
);
