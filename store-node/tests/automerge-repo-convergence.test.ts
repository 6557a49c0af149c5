import { randomBytes } from 'node:crypto';
import { type AutomergeUrl, type DocHandle, Repo } from '@automerge/automerge-repo';
import { WebSocketClientAdapter } from '@automerge/automerge-repo-network-websocket';
import { dbTargets } from '@storefleet/central/testing';
import {
  addToCart,
  automergeDocumentIdForDoc,
  automergeUrlForDoc,
  type CartDoc,
  cartDocId,
  cartView,
  type ProductSnapshot,
} from '@storefleet/shared';
import { decode, encode } from 'cbor-x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { StoreNode } from '../src/index.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

const product = (sku: string, name: string, unitPriceMinor: number): ProductSnapshot => ({
  sku,
  name,
  unitPriceMinor,
  currency: 'USD',
  taxClass: 'STANDARD',
});
const MUG = product('MUG', 'Mug', 900);
const TOASTER = product('TOASTER', 'Toaster', 2500);

/** A raw socket to the hub's /automerge, collecting decoded frames, for what the real client would hide. */
async function rawSocket(url: string): Promise<{ ws: WebSocket; frames: any[]; closed: Promise<number> }> {
  const ws = new WebSocket(url);
  const frames: any[] = [];
  ws.on('message', (data) => frames.push(decode(data as Buffer)));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames, closed };
}

const join = (senderId: string) =>
  encode({ type: 'join', senderId, peerMetadata: {}, supportedProtocolVersions: ['1'] });

