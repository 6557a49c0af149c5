import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, discoverModules, type Hub } from '@storefleet/central';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

const postgres = dbTargets.find((t) => t.name === 'postgres');

// Several hub processes share one Postgres; PGlite is one process by nature, so this runs where Postgres is given.
// Fan-out between them goes through Postgres NOTIFY, and through NATS JetStream where NATS_URL is given.
const buses = [
  { bus: 'postgres-notify', natsUrl: undefined },
  ...(process.env.NATS_URL ? [{ bus: 'nats-jetstream', natsUrl: process.env.NATS_URL }] : []),
];

describe.skipIf(!postgres).each(buses)('two hub replicas on one Postgres, fan-out by $bus', ({ bus, natsUrl }) => {
  let f: SyncFixture;
  let replicaB: Hub;
  beforeAll(async () => {
    f = await SyncFixture.start(postgres!, { replica: 'replica-a', natsUrl });
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

  it('delivers a change made on replica B to a store connected to replica A within a second', async () => {
    const store = await f.store('REP1', {}, false);
    const arrived: number[] = [];
    store.sync.feedHandlers.register('test.note', () => void arrived.push(Date.now()));
    await store.start();
    await waitFor('the store to connect to replica A', () => store.sync.status().phase === 'syncing');
    const storeId = f.credentials.get('REP1')!.storeId;
    for (let i = 0; i < 5; i++) {
      const committedAt = Date.now();
      await replicaB.db.transaction((tx) =>
        replicaB.sync.feed.append(tx, storeId, [{ type: 'test.note', payload: { i } }]),
      );
      await waitFor(`entry ${i + 1}`, () => arrived.length === i + 1, 1000);
      expect(arrived[i]! - committedAt).toBeLessThan(1000);
    }
    expect(((await (await fetch(`${f.hubUrl}/healthz`)).json()) as { changeBus: string }).changeBus).toBe(bus);
    const states = (
      await replicaB.db.query<{ replica: string; connected: boolean }>(
        'SELECT replica, connected FROM sync_connections WHERE store_id = $1',
        [storeId],
      )
    ).rows;
    expect(states).toEqual([{ replica: 'replica-a', connected: true }]);
  });
});
