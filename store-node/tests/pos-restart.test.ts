import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedTerminal } from '../src/pos/payment-terminal.js';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from './support/browser.js';
import { Child } from './support/child.js';

const STORE = new URL('./support/pos-store.ts', import.meta.url);
const SLOW = 120_000; // a loaded two-core machine starting tsx children

/**
 * The card terminal, in this process and over HTTP, so it outlives the store node it serves (a real terminal is its own
 * device). `mode` says what it does with the next card: answer; charge the card and then never answer (the node dies
 * before hearing); or wait for a tap that never comes (the node dies first, and the terminal drops the request).
 */
class TerminalOverHttp {
  readonly sim = new SimulatedTerminal();
  mode: 'answer' | 'charge-then-hang' | 'hang-before-charge' = 'answer';
  reachable = true;
  /** Sale ids waiting at the terminal for the customer's card. */
  readonly waiting = new Set<string>();
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => void this.#answer(req.url ?? '', JSON.parse(body || '{}'), res));
    });
  }

  async #answer(
    path: string,
    b: { amountMinor: number; currency: string; saleId: string; reference: string; refundId: string },
    res: import('node:http').ServerResponse,
  ): Promise<void> {
    const send = (out: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    if (!this.reachable) return void res.writeHead(503).end('{}');
    if (path === '/lookup') {
      send(this.waiting.has(b.saleId) ? { state: 'pending' } : await this.sim.lookup(b.saleId));
      return;
    }
    if (path === '/void') return void send(await this.sim.void(b.reference, b.saleId));
    if (path === '/refund') return void send(await this.sim.refund(b.reference, b.amountMinor, b.currency, b.refundId));
    if (this.mode === 'hang-before-charge') {
      this.waiting.add(b.saleId);
      res.on('close', () => this.waiting.delete(b.saleId)); // the node went away: the terminal cancels, nothing charged
      return;
    }
    const a = await this.sim.authorise(b.amountMinor, b.currency, b.saleId);
    if (this.mode === 'answer') send(a);
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

async function waitUntil<T>(what: string, check: () => T | Promise<T>, timeoutMs = SLOW): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

describe('open baskets survive a store node killed mid-basket and mid-tender', () => {
  const terminal = new TerminalOverHttp();
  let terminalUrl = '';
  let dbPath = '';
  let store: Child | undefined;
  let url = '';

  /** Starts the node on the file (on `port`, or any), as the Electron shell or a supervisor restarts it. */
  const startStore = async (port = 0) => {
    store = new Child(STORE, [], { STORE_DB: dbPath, STORE_PORT: String(port), TERMINAL_URL: terminalUrl });
    await store.waitFor('READY', SLOW);
    url = store.lines.find((l) => l.startsWith('URL '))!.slice(4);
    return url;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** What the store's file holds for a sale, read by another process. */
  const onDisk = (saleId: string) => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return {
        sales: db.prepare('SELECT status, tender_ref FROM sales WHERE id = ?').all(saleId),
        saleEvents: (
          db
            .prepare("SELECT count(*) AS n FROM sync_outbox WHERE type = 'stock.moved' AND payload LIKE ?")
            .get(`%${saleId}%`) as { n: number }
        ).n,
      };
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    terminalUrl = await terminal.start();
  });
  afterEach(async () => {
    await store?.kill();
    store = undefined;
    terminal.mode = 'answer';
    terminal.reachable = true;
  });
  afterAll(() => terminal.stop());

  const freshFile = () => {
    dbPath = join(mkdtempSync(join(tmpdir(), 'sf-pos-restart-')), 'store.sqlite');
  };
  const basketOf = (b: any) => ({
    status: b.status,
    lines: b.lines.map((l: any) => [l.sku, l.qty]),
    totalMinor: b.totalMinor,
  });

  it('brings a lane’s basket back, lines and quantities, after a SIGKILL mid-scan', { timeout: 4 * SLOW }, async () => {
    freshFile();
    await startStore();
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: '4006381333931' }); // EAN-13 of the headphones
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL', qty: 3 });
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'MUG' });
    await call('PUT', `/api/pos/sales/${sale.id}/lines/CEREAL`, { qty: 2 });
    const before = (await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'HEADPHONES' })).body;
    expect(basketOf(before)).toEqual({
      status: 'OPEN',
      lines: [
        ['HEADPHONES', 2],
        ['CEREAL', 2],
        ['MUG', 1],
      ],
      totalMinor: 2000 + 178 + 698 + 799 + 71,
    });

    await store!.kill();
    await startStore();
    const after = await call('GET', `/api/pos/sales/${sale.id}`);
    expect(after.status).toBe(200);
    expect(basketOf(after.body)).toEqual(basketOf(before));
    expect(after.body).toMatchObject({ payment: null, note: null });
    // The lane carries on where it was and the sale completes once.
    await call('PUT', `/api/pos/sales/${sale.id}/lines/MUG`, { qty: 0 });
    const paid = await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 5000 });
    expect(paid.body).toMatchObject({ status: 'COMPLETED', totalMinor: 2000 + 178 + 698 });
    expect(onDisk(sale.id)).toEqual({ sales: [{ status: 'COMPLETED', tender_ref: null }], saleEvents: 2 });
  });

  it('completes, without asking the card again, a sale the terminal approved just before the node died', {
    timeout: 4 * SLOW,
  }, async () => {
    freshFile();
    await startStore();
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'MUG', qty: 2 });
    terminal.mode = 'charge-then-hang';
    const asked = terminal.sim.authorisations;
    const inFlight = call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CARD' }).catch((err: Error) => err);
    await waitUntil('the card charged at the terminal', () => terminal.sim.authorisations === asked + 1);
    await store!.kill();
    expect(await inFlight).toBeInstanceOf(Error); // the lane never heard
    terminal.mode = 'answer';

    await startStore();
    // The cashier presses Card again: the node asks the terminal what became of this sale instead of charging again.
    const retry = await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CARD' });
    expect(retry.status).toBe(409);
    expect(retry.body.detail).toBe(`sale ${sale.id} is COMPLETED`);
    const seen = (await call('GET', `/api/pos/sales/${sale.id}`)).body;
    expect(seen).toMatchObject({
      status: 'COMPLETED',
      totalMinor: 1598 + 142,
      tender: { kind: 'CARD', reference: expect.stringMatching(/^SIM-/) },
    });
    expect(seen.receipt).toMatch(/TOTAL\s+\$17\.40/);
    expect(terminal.sim.authorisations).toBe(asked + 1);
    expect(onDisk(sale.id)).toEqual({
      sales: [{ status: 'COMPLETED', tender_ref: seen.tender.reference }],
      saleEvents: 1,
    });
  });

  it('reopens a basket whose card was never charged, says so, and charges once on the retry', {
    timeout: 4 * SLOW,
  }, async () => {
    freshFile();
    await startStore();
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'HEADPHONES' });
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL' });
    terminal.mode = 'hang-before-charge';
    const asked = terminal.sim.authorisations;
    const inFlight = call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CARD' }).catch((err: Error) => err);
    await waitUntil('the card awaited at the terminal', () => terminal.waiting.has(sale.id));
    await store!.kill();
    expect(await inFlight).toBeInstanceOf(Error);
    await waitUntil('the terminal dropping the request', () => !terminal.waiting.has(sale.id));
    terminal.mode = 'answer';

    await startStore();
    const reopened = await waitUntil('the basket settled', async () => {
      const b = (await call('GET', `/api/pos/sales/${sale.id}`)).body;
      return b.payment === null ? b : undefined;
    });
    expect(basketOf(reopened)).toEqual({
      status: 'OPEN',
      lines: [
        ['HEADPHONES', 1],
        ['CEREAL', 1],
      ],
      totalMinor: 1000 + 89 + 349,
    });
    expect(reopened.note).toBe(
      'The card was not charged: the store node restarted before the terminal answered. Take payment again.',
    );
    const paid = await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CARD' });
    expect(paid.body).toMatchObject({ status: 'COMPLETED', tender: { kind: 'CARD' } });
    expect(terminal.sim.authorisations).toBe(asked + 1);
    expect(onDisk(sale.id)).toEqual({
      sales: [{ status: 'COMPLETED', tender_ref: paid.body.tender.reference }],
      saleEvents: 2,
    });
  });

  it('keeps a basket waiting, unchangeable, while the terminal cannot be asked, and settles it when it can', {
    timeout: 4 * SLOW,
  }, async () => {
    freshFile();
    await startStore();
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL', qty: 4 });
    terminal.mode = 'charge-then-hang';
    const asked = terminal.sim.authorisations;
    const inFlight = call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CARD' }).catch((err: Error) => err);
    await waitUntil('the card charged at the terminal', () => terminal.sim.authorisations === asked + 1);
    await store!.kill();
    await inFlight;
    terminal.mode = 'answer';
    terminal.reachable = false;

    await startStore();
    const waiting = await waitUntil('the failed look-up shown', async () => {
      const b = (await call('GET', `/api/pos/sales/${sale.id}`)).body;
      return b.note ? b : undefined;
    });
    expect(waiting).toMatchObject({
      status: 'OPEN',
      payment: 'AUTHORISING',
      note: `the card terminal could not be asked whether sale ${sale.id} was paid (the terminal answered 503)`,
    });
    const scan = await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'MUG' });
    expect(scan).toMatchObject({
      status: 409,
      body: { detail: `sale ${sale.id} is waiting for the card terminal to say whether it was paid` },
    });
    const cash = await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 5000 });
    expect(cash.status).toBe(409);
    expect(cash.body.detail).toBe(
      `the card terminal could not be asked whether sale ${sale.id} was paid (the terminal answered 503); the sale stays open and is asked again`,
    );

    terminal.reachable = true;
    const done = await waitUntil('the sale settled', async () => {
      const b = (await call('GET', `/api/pos/sales/${sale.id}`)).body;
      return b.status === 'COMPLETED' ? b : undefined;
    });
    expect(done).toMatchObject({ totalMinor: 1396, tender: { kind: 'CARD' } });
    expect(terminal.sim.authorisations).toBe(asked + 1);
    expect(onDisk(sale.id).saleEvents).toBe(1);
  });

  it('voids the card the terminal approved before the node died when the cashier voids the waiting basket', {
    timeout: 4 * SLOW,
  }, async () => {
    freshFile();
    await startStore();
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'HEADPHONES' });
    terminal.mode = 'charge-then-hang';
    const inFlight = call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CARD' }).catch((err: Error) => err);
    await waitUntil(
      'the card charged at the terminal',
      async () => (await terminal.sim.lookup(sale.id)).state === 'approved',
    );
    await store!.kill();
    await inFlight;
    terminal.mode = 'answer';
    terminal.reachable = false; // the restart cannot settle it: the basket waits
    await startStore();
    const refused = await call('POST', `/api/pos/sales/${sale.id}/void`);
    expect(refused).toMatchObject({
      status: 409,
      body: {
        detail: `the card terminal cannot be asked whether sale ${sale.id} was paid (the terminal answered 503): the sale stays open; void it again when the terminal answers`,
      },
    });

    terminal.reachable = true;
    const voided = await call('POST', `/api/pos/sales/${sale.id}/void`);
    const reference = voided.body.tender?.reference as string;
    expect(voided.body).toMatchObject({
      status: 'VOIDED',
      note: `Voided at the lane. Card payment ${reference} was voided at the terminal: the customer was not charged.`,
    });
    expect(terminal.sim.statement(reference)).toMatchObject({ authorisedMinor: 1089, voided: true, chargedMinor: 0 });
    expect(onDisk(sale.id)).toEqual({ sales: [{ status: 'VOIDED', tender_ref: reference }], saleEvents: 0 });
  });

  describe.skipIf(!haveChromium)('the POS page', () => {
    let browser: Browser | undefined;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());

    it('picks the lane’s basket up after the node restarts and the page reloads', { timeout: 4 * SLOW }, async () => {
      freshFile();
      await startStore();
      const port = new URL(url).port;
      const lane = await browser!.newContext({ viewport: DESKTOP });
      try {
        const page = await lane.newPage();
        const errors = pageErrors(page);
        await page.goto(`${url}/pos.html`);
        for (const code of ['MUG', 'CEREAL', 'MUG']) {
          await page.getByLabel('Scan or type a sku / barcode').fill(code);
          await page.keyboard.press('Enter');
        }
        await expect
          .poll(() => page.getByLabel('Quantity of Red enamel mug').inputValue(), { timeout: SLOW })
          .toBe('2');
        await page.getByLabel('Quantity of Oat cereal 500 g').waitFor({ timeout: SLOW });

        await store!.kill();
        await startStore(Number(port)); // same address: the lane's page is the same origin
        await page.reload();
        await expect
          .poll(() => page.getByLabel('Quantity of Red enamel mug').inputValue(), { timeout: SLOW })
          .toBe('2');
        expect(await page.getByLabel('Quantity of Oat cereal 500 g').inputValue()).toBe('1');
        expect(await page.locator('#total').textContent()).toBe('$20.89');
        await screenshot(page, 'pos-basket-after-restart-1920');
        await page.getByRole('button', { name: /Card/ }).click();
        await page.getByLabel('Receipt', { exact: true }).waitFor({ timeout: SLOW });
        expect(await page.locator('#pay-msg').textContent()).toBe('Paid.');
        expect(errors).toEqual([]);
      } finally {
        await lane.close();
      }
    });
  });
});
