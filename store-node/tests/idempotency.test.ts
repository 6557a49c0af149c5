import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { pino } from 'pino';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { idempotency, SqliteIdempotencyKeys } from '../src/idempotency/idempotency.js';
import type { Authorisation, PaymentTerminal, RefundOutcome, VoidOutcome } from '../src/pos/payment-terminal.js';

/**
 * A card terminal (an external party) that holds each authorisation until the test lets it answer, and counts how
 * many times a card was asked: a payment taken twice would show here.
 */
class HeldTerminal implements PaymentTerminal {
  asked = 0;
  #release: (() => void) | undefined;
  #hold = false;
  #fail = false;
  /** The next authorisation fails as a broken serial line would (the node answers 500). */
  failNext(): void {
    this.#fail = true;
  }
  holdNext(): void {
    this.#hold = true;
  }
  release(): void {
    this.#release?.();
  }
  async authorise(_amountMinor: number, _currency: string, saleId: string): Promise<Authorisation> {
    this.asked++;
    if (this.#fail) {
      this.#fail = false;
      throw new Error('the terminal’s serial line dropped');
    }
    if (this.#hold) {
      this.#hold = false;
      await new Promise<void>((resolve) => (this.#release = resolve));
    }
    return { approved: true, reference: `CARD-${saleId.slice(-6)}-${this.asked}` };
  }
  async void(): Promise<VoidOutcome> {
    return { voided: true };
  }
  async refund(): Promise<RefundOutcome> {
    return { refunded: false, reason: 'this terminal takes no refunds in these tests' };
  }
}

interface Answer {
  status: number;
  type: string;
  replayed: string | null;
  text: string;
  body: any;
}

describe('Idempotency-Key on the store node’s writes', () => {
  let node: StoreNode;
  let clock = Date.parse('2026-03-02T10:00:00Z');
  const terminal = new HeldTerminal();
  const call = async (method: string, path: string, body?: unknown, key?: string, token?: string): Promise<Answer> => {
    const res = await fetch(node.url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(key ? { 'idempotency-key': key } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      replayed: res.headers.get('idempotent-replayed'),
      text,
      body: parsed,
    };
  };
  const count = (sql: string, ...args: unknown[]) => (node.db.prepare(sql).get(...args) as { n: number }).n;
  const openSaleWith = async (sku: string, qty = 1) => {
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: sku, qty });
    return sale.id as string;
  };

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-idem-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      paymentTerminal: terminal,
      now: () => clock,
    });
    node.db
      .prepare(
        `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
         VALUES ('MUG', NULL, 'Mug', NULL, NULL, 'Home', 1000, 'USD', 'ZERO', 1)`,
      )
      .run();
    await node.start();
    await call('POST', '/api/stock/movements', { sku: 'MUG', delta: 50, kind: 'RECEIVE' });
  });
  afterAll(() => node?.stop());

  it('a tender retried with the same key gets the first answer: one sale, one payment, one outbox event', async () => {
    const saleId = await openSaleWith('MUG');
    const first = await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' }, 'lane-1-tender-0001');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      id: saleId,
      status: 'COMPLETED',
      tender: { kind: 'CARD', reference: expect.stringMatching(/^CARD-/) },
    });
    expect(first.replayed).toBeNull();

    const retry = await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' }, 'lane-1-tender-0001');
    expect(retry.status).toBe(200);
    expect(retry.replayed).toBe('true');
    expect(retry.text).toBe(first.text); // byte for byte: the same receipt, the same card reference
    expect(retry.type).toBe(first.type);

    expect(count("SELECT count(*) AS n FROM sales WHERE id = ? AND status = 'COMPLETED'", saleId)).toBe(1);
    expect(terminal.asked).toBe(1);
    expect(
      count("SELECT count(*) AS n FROM sync_outbox WHERE type = 'stock.moved' AND payload LIKE ?", `%${saleId}%`),
    ).toBe(1);
    expect((await call('GET', '/api/stock/MUG')).body.onHand).toBe(49);
  });

  it('a retry while the card is still being authorised gets 409 with Retry-After, then the first answer', async () => {
    const saleId = await openSaleWith('MUG');
    terminal.holdNext();
    const asked = terminal.asked;
    const first = call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' }, 'lane-1-tender-0002');
    await expect.poll(() => terminal.asked).toBe(asked + 1); // the card is at the terminal
    const meanwhile = await fetch(`${node.url}/api/pos/sales/${saleId}/tender`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'lane-1-tender-0002' },
      body: JSON.stringify({ kind: 'CARD' }),
    });
    expect(meanwhile.status).toBe(409);
    expect(meanwhile.headers.get('retry-after')).toBe('1');
    expect(((await meanwhile.json()) as { detail: string }).detail).toBe(
      'request with Idempotency-Key lane-1-tender-0002 is still being processed',
    );
    terminal.release();
    const answered = await first;
    expect(answered.body.status).toBe('COMPLETED');
    const later = await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' }, 'lane-1-tender-0002');
    expect(later.replayed).toBe('true');
    expect(later.text).toBe(answered.text);
    expect(terminal.asked).toBe(asked + 1);
  });

  it('never lets a retry take over a card payment that is still authorising, however long it takes', async () => {
    const saleId = await openSaleWith('MUG');
    terminal.holdNext();
    const asked = terminal.asked;
    const first = call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' }, 'lane-1-tender-0007');
    await expect.poll(() => terminal.asked).toBe(asked + 1);
    clock += 10 * 60_000; // the terminal has waited ten minutes for the card
    const meanwhile = await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' }, 'lane-1-tender-0007');
    expect(meanwhile.status).toBe(409);
    expect(meanwhile.body.detail).toBe('request with Idempotency-Key lane-1-tender-0007 is still being processed');
    terminal.release();
    expect((await first).body.status).toBe('COMPLETED');
    expect(terminal.asked).toBe(asked + 1); // the card was asked once
  });

  it('keeps no plain hash of a request: fingerprints are keyed by the node’s own secret', async () => {
    const saleId = await openSaleWith('MUG');
    const body = { kind: 'CASH', givenMinor: 1000 };
    expect((await call('POST', `/api/pos/sales/${saleId}/tender`, body, 'lane-1-tender-0008')).status).toBe(200);
    const plain = createHash('sha256')
      .update(`POST /api/pos/sales/${saleId}/tender\n${JSON.stringify(body)}`)
      .digest('hex');
    const row = node.db.prepare("SELECT request_hash FROM idempotency_keys WHERE key = 'lane-1-tender-0008'").get() as {
      request_hash: string;
    };
    expect(row.request_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.request_hash).not.toBe(plain);
  });

  it('refuses the same key for another request (422) and a malformed key (400)', async () => {
    const saleId = await openSaleWith('MUG');
    await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CASH', givenMinor: 2000 }, 'lane-1-tender-0003');
    const other = await call(
      'POST',
      `/api/pos/sales/${saleId}/tender`,
      { kind: 'CASH', givenMinor: 5000 },
      'lane-1-tender-0003',
    );
    expect(other.status).toBe(422);
    expect(other.type).toContain('application/problem+json');
    expect(other.body.detail).toBe('Idempotency-Key lane-1-tender-0003 was already used for a different request');
    const bad = await call('POST', '/api/pos/sales', undefined, 'has spaces in it');
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe('Idempotency-Key must be 1–255 printable ASCII characters');
  });

  it('keeps a 4xx answer too (a declined card is not charged again by the retry); a new key tries again', async () => {
    const saleId = await openSaleWith('MUG');
    const short = await call(
      'POST',
      `/api/pos/sales/${saleId}/tender`,
      { kind: 'CASH', givenMinor: 1 },
      'lane-1-tender-0004',
    );
    expect(short.status).toBe(400);
    const again = await call(
      'POST',
      `/api/pos/sales/${saleId}/tender`,
      { kind: 'CASH', givenMinor: 1 },
      'lane-1-tender-0004',
    );
    expect(again).toMatchObject({ status: 400, replayed: 'true', text: short.text });
    expect(
      (await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CASH', givenMinor: 1000 }, 'lane-1-tender-0005'))
        .body.status,
    ).toBe('COMPLETED');
  });

  it('opens one sale and refunds once however often the lane retries', async () => {
    const a = await call('POST', '/api/pos/sales', undefined, 'lane-1-open-0001');
    const b = await call('POST', '/api/pos/sales', undefined, 'lane-1-open-0001');
    expect(a.status).toBe(201);
    expect(b).toMatchObject({ status: 201, replayed: 'true' });
    expect(b.body.id).toBe(a.body.id);

    const saleId = await openSaleWith('MUG', 3);
    await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CASH', givenMinor: 3000 });
    const refund = await call(
      'POST',
      `/api/pos/sales/${saleId}/returns`,
      { items: [{ sku: 'MUG', qty: 1 }] },
      'lane-1-return-0001',
    );
    const retried = await call(
      'POST',
      `/api/pos/sales/${saleId}/returns`,
      { items: [{ sku: 'MUG', qty: 1 }] },
      'lane-1-return-0001',
    );
    expect(refund.status).toBe(201);
    expect(retried).toMatchObject({ status: 201, replayed: 'true', text: refund.text });
    expect(count('SELECT count(*) AS n FROM sale_returns WHERE sale_id = ?', saleId)).toBe(1);
  });

  it('scopes keys by caller: a paired device’s key does not meet the lane’s', async () => {
    // Calls from 127.0.0.1 are the lane here; a second node that trusts no address sees the same socket as a LAN device.
    const lan = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-idem-lan-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      trustedAddresses: [],
    });
    await lan.start();
    try {
      const pairCall = async (key: string, body: unknown, token?: string) => {
        const res = await fetch(`${lan.url}/api/pairing/pair`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': key,
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify(body),
        });
        return { status: res.status, cache: res.headers.get('cache-control'), body: (await res.json()) as any };
      };
      const mint = (role: 'handheld' | 'kiosk' = 'handheld') => lan.pairing.startPairing(role).code;
      const codeA = mint();
      const a = await pairCall('pair-0001', { code: codeA, name: 'Handheld A' });
      expect(a.status).toBe(201);
      expect(a.cache).toBe('no-store');
      // The pairing answer carries the device token: a retry never sees it again, and pairs nothing more.
      const again = await pairCall('pair-0001', { code: codeA, name: 'Handheld A' });
      expect(again.status).toBe(409);
      expect(again.body.detail).toMatch(
        /^the request with Idempotency-Key pair-0001 succeeded \(201\); its answer held a one-time secret/,
      );
      expect(JSON.stringify(again.body)).not.toContain(a.body.token);
      expect(lan.pairing.list().map((d) => d.name)).toEqual(['Handheld A']);
      const stored = lan.db.prepare('SELECT body FROM idempotency_keys').all() as { body: string }[];
      expect(stored.some((r) => r.body.includes(a.body.token))).toBe(false);

      const b = await pairCall('pair-0002', { code: mint(), name: 'Handheld B' });
      // The lane's pairing code is a one-time secret too: kept only as its hash, never as an answer to replay.
      const codes = (key: string) =>
        fetch(`${node.url}/api/pairing/codes`, { method: 'POST', headers: { 'idempotency-key': key } });
      const minted = (await (await codes('codes-0001')).json()) as { code: string };
      const mintedAgain = await codes('codes-0001');
      expect(mintedAgain.status).toBe(409);
      expect(JSON.stringify(node.db.prepare('SELECT body FROM idempotency_keys').all())).not.toContain(
        `"${minted.code}"`,
      );
      const tokenA = a.body.token as string;
      const tokenB = b.body.token as string;
      const open = (token: string) =>
        fetch(`${lan.url}/api/pos/sales`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'same-key' },
        }).then(async (r) => ({
          replayed: r.headers.get('idempotent-replayed'),
          id: ((await r.json()) as { id: string }).id,
        }));
      const fromA = await open(tokenA);
      const fromB = await open(tokenB);
      expect(fromB.replayed).toBeNull(); // device B's key is its own
      expect(fromB.id).not.toBe(fromA.id);
      expect((await open(tokenA)).id).toBe(fromA.id);
    } finally {
      await lan.stop();
    }
  });

  it('does not keep a 5xx answer: the retry runs', async () => {
    const saleId = await openSaleWith('MUG');
    terminal.failNext();
    const broken = await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' }, 'lane-1-tender-0006');
    expect(broken.status).toBe(500);
    const retry = await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CARD' }, 'lane-1-tender-0006');
    expect(retry).toMatchObject({ status: 200, replayed: null, body: { status: 'COMPLETED' } });
  });

  it('clears a claim left pending by a run that crashed, at start-up, so the retry runs', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'sf-idem-crash-')), 'store.sqlite');
    const open = (on: StoreNode, key: string) =>
      fetch(`${on.url}/api/pos/sales`, { method: 'POST', headers: { 'idempotency-key': key } }).then(async (r) => ({
        status: r.status,
        replayed: r.headers.get('idempotent-replayed'),
        body: (await r.json()) as any,
      }));
    const crashed = createStoreNode({ dbPath, port: 0, logLevel: 'silent', now: () => clock });
    await crashed.start();
    expect((await open(crashed, 'probe-0001')).status).toBe(201);
    const { scope } = crashed.db.prepare("SELECT scope FROM idempotency_keys WHERE key = 'probe-0001'").get() as {
      scope: string;
    };
    // The lane's sale was being opened when the process died: its claim is left pending in the file.
    crashed.db
      .prepare(
        "INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at) VALUES (?, 'lane-1-open-0009', 'in flight when it died', 'pending', ?)",
      )
      .run(scope, clock);
    await crashed.stop();

    const restarted = createStoreNode({ dbPath, port: 0, logLevel: 'silent', now: () => clock });
    await restarted.start();
    try {
      expect(
        (
          restarted.db.prepare("SELECT count(*) AS n FROM idempotency_keys WHERE state = 'pending'").get() as {
            n: number;
          }
        ).n,
      ).toBe(0);
      const retry = await open(restarted, 'lane-1-open-0009');
      expect(retry).toMatchObject({ status: 201, replayed: null, body: { status: 'OPEN' } });
      const again = await open(restarted, 'lane-1-open-0009');
      expect(again).toMatchObject({ status: 201, replayed: 'true', body: { id: retry.body.id } });
      // What was answered before the crash is still answered.
      expect((await open(restarted, 'probe-0001')).replayed).toBe('true');
    } finally {
      await restarted.stop();
    }
  });

  it('replays an answer sent with a bare end() (a 204), instead of leaving its claim pending (409 until a restart)', async () => {
    // No route of the node answers with end() today; a route that does is served here through the node's own
    // Idempotency-Key layer over the node's own file.
    const app = express();
    let removed = 0;
    app.use(
      idempotency(
        new SqliteIdempotencyKeys(node.db),
        () => 'lane',
        pino({ level: 'silent' }),
        () => clock,
      ),
    );
    app.delete('/things/:id', (_req, res) => {
      removed++;
      res.status(204).end();
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const del = () =>
        fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/things/7`, {
          method: 'DELETE',
          headers: { 'idempotency-key': 'del-0001' },
        });
      const first = await del();
      const retry = await del();
      expect(first.status).toBe(204);
      expect(retry.status).toBe(204);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(removed).toBe(1);
      expect(node.db.prepare("SELECT state, status FROM idempotency_keys WHERE key = 'del-0001'").all()).toEqual([
        { state: 'done', status: 204 },
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('releases the claim when the answer cannot be recorded, so the retry runs instead of 409 until a restart', async () => {
    // The file refuses to record this key's answer (as a full disk would); nothing else about the request changes.
    node.db.exec(
      `CREATE TRIGGER refuse_answer BEFORE UPDATE ON idempotency_keys WHEN NEW.key = 'lane-1-open-0031' AND NEW.state = 'done'
       BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
    );
    try {
      const first = await call('POST', '/api/pos/sales', undefined, 'lane-1-open-0031');
      expect(first.status).toBe(201);
      const retry = await call('POST', '/api/pos/sales', undefined, 'lane-1-open-0031');
      expect(retry).toMatchObject({ status: 201, replayed: null, body: { status: 'OPEN' } });
      expect(count("SELECT count(*) AS n FROM idempotency_keys WHERE key = 'lane-1-open-0031'")).toBe(0);
    } finally {
      node.db.exec('DROP TRIGGER refuse_answer');
    }
  });

  it('forgets keys after a day', async () => {
    const first = await call('POST', '/api/pos/sales', undefined, 'lane-1-open-0002');
    clock += 86_400_000 + 1;
    await node.housekeeping();
    const later = await call('POST', '/api/pos/sales', undefined, 'lane-1-open-0002');
    expect(later.replayed).toBeNull();
    expect(later.body.id).not.toBe(first.body.id);
  });
});
