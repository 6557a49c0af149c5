import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, discoverModules } from '@storefleet/central';
import { dbTargets } from '@storefleet/central/testing';
import { Child } from '../support/child.js';
import { ledgerModule } from '../support/ledger-module.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/sync-fixture.js';

/**
 * Fault injection: a store process records sales while syncing through a proxy to a hub process; each trial kills
 * the connection, the store (SIGKILL) or the hub (SIGKILL) at a random moment, restarts what died, and requires both
 * ledgers to agree: every committed sale at the hub once (count, seqs 1…n, and a running total a double would
 * inflate). One database target (Postgres where given) keeps the run bounded.
 */
const target = dbTargets.find((t) => t.name === 'postgres') ?? dbTargets[0]!;
const TRIALS = Number(process.env.CHAOS_TRIALS ?? 50);
const HUB = new URL('../support/run-hub.ts', import.meta.url);
const STORE = new URL('../support/run-store.ts', import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe(`sync under faults (${target.name}, ${TRIALS} trials each)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-chaos-'));
  const storeDb = join(dir, 'store.sqlite');
  let place: Awaited<ReturnType<typeof target.open>>;
  let hubEnv: Record<string, string | undefined>;
  let hubPort: number;
  let cred: { storeId: string; secret: string };
  let hub: Child;
  let store: Child;
  let proxy: TcpProxy;

  const startHub = async () => {
    hub = new Child(HUB, [String(hubPort)], hubEnv);
    await hub.waitFor('READY', 60_000);
  };
  const startStore = async () => {
    store = new Child(STORE, [], {
      STORE_DB: storeDb,
      HUB_URL: proxy.url,
      STORE_ID: cred.storeId,
      STORE_SECRET: cred.secret,
    });
    await store.waitFor('READY');
  };
  const storeTruth = () => {
    const db = new Database(storeDb, { readonly: true });
    try {
      return db
        .prepare(
          "SELECT count(*) AS count, COALESCE(SUM(json_extract(payload, '$.qty')), 0) AS total FROM sync_outbox WHERE type = 'test.sale'",
        )
        .get() as { count: number; total: number };
    } finally {
      db.close();
    }
  };
  const hubLedger = async () => {
    const res = await fetch(`http://127.0.0.1:${hubPort}/api/test-ledger/${cred.storeId}`).catch(() => undefined);
    return res?.ok ? ((await res.json()) as { count: number; total: number; maxSeq: number }) : undefined;
  };
  const converge = async (trial: string) => {
    await waitFor(
      `${trial}: both ledgers to agree`,
      async () => {
        const truth = storeTruth();
        const ledger = await hubLedger();
        return ledger && ledger.count === truth.count && ledger.total === truth.total && ledger.maxSeq === truth.count
          ? ledger
          : undefined;
      },
      30_000,
    );
  };

  beforeAll(async () => {
    place = await target.open();
    const pgliteDir = place.databaseUrl ? undefined : join(dir, 'hub');
    hubEnv = { DATABASE_URL: place.databaseUrl ?? '', HUB_DATA_DIR: pgliteDir };
    const setup = await createHub({
      databaseUrl: place.databaseUrl,
      dataDir: pgliteDir,
      logLevel: 'silent',
      mode: 'test',
      modules: [...(await discoverModules()), ledgerModule],
    });
    cred = (await setup.fleet.register({ code: 'CHAOS', name: 'Chaos', kind: 'STORE', lat: 0, lon: 0 })).credential!;
    await setup.stop();
    hubPort = await freePort();
    await startHub();
    proxy = await TcpProxy.start(hubPort);
    await startStore();
  }, 120_000);

  afterAll(async () => {
    await store?.kill();
    await hub?.kill();
    await proxy?.close();
    await place?.drop();
  });

  const trials = async (kind: 'connection' | 'store' | 'hub') => {
    let lastCount = storeTruth().count;
    for (let t = 1; t <= TRIALS; t++) {
      const burst = 20 + Math.floor(Math.random() * 200);
      store.send(`write ${burst}`);
      await sleep(Math.random() * 150);
      if (kind === 'connection') proxy.cut();
      if (kind === 'store') {
        await store.kill();
        await startStore();
      }
      if (kind === 'hub') {
        await hub.kill();
        await startHub();
      }
      if (kind !== 'store') await store.waitFor(`WROTE ${burst}`); // a killed store's burst simply stopped
      await converge(`${kind} trial ${t}`);
      const now = storeTruth().count;
      expect(now).toBeGreaterThanOrEqual(lastCount);
      lastCount = now;
    }
    const ledger = await hubLedger();
    expect(ledger).toEqual({ ...storeTruth(), maxSeq: storeTruth().count });
  };

  it('converges after every killed connection', () => trials('connection'), 600_000);
  it('converges after every killed store process', () => trials('store'), 900_000);
  it('converges after every killed hub process', () => trials('hub'), 1_200_000);
});
