import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, discoverModules, type Hub } from '@storefleet/central';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

const postgres = dbTargets.find((t) => t.name === 'postgres');

// Several hub replicas share one Postgres and fan changes out through its LISTEN/NOTIFY (or NATS JetStream where
// NATS_URL is given). PGlite is one in-process connection: a second hub cannot open the same database, and a socket
// server in front of it (pglite-socket) multiplexes every client onto that one session, so transactions and NOTIFY
// would not be what two replicas see on Postgres. This runs where a Postgres is given.
const buses = [
  { bus: 'postgres-notify', natsUrl: undefined },
  ...(process.env.NATS_URL ? [{ bus: 'nats-jetstream', natsUrl: process.env.NATS_URL }] : []),
];

const title = postgres
  ? 'two hub replicas on one Postgres, fan-out by $bus'
  : 'two hub replicas, fan-out by $bus — skipped: needs a real Postgres because two hubs share one database and its LISTEN/NOTIFY, and PGlite is one in-process connection; set DATABASE_URL';

describe.skipIf(!postgres).each(buses)(title, ({ bus, natsUrl }) => {
  let f: SyncFixture;
  let replicaB: Hub;
  beforeAll(async () => {
    // Replica A, the one the store is connected to, re-reads feed heads only hourly: a change made on replica B can
    // reach the store within this test only through the bus.
    f = await SyncFixture.start(postgres!, { replica: 'replica-a', natsUrl, syncFeedCheckMs: 3_600_000 });
    replicaB = await createHub({
      databaseUrl: f.hubConfig.databaseUrl,
      natsUrl,
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      replica: 'replica-b',
      modules: await discoverModules(),
    });
    await replicaB.start();
  });
  afterAll(async () => {
    await replicaB?.stop();
    await f?.stop();
  });

  it('delivers each change made on replica B, in order, to a store connected to replica A', async () => {
    const store = await f.store('REP1', {}, false);
    const arrived: unknown[] = [];
    store.sync.feedHandlers.register('test.note', (_db, entry) => void arrived.push(entry.payload));
    await store.start();
    await waitFor('the store to connect to replica A', () => store.sync.status().phase === 'syncing');
    const storeId = f.credentials.get('REP1')!.storeId;
    // How soon a change arrives is a latency (no bench measures it across replicas yet), not this test's claim; 20 s
    // is ample for one message on a loaded machine and leaves a dead bus failing with its own message below.
    for (let i = 0; i < 5; i++) {
      await replicaB.db.transaction((tx) =>
        replicaB.sync.feed.append(tx, storeId, [{ type: 'test.note', payload: { i } }]),
      );
      await waitFor(
        `entry ${i + 1} of 5, written on replica B, to reach the store on replica A through the ${bus} bus`,
        () => arrived.length === i + 1,
        20_000,
      );
    }
    expect(arrived).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    expect(((await (await fetch(`${f.hubUrl}/healthz`)).json()) as { changeBus: string }).changeBus).toBe(bus);
    const states = (
      await replicaB.db.query<{ replica: string; connected: boolean }>(
        'SELECT replica, connected FROM sync_connections WHERE store_id = $1',
        [storeId],
      )
    ).rows;
    expect(states).toEqual([{ replica: 'replica-a', connected: true }]);
  }, 180_000);
});
