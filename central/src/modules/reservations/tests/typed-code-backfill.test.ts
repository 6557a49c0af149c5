import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcEncode, normaliseTypedCode, typedCodeHash } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';

/** Issue #17: holds granted before typed pickup codes get one after the upgrade, and their store hears of it. */
describe.each(dbTargets)('typed codes for holds from before them, on $name', (target) => {
  let t: TestHub;
  let a: Caller;
  let storeId: string;

  beforeAll(async () => {
    t = await TestHub.start(target, { logLevel: 'silent' });
    const admin = { cookie: await t.login() };
    const store = await t.store('TB-A', admin.cookie!);
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

  it('an open hold without a code gets one, and its store a feed entry with the hash; an ended one does not', async () => {
    const hold = async (who: string) =>
      (await t.call('POST', '/api/reservations', { storeId, customerRef: who, lines: [{ sku: 'KETTLE', qty: 1 }] }, a))
        .body;
    const open = await hold('Old Open');
    const ended = await hold('Old Ended');
    await t.call('POST', `/api/reservations/${ended.id}/release`, {}, a);
    // as they were before typed codes
    await t.hub.db.query('UPDATE reservations SET pickup_code_hash = NULL WHERE id = ANY($1::uuid[])', [
      [open.id, ended.id],
    ]);
    expect((await t.call('GET', `/api/reservations/${open.id}`, undefined, a)).body).not.toHaveProperty('typedCode');

    await t.hub.jobs.enqueue('reservations.typed-code-backfill');
    await expect
      .poll(async () => (await t.call('GET', `/api/reservations/${open.id}`, undefined, a)).body.typedCode, {
        timeout: 30_000,
      })
      .toMatch(/^[0-9A-Z]{3}-[0-9A-Z]{3}$/);
    const typed = (await t.call('GET', `/api/reservations/${open.id}`, undefined, a)).body.typedCode as string;
    const key = (await t.call('GET', '/api/reservations/pickup-key', undefined, a)).body.typedCodeKey as string;
    const { rows } = await t.hub.db.query<{ payload: { pickupCodeHash?: string; status: string } }>(
      `SELECT payload FROM sync_feed WHERE store_id = $1 AND type = 'reservation.changed' AND payload ->> 'id' = $2
       ORDER BY seq DESC LIMIT 1`,
      [storeId, open.id],
    );
    expect(rows[0]!.payload).toMatchObject({
      status: 'HELD',
      pickupCodeHash: typedCodeHash(key, normaliseTypedCode(typed)!),
    });
    const endedNow = await t.hub.db.query<{ h: string | null }>(
      'SELECT pickup_code_hash AS h FROM reservations WHERE id = $1',
      [ended.id],
    );
    expect(endedNow.rows[0]!.h).toBeNull();
  });
});
