import { Router } from 'express';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, discoverModules } from '../src/index.js';
import type { HubModule } from '../src/kernel/module-contract.js';
import { provide } from '../src/kernel/ports.js';
import { CATALOG_PRODUCTS } from '../src/kernel/ports/catalog.js';
import { INVENTORY_HOLDS } from '../src/kernel/ports/inventory.js';
import { PAYMENTS_PROVIDER } from '../src/modules/orders/index.js';
import { dbTargets, type DbTarget } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/**
 * Modules reach each other through typed ports (issue #15): a hub whose modules need a port nobody provides, or that
 * two modules provide, does not start and says which module and which port; a module that asks for a port it did not
 * declare is refused, so what a module declares is what it uses.
 */
async function startFails(target: DbTarget, modules: readonly HubModule[]): Promise<string> {
  const db = await target.open();
  try {
    return await refusal(db, modules);
  } finally {
    await db.drop();
  }
}

/** The refusal's message; on Postgres also that the refused hub closed every connection it opened (none left). */
async function refusal(db: { databaseUrl?: string; dataDir?: string }, modules: readonly HubModule[]): Promise<string> {
  const message = await createOnly(db, modules);
  if (!db.databaseUrl) return message;
  const c = new pg.Client({ connectionString: db.databaseUrl });
  await c.connect();
  const others = async () =>
    (
      await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      )
    ).rows[0]!.n;
  try {
    // a closed pool's backends may take a moment to exit: up to 5 s for them to go before one is called left open
    let left = await others();
    for (let i = 0; i < 50 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await others();
    }
    return left === 0 ? message : `${message} (and left ${left} connection(s) open)`;
  } finally {
    await c.end();
  }
}

async function createOnly(db: { databaseUrl?: string; dataDir?: string }, modules: readonly HubModule[]) {
  try {
    const hub = await createHub({
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      modules,
    });
    await hub.stop();
    return 'the hub was created';
  } catch (err) {
    return (err as Error).message;
  }
}

// A module that prices things from the catalog: it declares the port, and `get` hands it the catalog's typed service.
const pricer: HubModule = {
  name: 'pricer',
  needs: [CATALOG_PRODUCTS],
  uses: [PAYMENTS_PROVIDER],
  routes: (ctx) =>
    Router().get('/pricer/:sku', async (req, res) => {
      const product = await ctx.services.get(CATALOG_PRODUCTS).get(req.params.sku!);
      res.json({
        priceMinor: product?.priceMinor ?? null,
        payments: ctx.services.find(PAYMENTS_PROVIDER) === undefined ? 'none' : 'some',
      });
    }),
};

describe.each(dbTargets)('ports between hub modules on $name', (target) => {
  let all: HubModule[];
  beforeAll(async () => {
    all = await discoverModules();
  });

  it('stops the hub when a module needs a port no module provides, naming both', async () => {
    const message = await startFails(
      target,
      all.filter((m) => m.name !== 'catalog'),
    );
    expect(message).toBe(
      'module carts needs catalog.products (the products carts, orders and stock counts are checked against), which no module provides',
    );
  });

  it('stops the hub when two modules provide one port, naming both', async () => {
    // A provider is checked against the port's type: half a StockHolds does not compile.
    // @ts-expect-error addReserved is missing
    provide(INVENTORY_HOLDS, { lockAvailable: async () => new Map<string, number>() });
    const twin: HubModule = {
      name: 'stock-twin',
      provides: () => [provide(INVENTORY_HOLDS, { lockAvailable: async () => new Map(), addReserved: async () => {} })],
    };
    expect(await startFails(target, [...all, twin])).toBe(
      'inventory.holds is provided by both module inventory and module stock-twin; a port has one provider',
    );
  });

  it('refuses a module that asks for a port it did not declare', async () => {
    const sneak: HubModule = {
      name: 'sneak',
      routes: (ctx) => {
        ctx.services.get(CATALOG_PRODUCTS);
        return Router();
      },
    };
    expect(await startFails(target, [...all, sneak])).toBe(
      'module sneak asked for catalog.products without declaring it in its needs or uses',
    );
  });

  it('stops the hub when a module claims a socket path outside /api/, naming it (and closes what it opened)', async () => {
    const stray: HubModule = { name: 'stray', sockets: () => ({ '/ws': () => {} }) };
    expect(await startFails(target, [...all, stray])).toBe('module stray: socket paths live under /api/, not /ws');
  });

  describe('a module that declares what it asks for', () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await TestHub.start(target, { modules: [...all, pricer] });
    });
    afterAll(() => t?.stop());

    it('gets the typed service of a needed port, and finds an unprovided optional one absent', async () => {
      const admin = await t.login();
      const made = await t.call(
        'PUT',
        '/api/catalog/products/PORT-1',
        { name: 'Port', category: 'Test', priceMinor: 1234, currency: 'USD' },
        { cookie: admin },
      );
      expect(made.status).toBeLessThan(300);
      expect((await t.call('GET', '/api/pricer/PORT-1', undefined, { cookie: admin })).body).toEqual({
        priceMinor: 1234,
        payments: 'none',
      });
    });
  });
});
