import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcEncode } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';

/** Issue #17, what a hostile caller found: pickup codes in the hub's stored answers, code hashes handed to staff. */
describe.each(dbTargets)('pickup codes are shown, not kept, on $name', (target) => {
  let t: TestHub;
  let a: Caller;
  let admin: Caller;
  let storeId: string;

  beforeAll(async () => {
    t = await TestHub.start(target, { logLevel: 'silent' });
    admin = { cookie: await t.login() };
    const store = await t.store('CK-A', admin.cookie!);
    storeId = store.id;
    a = { bearer: store.token };
    await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'KETTLE', name: 'Kettle', category: 'Kitchen', priceMinor: 3000, taxClass: 'STANDARD' }] },
      admin,
    );
    await t.hub.sync.repo.applyBatch(
      storeId,
      [
        {
          origin: storeId,
          seq: 1,
          hlc: hlcEncode({ wallMs: Date.now(), counter: 1, node: storeId }),
          type: 'stock.moved',
          payload: { sku: 'KETTLE', delta: 10, kind: 'RECEIVE' },
        },
      ],
      0,
    );
  });
  afterAll(() => t?.stop());

  it('the Idempotency-Key store keeps a hold’s answer without its codes; a retry gets the hold, GET its codes', async () => {
    const body = { storeId, customerRef: 'Codey Keeper', lines: [{ sku: 'KETTLE', qty: 1 }] };
    const first = await t.call('POST', '/api/reservations', body, { ...a, idempotencyKey: 'hold-codes-1' });
    expect(first.status).toBe(201);
    expect(first.body.typedCode).toMatch(/^[0-9A-Z]{3}-[0-9A-Z]{3}$/);
    expect(first.body.pickupCode).toMatch(/^SF\d+\./);
    const { rows } = await t.hub.db.query<{ body: string }>(
      "SELECT body FROM idempotency_keys WHERE key = 'hold-codes-1'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.body).toContain(first.body.id);
    expect(rows[0]!.body).not.toContain(first.body.typedCode);
    expect(rows[0]!.body).not.toContain(first.body.typedCode.replace('-', ''));
    expect(rows[0]!.body).not.toContain(first.body.pickupCode);

    const again = await t.call('POST', '/api/reservations', body, { ...a, idempotencyKey: 'hold-codes-1' });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const shown = (await t.call('GET', `/api/reservations/${first.body.id}`, undefined, a)).body;
    expect(shown.typedCode).toBe(first.body.typedCode);
  });

  it('a store’s list of holds, and a confirm or release, carry no code hash', async () => {
    const hold = (
      await t.call(
        'POST',
        '/api/reservations',
        { storeId, customerRef: 'Hash Less', lines: [{ sku: 'KETTLE', qty: 1 }] },
        a,
      )
    ).body;
    const listed = await t.call('GET', `/api/stores/${storeId}/reservations`, undefined, admin);
    expect(listed.status).toBe(200);
    expect(listed.body.items.length).toBeGreaterThan(0);
    for (const item of listed.body.items) expect(item).not.toHaveProperty('pickupCodeHash');
    const confirmed = await t.call('POST', `/api/reservations/${hold.id}/confirm`, {}, a);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).not.toHaveProperty('pickupCodeHash');
  });
});
