import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

const DAY = 86_400_000;

/**
 * Issue #25 review: a production hub keeps the private keys that sign coupons and exit tokens apart from its data.
 * Without PRICING_KEYS_FILE, or with it inside the blob folder, it starts, warns (start-up log and /healthz) and
 * refuses to sign — a coupon batch or a key rotation is a 503 naming the setting — and writes no key beside the data;
 * with the file elsewhere it signs.
 */
describe.each(dbTargets)('pricing keys in production, on $name', (target) => {
  let t: TestHub | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const couponBatch = async (hub: TestHub) => {
    const admin = { cookie: await hub.login() };
    const product = { name: 'Any', category: 'misc', priceMinor: 500 };
    expect((await hub.call('PUT', '/api/catalog/products/ANY', product, admin)).status).toBe(200);
    const promo = await hub.call(
      'POST',
      '/api/pricing/promotions',
      {
        name: 'coupon',
        rule: { kind: 'AMOUNT_OFF', target: { skus: ['ANY'] }, amountMinor: 100 },
        priority: 1,
        stacking: 'STACKABLE',
        from: Date.now() - 60_000,
        to: null,
        couponRequired: true,
      },
      admin,
    );
    expect(promo.status, JSON.stringify(promo.body)).toBe(201);
    const batch = await hub.call(
      'POST',
      `/api/pricing/promotions/${promo.body.id}/coupons`,
      { count: 2, expiresAt: Date.now() + DAY },
      admin,
    );
    const rotate = await hub.call('POST', '/api/pricing/keys/rotate', { retireAfterDays: 1 }, admin);
    return { batch, rotate };
  };

  it('without PRICING_KEYS_FILE, or with it in the blob folder: warns, signs nothing (503 naming the setting), writes no key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pricing-keys-prod-'));
    dirs.push(dir);
    const blobDir = join(dir, 'blobs');
    for (const pricingKeysFile of [undefined, join(blobDir, 'keys', 'pricing-keys.json')]) {
      t = await TestHub.start(target, { mode: 'production', blobDir, pricingKeysFile });
      const health = (await t.call('GET', '/healthz')).body;
      expect(health.warnings.join('\n')).toContain('PRICING_KEYS_FILE');
      const { batch, rotate } = await couponBatch(t);
      for (const r of [batch, rotate]) {
        expect(r.status).toBe(503);
        expect(r.headers.get('content-type')).toContain('application/problem+json');
        expect(JSON.stringify(r.body)).toContain('PRICING_KEYS_FILE');
      }
      expect(existsSync(join(blobDir, 'pricing-keys.json'))).toBe(false);
      expect(existsSync(join(blobDir, 'keys', 'pricing-keys.json'))).toBe(false);
      await t.stop();
      t = undefined;
    }
  }, 120_000);

  it('with PRICING_KEYS_FILE apart from the data: no warning, coupons are signed, the key is there (0600)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pricing-keys-prod-'));
    const keysDir = mkdtempSync(join(tmpdir(), 'pricing-keys-file-'));
    dirs.push(dir, keysDir);
    const pricingKeysFile = join(keysDir, 'pricing-keys.json');
    t = await TestHub.start(target, { mode: 'production', blobDir: join(dir, 'blobs'), pricingKeysFile });
    expect((await t.call('GET', '/healthz')).body.warnings.join('\n')).not.toContain('PRICING_KEYS_FILE');
    const { batch, rotate } = await couponBatch(t);
    expect(batch.status).toBe(201);
    expect(batch.body.codes).toHaveLength(2);
    expect(rotate.status).toBe(201);
    expect(statSync(pricingKeysFile).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'blobs', 'pricing-keys.json'))).toBe(false);
  }, 120_000);
});
