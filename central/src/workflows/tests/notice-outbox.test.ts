import { pino } from 'pino';
import { uuidv7 } from '@storefleet/shared';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { TestHub } from '../../../tests/support/test-hub.js';
import { provide } from '../../kernel/ports.js';
import { NOTIFICATIONS_SENDER, NoticeRefusedError, WorkflowRepository, type CustomerNotification } from '../index.js';
import { NotificationOutbox, type CustomerNotifier } from '../notifications.js';
import { until } from './support/flow-hub.js';

const CUSTOMER = '0190f0f0-0000-7000-8000-0000000000c1';
const silent = pino({ level: 'silent' });

/** A sender that takes each notice and never answers, until the hub gives up on it (its signal aborts). */
class HungNotifier implements CustomerNotifier {
  started = 0;
  aborted = 0;
  pending = 0;

  send(_notice: CustomerNotification, signal?: AbortSignal): Promise<void> {
    this.started++;
    this.pending++;
    return new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => {
        this.aborted++;
        this.pending--;
        reject(signal.reason);
      });
    });
  }
}

/**
 * The notifications outbox as a hub runs it: what happens when the hub stops while the sender hangs, when the
 * sender is slow, down or refuses, and what staff then see.
 */
describe.each(dbTargets)('the customer notices outbox, on $name', (target) => {
  let t: TestHub | undefined;
  const clock = { ms: 0 };
  const notice = (db: TestHub, message: string, orderId: string | null = null): Promise<string> =>
    new WorkflowRepository(db.hub.db).enqueue({
      customerId: CUSTOMER,
      orderId,
      kind: 'PICKUP_MOVED',
      message,
      createdAt: clock.ms,
    });
  const row = async (id: string) =>
    (
      await t!.hub.db.query<{
        sent_at: number | null;
        failed_at: number | null;
        last_error: string | null;
        attempts: number;
        claimed_until: number;
      }>('SELECT sent_at, failed_at, last_error, attempts, claimed_until FROM customer_notifications WHERE id = $1', [
        id,
      ])
    ).rows[0]!;

  beforeEach(() => {
    clock.ms = Date.UTC(2026, 4, 1, 9, 0);
  });
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('hub.stop() gives up a send the sender hangs on, and nothing runs after it', async () => {
    const hung = new HungNotifier();
    const lines: { level: number; msg: string; err?: { message?: string } }[] = [];
    t = await TestHub.start(target, {
      logLevel: 'info',
      logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) },
      externals: [provide(NOTIFICATIONS_SENDER, hung)],
    });
    for (let i = 0; i < 3; i++) await notice(t, `notice ${i}`);
    // the hub's scheduled drain takes the first and waits on the sender
    await until(
      async () => hung.started,
      (n) => n > 0,
      'the hub sending a notice',
    );
    const stopping = t;
    t = undefined;
    await stopping.stop();
    const startedAtStop = hung.started;
    expect({ aborted: hung.aborted, pending: hung.pending }).toEqual({ aborted: startedAtStop, pending: 0 });
    // one more turn of the event loop: a drain still running would try the next notice now, or write to the closed db
    await new Promise((r) => setTimeout(r, 100));
    expect(hung.started).toBe(startedAtStop);
    expect(lines.filter((l) => l.level >= 50).map((l) => `${l.msg}: ${l.err?.message ?? ''}`)).toEqual([]);
  });

  it('stop() aborts the drain a commit started, waits for it, and leaves the notice due for the next hub', async () => {
    t = await TestHub.start(target, { mode: 'production' });
    const hung = new HungNotifier();
    const outbox = new NotificationOutbox(t.hub.db, hung, silent, () => clock.ms);
    await t.hub.db.transaction((tx) =>
      outbox.enqueue(tx, { customerId: CUSTOMER, orderId: null, kind: 'PICKUP_MOVED', message: 'after a commit' }),
    );
    await until(
      async () => hung.started,
      (n) => n === 1,
      'the drain after the commit sending',
    );
    await outbox.stop();
    expect({ started: hung.started, aborted: hung.aborted, pending: hung.pending }).toEqual({
      started: 1,
      aborted: 1,
      pending: 0,
    });
    const { rows } = await t.hub.db.query<{ sent_at: number | null; claimed_until: number }>(
      'SELECT sent_at, claimed_until FROM customer_notifications',
    );
    expect(rows).toEqual([{ sent_at: null, claimed_until: 0 }]);
    // a stopped outbox starts no drain
    expect(await outbox.drain()).toBe(0);
    expect(hung.started).toBe(1);
  });

  it('a slow sender gets each notice once, though a drain after a commit runs beside the scheduled one', async () => {
    t = await TestHub.start(target, { mode: 'production' });
    const sends: string[] = [];
    // each send takes 4.9 s of the hub's clock (the http sender gives up at 5 s); the claims last 30 s
    const slow: CustomerNotifier = {
      send: async (n) => {
        sends.push(n.id);
        clock.ms += 4_900;
        if (sends.length === 7) await afterCommit.drain();
      },
    };
    const scheduled = new NotificationOutbox(t.hub.db, slow, silent, () => clock.ms);
    // another hub process, whose commit wrote a notice while the first was sending
    const afterCommit = new NotificationOutbox(t.hub.db, slow, silent, () => clock.ms);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await notice(t, `notice ${i}`));
    await scheduled.drain();
    expect(sends.toSorted()).toEqual(ids.toSorted());
  });

  it('a sender that is down is asked again after 1, 2, 4 … seconds, not every second', async () => {
    t = await TestHub.start(target, { mode: 'production' });
    const tries: number[] = [];
    const start = clock.ms;
    let down = true;
    const flaky: CustomerNotifier = {
      send: async () => {
        tries.push((clock.ms - start) / 1000);
        if (down) throw new Error('connection refused');
      },
    };
    const outbox = new NotificationOutbox(t.hub.db, flaky, silent, () => clock.ms);
    const id = await notice(t, 'Your order waits at Store B.');
    // the hub drains every second for 40 s, then the sender comes back
    for (let s = 0; s <= 40; s++, clock.ms += 1_000) await outbox.drain();
    down = false;
    for (let s = 41; s <= 70; s++, clock.ms += 1_000) await outbox.drain();
    expect(tries).toEqual([0, 1, 3, 7, 15, 31, 63]);
    expect(await row(id)).toMatchObject({ sent_at: start + 63_000, attempts: 7, last_error: null });
  });

  it('a notice the sender refuses for good is an open incident on the Order incidents list', async () => {
    t = await TestHub.start(target, { mode: 'production' });
    const admin = { cookie: await t.login() };
    const orderId = uuidv7();
    const refusing: CustomerNotifier = {
      send: async (n) => {
        if (n.message.startsWith('Sorry'))
          throw new NoticeRefusedError(`refused ${n.id}`, '422 customer has no reachable\u0000 address');
      },
    };
    const outbox = new NotificationOutbox(t.hub.db, refusing, silent, () => clock.ms);
    const refused = await notice(t, 'Sorry: your order was cancelled and refunded.', orderId);
    const fine = await notice(t, 'Your order waits at Store B.');
    expect(await outbox.drain()).toBe(1);
    expect(await row(refused)).toMatchObject({ failed_at: clock.ms, last_error: `refused ${refused}` });
    expect(await row(fine)).toMatchObject({ sent_at: clock.ms });

    const { status, body } = await t.call('GET', '/api/workflows/incidents?state=OPEN', undefined, admin);
    expect(status).toBe(200);
    expect(body.items).toEqual([
      expect.objectContaining({
        kind: 'NOTICE_REFUSED',
        state: 'OPEN',
        storeId: null,
        store: null,
        orderId,
        raisedAt: clock.ms,
        detail: {
          notificationId: refused,
          customerId: CUSTOMER,
          noticeKind: 'PICKUP_MOVED',
          message: 'Sorry: your order was cancelled and refunded.',
          reason: '422 customer has no reachable address',
        },
        sentence:
          `The notice sender refused the PICKUP_MOVED notice to customer ${CUSTOMER} about order ${orderId} for ` +
          'good, so the customer was not told (the sender said: 422 customer has no reachable address). Tell them ' +
          'another way: “Sorry: your order was cancelled and refunded.”',
      }),
    ]);
    // resolved like any other incident
    const resolved = await t.call(
      'POST',
      `/api/workflows/incidents/${body.items[0].id}/resolve`,
      { note: 'Phoned the customer.' },
      admin,
    );
    expect(resolved.status).toBe(200);
  });

  it('a sender error with NUL or control characters is stored clean, and the drain goes on to the next notice', async () => {
    t = await TestHub.start(target, { mode: 'production' });
    const sent: string[] = [];
    const odd: CustomerNotifier = {
      send: async (n) => {
        if (n.message === 'odd') throw new Error('bad\u0000gateway\u001b[31m\r\nsecond line');
        if (n.message === 'refused') throw new NoticeRefusedError(`no\u0000 such ${'x'.repeat(300)}`);
        sent.push(n.id);
      },
    };
    const outbox = new NotificationOutbox(t.hub.db, odd, silent, () => clock.ms);
    const a = await notice(t, 'odd');
    const b = await notice(t, 'refused');
    const c = await notice(t, 'fine');
    expect(await outbox.drain()).toBe(1);
    expect(sent).toEqual([c]);
    expect(await row(a)).toMatchObject({ sent_at: null, failed_at: null, last_error: 'bad gateway [31m second line' });
    expect(await row(b)).toMatchObject({ failed_at: clock.ms, last_error: `no such ${'x'.repeat(191)}…` });
  });
});

describe('one hub process’s notice drains', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start(dbTargets[0]!, { mode: 'production' });
  });
  afterAll(() => t?.stop());

  it('runs one drain at a time in a process: a second waits for the first and sends nothing itself', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sends: string[] = [];
    const gated: CustomerNotifier = {
      send: async (n) => {
        sends.push(n.id);
        await gate;
      },
    };
    const outbox = new NotificationOutbox(t.hub.db, gated, silent, Date.now);
    const repo = new WorkflowRepository(t.hub.db);
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        await repo.enqueue({ customerId: CUSTOMER, orderId: null, kind: 'K', message: `m${i}`, createdAt: Date.now() }),
      );
    const first = outbox.drain();
    await until(
      async () => sends.length,
      (n) => n === 1,
      'the first send',
    );
    const second = outbox.drain();
    release();
    expect(await Promise.all([first, second])).toEqual([3, 0]);
    expect(sends).toEqual(ids);
  });
});
