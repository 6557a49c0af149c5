import { code128Modules } from '@storefleet/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { keepStoreProfile, StoreProfile } from '../src/pos/store-profile.js';
import { RECEIPT_COLUMNS } from '../src/pos/receipt-text.js';
import { startTill, type Till } from './support/till-fixture.js';

/** #17: sales and returns carry numbers people read, type and scan; receipts show local time and the return rules. */
describe('sale numbers, receipts and returns from the receipt', () => {
  const tills: Till[] = [];
  afterEach(async () => {
    for (const t of tills.splice(0)) await t.stop();
  });
  const till = async (opts: Parameters<typeof startTill>[0] = {}) => {
    const t = await startTill({ lane: 3, storeCode: 's001', timeZone: 'Europe/Berlin', ...opts });
    tills.push(t);
    return t;
  };
  const paid = async (t: Till, lines: Record<string, number>) => {
    const id = await t.basket(lines);
    const sale = await t.call('POST', `/api/pos/sales/${id}/tender`, { kind: 'CASH', givenMinor: 100_000 });
    expect(sale.status).toBe(200);
    return sale.body;
  };

  it('numbers every sale per lane without gaps, voids included, and never reuses a number after a restart', async () => {
    const t = await till();
    const first = await paid(t, { CEREAL: 1 });
    expect(first.number).toBe('S001-03-00001');
    const voidedId = await t.basket({ HEADPHONES: 1 });
    const voided = await t.call('POST', `/api/pos/sales/${voidedId}/void`);
    expect(voided.body).toMatchObject({ status: 'VOIDED', number: 'S001-03-00002' });
    const open = (await t.call('POST', '/api/pos/sales')).body;
    expect(open.number).toBe('S001-03-00003'); // left open when the node stops

    // The hub hears the numbers and the lane with the sales.
    expect(t.events('sale.completed', first.id)[0]).toMatchObject({ number: 'S001-03-00001', lane: '03' });
    expect(t.events('sale.voided', voidedId)[0]).toMatchObject({ number: 'S001-03-00002', lane: '03' });

    await t.stop();
    tills.pop();
    const again = await till({ dbPath: t.dbPath });
    expect((await again.call('GET', '/api/pos/lane')).body).toMatchObject({
      lane: 3,
      storeCode: 'S001',
      timeZone: 'Europe/Berlin',
      open: { id: open.id, number: 'S001-03-00003', status: 'OPEN' },
    });
    expect((await again.call('POST', '/api/pos/sales')).body.number).toBe('S001-03-00004');
  });

  it('looks a sale up by its number wherever it takes a sale id, as typed (any case) or scanned', async () => {
    const t = await till();
    const sale = await paid(t, { HEADPHONES: 2 });
    for (const typed of ['S001-03-00001', 's001-03-00001', ' S001-03-00001 ']) {
      const read = await t.call('GET', `/api/pos/sales/${encodeURIComponent(typed)}`);
      expect(read).toMatchObject({ status: 200, body: { id: sale.id, number: 'S001-03-00001' } });
    }
    const missing = await t.call('GET', '/api/pos/sales/S001-03-99999');
    expect(missing).toMatchObject({ status: 404, body: { detail: expect.stringContaining('S001-03-99999') } });
    const id = await t.basket({ CEREAL: 1 });
    const number = (await t.call('GET', `/api/pos/sales/${id}`)).body.number;
    expect((await t.call('POST', `/api/pos/sales/${number}/lines`, { code: 'CEREAL', qty: 1 })).body.lines).toEqual([
      expect.objectContaining({ sku: 'CEREAL', qty: 2 }),
    ]);
  });

  it('prints the local time of the store, the number with its Code 128 barcode, wraps long names at 48 columns, and says how to return', async () => {
    const t = await till({ now: Date.parse('2026-11-28T13:05:00Z') });
    t.node.db
      .prepare(
        `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
         VALUES ('BLANKET', NULL, 'Extra-large hand-knitted merino wool throw blanket in charcoal grey, 150 x 200 cm', NULL, NULL, 'Home', 8900, 'USD', 'STANDARD', 1)`,
      )
      .run();
    await t.call('POST', '/api/stock/movements', { sku: 'BLANKET', delta: 5, kind: 'RECEIVE' });
    const sale = await paid(t, { BLANKET: 1, CEREAL: 2 });
    const receipt: string = sale.receipt;
    expect(receipt).toContain('28 Nov 2026, 14:05'); // 13:05 UTC is 14:05 in Berlin
    expect(/Sale (\S+)/.exec(receipt)?.[1]).toBe('S001-03-00001'); // the number stands alone, as a scanner or a reader takes it
    expect(receipt).not.toContain(sale.id);
    for (const line of receipt.split('\n')) expect(line.length).toBeLessThanOrEqual(RECEIPT_COLUMNS);
    expect(receipt).toMatch(/^[\x20-\x7e\n]*$/); // ASCII: what a receipt printer's code page prints
    const flat = receipt.replace(/\s+/g, ' ');
    // The long name wraps under itself, its amount on its first line; nothing of it is cut.
    const lines = receipt.split('\n');
    const at = lines.findIndex((l) => l.startsWith('1 x Extra-large'));
    expect(lines[at]).toMatch(/^1 x Extra-large hand-knitted merino\s+\$89\.00$/);
    expect(
      lines
        .slice(at, at + 3)
        .map((l) => l.replace(/\$89\.00$/, '').trim())
        .join(' '),
    ).toBe('1 x Extra-large hand-knitted merino wool throw blanket in charcoal grey, 150 x 200 cm');
    expect(receipt).toMatch(/^2 x Oat cereal 500 g\s+\$6\.98\n {4}@ \$3\.49 each$/m);
    expect(flat).toContain('Returns: within 30 days (until 28 Dec 2026). Bring the item and this receipt.');
    expect(flat).toContain('The refund goes back the way you paid');
    expect(sale.barcode).toBe(code128Modules('S001-03-00001'));
  });

  it('takes a return from the receipt’s number: bounded by what is left, a slip with its own number naming the sale', async () => {
    const t = await till();
    await paid(t, { HEADPHONES: 2, CEREAL: 1 });
    const back = await t.call('POST', '/api/pos/sales/S001-03-00001/returns', {
      items: [{ sku: 'HEADPHONES', qty: 1 }],
    });
    expect(back).toMatchObject({
      status: 201,
      body: { number: 'S001-03-R00001', saleNumber: 'S001-03-00001', refundMinor: 1089, refund: { kind: 'CASH' } },
    });
    const slip: string = back.body.slip;
    expect(slip).toContain('Return S001-03-R00001');
    expect(slip).toContain('for sale S001-03-00001');
    expect(slip).toMatch(/1 x Wireless headphones\s+-\$10\.89/);
    expect(slip).toMatch(/In cash\s+\$10\.89/);

    const sale = (await t.call('GET', '/api/pos/sales/S001-03-00001')).body;
    expect(sale.lines).toEqual([
      expect.objectContaining({ sku: 'HEADPHONES', qty: 2, returnedQty: 1 }),
      expect.objectContaining({ sku: 'CEREAL', qty: 1, returnedQty: 0 }),
    ]);
    const tooMany = await t.call('POST', '/api/pos/sales/S001-03-00001/returns', {
      items: [{ sku: 'HEADPHONES', qty: 2 }],
    });
    expect(tooMany).toMatchObject({
      status: 409,
      body: { detail: 'only 1 of Wireless headphones (HEADPHONES) from sale S001-03-00001 can still be returned' },
    });
    const next = await t.call('POST', '/api/pos/sales/S001-03-00001/returns', { items: [{ sku: 'CEREAL', qty: 1 }] });
    expect(next.body.number).toBe('S001-03-R00002');
    expect(t.events('sale.returned', sale.id).map((e) => (e as { number?: string }).number)).toEqual([
      'S001-03-R00001',
      'S001-03-R00002',
    ]);
  });

  it('learns the store code and zone from the hub’s registry and keeps them for an offline start', async () => {
    const t = await till({ storeCode: undefined, timeZone: undefined });
    const profile = t.node.pos.till.profile;
    expect(profile.code).toBe('S000'); // never heard from the hub
    const asked: string[] = [];
    const stop = keepStoreProfile(
      profile,
      async (path) => {
        asked.push(path);
        return { id: 'x', code: 'S042', timezone: 'America/Chicago' };
      },
      'store-42',
      { warn: () => undefined },
    );
    await expect.poll(() => profile.code, { timeout: 30_000 }).toBe('S042');
    stop();
    expect(asked).toEqual(['/api/locations/store-42']);
    expect((await t.call('POST', '/api/pos/sales')).body.number).toBe('S042-03-00001');
    expect(new StoreProfile(t.node.db).timeZone).toBe('America/Chicago'); // a node started later, offline
  });

  it('refuses a lane, zone or return window it cannot use, at start', async () => {
    await expect(startTill({ lane: 0 })).rejects.toThrow(/STORE_LANE .* 1 to 99/);
    await expect(startTill({ lane: 100 })).rejects.toThrow(/STORE_LANE .* 1 to 99/);
    await expect(startTill({ timeZone: 'Mars/Olympus' })).rejects.toThrow(/IANA time zone/);
    await expect(startTill({ returnWindowDays: -1 })).rejects.toThrow(/STORE_RETURN_DAYS/);
  });
});
