import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '@storefleet/central/testing';
import type { StoreNode } from '../../src/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { HoldDesk, holdAtStore } from '../support/hub-restore.js';

const run = promisify(execFile);
const ADMIN_URL = process.env.DATABASE_URL;
/** Sales per phase (before the dump, during it, after it, while the hub is down); full sizes belong in bench/. */
const SALES = Number(process.env.SF_PG_RESTORE_SALES ?? 1500);
const TITLE = 'a hub restarted on a pg_restore of an older pg_dump, while a store sells and holds flow';
const SKIPPED = 'skipped: needs a real Postgres because the trial restores a pg_dump with pg_restore; set DATABASE_URL';

/**
 * The trial of issue #14 on real Postgres: a hub on Postgres with a store selling (test ledger: one row per sale, a
 * running total) and holds flowing; a real `pg_dump` (custom format) taken while the store sells; more sales and
 * holds; the hub stopped, its database dropped and `pg_restore`d, the hub started on it. The store resends the
 * acknowledged sales the hub lost (it keeps acked events for its retention window) and nothing is counted twice; its
 * feed re-agrees: holds placed after the restart arrive, holds the dump lacked end at the store, holds it had stay.
 */
describe.skipIf(!ADMIN_URL)(ADMIN_URL ? TITLE : `${TITLE} — ${SKIPPED}`, () => {
  let f: SyncFixture;
  let desk: HoldDesk;
  const name = `sf_restore_trial_${randomBytes(4).toString('hex')}`;
  const dbUrl = () => Object.assign(new URL(ADMIN_URL!), { pathname: `/${name}` }).toString();
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const target: DbTarget = {
    name: 'postgres',
    async open() {
      await admin(`CREATE DATABASE ${name}`);
      return {
        databaseUrl: dbUrl(),
        drop: async () => void (await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
      };
    },
  };

  beforeAll(async () => {
    const server = Number((await admin('SHOW server_version_num')).rows[0].server_version_num) / 10_000;
    for (const tool of ['pg_dump', 'pg_restore']) {
      const { stdout } = await run(tool, ['--version']).catch(() => ({ stdout: '' }));
      const major = Number(/(\d+)\.\d+/.exec(stdout)?.[1]);
      if (major !== Math.floor(server))
        throw new Error(
          `${tool} ${major || 'is missing'}; the server is Postgres ${Math.floor(server)}: install the matching client tools`,
        );
    }
    f = await SyncFixture.start(target);
    desk = await HoldDesk.open(f, ['MUG']);
  }, 120_000);
  afterAll(() => f?.stop());

  let qty = 0;
  const sold = { count: 0, total: 0 };
  /** `n` sales of 1–9 units, 100 to a transaction, as lanes closing sales would. */
  const sell = (store: StoreNode, n: number) => {
    for (let i = 0; i < n; i += 100) {
      store.sync.write((emit) =>
        emit.all(
          Array.from({ length: Math.min(100, n - i) }, () => {
            const q = (qty++ % 9) + 1;
            sold.count++;
            sold.total += q;
            return { type: 'test.sale', payload: { qty: q } };
          }),
        ),
      );
    }
  };
  const hold = async (storeId: string, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await desk.reserve(storeId, 'MUG'));
    return ids;
  };

  it('resends what the hub lost, counts each sale once, and re-agrees on the feed', async () => {
    const store = await f.store('TRIAL');
    const storeId = f.credentials.get('TRIAL')!.storeId;
    await desk.stock(store, storeId, 'MUG', 10_000, waitFor);
    sell(store, SALES);
    const kept = await hold(storeId, 5);
    await waitFor('the first sales acknowledged', () => store.sync.status().pendingUp === 0, 60_000);
    await waitFor('the first holds at the store', () => kept.every((id) => holdAtStore(store, id)), 30_000);

    // The dump, taken while the store goes on selling.
    const dump = join(f.dir, 'hub.dump');
    let selling = true;
    const seller = (async () => {
      while (selling) {
        sell(store, 100);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const dumpStarted = Date.now();
    await run('pg_dump', ['--format=custom', `--file=${dump}`, dbUrl()]);
    const dumpMs = Date.now() - dumpStarted;
    selling = false;
    await seller;

    sell(store, SALES);
    const lost = await hold(storeId, 5);
    await waitFor('every sale acknowledged before the hub stops', () => store.sync.status().pendingUp === 0, 60_000);
    await waitFor('the later holds at the store', () => lost.every((id) => holdAtStore(store, id)), 30_000);
    const ledgerBefore = await f.ledger(storeId);
    expect(ledgerBefore).toMatchObject(sold);

    // The hub stops; its database is dropped and restored from the dump; the store sells on meanwhile.
    const port = Number(new URL(f.hubUrl).port);
    await f.hub.stop();
    sell(store, SALES);
    const restoreStarted = Date.now();
    await admin(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${name}`);
    await run('pg_restore', ['--exit-on-error', '--no-owner', `--dbname=${dbUrl()}`, dump]);
    const restoreMs = Date.now() - restoreStarted;
    await f.startHub(port);
    const restartedAt = Date.now();
    const lostAtHub = ledgerBefore.count - (await f.ledger(storeId)).count;
    expect(lostAtHub).toBeGreaterThan(SALES - 1); // the dump lacks at least the sales made after it

    const ledger = await waitFor(
      'the hub to hold every sale again',
      async () => {
        const l = await f.ledger(storeId);
        return l.count === sold.count ? l : undefined;
      },
      120_000,
    );
    // Every event of the store once at the hub: the stock receipt and each sale (the ledger's seqs are outbox seqs).
    const events = store.sync.status().outboxHead;
    expect(events).toBe(sold.count + 1);
    expect(ledger).toEqual({ ...sold, maxSeq: events });
    const { rows } = await f.hub.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM sync_events WHERE origin = $1',
      [storeId],
    );
    expect(rows[0]!.n).toBe(events);
    await waitFor(
      'the lost holds to end at the store',
      () => lost.every((id) => holdAtStore(store, id)?.status === 'RELEASED'),
      60_000,
    );
    const convergedMs = Date.now() - restartedAt;
    for (const id of lost)
      expect(holdAtStore(store, id)).toMatchObject({
        status: 'RELEASED',
        endedReason: 'the hub no longer holds this reservation',
      });
    for (const id of kept) expect(holdAtStore(store, id)).toMatchObject({ status: 'HELD', endedReason: null });

    const reconnects = store.sync.status().reconnects;
    const fresh = await hold(storeId, 3);
    sell(store, 10);
    await waitFor(
      'holds placed after the restart at the store',
      () => fresh.every((id) => holdAtStore(store, id)?.status === 'HELD'),
      30_000,
    );
    await waitFor('the newest sales counted', async () => (await f.ledger(storeId)).count === sold.count, 30_000);
    expect(await f.ledger(storeId)).toEqual({ ...sold, maxSeq: sold.count + 1 });
    const atHub = (await desk.call('GET', `/api/sync/stores/${storeId}`)).body;
    expect(atHub).toMatchObject({
      pendingUp: 0,
      feedLag: 0,
      feedRebase: { note: expect.stringMatching(/^feed rebased after a hub restore at /) },
    });
    await waitFor('the store to hear the last ack', () => store.sync.status().pendingUp === 0, 30_000); // the hub commits before the ack arrives
    expect(store.sync.status()).toMatchObject({
      phase: 'syncing',
      pendingUp: 0,
      lastError: null,
      reconnects,
      lastFeedRebase: { at: expect.any(Number) },
    });
    console.info(
      `restored-backup trial: ${sold.count} sales, dump ${statSync(dump).size} bytes in ${dumpMs} ms, restore ${restoreMs} ms, ` +
        `${lostAtHub} sales lost by the restore resent, converged ${convergedMs} ms after the restart`,
    );
  }, 300_000);
});
