import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { parkedOf, StoreOutbox } from '../../../../tests/support/store-outbox.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { interactionsOf, newCustomer, saleOf, unknownCard } from './signals-support.js';

// Issue #21, lane D1: what recommendations learn from the stores' events — sales at a lane where the customer showed
// their card, and products looked at on a kiosk.
describe.each(dbTargets)('recommendation signals from the stores, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let a: { id: string; token: string; outbox: StoreOutbox };
  let b: { id: string; token: string; outbox: StoreOutbox };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    const reg = async (code: string) => {
      const s = await t.store(code, admin);
      return { ...s, outbox: new StoreOutbox(t, s.id) };
    };
    a = await reg('RECS-A');
    b = await reg('RECS-B');
    // kiosk views are recorded only for products the catalog holds
    const imported = await t.call(
      'POST',
      '/api/catalog/products/import',
      {
        items: ['LAMP', 'BULB', 'SHADE'].map((sku) => ({
          sku,
          name: sku,
          category: 'Lighting',
          size: null,
          priceMinor: 100,
        })),
      },
      { cookie: admin },
    );
    expect(imported.status).toBe(200);
  }, 120_000);
  afterAll(() => t?.stop());

  /** The store's sale of this id as head office finds it (undefined when the ledger does not hold it). */
  const ledgerSale = async (storeId: string, saleId: string) => {
    const r = await t.call('GET', `/api/sales/${saleId}`, undefined, { cookie: admin });
    return r.status === 200
      ? (r.body.matches as { storeId: string; sale: unknown }[]).find((m) => m.storeId === storeId)?.sale
      : undefined;
  };

  it('counts a sale with a known customer’s card as their purchases at that store, once however often it is sent', async () => {
    const regular = await newCustomer(t, admin, 'Rita Regular');
    const closedAt = Date.now() - 3_600_000;
    const sale = saleOf(
      'S-CARD-1',
      closedAt,
      [
        ['TEA', 2, 300],
        ['MUG', 1, 800],
        ['TEA', 1, 300],
      ],
      regular.card,
    );
    // store B uses the same sale id for a sale of its own, with no card
    expect(await a.outbox.send(a.outbox.event('sale.completed', sale))).toEqual({ ackedSeq: 1 });
    expect(
      await b.outbox.send(b.outbox.event('sale.completed', saleOf('S-CARD-1', closedAt, [['TEA', 1, 300]]))),
    ).toEqual({ ackedSeq: 1 });

    const expected = [
      {
        customerId: regular.id,
        sessionId: null,
        sku: 'MUG',
        kind: 'PURCHASE',
        storeId: a.id,
        source: 'pos',
        sourceRef: `${a.id}/S-CARD-1`,
        at: closedAt,
      },
      { customerId: regular.id, sessionId: null, sku: 'TEA', kind: 'PURCHASE', storeId: a.id, at: closedAt },
    ].map((row) => expect.objectContaining(row));
    expect(await interactionsOf(t, 'pos', a.id)).toEqual(expected);
    expect(await interactionsOf(t, 'pos', b.id)).toEqual([]);

    // sent again under a new seq (a store that lost its ack): still one purchase of each
    expect(await a.outbox.send(a.outbox.event('sale.completed', sale))).toEqual({ ackedSeq: 2 });
    expect(await interactionsOf(t, 'pos', a.id)).toEqual(expected);
    expect(await parkedOf(t, admin, a.id)).toEqual([]);
  });

  it('records nothing for a card nobody holds or no card, and the sale lands in the ledger all the same', async () => {
    const before = await interactionsOf(t, 'pos', a.id);
    const ghost = saleOf('S-GHOST-1', Date.now() - 60_000, [['MUG', 1, 800]], unknownCard());
    const plain = saleOf('S-PLAIN-1', Date.now() - 60_000, [['MUG', 1, 800]]);
    // store A's outbox goes on from the test above (seqs 1 and 2)
    expect(
      await a.outbox.send(a.outbox.event('sale.completed', ghost), a.outbox.event('sale.completed', plain)),
    ).toEqual({ ackedSeq: 4 });
    expect(await ledgerSale(a.id, 'S-GHOST-1')).toMatchObject({ saleId: 'S-GHOST-1', status: 'COMPLETED' });
    expect(await ledgerSale(a.id, 'S-PLAIN-1')).toMatchObject({ saleId: 'S-PLAIN-1', status: 'COMPLETED' });
    expect(await interactionsOf(t, 'pos', a.id)).toEqual(before);
    expect(await parkedOf(t, admin, a.id)).toEqual([]);
  });

  it('records a kiosk’s views, parks a malformed one alone, and keeps the customer only where the store knows them', async () => {
    const known = await newCustomer(t, admin, 'Kim Known');
    // Kim opens her cart at store A's kiosk with her card: store A knows her from now on; store B does not.
    const lookup = await t.call('POST', '/api/customers/lookup', { card: known.card }, { bearer: a.token });
    expect(lookup.status).toBe(200);

    const now = Date.now();
    const view = (viewId: string, sku: string, customerId: string | null, sessionId = 'kiosk-session-1') => ({
      viewId,
      sessionId,
      customerId,
      sku,
      at: now - 1_000,
    });
    const parkedBefore = (await parkedOf(t, admin, a.id)).length;
    const o = a.outbox;
    const answer = await o.send(
      o.event('recs.viewed', view('view-a-1', 'LAMP', known.id)),
      o.event('recs.viewed', { ...view('view-a-2', 'BULB', null), extra: 'not in the schema' }),
      o.event('recs.viewed', view('view-a-3', 'SHADE', null, 'kiosk-session-2')),
      o.event('recs.viewed', view('view-a-4', 'BULB', '00000000-0000-7000-8000-00000000abcd')), // nobody's id
    );
    expect(answer).toEqual({ ackedSeq: 8 }); // seqs 5 to 8 (the sales above took 1 to 4)
    // store B names Kim, whom it has never dealt with: its view counts, anonymous; and a view sent again counts once
    const ob = b.outbox;
    expect(
      await ob.send(
        ob.event('recs.viewed', view('view-b-1', 'LAMP', known.id, 'kiosk-session-9')),
        ob.event('recs.viewed', view('view-b-1', 'LAMP', known.id, 'kiosk-session-9')),
        ob.event('recs.viewed', view('view-b-2', 'LAMP', 'not-even-a-uuid', 'kiosk-session-9')),
      ),
    ).toEqual({ ackedSeq: 4 });

    const views = await interactionsOf(t, 'kiosk');
    expect(views).toEqual([
      {
        customerId: null,
        sessionId: `store:${a.id}:kiosk-session-1`,
        sku: 'BULB',
        kind: 'VIEW',
        storeId: a.id,
        source: 'kiosk',
        sourceRef: `${a.id}:view-a-4`,
        at: now - 1_000,
      },
      {
        customerId: known.id,
        sessionId: `store:${a.id}:kiosk-session-1`,
        sku: 'LAMP',
        kind: 'VIEW',
        storeId: a.id,
        source: 'kiosk',
        sourceRef: `${a.id}:view-a-1`,
        at: now - 1_000,
      },
      expect.objectContaining({ customerId: null, sku: 'LAMP', storeId: b.id, sourceRef: `${b.id}:view-b-1` }),
      expect.objectContaining({ customerId: null, sku: 'LAMP', storeId: b.id, sourceRef: `${b.id}:view-b-2` }),
      expect.objectContaining({
        customerId: null,
        sessionId: `store:${a.id}:kiosk-session-2`,
        sku: 'SHADE',
        storeId: a.id,
      }),
    ]);
    const parked = (await parkedOf(t, admin, a.id)).slice(parkedBefore);
    expect(parked).toEqual([
      { seq: 6, type: 'recs.viewed', reason: expect.stringMatching(/invalid recs\.viewed payload: .*"extra"/) },
    ]);
    expect(await parkedOf(t, admin, b.id)).toEqual([]);
  });

  it('takes a view dated in the future as seen now', async () => {
    const o = a.outbox;
    const before = Date.now();
    await o.send(
      o.event('recs.viewed', {
        viewId: 'view-a-future',
        sessionId: 'kiosk-session-3',
        customerId: null,
        sku: 'LAMP',
        at: before + 365 * 24 * 3_600_000,
      }),
    );
    const [row] = await interactionsOf(t, 'kiosk', `${a.id}:view-a-future`);
    expect(row!.at).toBeGreaterThanOrEqual(before);
    expect(row!.at).toBeLessThanOrEqual(Date.now());
  });
});
