import * as A from '@automerge/automerge';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CART_GENESIS, type CartDoc } from '@storefleet/shared';
import { dbTargets } from './support/db-targets.js';
import { signedInHub } from './support/signed-in-hub.js';
import { stockMover } from './support/stock-moves.js';

/** Polls `probe` until it returns something (a generous bound: 10 s). */
async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A store as the hub sees it on /sync, keeping one Automerge document in sync the way a store node does: it answers
 * every `doc-sync` from the hub at once and sends what it has (so a sync loop would show as endless frames).
 */
class StorePeer {
  readonly frames: any[] = [];
  sent = 0;
  /** The data of the last doc-sync this store sent. */
  last = '';
  doc: A.Doc<CartDoc>;
  #state = A.initSyncState();

  private constructor(
    readonly ws: WebSocket,
    readonly docId: string,
    doc: A.Doc<CartDoc>,
  ) {
    this.doc = doc;
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      this.frames.push(m);
      if (m.type === 'doc-sync' && m.docId === this.docId) {
        [this.doc, this.#state] = A.receiveSyncMessage(
          this.doc,
          this.#state,
          new Uint8Array(Buffer.from(m.data, 'base64')),
        );
        this.push();
      }
    });
  }

  /** `doc`: the store's copy; a store node's starts from the cart's first change, as the hub's does. */
  static async connect(
    hubUrl: string,
    store: { id: string; token: string },
    docId: string,
    doc = A.load<CartDoc>(CART_GENESIS),
  ): Promise<StorePeer> {
    const ws = new WebSocket(`${hubUrl.replace('http', 'ws')}/sync`, {
      headers: { authorization: `Bearer ${store.token}` },
    });
    const peer = new StorePeer(ws, docId, doc);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', protocol: 2, storeId: store.id, outboxHead: 0, feedCursor: 0 }));
    await waitFor('welcome', () => peer.frames.some((f) => f.type === 'welcome'));
    peer.push();
    return peer;
  }

  /** Sends the next sync message, if Automerge has one. */
  push(): void {
    const [state, message] = A.generateSyncMessage(this.doc, this.#state);
    this.#state = state;
    if (!message) return;
    this.sent++;
    this.last = Buffer.from(message).toString('base64');
    this.ws.send(JSON.stringify({ type: 'doc-sync', docId: this.docId, data: this.last }));
  }

  /** Changes the store's copy and sends it, unless `hold` (a store whose frame is still on its way). */
  change(fn: A.ChangeFn<CartDoc>, hold = false): void {
    this.doc = A.change(this.doc, fn);
    if (!hold) this.push();
  }

  /** Sends the store's last message again (a frame the hub must answer), as if it were new. */
  resend(message: string): void {
    this.sent++;
    this.ws.send(JSON.stringify({ type: 'doc-sync', docId: this.docId, data: message }));
  }

  /** The changes the hub has sent this store for its document, over all its frames. */
  changesReceived(): number {
    return this.of('doc-sync').reduce(
      (n, f) => n + A.decodeSyncMessage(new Uint8Array(Buffer.from(f.data, 'base64'))).changes.length,
      0,
    );
  }

  /** A ping answered: the hub has read every frame sent before it. */
  async roundTrip(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no pong within 10 s')), 10_000);
      this.ws.once('pong', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.ping();
    });
  }

  of(type: string): any[] {
    return this.frames.filter((f) => f.type === type && f.docId === this.docId);
  }

  async close(): Promise<void> {
    const closed = new Promise((r) => this.ws.once('close', r));
    this.ws.close();
    await closed;
  }
}

const NOT_LINKED = (docId: string) =>
  `${docId}: not linked to this customer; a change links it (until then this store is sent nothing of it)`;
const bulb = (qty: number, by: string) => ({
  sku: 'BULB',
  name: 'Bulb',
  qty: new A.Counter(qty),
  unitPriceMinor: 300,
  currency: 'USD',
  taxClass: 'STANDARD',
  addedAt: Date.now(),
  addedBy: by,
});

