import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { CLOSE } from '@storefleet/shared';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { RawStore, sale } from '../support/raw-store.js';

describe.each(dbTargets)('sync refusals on $name', (target) => {
  let f: SyncFixture;
  const tokenOf = async (code: string) => {
    if (!f.credentials.has(code)) {
      const reg = await f.hub.fleet.register({ code, name: code, kind: 'STORE', lat: 1, lon: 1 });
      f.credentials.set(code, reg.credential!);
    }
    const c = f.credentials.get(code)!;
    return { id: c.storeId, token: (await f.hub.auth.storeToken(c.storeId, c.secret)).token };
  };
  const hello = (storeId: string, protocol = 2) => ({ type: 'hello', protocol, storeId, outboxHead: 0, feedCursor: 0 });

  beforeAll(async () => {
    f = await SyncFixture.start(target);
  });
  afterAll(() => f?.stop());

  it('refuses a connection without a store token, or with a console session', async () => {
    await expect(RawStore.open(f.hubUrl, undefined)).rejects.toThrow('HTTP 401');
    await expect(RawStore.open(f.hubUrl, 'not.a.token')).rejects.toThrow('HTTP 401');
    await f.hub.auth.createUser({
      email: 'ops@example.test',
      password: 'a long enough password',
      name: 'Ops',
      role: 'ADMIN',
    });
    const { sessionToken } = await f.hub.auth.login('ops@example.test', 'a long enough password', 'test');
    await expect(RawStore.open(f.hubUrl, sessionToken)).rejects.toThrow('HTTP 403');
  });

  it('refuses a store that names another store or claims its origin, applying nothing', async () => {
    const a = await tokenOf('RA');
    const b = await tokenOf('RB');
    const impostor = await RawStore.open(f.hubUrl, a.token);
    impostor.send(hello(b.id));
    expect(await impostor.next('error')).toEqual({
      type: 'error',
      code: 'forbidden',
      message: `hello names store ${b.id}, but the credential is store ${a.id}`,
    });
    expect((await impostor.waitClosed()).code).toBe(CLOSE.unauthorized);

    const sneaky = await RawStore.open(f.hubUrl, a.token);
    sneaky.send(hello(a.id));
    await sneaky.next('welcome');
    sneaky.send({ type: 'event-batch', events: [sale(a.id, 1), sale(b.id, 2)] });
    expect((await sneaky.next('error')).message).toBe(
      `event 2 claims origin ${b.id}, but this connection is store ${a.id}`,
    );
    expect((await f.ledger(a.id)).count).toBe(0);
    expect((await f.ledger(b.id)).count).toBe(0);
  });

  it('refuses a batch whose payload nests thousands of levels deep, applies nothing and keeps serving', async () => {
    const d = await tokenOf('RDEEP');
    const deep = await RawStore.open(f.hubUrl, d.token);
    deep.send(hello(d.id));
    await deep.next('welcome');
    // Under the 64 KiB payload limit, but 20,000 levels deep: JSON.stringify into sync_events overflowed the stack, so
    // the batch failed on every resend and the store's uploads stopped for good.
    deep.send(
      `{"type":"event-batch","events":[{"origin":"${d.id}","seq":1,"hlc":"${sale(d.id, 1).hlc}","type":"test.sale","payload":${'['.repeat(20_000)}${']'.repeat(20_000)}}]}`,
    );
    expect(await deep.next('error')).toMatchObject({
      code: 'bad-message',
      message: 'frame nests deeper than 64 levels',
    });
    expect((await deep.waitClosed()).code).toBe(CLOSE.protocolError);
    expect((await f.ledger(d.id)).count).toBe(0);
    const next = await RawStore.open(f.hubUrl, d.token);
    next.send(hello(d.id));
    await next.next('welcome');
    next.send({ type: 'event-batch', events: [sale(d.id, 1)] });
    expect(await next.next('ack')).toMatchObject({ seq: 1 });
    expect((await f.ledger(d.id)).count).toBe(1);
  });

  it('refuses an event whose HLC is not a stamp, so it cannot pin the newest stamp the hub compares against', async () => {
    const h = await tokenOf('RHLC');
    const forged = await RawStore.open(f.hubUrl, h.token);
    forged.send(hello(h.id));
    await forged.next('welcome');
    forged.send({ type: 'event-batch', events: [{ ...sale(h.id, 1), hlc: 'zzzzzzzzzzzzzzzzzzzzzzzz' }] });
    expect(await forged.next('error')).toMatchObject({
      code: 'bad-message',
      message: expect.stringMatching(/not an HLC stamp/),
    });
    expect((await forged.waitClosed()).code).toBe(CLOSE.protocolError);
    const { rows } = await f.hub.db.query<{ newest_hlc: string | null }>(
      'SELECT newest_hlc FROM sync_origins WHERE store_id = $1',
      [h.id],
    );
    expect(rows[0]?.newest_hlc ?? null).toBeNull();
    expect((await f.ledger(h.id)).count).toBe(0);
  });

  it('refuses malformed, non-contiguous and oversized frames', async () => {
    const c = await tokenOf('RC');
    const garbage = await RawStore.open(f.hubUrl, c.token);
    garbage.send('{"type": "hello", ');
    expect(await garbage.next('error')).toMatchObject({ code: 'bad-message', message: 'frame is not JSON' });
    expect((await garbage.waitClosed()).code).toBe(CLOSE.protocolError);

    const skipping = await RawStore.open(f.hubUrl, c.token);
    skipping.send(hello(c.id));
    await skipping.next('welcome');
    skipping.send({ type: 'event-batch', events: [sale(c.id, 1), sale(c.id, 3)] });
    expect((await skipping.next('error')).message).toBe('batch is not contiguous at seq 3');

    const huge = await RawStore.open(f.hubUrl, c.token);
    huge.send(hello(c.id));
    await huge.next('welcome');
    huge.send({ type: 'event-batch', events: [{ ...sale(c.id, 1), payload: { blob: 'x'.repeat(5 * 1024 * 1024) } }] });
    expect((await huge.waitClosed()).code).toBe(CLOSE.tooBig);
    expect((await f.ledger(c.id)).count).toBe(0);
  });

  it('asks for a resend past a gap, and a resent batch changes nothing', async () => {
    const d = await tokenOf('RD');
    const s = await RawStore.open(f.hubUrl, d.token);
    s.send(hello(d.id));
    expect(await s.next('welcome')).toMatchObject({ ackedSeq: 0, feedHead: 0 });
    s.send({ type: 'event-batch', events: [sale(d.id, 5), sale(d.id, 6)] });
    expect(await s.next('resend')).toMatchObject({ fromSeq: 1 });
    const batch = { type: 'event-batch', events: [1, 2, 3, 4, 5, 6].map((n) => sale(d.id, n, n)) };
    s.send(batch);
    expect(await s.next('ack')).toEqual({ type: 'ack', seq: 6 });
    s.send(batch);
    s.send({ type: 'event-batch', events: [sale(d.id, 4, 4), sale(d.id, 5, 5), sale(d.id, 6, 6), sale(d.id, 7, 7)] });
    expect(await s.next('ack')).toEqual({ type: 'ack', seq: 6 });
    expect(await s.next('ack')).toEqual({ type: 'ack', seq: 7 });
    expect(await f.ledger(d.id)).toEqual({ count: 7, total: 28, maxSeq: 7 });
  });

  it('speaks protocol 1 to an older store and refuses a newer one clearly', async () => {
    const e = await tokenOf('RE');
    const old = await RawStore.open(f.hubUrl, e.token);
    old.send(hello(e.id, 1));
    expect(await old.next('welcome')).toMatchObject({ protocol: 1 });
    old.send({ type: 'event-batch', events: [sale(e.id, 1, 5)] }); // v1 batches carry no `pending`
    expect(await old.next('ack')).toEqual({ type: 'ack', seq: 1 });
    expect((await f.ledger(e.id)).total).toBe(5);

    const future = await RawStore.open(f.hubUrl, e.token);
    future.send(hello(e.id, 3));
    expect(await future.next('error')).toEqual({
      type: 'error',
      code: 'unsupported-protocol',
      message: 'hub speaks sync protocol 1–2, store speaks 3: upgrade the hub before this store',
    });
    expect((await future.waitClosed()).code).toBe(CLOSE.unsupportedProtocol);
  });
});

