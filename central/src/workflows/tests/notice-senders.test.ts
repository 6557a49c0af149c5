import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { TestHub } from '../../../tests/support/test-hub.js';
import { HttpCustomerNotifier, WorkflowRepository } from '../index.js';
import { NotificationOutbox } from '../notifications.js';
import { until } from './support/flow-hub.js';

interface Received {
  readonly idempotencyKey: string | undefined;
  readonly contentType: string | undefined;
  readonly body: any;
}

/**
 * A customer notice sender's endpoint on 127.0.0.1: records each POST and answers with the next scripted answer
 * (200 once the script is used up). `hold` answers nothing until the test ends (a sender that hangs).
 */
class SenderEndpoint {
  readonly received: Received[] = [];
  readonly script: ('hold' | { status: number; body?: unknown })[] = [];
  readonly #held: ServerResponse[] = [];
  #server!: Server;
  url!: string;

  async start(): Promise<this> {
    this.#server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        this.received.push({
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          contentType: req.headers['content-type'],
          body: JSON.parse(text),
        });
        const next = this.script.shift() ?? { status: 200, body: { accepted: true } };
        if (next === 'hold') return void this.#held.push(res);
        res.writeHead(next.status, { 'content-type': 'application/json' }).end(JSON.stringify(next.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/notices`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.#held.splice(0)) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * The `NOTIFICATIONS_SENDER=http` sender against a real HTTP endpoint: each notice is POSTed as JSON with its outbox
 * id as Idempotency-Key; a 5xx or a timeout leaves it in the outbox for the next drain (which sends the same key
 * again); a 4xx marks it failed with the sender's reason and it is never sent again.
 */
describe.each(dbTargets)('the http notice sender, on $name', (target) => {
  let t: TestHub;
  let endpoint: SenderEndpoint;
  let outbox: NotificationOutbox;

  const notice = async (message: string): Promise<string> => {
    const repo = new WorkflowRepository(t.hub.db);
    return repo.enqueue({
      customerId: '0190f0f0-0000-7000-8000-0000000000c1',
      orderId: null,
      kind: 'PICKUP_MOVED',
      message,
      createdAt: Date.now(),
    });
  };
  const row = async (id: string) =>
    (
      await t.hub.db.query<{
        sent_at: number | null;
        failed_at: number | null;
        last_error: string | null;
        attempts: number;
      }>('SELECT sent_at, failed_at, last_error, attempts FROM customer_notifications WHERE id = $1', [id])
    ).rows[0]!;

  beforeAll(async () => {
    // production with no sender named: the hub's own drain sends nothing, so this test's outbox is the only sender
    t = await TestHub.start(target, { mode: 'production' });
  });
  afterAll(() => t?.stop());

  beforeEach(async () => {
    endpoint = await new SenderEndpoint().start();
    outbox = new NotificationOutbox(t.hub.db, new HttpCustomerNotifier(endpoint.url, 2_000), t.hub.log, Date.now);
    await t.hub.db.query('DELETE FROM customer_notifications');
  });
  afterEach(() => endpoint?.stop());

  it('POSTs the notice as JSON with its outbox id as Idempotency-Key, and marks it sent', async () => {
    const id = await notice('Your order waits at Store B.');
    expect(await outbox.drain()).toBe(1);
    expect(endpoint.received).toEqual([
      {
        idempotencyKey: id,
        contentType: 'application/json',
        body: {
          id,
          customerId: '0190f0f0-0000-7000-8000-0000000000c1',
          orderId: null,
          kind: 'PICKUP_MOVED',
          message: 'Your order waits at Store B.',
          createdAt: expect.any(Number),
        },
      },
    ]);
    expect(await row(id)).toMatchObject({ sent_at: expect.any(Number), failed_at: null, last_error: null });
  });

  it('a 5xx or a timeout leaves the notice for the next drain, which sends it again under the same key', async () => {
    const down = await notice('down');
    const slow = await notice('slow');
    endpoint.script.push({ status: 503, body: { detail: 'maintenance' } }, 'hold');
    expect(await outbox.drain()).toBe(0);
    expect(await row(down)).toMatchObject({ sent_at: null, failed_at: null, attempts: 1 });
    expect((await row(down)).last_error).toBe(`the notice sender failed on notice ${down}: 503 maintenance`);
    expect(await row(slow)).toMatchObject({ sent_at: null, failed_at: null, attempts: 1 });
    expect((await row(slow)).last_error).toMatch(/^the notice sender did not answer: /);

    expect(await outbox.drain()).toBe(2);
    expect(endpoint.received.map((r) => r.idempotencyKey)).toEqual([down, slow, down, slow]);
    expect(await row(down)).toMatchObject({ sent_at: expect.any(Number), attempts: 2 });
    expect(await row(slow)).toMatchObject({ sent_at: expect.any(Number), attempts: 2 });
  });

  it('a 4xx marks the notice failed with the sender’s reason, and no later drain sends it', async () => {
    const refused = await notice('to an address that does not exist');
    endpoint.script.push({ status: 422, body: { detail: 'customer has no reachable address' } });
    expect(await outbox.drain()).toBe(0);
    expect(await row(refused)).toMatchObject({
      sent_at: null,
      failed_at: expect.any(Number),
      last_error: `the notice sender refused notice ${refused}: 422 customer has no reachable address`,
    });
    expect(await outbox.drain()).toBe(0);
    expect(endpoint.received).toHaveLength(1);
  });

  it('a sender that cannot be reached leaves the notice unsent', async () => {
    const id = await notice('nobody listening');
    await endpoint.stop();
    expect(await outbox.drain()).toBe(0);
    expect(await row(id)).toMatchObject({ sent_at: null, failed_at: null, attempts: 1 });
    endpoint = await new SenderEndpoint().start(); // afterEach stops this one
  });
});

describe.each(dbTargets)('a hub told NOTIFICATIONS_SENDER=http, on $name', (target) => {
  let t: TestHub | undefined;
  let endpoint: SenderEndpoint | undefined;
  afterAll(async () => {
    await t?.stop();
    await endpoint?.stop();
  });

  it('sends its customer notices to that endpoint, and /healthz names the sender', async () => {
    endpoint = await new SenderEndpoint().start();
    t = await TestHub.start(target, { notificationsSender: { adapter: 'http', url: endpoint.url } });
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
    expect(got.map((r) => [r.idempotencyKey, r.body.message])).toEqual([[id, 'Sorry: your order was cancelled.']]);
  });
});
