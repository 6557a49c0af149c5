import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler, type CartView } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { idempotency } from '../src/idempotency/idempotency.js';
import { kioskCartSessionRoutes } from '../src/carts/kiosk-cart-routes.js';
import { KioskCartSessions } from '../src/carts/kiosk-sessions.js';
import type { HubCall } from '../src/carts/hub-call.js';

const STORE = '0190a4b2-0000-7000-8000-000000000001';
const ANA = '0190a4b2-0000-7000-8000-0000000000aa';
/** The hub's cart as it answers it: with the customer's id. */
const hubCart = {
  customerId: ANA,
  lines: [],
  itemCount: 0,
  subtotalMinor: 0,
  fulfilment: { type: 'SHIP', storeId: null },
};

/** The lines the hub was asked to add (a retried add must not reach it twice). */
const added: unknown[] = [];
/** A hub that knows Ana by e-mail and answers her cart with her id in it. */
const hub: HubCall = async (method, path, body) => {
  if (method === 'POST' && path === `/api/carts/${ANA}/lines`) added.push(body);
  if (path === '/api/customers/lookup')
    return (body as { email?: string }).email === 'ana@example.test'
      ? { status: 200, body: { customerId: ANA, firstName: 'Ana' } }
      : { status: 404, body: { detail: 'no customer account matches that card, phone number or email' } };
  return { status: 200, body: hubCart as never };
};

describe('what the kiosk page gets and what the node keeps of a kiosk cart', () => {
  let node: StoreNode;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    // The node's own database (its idempotency table), behind the node's idempotency layer and the kiosk cart routes.
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-kiosk-privacy-')), 's.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    const sessions = new KioskCartSessions(
      hub,
      { view: () => hubCart as unknown as CartView, priced: () => null } as never,
      STORE,
      (sku) => sku,
      Date.now,
    );
    const app = express();
    app.use(express.json());
    app.use((_req, res, next) => {
      res.locals.caller = { role: 'kiosk', scope: 'kiosk' };
      next();
    });
    app.use(
      '/api',
      idempotency(node.idempotencyKeys, () => 'kiosk', pino({ level: 'silent' }), Date.now),
    );
    app.use('/api', kioskCartSessionRoutes(sessions));
    app.use(errorHandler(pino({ level: 'silent' })));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.close();
    await node?.stop();
  });
  const open = (key: string) =>
    fetch(`${base}/api/kiosk/cart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ who: 'ana@example.test' }),
    });

  it('the page’s cart never carries the customer’s id', async () => {
    const res = await open('open-1');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"firstName":"Ana"');
    expect(text).not.toContain(ANA);
    expect(text).not.toContain('customerId');
  });

  it('a retried open (same Idempotency-Key) opens afresh and sets the cookie; the node keeps no name or cart', async () => {
    const first = await open('open-2');
    const again = await open('open-2');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('set-cookie')).toMatch(/^sf_kiosk_cart=[\w-]{32};/);
    expect(again.headers.get('set-cookie')).not.toBe(first.headers.get('set-cookie'));
    const cookie = again.headers.get('set-cookie')!.split(';')[0]!;
    const view = await fetch(`${base}/api/kiosk/cart`, { headers: { cookie } });
    expect(((await view.json()) as { firstName: string }).firstName).toBe('Ana');
    const kept = node.db.prepare('SELECT * FROM idempotency_keys').all();
    expect(JSON.stringify(kept)).not.toMatch(/Ana|customerId|lines/);
  });

  it('a retried “add” (same Idempotency-Key) adds the item once; the retry is told to read the cart again', async () => {
    const cookie = (await open('open-3')).headers.get('set-cookie')!.split(';')[0]!;
    const add = () =>
      fetch(`${base}/api/kiosk/cart/lines`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'add-mug-1', cookie },
        body: JSON.stringify({ sku: 'MUG', qty: 1 }),
      });
    added.length = 0;
    const first = await add();
    expect(first.status).toBe(200);
    expect(((await first.json()) as { firstName: string }).firstName).toBe('Ana');
    const again = await add();
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual({ replayed: true });
    expect(added).toEqual([{ sku: 'MUG', qty: 1 }]);
    // what the node keeps of it names nobody and holds no cart
    const kept = node.db.prepare('SELECT * FROM idempotency_keys').all();
    expect(JSON.stringify(kept)).not.toMatch(/Ana|customerId|lines|MUG/);
  });
});
