import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcEncode, type WireEvent } from '@storefleet/shared';
import { EventHandlerRegistry } from '../src/kernel/event-handlers.js';
import { SyncRepository } from '../src/sync/sync-repository.js';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/**
 * The hub's database out of disk space (SQLSTATE 53100, what Postgres raises when it cannot extend a file), stood in
 * for by a trigger that raises it: a write answers 507 saying so, not 500; an upload is not parked event by event
 * (nobody's event is at fault) but left unacknowledged, and applies once when space is back.
 */
describe.each(dbTargets)("the hub's database disk full, on $name", (target) => {
  let t: TestHub;
  let admin: string;
  const fill = (table: string) =>
    t.hub.db.exec(`
      CREATE OR REPLACE FUNCTION sf_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'could not extend file "base/16384/2619": No space left on device' USING ERRCODE = '53100'; END $$;
      CREATE TRIGGER sf_test_disk_full BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION sf_test_disk_full();`);
  const free = (table: string) => t.hub.db.exec(`DROP TRIGGER sf_test_disk_full ON ${table}`);

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
  });
  afterAll(() => t?.stop());

  it('answers a write with 507 that says the hub is out of disk space, and records nothing', async () => {
    await fill('customers');
    try {
      const res = await t.call('POST', '/api/customers', { name: 'Ada Lovelace' }, { cookie: admin });
      expect(res.status).toBe(507);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toMatch(/^the hub's database is out of disk space: nothing was recorded/);
    } finally {
      await free('customers');
    }
    expect(
      (await t.hub.db.query<{ n: number }>("SELECT count(*)::int AS n FROM customers WHERE name = 'Ada Lovelace'"))
        .rows[0]!.n,
    ).toBe(0);
    expect((await t.call('POST', '/api/customers', { name: 'Ada Lovelace' }, { cookie: admin })).status).toBe(201);
  });

  it('parks none of an upload it could not write; the store resends and each event applies once', async () => {
    await t.hub.db.exec(
      'CREATE TABLE disk_tally (origin uuid NOT NULL, seq bigint NOT NULL, PRIMARY KEY (origin, seq))',
    );
    const handlers = new EventHandlerRegistry();
    handlers.register('tally', 'tally.counted', async (tx, events) => {
      await tx.query('INSERT INTO disk_tally (origin, seq) SELECT $1, s FROM unnest($2::bigint[]) AS s', [
        events[0]!.origin,
        events.map((e) => e.seq),
      ]);
    });
    const repo = new SyncRepository(t.hub.db, handlers, Date.now, { attempts: 2, baseMs: 1 });
    const store = randomUUID();
    const batch: WireEvent[] = Array.from({ length: 20 }, (_, i) => ({
      origin: store,
      seq: i + 1,
      hlc: hlcEncode({ wallMs: 1_700_000_000_000 + i, counter: 0, node: store }),
      type: 'tally.counted',
      payload: { i },
    }));
    await fill('disk_tally');
    try {
      await expect(repo.applyBatch(store, batch, 0)).rejects.toThrow(/out of disk space|No space left/);
    } finally {
      await free('disk_tally');
    }
    const parked = await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_parked WHERE origin = $1', [
      store,
    ]);
    expect(parked.rows[0]!.n).toBe(0);
    expect(await repo.applyBatch(store, batch, 0)).toEqual({ ackedSeq: 20 });
    const tally = await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM disk_tally WHERE origin = $1', [
      store,
    ]);
    expect(tally.rows[0]!.n).toBe(20);
  });
});
