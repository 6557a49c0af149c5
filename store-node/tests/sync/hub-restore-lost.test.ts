import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { CLOSE } from '@storefleet/shared';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { hubLosesEventsAfter } from '../support/hub-restore.js';
import { RawStore, sale } from '../support/raw-store.js';

const NOTE = (from: number, to: number) =>
  `events ${from}–${to} of this store were lost (the hub was restored from a backup older than the store keeps acknowledged events); counters may need a stock count`;

/**
 * A hub restored from a backup older than a store keeps acknowledged events (7 days) lacks events the store has
 * already pruned: they are gone. The store says so (`events-lost`), the hub records the gap once and moves past it,
 * and every later sale of the store reaches the hub — instead of the store's uploads waiting for good.
 */
describe.each(dbTargets)('events a restored hub lost and the store pruned, on $name', (target) => {
  let f: SyncFixture;
  const METRICS_TOKEN = 'lost-events-metrics-token';
  const EARLY = Number(process.env.SF_LOST_EARLY_SALES ?? 3_000); // acknowledged, then pruned at the store
  const LATE = Number(process.env.SF_LOST_LATE_SALES ?? 1_000); // acknowledged, still held at the store
  const KEPT = Math.floor(EARLY / 3); // what the hub's backup holds
  let admin: string;

  beforeAll(async () => {
    f = await SyncFixture.start(target, { metricsToken: METRICS_TOKEN });
    await f.hub.auth.createUser({
      email: 'ops@example.test',
      password: 'a long enough password',
      name: 'Ops',
      role: 'ADMIN',
    });
    admin = `sf_session=${(await f.hub.auth.login('ops@example.test', 'a long enough password', 'test')).sessionToken}`;
  }, 120_000);
  afterAll(() => f?.stop());

  const hubGet = async (path: string, headers: Record<string, string>) => {
    const res = await fetch(`${f.hubUrl}${path}`, { headers });
    expect(res.status).toBe(200);
    return path === '/metrics' ? res.text() : res.json();
  };
  const lostRows = async (storeId: string) =>
    (
      await f.hub.db.query<{ from_seq: number; to_seq: number }>(
        'SELECT from_seq, to_seq FROM sync_lost_ranges WHERE store_id = $1 ORDER BY from_seq',
        [storeId],
      )
    ).rows.map((r) => [Number(r.from_seq), Number(r.to_seq)]);
  const ackedAtHub = async (storeId: string) =>
    Number(
      (await f.hub.db.query<{ acked_seq: number }>('SELECT acked_seq FROM sync_origins WHERE store_id = $1', [storeId]))
        .rows[0]?.acked_seq ?? 0,
    );

  it('records the gap once, shows it at both ends, and every later sale of the store reaches the hub', async () => {
    const store = await f.store('LOST');
    const storeId = f.credentials.get('LOST')!.storeId;
    const sell = (n: number) =>
      store.sync.write((emit) =>
        emit.all(Array.from({ length: n }, () => ({ type: 'test.sale', payload: { qty: 1 } }))),
      );
    const acked = (n: number) => () => store.sync.status().ackedSeq === n && store.sync.status().pendingUp === 0;

    sell(EARLY);
    await waitFor('the hub to acknowledge the early sales', acked(EARLY), 120_000);
    // Seven days on: the store prunes what the hub acknowledged.
    expect(store.sync.storage.pruneAcked(Date.now() + 60_000)).toBe(EARLY);
    sell(LATE);
    await waitFor('the hub to acknowledge the late sales', acked(EARLY + LATE), 120_000);

    // The restore: the hub's database goes back to a backup holding the store's first KEPT events.
    store.sync.stop();
    await hubLosesEventsAfter(f.hub, storeId, KEPT);
    store.sync.start();

    // What the store still holds reaches the hub; what it pruned is recorded as lost, once.
    await waitFor(
      'the hub to hold the late sales again',
      async () => (await f.ledger(storeId)).count === KEPT + LATE,
      120_000,
    );
    expect(await lostRows(storeId)).toEqual([[KEPT + 1, EARLY]]);
    sell(5);
    expect(
      await waitFor(
        'the next sales to reach the hub',
        async () => {
          const l = await f.ledger(storeId);
          return l.count === KEPT + LATE + 5 ? l : undefined;
        },
        60_000,
      ),
    ).toEqual({ count: KEPT + LATE + 5, total: KEPT + LATE + 5, maxSeq: EARLY + LATE + 5 });

    // The store says so in its status (and keeps saying it after a restart of its sync).
    await waitFor('the store to show nothing pending', acked(EARLY + LATE + 5), 60_000);
    const atStore = { fromSeq: KEPT + 1, toSeq: EARLY, note: NOTE(KEPT + 1, EARLY) };
    expect(await (await fetch(`${store.url}/api/sync/status`)).json()).toMatchObject({
      phase: 'syncing',
      pendingUp: 0,
      lastError: null,
      lostEvents: atStore,
    });

    // The hub says so for the store, in the Fleet list and in /metrics.
    const range = {
      fromSeq: KEPT + 1,
      toSeq: EARLY,
      count: EARLY - KEPT,
      note: NOTE(KEPT + 1, EARLY),
      reason: expect.stringContaining('pruned'),
    };
    expect(await hubGet(`/api/sync/stores/${storeId}`, { cookie: admin })).toMatchObject({
      pendingUp: 0,
      lostEvents: [range],
    });
    const fleet = (await hubGet('/api/sync/stores', { cookie: admin })) as {
      items: { code: string; lostEvents: unknown[] }[];
    };
    expect(fleet.items.find((s) => s.code === 'LOST')?.lostEvents).toEqual([expect.objectContaining(range)]);
    expect(await hubGet('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).toContain(
      `storefleet_hub_sync_store_lost_events{store="LOST"} ${EARLY - KEPT}`,
    );

    // Reconnecting changes nothing: no second report, no second record.
    store.sync.stop();
    store.sync.start();
    sell(1);
    await waitFor(
      'the sale after the reconnect to reach the hub',
      async () => (await f.ledger(storeId)).count === KEPT + LATE + 6,
      60_000,
    );
    expect(await lostRows(storeId)).toEqual([[KEPT + 1, EARLY]]);
    expect(store.sync.status()).toMatchObject({ lastError: null, lostEvents: atStore });
  }, 600_000);

  it('refuses an events-lost that is not exactly the gap after what the hub holds, and changes nothing', async () => {
    const reg = await f.hub.fleet.register({ code: 'FORGER', name: 'Forger', kind: 'STORE', lat: 1, lon: 1 });
    const id = reg.credential!.storeId;
    const { token } = await f.hub.auth.storeToken(id, reg.credential!.secret);
    const connect = async (outboxHead = 10) => {
      const s = await RawStore.open(f.hubUrl, token);
      s.send({ type: 'hello', protocol: 2, storeId: id, outboxHead, feedCursor: 0 });
      expect((await s.next('welcome')).features).toContain('events-lost');
      return s;
    };
    const first = await connect();
    first.send({ type: 'event-batch', events: [sale(id, 1), sale(id, 2), sale(id, 3)] });
    expect(await first.next('ack')).toEqual({ type: 'ack', seq: 3 });
    first.ws.close();

    const refused = async (report: object, message: string, outboxHead?: number) => {
      const s = await connect(outboxHead);
      s.send({ type: 'events-lost', reason: 'forged', ...report });
      expect(await s.next('error')).toEqual({ type: 'error', code: 'bad-message', message });
      expect((await s.waitClosed()).code).toBe(CLOSE.protocolError);
      expect(await lostRows(id)).toEqual([]);
      expect((await f.ledger(id)).count).toBe(3);
    };
    const past = "the hub holds this store's events up to 3, so only a gap starting at 4 can be reported lost";
    await refused({ fromSeq: 6, toSeq: 8 }, `events-lost 6–8 refused: ${past}`);
    await refused({ fromSeq: 1, toSeq: 3 }, `events-lost 1–3 refused: ${past}`); // events the hub holds
    await refused(
      { fromSeq: 4, toSeq: 11 },
      "events-lost 4–11 reaches past this store's outbox head 10: a store cannot lose events it never made",
    );
    await refused({ fromSeq: 5, toSeq: 4 }, 'events-lost 5–4 is not a range: it ends before it starts');
    await refused({ fromSeq: -3, toSeq: 4 }, 'invalid events-lost: fromSeq Too small: expected number to be >=1');
    // A stolen credential claiming a huge outbox: its report would have the real store number its next events past
    // the safe range.
    const huge = Number.MAX_SAFE_INTEGER;
    await refused(
      { fromSeq: 4, toSeq: huge },
      `events-lost 4–${huge} is more than the 100000000 events one report may say are lost`,
      huge,
    );
    expect(await ackedAtHub(id)).toBe(3);

    // A hub whose acked seq fell behind events it holds (a partial restore): a range over them is refused too.
    await f.hub.db.query('UPDATE sync_origins SET acked_seq = 1 WHERE store_id = $1', [id]);
    await refused(
      { fromSeq: 2, toSeq: 5 },
      'events-lost 2–5 refused: the hub holds event 2 of this store, inside the range',
    );
    expect(await ackedAtHub(id)).toBe(1);
    await f.hub.db.query('UPDATE sync_origins SET acked_seq = 3 WHERE store_id = $1', [id]);

    // The true gap is taken, and the same report again records nothing more.
    for (let i = 0; i < 2; i++) {
      const s = await connect();
      s.send({ type: 'events-lost', fromSeq: 4, toSeq: 6, reason: 'pruned after the hub acknowledged them' });
      expect(await s.next('ack')).toEqual({ type: 'ack', seq: 6 });
      s.ws.close();
      expect(await lostRows(id)).toEqual([[4, 6]]);
    }
    const next = await connect();
    next.send({ type: 'event-batch', events: [sale(id, 7)] });
    expect(await next.next('ack')).toEqual({ type: 'ack', seq: 7 });
    next.ws.close();
    expect(await f.ledger(id)).toMatchObject({ count: 4, maxSeq: 7 });
  }, 120_000);
});
