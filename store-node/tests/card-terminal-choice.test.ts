import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStoreNode, storeNodeConfigFromEnv, type StoreNode, type StoreNodeConfig } from '../src/index.js';

/**
 * The card terminal is an external party: named, or simulated only in demo/test mode. A production node nobody gave a
 * terminal used to approve every card with the simulator; now it refuses card tenders and says why.
 */
describe('the card terminal a store node runs with', () => {
  let node: StoreNode | undefined;
  afterEach(async () => {
    await node?.stop();
    node = undefined;
  });

  const start = async (config: StoreNodeConfig) => {
    node = createStoreNode({
      ...config,
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-terminal-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    node.db
      .prepare(
        `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at) VALUES ('MUG', 'Mug', 'Home', 800, 'USD', 'ZERO', 1)`,
      )
      .run();
    const url = await node.start();
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    await call('POST', '/api/stock/movements', { sku: 'MUG', delta: 5, kind: 'RECEIVE' });
    const sale = (await call('POST', '/api/pos/sales')).body;
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'MUG', qty: 1 });
    return { call, sale: sale.id as string };
  };

  it('production with none named: a card tender is refused with a clear 503, the basket stays open and cash still sells', async () => {
    const { call, sale } = await start({ mode: 'production' });
    const card = await call('POST', `/api/pos/sales/${sale}/tender`, { kind: 'CARD' });
    expect(card.status).toBe(503);
    expect(card.body.detail).toBe(
      'no card terminal is configured at this store node: set STORE_PAYMENT_TERMINAL (the node runs in production mode). Take cash, or call a supervisor',
    );
    expect((await call('GET', `/api/pos/sales/${sale}`)).body).toMatchObject({ status: 'OPEN' });
    expect(
      (await call('POST', `/api/pos/sales/${sale}/tender`, { kind: 'CASH', givenMinor: 1000 })).body,
    ).toMatchObject({ status: 'COMPLETED', tender: { kind: 'CASH' } });
    expect((await call('GET', '/healthz')).body).toMatchObject({
      cardTerminal: 'none',
      warning: expect.stringContaining('card tenders are refused until STORE_PAYMENT_TERMINAL names one'),
    });
  });

  it('production with STORE_PAYMENT_TERMINAL=simulator: cards are approved, and /healthz warns that no money moves', async () => {
    const { call, sale } = await start(
      storeNodeConfigFromEnv({ STORE_PAYMENT_TERMINAL: 'simulator', STORE_DB: 'unused' }),
    );
    expect((await call('POST', `/api/pos/sales/${sale}/tender`, { kind: 'CARD' })).body).toMatchObject({
      status: 'COMPLETED',
      tender: { kind: 'CARD' },
    });
    expect((await call('GET', '/healthz')).body).toMatchObject({
      cardTerminal: 'simulator',
      warning: 'STORE_PAYMENT_TERMINAL=simulator in production: every card is approved and no money moves',
    });
  });

  it('demo mode (npm start) with none named runs the simulator without a warning', async () => {
    const { call, sale } = await start(storeNodeConfigFromEnv({ STORE_MODE: 'demo', STORE_DB: 'unused' }));
    expect((await call('POST', `/api/pos/sales/${sale}/tender`, { kind: 'CARD' })).body).toMatchObject({
      status: 'COMPLETED',
    });
    const health = (await call('GET', '/healthz')).body;
    expect(health.cardTerminal).toBe('simulator');
    expect(health.warning).toBeUndefined();
  });

  it('a mode, terminal or port the node does not know stops it at start, naming the variable', () => {
    expect(() => storeNodeConfigFromEnv({ STORE_MODE: 'prod' })).toThrow(
      'STORE_MODE must be one of production, demo, test (production runs no simulator it was not told to), not "prod"',
    );
    expect(() => storeNodeConfigFromEnv({ STORE_PAYMENT_TERMINAL: 'ingenico' })).toThrow(
      'STORE_PAYMENT_TERMINAL must be simulator (the only terminal driver so far), not "ingenico"',
    );
    for (const port of ['abc', 'NaN', '-1', '1e3', '70000'])
      expect(() => storeNodeConfigFromEnv({ PORT: port })).toThrow(
        `PORT must be a TCP port from 0 to 65535, not "${port}"`,
      );
    expect(storeNodeConfigFromEnv({})).toMatchObject({ mode: 'production', port: 8090 });
  });
});
