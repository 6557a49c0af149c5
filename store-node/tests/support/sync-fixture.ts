import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, discoverModules, type Hub, type HubConfig } from '@storefleet/central';
import { type DbTarget, placeForHub } from '@storefleet/central/testing';
import { createStoreNode, type StoreNode, type StoreNodeConfig } from '../../src/index.js';
import { ledgerModule } from './ledger-module.js';

/** A hub with the test ledger module plus store nodes that sync with it, all on 127.0.0.1. */
export class SyncFixture {
  readonly stores: StoreNode[] = [];
  readonly credentials = new Map<string, { storeId: string; secret: string }>();
  readonly dir = mkdtempSync(join(tmpdir(), 'sf-sync-'));
  hub!: Hub;
  #drop: () => Promise<void> = async () => {};
  hubUrl!: string;

  private constructor(readonly hubConfig: HubConfig) {}

  static async start(target: DbTarget, hubConfig: HubConfig = {}): Promise<SyncFixture> {
    const modules = hubConfig.modules ?? [...(await discoverModules()), ledgerModule];
    const place = await placeForHub(target, modules);
    const f = new SyncFixture({ databaseUrl: place.databaseUrl, dataDir: place.dataDir, ...hubConfig, modules });
    f.#drop = place.drop;
    await f.startHub();
    return f;
  }

  async startHub(port = 0): Promise<void> {
    this.hub = await createHub({
      logLevel: 'silent',
      mode: 'test',
      syncHeartbeatMs: 2000,
      ...this.hubConfig,
      port,
    });
    this.hubUrl = await this.hub.start();
  }

  /** Registers a store at the hub (once per code) and creates its node; `start` also begins syncing. */
  async store(code: string, extra: Partial<StoreNodeConfig> = {}, start = true): Promise<StoreNode> {
    let cred = this.credentials.get(code);
    if (!cred) {
      const reg = await this.hub.fleet.register({ code, name: `Store ${code}`, kind: 'STORE', lat: 40, lon: -74 });
      cred = reg.credential!;
      this.credentials.set(code, cred);
    }
    const node = createStoreNode({
      dbPath: join(this.dir, `${code}.sqlite`),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      hub: { url: this.hubUrl, ...cred },
      sync: { backoff: { baseMs: 50, capMs: 500 }, silenceMs: 6000 },
      ...extra,
    });
    this.stores.push(node);
    if (start) await node.start();
    return node;
  }

  async ledger(storeId: string): Promise<{ count: number; total: number; maxSeq: number }> {
    const { rows } = await this.hub.db.query<{ count: number; total: number | null; max: number | null }>(
      `SELECT count(*)::int AS count, (SELECT qty FROM test_totals WHERE origin = $1) AS total, max(seq) AS max FROM test_ledger WHERE origin = $1`,
      [storeId],
    );
    return { count: rows[0]!.count, total: Number(rows[0]!.total ?? 0), maxSeq: Number(rows[0]!.max ?? 0) };
  }

  async stop(): Promise<void> {
    for (const s of this.stores.splice(0)) await s.stop();
    await this.hub.stop();
    await this.#drop();
  }
}

export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}
