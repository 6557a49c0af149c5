import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCoupon, verifyCoupon, type SigningKey } from '@storefleet/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../../../index.js';
import { dbTargets, type DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

const postgres = dbTargets.find((t) => t.name === 'postgres');
const DAY = 86_400_000;

/**
 * Two hubs starting at once on one database (Postgres: PGlite is one process's): each ends up able to sign, and every
 * key either signs with is one the stores are told of. With keys files of their own each adds its key; sharing one
 * file they share one key.
 */
describe.skipIf(!postgres)('signing keys with two hubs on one database (Postgres)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'laneC-keys-'));
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts two hubs at once on a new database; the first is a TestHub (its admin signs in at both). */
  const twoHubs = async (files: [string | undefined, string | undefined]) => {
    const place = await postgres!.open();
    cleanups.push(() => place.drop());
    const shared: DbTarget = { name: 'postgres', open: async () => ({ ...place, drop: async () => {} }) };
    const second: Hub = await createHub({
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      databaseUrl: place.databaseUrl,
      ...(files[1] ? { pricingKeysFile: files[1] } : {}),
    });
    const [hub1, url2] = await Promise.all([
      TestHub.start(shared, files[0] ? { pricingKeysFile: files[0] } : {}),
      second.start(),
    ]);
    cleanups.push(() => hub1.stop());
    cleanups.push(() => second.stop());
    const admin = await hub1.login();
    const at2 = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(url2 + path, {
        method,
        headers: { cookie: admin, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    expect(
      (
        await hub1.call(
          'PUT',
          '/api/catalog/products/TWO-1',
          { name: 'Two', category: 'x', priceMinor: 100 },
          { cookie: admin },
        )
      ).status,
    ).toBe(200);
    const promo = await hub1.call(
      'POST',
      '/api/pricing/promotions',
      {
        name: 'Coupon 10 %',
        rule: { kind: 'PERCENT_OFF', target: { skus: ['TWO-1'] }, bp: 1_000 },
        priority: 1,
        stacking: 'STACKABLE',
        from: Date.now() - 1_000,
        to: null,
        couponRequired: true,
      },
      { cookie: admin },
    );
    expect(promo.status).toBe(201);
    const issue = { count: 1, expiresAt: Date.now() + DAY };
    const c1 = await hub1.call('POST', `/api/pricing/promotions/${promo.body.id}/coupons`, issue, { cookie: admin });
    const c2 = await at2('POST', `/api/pricing/promotions/${promo.body.id}/coupons`, issue);
    expect(c1.status).toBe(201);
    expect(c2.status).toBe(201);
    const keys = (await hub1.call('GET', '/api/pricing/keys', undefined, { cookie: admin })).body.keys as SigningKey[];
    return { keys, codes: [c1.body.codes[0] as string, c2.body.codes[0] as string] };
  };

  it('hubs with keys files of their own each add a key; codes from either verify with the keys stores get', {
    timeout: 180_000,
  }, async () => {
    const { keys, codes } = await twoHubs([join(dir, 'one', 'keys.json'), join(dir, 'two', 'keys.json')]);
    expect(keys).toHaveLength(2);
    expect(keys.every((k) => k.retiredAt === null)).toBe(true);
    const signers = codes.map((c) => readCoupon(c)!.keyId);
    expect(new Set(signers).size).toBe(2);
    for (const c of codes) expect(verifyCoupon(c, keys, Date.now())).toMatchObject({ ok: true });
    for (const f of ['one', 'two']) expect(statSync(join(dir, f, 'keys.json')).mode & 0o777).toBe(0o600);
  });

  it('hubs sharing one keys file share one key', { timeout: 180_000 }, async () => {
    const file = join(dir, 'shared', 'keys.json');
    const { keys, codes } = await twoHubs([file, file]);
    expect(keys).toHaveLength(1);
    for (const c of codes) {
      expect(readCoupon(c)!.keyId).toBe(keys[0]!.keyId);
      expect(verifyCoupon(c, keys, Date.now())).toMatchObject({ ok: true });
    }
  });
});