describe.each(dbTargets)('an automerge-repo client’s cart at the hub on $name', (target) => {
  let f: SyncFixture;
  let store: StoreNode;
  let admin: string;
  let ws: string;
  const customers: { id: string; token: string }[] = [];
  const repos: Repo[] = [];

  const call = async (method: string, path: string, body?: unknown, who: Record<string, string> = {}) => {
    const res = await fetch(f.hubUrl + path, {
      method,
      headers: { 'content-type': 'application/json', ...who },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const signUp = async (name: string) => {
    const res = await call('POST', '/api/account/sign-up', {
      email: `${name.toLowerCase()}-${randomBytes(3).toString('hex')}@example.test`,
      password: 'a long enough password',
      name,
    });
    expect(res.status).toBe(201);
    return { id: res.body.account.customerId as string, token: res.body.token as string };
  };
  /** A real automerge-repo client signed in as `token` (closed after the suite, so no retry timer outlives it). */
  const client = (token: string) => {
    const repo = new Repo({ network: [new WebSocketClientAdapter(`${ws}/automerge?token=${token}`, 60_000)] });
    repos.push(repo);
    return repo;
  };
  const hubLines = async (customerId: string) =>
    (await call('GET', `/api/carts/${customerId}`, undefined, { cookie: admin })).body.lines.map(
      (l: { sku: string; qty: number }) => `${l.sku}×${l.qty}`,
    );
  const linesOf = (doc: CartDoc | undefined) => (doc ? cartView(doc).lines.map((l) => `${l.sku}×${l.qty}`) : undefined);

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    ws = f.hubUrl.replace(/^http/, 'ws');
    await f.hub.auth.createUser({
      email: 'web@example.test',
      password: 'a long enough password',
      name: 'W',
      role: 'ADMIN',
    });
    admin = `sf_session=${(await f.hub.auth.login('web@example.test', 'a long enough password', 'test')).sessionToken}`;
    await f.hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       VALUES ('MUG', 'Mug', 'Home', 900, 'USD', 'STANDARD', 1), ('KETTLE', 'Kettle', 'Home', 3000, 'USD', 'STANDARD', 1),
              ('TOASTER', 'Toaster', 'Home', 2500, 'USD', 'STANDARD', 1)`,
    );
    store = await f.store('A');
    store.sync.write((emit) => emit('stock.moved', { sku: 'KETTLE', delta: 10, kind: 'RECEIVE' }));
    await waitFor(
      'the store’s stock at the hub',
      async () =>
        (await f.hub.db.query(`SELECT 1 FROM inventory_stock WHERE sku = 'KETTLE' AND on_hand = 10`)).rows.length,
    );
    customers.push(await signUp('Ana'), await signUp('Ben'));
  }, 60_000);
  afterAll(async () => {
    for (const r of repos) await r.shutdown();
    await f?.stop();
  });

  it('a line added in the client, one through REST and one at the store’s kiosk converge everywhere', async () => {
    const ana = customers[0]!;
    const docId = cartDocId(ana.id);
    // A pickup at store A, whose stock the hub checks for a line added through REST.
    const storeId = f.credentials.get('A')!.storeId;
    const pickup = await call('PUT', `/api/carts/${ana.id}/fulfilment`, { type: 'PICKUP', storeId }, { cookie: admin });
    expect(pickup.status).toBe(200);
    const handle: DocHandle<CartDoc> = await client(ana.token).find<CartDoc>(automergeUrlForDoc(docId) as AutomergeUrl);
    handle.change((d) => addToCart(d, MUG, 2, 'web', Date.now()));
    await waitFor('the client’s line at the hub', async () => (await hubLines(ana.id)).includes('MUG×2'));

    expect(
      (await call('POST', `/api/carts/${ana.id}/lines`, { sku: 'KETTLE', qty: 1 }, { cookie: admin })).status,
    ).toBe(200);
    store.sync.docs.change<CartDoc>(docId, (d) => addToCart(d, TOASTER, 3, 'kiosk', Date.now()));

    const all = ['KETTLE×1', 'MUG×2', 'TOASTER×3'];
    const sorted = (l: string[] | undefined) => [...(l ?? [])].sort();
    await waitFor('the REST and kiosk lines in the client', () => sorted(linesOf(handle.doc())).join() === all.join());
    await waitFor('all three at the hub', async () => sorted(await hubLines(ana.id)).join() === all.join());
    await waitFor(
      'all three at the store',
      () => sorted(linesOf(store.sync.docs.open<CartDoc>(docId))).join() === all.join(),
    );
  });

  it('customer B cannot open A’s cart: the real client finds it unavailable, the wire carries no content', async () => {
    const [ana, ben] = customers as [{ id: string; token: string }, { id: string; token: string }];
    await expect(client(ben.token).find(automergeUrlForDoc(cartDocId(ana.id)) as AutomergeUrl)).rejects.toThrow(
      /unavailable/i,
    );
    const raw = await rawSocket(`${ws}/automerge?token=${ben.token}`);
    raw.ws.send(join('ben-raw'));
    const documentId = automergeDocumentIdForDoc(cartDocId(ana.id))!;
    // An empty Automerge sync message asks for everything the other side has.
    const { initSyncState, generateSyncMessage, init } = await import('@automerge/automerge');
    const [, ask] = generateSyncMessage(init(), initSyncState());
    raw.ws.send(encode({ type: 'request', senderId: 'ben-raw', targetId: 'hub', documentId, data: ask }));
    await waitFor('an answer', () => raw.frames.some((m) => m.type === 'doc-unavailable'));
    expect(raw.frames.map((m) => m.type)).toEqual(['peer', 'doc-unavailable']);
    expect(raw.frames[1]).toMatchObject({ documentId, targetId: 'ben-raw' });
    raw.ws.close();
  });

  it('no credential or an unknown token: the upgrade is refused with 401', async () => {
    for (const url of [`${ws}/automerge`, `${ws}/automerge?token=sfc_${'x'.repeat(43)}`]) {
      const status = await new Promise<number>((resolve) => {
        const s = new WebSocket(url);
        s.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        s.on('open', () => resolve(101));
        s.on('error', () => undefined);
      });
      expect(status).toBe(401);
    }
  });

  it('staff and stores connect as for the API; a cookie sent from another site’s page is refused (403)', async () => {
    const cred = f.credentials.get('A')!;
    const storeToken = (await f.hub.auth.storeToken(cred.storeId, cred.secret)).token;
    for (const headers of [{ cookie: admin }, { authorization: `Bearer ${storeToken}` }]) {
      const raw = new WebSocket(`${ws}/automerge`, { headers });
      const frames: any[] = [];
      raw.on('message', (data) => frames.push(decode(data as Buffer)));
      await new Promise((resolve, reject) => raw.once('open', resolve).once('error', reject));
      raw.send(join('staff-raw'));
      await waitFor('the hub’s peer frame', () => frames[0]);
      expect(frames[0]).toMatchObject({ type: 'peer', targetId: 'staff-raw', selectedProtocolVersion: '1' });
      raw.close();
    }
    const status = await new Promise<number>((resolve) => {
      const s = new WebSocket(`${ws}/automerge`, { headers: { cookie: admin, origin: 'https://evil.example' } });
      s.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      s.on('open', () => resolve(101));
      s.on('error', () => undefined);
    });
    expect(status).toBe(403);
  });

  it('one customer keeps at most 8 sockets open: the 9th gets an error frame saying why and 1008; another customer is not counted', async () => {
    const cy = await signUp('Cy');
    const dee = await signUp('Dee');
    const eight: Awaited<ReturnType<typeof rawSocket>>[] = [];
    for (let i = 0; i < 8; i++) eight.push(await rawSocket(`${ws}/automerge?token=${cy.token}`));
    const ninth = await rawSocket(`${ws}/automerge?token=${cy.token}`);
    expect(await ninth.closed).toBe(1008);
    expect(ninth.frames.at(-1)).toMatchObject({
      type: 'error',
      message: 'too many sockets for this customer: close one first',
    });
    // the eight are still served: each is answered as a peer when it joins
    for (const [i, raw] of eight.entries()) raw.ws.send(join(`cy-${i}`));
    await waitFor('each of the eight answered as a peer', () =>
      eight.every((r) => r.frames.some((f) => f.type === 'peer')),
    );
    const other = await rawSocket(`${ws}/automerge?token=${dee.token}`);
    other.ws.send(join('dee'));
    await waitFor('another customer’s socket answered as a peer', () => other.frames.some((f) => f.type === 'peer'));
    for (const r of [...eight, other]) r.ws.close();
  });

  it('malformed frames close only that socket, with an error frame; the hub and other clients go on', async () => {
    const ana = customers[0]!;
    const bad: [string, Uint8Array | string][] = [
      ['random bytes', randomBytes(64)],
      ['CBOR of the wrong shape', encode({ type: 'sync', senderId: 'x', documentId: 7, data: 'not bytes' })],
      ['CBOR that is not a map', encode([1, 2, 3])],
      ['a text frame', 'hello'],
      [
        'a sync before join',
        encode({ type: 'sync', senderId: 'x', targetId: 'y', documentId: 'z', data: new Uint8Array([1]) }),
      ],
      ['a huge frame', randomBytes(1024 * 1024 + 10)],
    ];
    for (const [what, frame] of bad) {
      const raw = await rawSocket(`${ws}/automerge?token=${ana.token}`);
      if (what !== 'a sync before join' && what !== 'a huge frame') raw.ws.send(join('ana-raw'));
      raw.ws.send(frame);
      const code = await raw.closed;
      expect([what, code]).toEqual([what, what === 'a huge frame' ? 1009 : 1008]);
      if (what !== 'a huge frame') expect([what, raw.frames.at(-1)?.type]).toEqual([what, 'error']);
    }
    // The hub still serves: Ana's cart through a fresh client, and the health check.
    const handle = await client(ana.token).find<CartDoc>(automergeUrlForDoc(cartDocId(ana.id)) as AutomergeUrl);
    expect(linesOf(handle.doc())?.length).toBeGreaterThan(0);
    expect((await fetch(`${f.hubUrl}/healthz`)).status).toBe(200);
  });
});
