import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncClient, type ConnectionHandlers, type StoreSyncStorage } from '@storefleet/sync';
import { STORE_DISK_FULL } from '../src/store-node.js';
import { haveChromium, launchChromium, pageErrors, screenshot } from './support/browser.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

/**
 * A full disk at the store, for real: SQLite's `max_page_count` on the node's own connection makes a write that needs
 * a new page fail with SQLITE_FULL, exactly as a full disk does. The lane is told so (507, what to do), nothing of the
 * refused sale is on disk, /healthz says why it is not ok, the hub shows the store's disk full, and the sync link
 * stays up; with space back, the same sale goes through and everything says ok again.
 */
describe.each(dbTargets)('a full disk at the store on $name', (target) => {
  let f: SyncFixture;

  beforeAll(async () => {
    f = await SyncFixture.start(target);
  }, 120_000);
  afterAll(() => f?.stop(), 60_000);

  it('refuses a tender with 507 and says so in /healthz and at the hub, keeps the link, and recovers', async () => {
    // Head office: an admin, and the product in the hub's catalog (so the store's sales count in the hub's ledger).
    const ops = { email: 'ops@example.test', password: 'correct horse battery staple' };
    await f.hub.auth.createUser({ ...ops, name: 'Ops', role: 'ADMIN' });
    const login = await fetch(`${f.hubUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ops),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const hubCall = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(f.hubUrl + path, {
        method,
        headers: { cookie, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    expect(
      (
        await hubCall('POST', '/api/catalog/products/import', {
          items: [{ sku: 'MUG', name: 'Red enamel mug', category: 'Test', priceMinor: 799 }],
        })
      ).status,
    ).toBeLessThan(300);

    const store = await f.store('DISKFULL');
    const { storeId, secret } = f.credentials.get('DISKFULL')!;
    store.db
      .prepare(
        `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
         VALUES ('MUG', NULL, 'Red enamel mug', NULL, NULL, 'Test', 799, 'USD', 'STANDARD', 1)`,
      )
      .run();
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(store.url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
    };
    const BASKETS = 60;
    expect((await call('POST', '/api/stock/movements', { sku: 'MUG', delta: BASKETS, kind: 'RECEIVE' })).status).toBe(
      201,
    );
    await waitFor('the store to connect', () => store.sync.status().phase === 'syncing', 60_000);

    // Baskets ready on every lane, then the disk is one page from full.
    const sales: string[] = [];
    for (let i = 0; i < BASKETS; i++) {
      const sale = (await call('POST', '/api/pos/sales')).body as { id: string };
      expect((await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'MUG', qty: 1 })).status).toBe(200);
      sales.push(sale.id);
    }
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages + 1}`);

    // Tenders until the disk is full.
    let refused: { saleId: string; status: number; type: string | null; body: any } | undefined;
    let sold = 0;
    for (const saleId of sales) {
      const r = await call('POST', `/api/pos/sales/${saleId}/tender`, { kind: 'CASH', givenMinor: 1000 });
      if (r.status !== 200) {
        refused = { saleId, ...r };
        break;
      }
      sold++;
    }
    expect(refused, `all ${BASKETS} tenders went through: the disk never filled`).toBeDefined();
    expect(refused).toMatchObject({
      status: 507,
      type: expect.stringContaining('application/problem+json'),
      body: {
        status: 507,
        title: 'Disk full',
        detail: STORE_DISK_FULL,
        type: 'urn:storefleet:problem:insufficient-storage',
      },
    });
    expect(refused!.body.detail).toBe(
      "the store's disk is full: nothing was recorded. Free space on the store PC, then try again",
    );

    // Nothing of the refused sale is on disk: no sale row, no stock move, no outbox event; its basket is still open.
    const saleRows = store.db.prepare("SELECT id FROM sales WHERE status = 'COMPLETED'").pluck().all() as string[];
    expect(saleRows).toHaveLength(sold);
    expect(saleRows).not.toContain(refused!.saleId);
    const soldRefs = store.db
      .prepare(
        "SELECT DISTINCT json_extract(payload, '$.ref') FROM sync_outbox WHERE type = 'stock.moved' AND json_extract(payload, '$.kind') = 'SALE'",
      )
      .pluck()
      .all() as string[];
    expect(soldRefs.sort()).toEqual([...saleRows].sort());
    expect((await call('GET', '/api/stock/MUG')).body.onHand).toBe(BASKETS - sold);
    expect((await call('GET', `/api/pos/sales/${refused!.saleId}`)).body).toMatchObject({
      status: 'OPEN',
      lines: [expect.objectContaining({ sku: 'MUG', qty: 1 })],
    });

    // /healthz is not ok while the last write failed for lack of space, and says why.
    const health = await fetch(`${store.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'disk-full', reason: STORE_DISK_FULL });

    // The hub shows the store's disk full; the store kept its one connection.
    const { token } = await f.hub.auth.storeToken(storeId, secret);
    const atHub = async () =>
      (await (
        await fetch(`${f.hubUrl}/api/sync/stores/${storeId}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as any;
    const seen = await waitFor(
      'the hub to show the disk full',
      async () => {
        const s = await atHub();
        return s.disk?.full ? s : undefined;
      },
      60_000,
    );
    expect(seen).toMatchObject({
      connected: true,
      disk: { full: true, since: expect.any(Number), reason: expect.stringMatching(/full/i) },
    });
    expect(store.sync.status()).toMatchObject({ phase: 'syncing', reconnects: 0 });

    // Head office sees it on the console's Fleet page: the store's row carries a "disk full" badge saying what to do.
    if (haveChromium) {
      const [name, value] = cookie.split('=') as [string, string];
      const browser = await launchChromium();
      try {
        const context = await browser.newContext();
        await context.addCookies([{ name, value, url: f.hubUrl }]);
        const page = await context.newPage();
        const errors = pageErrors(page);
        await page.goto(`${f.hubUrl}/console/#/fleet`);
        const row = page.getByRole('row').filter({ hasText: 'DISKFULL' });
        const badge = row.getByText('disk full', { exact: true });
        await badge.waitFor({ timeout: 60_000 });
        expect(await badge.getAttribute('title')).toContain(
          'the store cannot record sales until space is freed on the store PC',
        );
        await expect(page.locator('.summary').textContent()).resolves.toContain('1 with a full disk');
        await screenshot(page, 'console-fleet-disk-full');
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }

    // A hold sent down while the disk is full cannot be written either: the store says why and keeps the connection.
    const cursor = store.sync.status().feedCursor;
    // As large as the shared schema lets a hold be (500 lines of 64-character skus), so writing it needs new pages.
    const lines = Array.from({ length: 500 }, (_, i) => ({ sku: `SKU-${String(i).padStart(60, '0')}`, qty: 1 }));
    const hold = {
      id: 'r-big',
      status: 'CONFIRMED',
      customerRef: 'c'.repeat(500),
      lines,
      expiresAt: 4_102_444_800_000,
      updatedAt: 1,
    };
    const head = await f.hub.db.transaction((tx) =>
      f.hub.sync.feed.append(tx, storeId, [{ type: 'reservation.changed', payload: hold }]),
    );
    await waitFor(
      'the store to find it cannot apply the hold',
      () => /disk is full/.test(store.sync.status().lastError ?? ''),
      60_000,
    );
    expect(store.sync.status()).toMatchObject({ phase: 'syncing', reconnects: 0, feedCursor: cursor, parkedFeed: 0 });
    expect(await atHub()).toMatchObject({ connected: true, disk: { full: true } });

    // Space is back: the refused sale goes through as it was, /healthz is ok, the hub hears it.
    store.db.pragma('max_page_count = 1073741823');
    const retried = await call('POST', `/api/pos/sales/${refused!.saleId}/tender`, { kind: 'CASH', givenMinor: 1000 });
    expect(retried).toMatchObject({ status: 200, body: { status: 'COMPLETED', totalMinor: expect.any(Number) } });
    const healthy = await fetch(`${store.url}/healthz`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({ status: 'ok' });
    expect((await call('GET', '/api/stock/MUG')).body.onHand).toBe(BASKETS - sold - 1);
    // (The store renews its connection once, to resume the feed page the full disk left unapplied.)
    const cleared = await waitFor(
      'the hub to show the store connected, its disk no longer full',
      async () => {
        const s = await atHub();
        return s.connected && s.disk && !s.disk.full ? s : undefined;
      },
      60_000,
    );
    expect(cleared).toMatchObject({ connected: true, disk: { full: false, reason: null } });
    // The hold waited, and arrives now (the feed resumes from the store's cursor, nothing skipped or parked).
    await waitFor('the hold to arrive', () => store.sync.status().feedCursor === head, 60_000);
    expect(store.db.prepare('SELECT id FROM bopis_reservations').pluck().all()).toEqual(['r-big']);
    expect(store.sync.status()).toMatchObject({ phase: 'syncing', parkedFeed: 0, lastError: null });
    // The hub's ledger counts every sale once: the refused attempt not at all, its retry once.
    const stockAtHub = async () =>
      (await hubCall('GET', `/api/inventory/stores/${storeId}/stock/MUG`)).body as { onHand?: number };
    await waitFor(
      'the hub to count every sale',
      async () => (await stockAtHub()).onHand === BASKETS - sold - 1,
      60_000,
    );
    expect((await hubCall('GET', `/api/sync/stores/${storeId}`)).body).toMatchObject({ parked: 0, pendingUp: 0 });
  }, 300_000);
});

/** The disk report rides on a frame only a hub that offers it (`store-status` in `welcome`) is sent: old hubs see none. */
describe('the store-status frame', () => {
  const storage: StoreSyncStorage = {
    storeId: 'storeA',
    outboxHead: () => 0,
    ackedSeq: () => 0,
    readBatch: () => [],
    markAcked: () => undefined,
    reconcile: () => 0,
    feedCursor: () => 0,
    applyFeed: () => 0,
    observeHubTime: () => undefined,
  };
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  /** A hub that welcomes the store (with `features`) and records what the store sends it. */
  const hubWith = (features: string[] | undefined) => {
    const frames: { type: string; disk?: unknown }[] = [];
    let handlers: ConnectionHandlers | undefined;
    const connector = {
      connect(h: ConnectionHandlers) {
        handlers = h;
        return Promise.resolve({
          send(text: string) {
            const m = JSON.parse(text) as { type: string };
            frames.push(m);
            if (m.type === 'hello')
              h.onMessage(
                JSON.stringify({
                  type: 'welcome',
                  protocol: 2,
                  hubTime: 1,
                  ackedSeq: 0,
                  feedHead: 0,
                  ...(features ? { features } : {}),
                }),
              );
          },
          close: () => undefined,
        });
      },
    };
    return { frames, connector, connected: () => handlers !== undefined };
  };

  it.each([
    { hub: 'an older hub (no features)', features: undefined, sent: false },
    { hub: 'a hub that takes only feed-parked', features: ['feed-parked'], sent: false },
    { hub: 'a hub that offers store-status', features: ['feed-parked', 'store-status'], sent: true },
  ])('$hub is sent the disk report: $sent', async ({ features, sent }) => {
    const hub = hubWith(features);
    const client = new SyncClient(storage, hub.connector, log, {});
    try {
      client.reportDisk({ full: true, at: 5, reason: 'database or disk is full' }); // before connecting: sent after welcome
      client.start();
      await waitFor('the store to be welcomed', () => client.status.phase === 'syncing', 30_000);
      client.reportDisk({ full: false, at: 6, reason: null });
      const reports = hub.frames.filter((m) => m.type === 'store-status');
      expect(reports).toEqual(
        sent
          ? [
              { type: 'store-status', disk: { full: true, at: 5, reason: 'database or disk is full' } },
              { type: 'store-status', disk: { full: false, at: 6, reason: null } },
            ]
          : [],
      );
      expect(client.status.phase).toBe('syncing');
    } finally {
      client.stop();
    }
  });
});