describe.each(dbTargets)('document content from peers, on $name', (target) => {
  const hub = signedInHub(target);
  let t: typeof hub.t;
  let admin: string;
  let storeA: { id: string; secret: string; token: string };
  let storeB: { id: string; secret: string; token: string };

  const stock = stockMover(() => t);
  const newCustomer = async (name: string) =>
    (await t.call('POST', '/api/customers', { name }, { cookie: admin })).body.id as string;
  const chunks = async (docId: string) =>
    (await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_doc_chunks WHERE doc_id = $1', [docId]))
      .rows[0]!.n;

  beforeAll(async () => {
    ({ t, admin } = hub);
    storeA = await t.store('DOCC-A', admin);
    storeB = await t.store('DOCC-B', admin);
    await t.call(
      'POST',
      '/api/catalog/products/import',
      {
        items: [
          { sku: 'LAMP', name: 'Lamp', category: 'Home', priceMinor: 2000, taxClass: 'STANDARD' },
          { sku: 'BULB', name: 'Bulb', category: 'Home', priceMinor: 300, taxClass: 'STANDARD' },
        ],
      },
      { cookie: admin },
    );
    await stock(storeA.id, 'LAMP', 50);
    await stock(storeA.id, 'BULB', 50);
  });

  it("refuses a store's cart change carrying U+0000: a doc-error names it, nothing is kept or sent on, no sync loop, and checkout still works", async () => {
    const customer = await newCustomer('Yara Cart');
    const docId = `cart:${customer}`;
    await t.call('PUT', `/api/carts/${customer}/fulfilment`, { type: 'PICKUP', storeId: storeA.id }, { cookie: admin });
    expect(
      (await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'LAMP', qty: 1 }, { cookie: admin })).status,
    ).toBe(200);
    const live = new WebSocket(`${t.url.replace('http', 'ws')}/api/carts/${customer}/live`, {
      headers: { cookie: admin },
    });
    const heard: any[] = [];
    live.on('message', (d) => heard.push(JSON.parse(d.toString())));

    // Store B is not linked to the customer: its first change (a valid line) links it, and then it gets the cart.
    const b = await StorePeer.connect(t.url, storeB, docId);
    await waitFor('the read refusal', () => b.of('doc-error').length > 0);
    b.change((d) => {
      d.lines!.BULB = bulb(1, `store:${storeB.id}`);
    });
    await waitFor("the hub's cart at store B", () => b.doc.lines?.LAMP);
    expect(b.of('doc-error').map((e) => e.detail)).toEqual([NOT_LINKED(docId)]);
    const stored = await chunks(docId);
    const beforeRefusal = b.frames.length;
    const sentBefore = b.sent;

    // The reproduction: a line written straight into the document, as a store's own code could.
    b.change((d) => {
      d.lines!.NUL1 = {
        sku: 'NUL1',
        name: 'a\u0000b',
        qty: new A.Counter(1),
        unitPriceMinor: 1,
        currency: 'USD',
        taxClass: 'std',
      } as never;
    });
    const refusal = await waitFor('the doc-error', () => b.of('doc-error')[1]);
    expect(refusal.detail).toMatch(
      new RegExp(`^changes to ${docId} refused: lines\\.NUL1\\.name: contains U\\+0000 \\(NUL\\);`),
    );
    expect(refusal.detail).toContain('lines.NUL1.taxClass');

    // A later change builds on the refused one: it is refused too, with one answer per frame and nothing else.
    b.change((d) => void d.lines!.LAMP!.qty.increment(1));
    await waitFor('a second doc-error', () => b.of('doc-error').length >= 3);
    expect(b.of('doc-error')[2].detail).toMatch(/no longer syncs with this store until it reconnects/);
    // No loop: a frame sent now is answered by one doc-error, the hub having sent nothing else in between, and after
    // a ping round trip still nothing more has come.
    b.resend(b.last);
    await waitFor('the answer to a third frame', () => b.of('doc-error').length >= 4);
    await b.roundTrip();
    const after = b.frames.slice(beforeRefusal);
    expect(after.filter((f) => f.type === 'doc-sync')).toEqual([]);
    expect(b.sent - sentBefore).toBe(3);
    expect(after.map((f) => f.type)).toEqual(['doc-error', 'doc-error', 'doc-error']); // one answer per frame the store sent, and no more

    // The hub's copy is as before: not stored, not shown, not broadcast.
    expect(await chunks(docId)).toBe(stored);
    const cart = (await t.call('GET', `/api/carts/${customer}`, undefined, { cookie: admin })).body;
    expect(cart.lines).toEqual([
      expect.objectContaining({ sku: 'BULB', qty: 1 }),
      expect.objectContaining({ sku: 'LAMP', qty: 1, unitPriceMinor: 2000 }),
    ]);
    expect(cart).not.toHaveProperty('skipped');
    await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'BULB', qty: 1 }, { cookie: admin });
    await waitFor('the live view with BULB', () => heard.some((m) => m.cart.lines.some((l: any) => l.sku === 'BULB')));
    expect(heard.flatMap((m) => m.cart.lines.map((l: any) => l.sku))).not.toContain('NUL1');
    live.close();

    // Reconnecting, the store offers its change again: refused once more, once.
    await b.close();
    const again = await StorePeer.connect(t.url, storeB, docId, b.doc);
    await waitFor('the doc-error after reconnecting', () => again.of('doc-error').length > 0);
    expect(again.of('doc-error')[0].detail).toMatch(/lines\.NUL1\.name: contains U\+0000/);
    expect(await chunks(docId)).toBe(stored + 1); // only the BULB line added through the API
    await again.close();

    const order = await t.call(
      'POST',
      '/api/orders',
      { customerId: customer, placeKey: `nul-cart-${target.name}` },
      { cookie: admin },
    );
    expect(order.status).toBe(201);
    expect(order.body.lines.map((l: any) => [l.sku, l.name, l.qty, l.unitPriceMinor])).toEqual([
      ['BULB', 'Bulb', 2, 300], // store B's and the API's
      ['LAMP', 'Lamp', 1, 2000],
    ]);
    expect(order.body.subtotalMinor).toBe(2600);
  });

  it("syncs a valid change from a store, but a checkout prices it from the catalog, not the cart's snapshot", async () => {
    const customer = await newCustomer('Cheap Trick');
    const docId = `cart:${customer}`;
    await t.call('PUT', `/api/carts/${customer}/fulfilment`, { type: 'PICKUP', storeId: storeA.id }, { cookie: admin });
    const b = await StorePeer.connect(t.url, storeB, docId); // not linked: it sees nothing, and adds a line
    b.change((d) => {
      d.lines!.LAMP = {
        sku: 'LAMP',
        name: 'Lamp (sale)',
        qty: new A.Counter(2),
        unitPriceMinor: 1,
        currency: 'USD',
        taxClass: 'STANDARD',
        addedAt: Date.now(),
        addedBy: `store:${storeB.id}`,
      };
    });
    const line = await waitFor(
      'the line at the hub',
      async () => (await t.call('GET', `/api/carts/${customer}`, undefined, { cookie: admin })).body.lines[0],
    );
    expect(line).toMatchObject({ sku: 'LAMP', name: 'Lamp (sale)', qty: 2, unitPriceMinor: 1 });
    await waitFor('the fulfilment at store B, once its change linked it', () => b.doc.fulfilment);
    expect(b.of('doc-error').map((e) => e.detail)).toEqual([NOT_LINKED(docId)]);
    await b.close();

    const order = await t.call(
      'POST',
      '/api/orders',
      { customerId: customer, placeKey: `cheap-cart-${target.name}` },
      { cookie: admin },
    );
    expect(order.status).toBe(201);
    expect(order.body.lines).toEqual([
      expect.objectContaining({ sku: 'LAMP', name: 'Lamp', qty: 2, unitPriceMinor: 2000 }),
    ]);
    expect(order.body.subtotalMinor).toBe(4000);
  });

  it('sends a store not linked to the customer nothing of the cart over /sync, whatever it asks, and says why once', async () => {
    const customer = await newCustomer('Private Cart');
    const docId = `cart:${customer}`;
    await t.call('PUT', `/api/carts/${customer}/fulfilment`, { type: 'PICKUP', storeId: storeA.id }, { cookie: admin });
    expect(
      (await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'LAMP', qty: 1 }, { cookie: admin })).status,
    ).toBe(200);
    // The reproduction: the sync message of an empty document (no first change either), as a client made up by hand.
    const b = await StorePeer.connect(t.url, storeB, docId, A.init<CartDoc>());
    await waitFor('the read refusal', () => b.of('doc-error').length > 0);
    await b.roundTrip();
    // all it got is the first change every cart starts from: an empty list of lines
    expect(b.changesReceived()).toBeLessThanOrEqual(1);
    expect(A.getHeads(b.doc)).toEqual(A.getHeads(A.load(CART_GENESIS)));
    expect(b.doc).toEqual({ lines: {} });
    expect(b.of('doc-error').map((e) => e.detail)).toEqual([NOT_LINKED(docId)]);
    await b.close();

    // The cart's fulfilment store reads it: its own first frame is answered with the cart.
    const a = await StorePeer.connect(t.url, storeA, docId);
    await waitFor('the cart at its fulfilment store', () => a.doc.lines?.LAMP);
    expect(a.of('doc-error')).toEqual([]);
    await a.close();
  });

  it('refuses an API add past a line’s bound with 409 and a clear message, keeping the cart', async () => {
    const customer = await newCustomer('Bulk Buyer');
    await stock(storeA.id, 'BULB', 20_000);
    await t.call('PUT', `/api/carts/${customer}/fulfilment`, { type: 'PICKUP', storeId: storeA.id }, { cookie: admin });
    expect(
      (await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'BULB', qty: 10_000 }, { cookie: admin })).status,
    ).toBe(200);
    const over = await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'BULB', qty: 1 }, { cookie: admin });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ detail: 'a cart line holds at most 10000 of a product: BULB would have 10001' });
    expect((await t.call('GET', `/api/carts/${customer}`, undefined, { cookie: admin })).body.lines).toEqual([
      expect.objectContaining({ sku: 'BULB', qty: 10_000 }),
    ]);
  });

  it('accepts valid edits that merge past a bound (6,000 + 6,000 of a line), shows the line clamped, and a checkout says why it cannot', async () => {
    const customer = await newCustomer('Two Devices');
    const docId = `cart:${customer}`;
    await stock(storeA.id, 'LAMP', 20_000);
    await t.call('PUT', `/api/carts/${customer}/fulfilment`, { type: 'PICKUP', storeId: storeA.id }, { cookie: admin });
    expect(
      (await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'LAMP', qty: 1_000 }, { cookie: admin })).status,
    ).toBe(200);
    const a = await StorePeer.connect(t.url, storeA, docId); // the cart's fulfilment store: it reads it
    await waitFor('the cart at store A', () => a.doc.lines?.LAMP);
    a.change((d) => void d.lines!.LAMP!.qty.increment(6_000), true); // at the kiosk, while the web adds as many
    expect(
      (await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'LAMP', qty: 6_000 }, { cookie: admin })).status,
    ).toBe(200);
    a.push();
    const cart = await waitFor('the merged cart', async () => {
      const c = (await t.call('GET', `/api/carts/${customer}`, undefined, { cookie: admin })).body;
      return c.overBounds && c;
    });
    expect(cart.lines).toEqual([expect.objectContaining({ sku: 'LAMP', qty: 10_000, totalMinor: 10_000 * 2000 })]);
    expect(cart.overBounds).toBe(
      'edits made on several devices at once took this cart past its bounds: LAMP has 13000, more than a line holds (10000); change it before checking out',
    );
    expect(a.of('doc-error')).toEqual([]);
    await a.close();

    const order = await t.call(
      'POST',
      '/api/orders',
      { customerId: customer, placeKey: `over-bounds-${target.name}` },
      { cookie: admin },
    );
    expect(order.status).toBe(409);
    expect(order.body.detail).toBe(cart.overBounds);
    expect((await t.call('PUT', `/api/carts/${customer}/lines/LAMP`, { qty: 5 }, { cookie: admin })).status).toBe(200);
    expect(
      (
        await t.call(
          'POST',
          '/api/orders',
          { customerId: customer, placeKey: `over-bounds-${target.name}` },
          { cookie: admin },
        )
      ).status,
    ).toBe(201);
  });
});

describe.each(dbTargets)('text no database keeps, on the hub ($name)', (target) => {
  const hub = signedInHub(target);

  it('refuses a lone surrogate in a JSON body (escaped, as JSON.parse reads it) with 400, storing nothing', async () => {
    const { t, admin } = hub;
    const count = async () =>
      (await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers')).rows[0]!.n;
    const before = await count();
    for (const rawBody of ['{"name":"\\ud800x"}', '{"name":"x\\udfff"}']) {
      const res = await t.call('POST', '/api/customers', undefined, { cookie: admin, rawBody });
      expect({ rawBody, status: res.status, detail: res.body.detail }).toEqual({
        rawBody,
        status: 400,
        detail: 'name: text may not contain a lone surrogate (U+D800–U+DFFF outside a pair)',
      });
    }
    const viaObject = await t.call('POST', '/api/customers', { name: 'ok', note: { 'k\ud800': 1 } }, { cookie: admin });
    expect(viaObject.status).toBe(400);
    expect(await count()).toBe(before);
    const paired = await t.call('POST', '/api/customers', { name: 'Zoë 😀' }, { cookie: admin });
    expect(paired.status).toBe(201);
    expect(paired.body.name).toBe('Zoë 😀');
  });
});
