import { afterEach, describe, expect, it } from 'vitest';
import { hlcEncode } from '@storefleet/shared';
import type { HubConfig } from '../src/config.js';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/**
 * External parties are named in the hub's config, never silently simulated: a production hub with no payment provider
 * named refuses orders (and says so at start and in /healthz); one told to use the simulator warns that no money moves.
 */
describe.each(dbTargets)('the payment provider a hub runs with, on $name', (target) => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  /** A hub in `mode` with one store, one lamp in stock and a customer; its log lines are kept. */
  const start = async (overrides: Partial<HubConfig>) => {
    const lines: Record<string, unknown>[] = [];
    const hub = await TestHub.start(target, {
      logLevel: 'warn',
      logDestination: { write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
      ...overrides,
    });
    t = hub;
    const admin = await hub.login();
    const store = (
      await hub.call(
        'POST',
        '/api/locations',
        { code: 'PAY1', name: 'Pay St', kind: 'STORE', lat: 40, lon: -74 },
        { cookie: admin },
      )
    ).body.location.id as string;
    await hub.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'LAMP', name: 'Lamp', category: 'Home', priceMinor: 2000, taxClass: 'ZERO' }] },
      { cookie: admin },
    );
    await hub.hub.sync.repo.applyBatch(
      store,
      [
        {
          origin: store,
          seq: 1,
          hlc: hlcEncode({ wallMs: Date.now(), counter: 0, node: store }),
          type: 'stock.moved',
          payload: { sku: 'LAMP', delta: 5, kind: 'RECEIVE' },
        },
      ],
      0,
    );
    const customer = (await hub.call('POST', '/api/customers', { name: 'Ada Payer' }, { cookie: admin })).body
      .id as string;
    const order = () =>
      hub.call(
        'POST',
        '/api/orders',
        {
          customerId: customer,
          placeKey: `pay-check-${target.name}`,
          lines: [{ sku: 'LAMP', qty: 1 }],
          fulfilment: { type: 'PICKUP', storeId: store },
        },
        { cookie: admin },
      );
    const reserved = async () =>
      Number(
        (await hub.hub.db.query<{ r: number }>("SELECT reserved AS r FROM inventory_stock WHERE sku = 'LAMP'")).rows[0]
          ?.r ?? 0,
      );
    const warnings = () => lines.filter((l) => l.level === 40).map((l) => String(l.msg));
    const health = async () => (await hub.call('GET', '/healthz')).body;
    return { order, reserved, warnings, health };
  };

  it('production with no provider named: the order is refused with 503 and nothing is held; start-up and /healthz say why', async () => {
    const hub = await start({ mode: 'production' });
    const res = await hub.order();
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.detail).toBe(
      'no payment provider is configured: set PAYMENT_PROVIDER (orders cannot be paid until the hub has one)',
    );
    expect(await hub.reserved()).toBe(0);
    expect(hub.warnings()).toContain(
      'EXTERNAL PARTY: no payment provider is configured: set PAYMENT_PROVIDER. Every order is refused (503) until one is.',
    );
    expect(hub.warnings()).toContain(
      'EXTERNAL PARTY: no warehouse adapter is configured: set WAREHOUSE_ADAPTER. Orders shipped from a distribution centre fail at fulfilment until one is.',
    );
    expect(hub.warnings()).toContain(
      'EXTERNAL PARTY: no customer notification sender is configured: set NOTIFICATIONS_SENDER. Notices to customers wait in the outbox until one is.',
    );
    expect(hub.warnings().filter((w) => w.includes('notification sender'))).toHaveLength(1); // said once, not twice
    expect(await hub.health()).toMatchObject({
      status: 'ok',
      mode: 'production',
      externalParties: { payments: 'none', warehouse: 'none', notifications: 'none' },
    });
  });

  it('production with PAYMENT_PROVIDER=simulator: orders go through, and the start-up log and /healthz warn that no money moves', async () => {
    const hub = await start({
      mode: 'production',
      paymentProvider: { adapter: 'simulator' },
      warehouseAdapter: { adapter: 'simulator' },
    });
    expect((await hub.order()).body).toMatchObject({ status: 'CONFIRMED' });
    const warning = 'PAYMENT_PROVIDER=simulator in production: every payment is approved and no money moves';
    expect(hub.warnings()).toContain(`EXTERNAL PARTY: ${warning}`);
    expect(await hub.health()).toMatchObject({
      mode: 'production',
      externalParties: { payments: 'simulator', warehouse: 'simulator' },
      warnings: expect.arrayContaining([warning]),
    });
  });

  it('test mode with nothing named runs the simulators without a warning', async () => {
    const hub = await start({ mode: 'test' });
    expect((await hub.order()).body).toMatchObject({ status: 'CONFIRMED' });
    expect(hub.warnings().filter((w) => w.startsWith('EXTERNAL PARTY'))).toEqual([]);
    expect(await hub.health()).toMatchObject({
      mode: 'test',
      externalParties: { payments: 'simulator', warehouse: 'simulator', notifications: 'simulator' },
      warnings: [],
    });
  });
});