describe('a store newer than its hub', () => {
  it('is refused clearly and stays refused without hammering the hub', async () => {
    const f = await SyncFixture.start(dbTargets[0]!, { syncProtocol: 1 });
    try {
      const store = await f.store('NEWER');
      // the refusal, then the close that follows it (which schedules the next, distant, attempt)
      await waitFor(
        'the refusal',
        () => store.sync.status().phase === 'incompatible' && store.sync.status().reconnects >= 1,
      );
      expect(store.sync.status().lastError).toBe(
        'hub refused: hub speaks sync protocol 1–1, store speaks 2: upgrade the hub before this store',
      );
      const attempts = store.sync.status().reconnects;
      await new Promise((r) => setTimeout(r, 700)); // longer than its usual backoff cap in this fixture
      expect(store.sync.status().reconnects).toBe(attempts);
    } finally {
      await f.stop();
    }
  });
});

describe('a store that misbehaves on the wire', () => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(dbTargets[0]!);
  });
  afterAll(() => f?.stop());

  const open = async (code: string) => {
    const reg = await f.hub.fleet.register({ code, name: code, kind: 'STORE', lat: 1, lon: 1 });
    const token = (await f.hub.auth.storeToken(reg.location.id, reg.credential!.secret)).token;
    const s = await RawStore.open(f.hubUrl, token);
    s.send({ type: 'hello', protocol: 2, storeId: reg.location.id, outboxHead: 0, feedCursor: 0 });
    await s.next('welcome');
    return { s, id: reg.location.id };
  };

  it('is cut off when it ignores the upload window, and what was applied stays whole', async () => {
    const { s, id } = await open('FLOOD');
    // Small frames arrive many to a TCP read, far faster than batches apply: the hub must not queue them without bound.
    for (let b = 1; b <= 400; b++) s.send({ type: 'event-batch', events: [sale(id, b)] });
    expect((await s.waitClosed(20_000)).code).toBe(CLOSE.policyViolation);
    expect(s.received.find((m) => m.type === 'error')?.message).toBe(
      'too many frames in flight: the upload window was not respected',
    );
    await new Promise((r) => setTimeout(r, 300)); // batches already queued may still finish
    const ledger = await f.ledger(id);
    expect(ledger.count).toBeLessThan(400);
    expect(ledger.maxSeq).toBe(ledger.count); // a prefix, without gaps or doubles
  });

  it('is dropped when it stops answering heartbeats', async () => {
    const { s, id } = await open('SILENT');
    (s.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // the process hangs: pings go unanswered
    await waitFor(
      'the hub to drop the silent store',
      async () => {
        const r = await f.hub.db.query<{ connected: boolean }>(
          'SELECT connected FROM sync_connections WHERE store_id = $1',
          [id],
        );
        return r.rows[0]?.connected === false;
      },
      15_000,
    );
    expect(f.hub.sync.server!.connectedStores).not.toContain(id);
  });
});
