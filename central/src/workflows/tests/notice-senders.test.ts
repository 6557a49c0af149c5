import { uuidv7 } from '@storefleet/shared';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { TestHub } from '../../../tests/support/test-hub.js';
import { hubConfigFromEnv } from '../../config.js';
import { HttpCustomerNotifier, WorkflowRepository } from '../index.js';
import { NotificationOutbox } from '../notifications.js';
import { until } from './support/flow-hub.js';
import { SenderEndpoint } from './support/sender-endpoint.js';

const CUSTOMER = '0190f0f0-0000-7000-8000-0000000000c1';

/**
 * The `NOTIFICATIONS_SENDER=http` sender against a real HTTP endpoint: each notice is POSTed as JSON with its outbox
 * id as Idempotency-Key. What each answer does to the notice: a 2xx sends it; 400/410/422 refuse it for good; a 5xx,
 * a timeout, 408/425/429 (after Retry-After) keep it for later; a redirect (never followed), 401/403/404/405 keep it
 * and log an error naming the setting to check.
 */
describe.each(dbTargets)('the http notice sender, on $name', (target) => {
  let t: TestHub;
  let endpoint: SenderEndpoint;
  let outbox: NotificationOutbox;
  let logs: { level: number; msg: string; reason?: string }[];
  const clock = { ms: 0 };

  const notice = async (message: string): Promise<string> =>
    new WorkflowRepository(t.hub.db).enqueue({
      customerId: CUSTOMER,
      orderId: null,
      kind: 'PICKUP_MOVED',
      message,
      createdAt: clock.ms,
    });
  const row = async (id: string) =>
    (
      await t.hub.db.query<{
        sent_at: number | null;
        failed_at: number | null;
        last_error: string | null;
        attempts: number;
      }>('SELECT sent_at, failed_at, last_error, attempts FROM customer_notifications WHERE id = $1', [id])
    ).rows[0]!;
  const sender = (options: { token?: string } = {}) => {
    const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    return new NotificationOutbox(
      t.hub.db,
      new HttpCustomerNotifier(endpoint.url, { timeoutMs: 2_000, ...options }),
      log,
      () => clock.ms,
    );
  };

  beforeAll(async () => {
    // production with no sender named: the hub's own drain sends nothing, so this test's outbox is the only sender
    t = await TestHub.start(target, { mode: 'production' });
  });
  afterAll(() => t?.stop());

  beforeEach(async () => {
    clock.ms = Date.UTC(2026, 4, 1, 9, 0);
    logs = [];
    endpoint = await new SenderEndpoint().start();
    outbox = sender();
    await t.hub.db.query('DELETE FROM customer_notifications');
  });
  afterEach(() => endpoint?.stop());

  it('POSTs the notice as JSON with its outbox id as Idempotency-Key, and marks it sent', async () => {
    const id = await notice('Your order waits at Store B.');
    expect(await outbox.drain()).toBe(1);
    expect(endpoint.received).toEqual([
      {
        method: 'POST',
        path: '/notices',
        idempotencyKey: id,
        authorization: undefined,
        contentType: 'application/json',
        body: {
          id,
          customerId: CUSTOMER,
          orderId: null,
          orderNumber: null,
          kind: 'PICKUP_MOVED',
          message: 'Your order waits at Store B.',
          createdAt: clock.ms,
        },
      },
    ]);
    expect(await row(id)).toMatchObject({ sent_at: expect.any(Number), failed_at: null, last_error: null });
  });

  it('names the order by the number the customer knows (SF-…), in the message and as orderNumber', async () => {
    const orderId = uuidv7(clock.ms);
    await t.hub.db.query(
      `INSERT INTO orders (id, customer_id, place_key, status, step, fulfilment, lines, from_cart, subtotal_minor,
         tax_minor, total_minor, currency, created_at, updated_at, order_number)
       VALUES ($1, $2, $3, 'CONFIRMED', 'DONE', '{"type":"PICKUP"}', '[]', false, 0, 0, 0, 'USD', $4, $4, 'SF-10482')`,
      [orderId, CUSTOMER, `notice-number-${orderId}`, clock.ms],
    );
    await t.hub.db.transaction((tx) =>
      outbox.enqueue(tx, {
        customerId: CUSTOMER,
        orderId,
        kind: 'PICKUP_MOVED',
        message: 'Store A sold out of an item of your order, so it is now waiting for you at Store B.',
      }),
    );
    await outbox.drain(); // the drain after the commit, or this one: either has sent it when this returns
    expect(endpoint.received).toHaveLength(1);
    expect(endpoint.received[0]!.body).toMatchObject({
      orderId,
      orderNumber: 'SF-10482',
      message: 'Order SF-10482: Store A sold out of an item of your order, so it is now waiting for you at Store B.',
    });
    expect(endpoint.received[0]!.body.message).not.toContain(orderId);
    await t.hub.db.query('DELETE FROM orders WHERE id = $1', [orderId]);
  });

  it('a 5xx keeps the notice and goes on; a timeout keeps it and ends the drain; both are sent after a back-off', async () => {
    const down = await notice('down');
    const slow = await notice('slow');
    const later = await notice('later');
    endpoint.script.push({ status: 503, body: { detail: 'maintenance' } }, 'hold');
    expect(await outbox.drain()).toBe(0);
    expect(await row(down)).toMatchObject({ sent_at: null, failed_at: null, attempts: 1 });
    expect((await row(down)).last_error).toBe(`the notice sender failed on notice ${down}: 503 maintenance`);
    expect(await row(slow)).toMatchObject({ sent_at: null, failed_at: null, attempts: 1 });
    expect((await row(slow)).last_error).toBe('the notice sender did not answer: no answer in time');
    // a sender that does not answer is down for every notice: the third was not tried
    expect(await row(later)).toMatchObject({ sent_at: null, attempts: 0 });

    // the two that failed wait a second; the third does not
    expect(await outbox.drain()).toBe(1);
    clock.ms += 1_000;
    expect(await outbox.drain()).toBe(2);
    expect(endpoint.received.map((r) => r.idempotencyKey)).toEqual([down, slow, later, down, slow]);
    expect(await row(down)).toMatchObject({ sent_at: expect.any(Number), attempts: 2 });
    expect(await row(slow)).toMatchObject({ sent_at: expect.any(Number), attempts: 2 });
  });

  it.each([400, 410, 422])(
    'a %i refuses the notice for good: marked failed with the reason, never sent again',
    async (status) => {
      const refused = await notice('to an address that does not exist');
      endpoint.script.push({ status, body: { detail: 'customer has no reachable address' } });
      expect(await outbox.drain()).toBe(0);
      expect(await row(refused)).toMatchObject({
        sent_at: null,
        failed_at: clock.ms,
        last_error: `the notice sender refused notice ${refused}: ${status} customer has no reachable address`,
      });
      clock.ms += 3_600_000;
      expect(await outbox.drain()).toBe(0);
      expect(endpoint.received).toHaveLength(1);
    },
  );

  it.each([302, 307])('a %i is not followed: the notice stays unsent and the hub logs an error', async (status) => {
    const id = await notice('Your order waits at Store B.');
    endpoint.script.push({ status, text: '', headers: { location: '/elsewhere' } });
    expect(await outbox.drain()).toBe(0);
    expect(endpoint.received.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /notices']);
    expect(await row(id)).toMatchObject({ sent_at: null, failed_at: null, attempts: 1 });
    expect((await row(id)).last_error).toBe(
      `the notice sender answered ${status} to notice ${id}; redirects are not followed: set NOTIFICATIONS_SENDER_URL to the endpoint itself`,
    );
    expect(logs.filter((l) => l.level === 50).map((l) => l.reason)).toEqual([(await row(id)).last_error]);
  });

  it.each([
    [401, 'NOTIFICATIONS_SENDER_TOKEN'],
    [403, 'NOTIFICATIONS_SENDER_TOKEN'],
    [404, 'NOTIFICATIONS_SENDER_URL'],
    [405, 'NOTIFICATIONS_SENDER_URL'],
  ])('a %i keeps the notice (the hub is misconfigured) and logs an error naming %s', async (status, setting) => {
    const id = await notice('Your order was cancelled.');
    const other = await notice('Your order waits at Store B.');
    endpoint.script.push({ status, body: { detail: 'no' } });
    expect(await outbox.drain()).toBe(0);
    expect(await row(id)).toMatchObject({ sent_at: null, failed_at: null, attempts: 1 });
    expect((await row(id)).last_error).toBe(
      `the notice sender answered ${status} no to notice ${id}; check ${setting}`,
    );
    // every notice would get the same answer: the drain stopped at the first
    expect(await row(other)).toMatchObject({ sent_at: null, failed_at: null, attempts: 0 });
    expect(logs.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([
      expect.stringContaining('the notice sender is misconfigured'),
    ]);
  });

  it('a 429 keeps the notice until its Retry-After; a 408 or 425 keeps it for the back-off', async () => {
    const busy = await notice('busy');
    endpoint.script.push({ status: 429, body: { detail: 'slow down' }, headers: { 'retry-after': '120' } });
    expect(await outbox.drain()).toBe(0);
    expect(await row(busy)).toMatchObject({ sent_at: null, failed_at: null, attempts: 1 });
    expect((await row(busy)).last_error).toBe(`the notice sender asked to wait (notice ${busy}): 429 slow down`);
    clock.ms += 60_000;
    expect(await outbox.drain()).toBe(0);
    expect(endpoint.received).toHaveLength(1);
    clock.ms += 61_000;
    expect(await outbox.drain()).toBe(1);

    for (const status of [408, 425]) {
      const id = await notice(`answered ${status}`);
      endpoint.script.push({ status, text: 'try again' });
      expect(await outbox.drain()).toBe(0);
      expect(await row(id)).toMatchObject({ sent_at: null, failed_at: null, attempts: 1 });
      clock.ms += 1_000;
      expect(await outbox.drain()).toBe(1);
    }
  });

  it('a reason with NUL and control characters is stored clean, and each refused notice is marked', async () => {
    const first = await notice('a');
    const second = await notice('b');
    endpoint.script.push(
      { status: 400, text: 'bad\u0000address\u0007\r\nhere' },
      { status: 400, text: 'bad\u0000address\u0007\r\nhere' },
    );
    expect(await outbox.drain()).toBe(0);
    for (const id of [first, second])
      expect(await row(id)).toMatchObject({
        sent_at: null,
        failed_at: clock.ms,
        last_error: `the notice sender refused notice ${id}: 400 bad address here`,
      });
    clock.ms += 3_600_000;
    expect(await outbox.drain()).toBe(0);
    expect(endpoint.received).toHaveLength(2);
  });

  it('does not download a 2xx answer’s body, and reads only the start of an error’s', async () => {
    // the endpoint writes as fast as the hub takes it and stops when the hub hangs up: long before the end
    const written = async (n: number) =>
      (
        await until(
          async () => endpoint.fillerWritten,
          (w) => w.length === n,
          `answer ${n}`,
        )
      )[n - 1]!;
    const ok = await notice('ok');
    endpoint.script.push({ status: 200, bodyMB: 256 });
    expect(await outbox.drain()).toBe(1);
    expect(await row(ok)).toMatchObject({ sent_at: expect.any(Number) });
    expect(await written(1)).toBeLessThan(64 << 20);

    const failed = await notice('failed');
    endpoint.script.push({ status: 500, bodyMB: 256 });
    expect(await outbox.drain()).toBe(0);
    expect(await written(2)).toBeLessThan(64 << 20);
    // what is kept of a reason: its first 200 characters
    const said = `the notice sender failed on notice ${failed}: 500 ${'a'.repeat(300)}`;
    expect((await row(failed)).last_error).toBe(`${said.slice(0, 199)}…`);
  });

  it('sends NOTIFICATIONS_SENDER_TOKEN as a bearer token and never shows it in errors', async () => {
    const token = 'tok-S3cret.value~1';
    outbox = sender({ token });
    const id = await notice('hello');
    endpoint.script.push({ status: 401, text: `token ${token} is not known` });
    expect(await outbox.drain()).toBe(0);
    expect(endpoint.received.map((r) => r.authorization)).toEqual([`Bearer ${token}`]);
    expect((await row(id)).last_error).toBe(
      `the notice sender answered 401 token *** is not known to notice ${id}; check NOTIFICATIONS_SENDER_TOKEN`,
    );
    expect(JSON.stringify(logs)).not.toContain('S3cret');
  });
});

describe('the notice sender’s settings', () => {
  it('refuses a NOTIFICATIONS_SENDER_URL with a user or password, naming the variable and not the secret', () => {
    const env = {
      NOTIFICATIONS_SENDER: 'http',
      NOTIFICATIONS_SENDER_URL: 'https://notify:S3cretT0ken@sender.example/n',
    };
    expect(() => hubConfigFromEnv(env)).toThrow(
      'NOTIFICATIONS_SENDER_URL may not carry a user or password (they would show in errors and logs): put the ' +
        'secret in NOTIFICATIONS_SENDER_TOKEN and the URL without it',
    );
    expect(() => hubConfigFromEnv(env)).not.toThrow(/S3cret/);
    expect(() => new HttpCustomerNotifier(env.NOTIFICATIONS_SENDER_URL)).toThrow(
      "the notice sender's URL https://***@sender.example/n carries a user or password",
    );
  });

  it('takes NOTIFICATIONS_SENDER_TOKEN for the http sender, and never echoes a bad one', () => {
    const base = { NOTIFICATIONS_SENDER: 'http', NOTIFICATIONS_SENDER_URL: 'https://sender.example/n' };
    expect(hubConfigFromEnv({ ...base, NOTIFICATIONS_SENDER_TOKEN: 'abc.DEF-123_~+/=' }).notificationsSender).toEqual({
      adapter: 'http',
      url: 'https://sender.example/n',
      token: 'abc.DEF-123_~+/=',
    });
    for (const bad of ['S3cret with spaces', 'S3cr"et\u0000xxxx', 'S3c'])
      expect(() => hubConfigFromEnv({ ...base, NOTIFICATIONS_SENDER_TOKEN: bad })).toThrow(
        `NOTIFICATIONS_SENDER_TOKEN must be 8 to 4096 characters of letters, digits and -._~+/ (with = at the end only); it has ${bad.length} characters (not shown: it is a secret)`,
      );
    expect(() => hubConfigFromEnv({ ...base, NOTIFICATIONS_SENDER_TOKEN: 'S3cret with spaces' })).not.toThrow(/S3cret/);
    expect(() =>
      hubConfigFromEnv({ NOTIFICATIONS_SENDER: 'simulator', NOTIFICATIONS_SENDER_TOKEN: 'S3cretS3cret' }),
    ).toThrow('NOTIFICATIONS_SENDER_TOKEN is set but NOTIFICATIONS_SENDER is not http (it would not be used)');
  });

  it('shows a bad PAYMENT_PROVIDER_URL or NOTIFICATIONS_SENDER_URL without its user and password', () => {
    expect(() =>
      hubConfigFromEnv({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: 'ftp://pay:S3cret@pay.example/' }),
    ).toThrow('PAYMENT_PROVIDER_URL must be an http(s) URL; got "ftp://***@pay.example/"');
    expect(() =>
      hubConfigFromEnv({
        NOTIFICATIONS_SENDER: 'http',
        NOTIFICATIONS_SENDER_URL: 'smtp://u:S3cret@mail.example?k=S3cret',
      }),
    ).toThrow('NOTIFICATIONS_SENDER_URL must be an http(s) URL; got "smtp://***@mail.example?***"');
  });
});

describe.each(dbTargets)('a hub told NOTIFICATIONS_SENDER=http, on $name', (target) => {
  let t: TestHub | undefined;
  let endpoint: SenderEndpoint | undefined;
  afterAll(async () => {
    await t?.stop();
    await endpoint?.stop();
  });

  it('sends its customer notices to that endpoint with its token, and /healthz names the sender', async () => {
    endpoint = await new SenderEndpoint().start();
    t = await TestHub.start(target, {
      notificationsSender: { adapter: 'http', url: endpoint.url, token: 'hub-token-123' },
    });
    expect((await t.call('GET', '/healthz')).body.externalParties).toMatchObject({ notifications: 'http' });
    const id = await new WorkflowRepository(t.hub.db).enqueue({
      customerId: '0190f0f0-0000-7000-8000-0000000000c2',
      orderId: null,
      kind: 'ORDER_CANCELLED',
      message: 'Sorry: your order was cancelled.',
      createdAt: Date.now(),
    });
    // the hub's own drain picks it up (the test-mode simulator would have taken it before)
    const got = await until(
      async () => endpoint!.received,
      (r) => r.length > 0,
      'the notice at the endpoint',
    );
    expect(got.map((r) => [r.idempotencyKey, r.authorization, r.body.message])).toEqual([
      [id, 'Bearer hub-token-123', 'Sorry: your order was cancelled.'],
    ]);
  });
});
