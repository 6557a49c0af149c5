import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  hlcEncode,
  pricingStorePageSchema,
  readCoupon,
  verifyCoupon,
  type PricingStorePage,
  type SigningKey,
} from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

const DAY = 86_400_000;

for (const target of dbTargets) {
  describe(`signing keys and coupons at the hub (${target.name})`, () => {
    let t: TestHub;
    let admin: string;
    const dir = mkdtempSync(join(tmpdir(), 'laneC-coupons-'));
    const keysFile = join(dir, 'keys', 'pricing-keys.json');
    const logs: string[] = [];
    const stores: Record<'a' | 'b', { id: string; token: string; seq: number }> = {} as never;
    let promotionId = '';
    const codes: string[] = [];
    const who = () => ({ cookie: admin });

    /** Every row of the store's pull from 0, as a store would hold them. */
    const pullAll = async (token: string): Promise<{ keys: SigningKey[]; used: Set<string> }> => {
      const keys = new Map<string, SigningKey>();
      const used = new Set<string>();
      let cursor: number | null = 0;
      for (let i = 0; cursor !== null && i < 200; i++) {
        const res = await t.call('GET', `/api/pricing/store-rules?after=${cursor}&limit=500`, undefined, {
          bearer: token,
        });
        expect(res.status).toBe(200);
        const page: PricingStorePage = pricingStorePageSchema.parse(res.body);
        for (const k of page.keys) keys.set(k.keyId, k);
        for (const c of page.usedCoupons) used.add(c.couponId);
        cursor = page.next;
      }
      return { keys: [...keys.values()], used };
    };
    const redeemAt = async (store: 'a' | 'b', code: string, saleId: string) => {
      const s = stores[store];
      const claims = readCoupon(code)!;
      s.seq += 1;
      await t.hub.sync.repo.applyBatch(
        s.id,
        [
          {
            origin: s.id,
            seq: s.seq,
            hlc: hlcEncode({ wallMs: Date.now(), counter: s.seq, node: s.id }),
            type: 'coupon.redeemed',
            payload: {
              couponId: `${claims.promotionId}:${claims.serial}`,
              promotionId: claims.promotionId,
              saleId,
              discountMinor: 250,
              at: Date.now(),
            },
          },
        ],
        0,
      );
    };

    beforeAll(async () => {
      t = await TestHub.start(target, {
        logLevel: 'debug',
        logDestination: { write: (line: string) => void logs.push(line) },
        pricingKeysFile: keysFile,
      });
      admin = await t.login();
      expect(
        (
          await t.call(
            'PUT',
            '/api/catalog/products/CPN-1',
            { name: 'Coupon lamp', category: 'lamps', priceMinor: 2_000 },
            who(),
          )
        ).status,
      ).toBe(200);
      for (const k of ['a', 'b'] as const) {
        const st = await t.store(`CP${k.toUpperCase()}`, admin);
        stores[k] = { id: st.id, token: st.token, seq: 0 };
      }
      const p = await t.call(
        'POST',
        '/api/pricing/promotions',
        {
          name: '$2.50 off the lamp with a coupon',
          rule: { kind: 'AMOUNT_OFF', target: { skus: ['CPN-1'] }, amountMinor: 250 },
          priority: 10,
          stacking: 'STACKABLE',
          from: Date.now() - 60_000,
          to: null,
          couponRequired: true,
        },
        who(),
      );
      expect(p.status).toBe(201);
      promotionId = p.body.id;
    }, 120_000);
    afterAll(async () => {
      await t?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps the private keys in a 0600 file, never in the logs, and lists only public halves', async () => {
      expect(statSync(keysFile).mode & 0o777).toBe(0o600);
      const file = JSON.parse(readFileSync(keysFile, 'utf8')) as { keys: { keyId: string; privateKey: string }[] };
      expect(file.keys.length).toBeGreaterThanOrEqual(1);
      const listed = await t.call('GET', '/api/pricing/keys', undefined, who());
      expect(listed.status).toBe(200);
      expect(listed.body.keys.map((k: SigningKey) => k.keyId)).toEqual(
        expect.arrayContaining(file.keys.map((k) => k.keyId)),
      );
      const text = JSON.stringify(listed.body);
      for (const k of file.keys) expect(text).not.toContain(k.privateKey);
      // people at a store and store tokens do not list keys
      expect((await t.call('GET', '/api/pricing/keys', undefined, { bearer: stores.a.token })).status).toBe(403);
    });

    it('issues a batch of codes once; a store verifies them offline with the keys from its pull; forged and expired are refused', async () => {
      const bad = [
        { count: 0, expiresAt: Date.now() + DAY },
        { count: 10_001, expiresAt: Date.now() + DAY },
        { count: 3, expiresAt: Date.now() - 1 },
        { count: 3 },
      ];
      for (const body of bad) {
        const res = await t.call('POST', `/api/pricing/promotions/${promotionId}/coupons`, body, who());
        expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
      const expiresAt = Date.now() + 30 * DAY;
      const res = await t.call(
        'POST',
        `/api/pricing/promotions/${promotionId}/coupons`,
        { count: 5, expiresAt },
        who(),
      );
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toContain('no-store');
      expect(res.body).toMatchObject({ promotionId, count: 5, firstSerial: 1, expiresAt });
      expect(res.body.codes).toHaveLength(5);
      codes.push(...res.body.codes);
      expect(new Set(codes).size).toBe(5);
      // a second batch continues the serials
      const more = await t.call(
        'POST',
        `/api/pricing/promotions/${promotionId}/coupons`,
        { count: 2, expiresAt },
        who(),
      );
      expect(more.body.firstSerial).toBe(6);
      codes.push(...more.body.codes);
      const batches = await t.call('GET', `/api/pricing/promotions/${promotionId}/coupon-batches`, undefined, who());
      expect(batches.body.batches).toHaveLength(2);
      expect(JSON.stringify(batches.body)).not.toContain(codes[0]!);

      const { keys } = await pullAll(stores.a.token);
      const ok = verifyCoupon(codes[0]!, keys, Date.now());
      expect(ok).toMatchObject({ ok: true, couponId: `${promotionId}:1` });
      // forged: one character of the signature changed
      const c = codes[1]!;
      const last = c.at(-1) === 'A' ? 'B' : 'A';
      expect(verifyCoupon(c.slice(0, -1) + last, keys, Date.now())).toMatchObject({ ok: false });
      // expired at its time
      expect(verifyCoupon(c, keys, expiresAt + 1)).toMatchObject({ ok: false, refusal: 'EXPIRED' });
      // the online check says the same
      const check = await t.call('POST', '/api/pricing/coupons/check', { code: c }, { bearer: stores.a.token });
      expect(check.body).toMatchObject({ status: 'VALID', couponId: `${promotionId}:2` });
      const forged = await t.call('POST', '/api/pricing/coupons/check', { code: `${c.slice(0, -1)}${last}` }, who());
      expect(forged.status).toBe(200);
      expect(forged.body.status).not.toBe('VALID');
      // a store checks for itself only: another store is missing to it (404), as for prices and skus
      const other = await t.call(
        'POST',
        '/api/pricing/coupons/check',
        { code: c, storeId: stores.b.id },
        { bearer: stores.a.token },
      );
      expect(other.status).toBe(404);
      expect(other.headers.get('content-type')).toContain('application/problem+json');
      // the codes never reach the logs
      expect(logs.join('\n')).not.toContain(codes[0]!);
      const file = JSON.parse(readFileSync(keysFile, 'utf8')) as { keys: { privateKey: string }[] };
      for (const k of file.keys) expect(logs.join('\n')).not.toContain(k.privateKey);
    });

    it('records a coupon redeemed at two stores (and reported twice) as one redemption and one double; stores then refuse it', async () => {
      const code = codes[2]!;
      const couponId = `${promotionId}:3`;
      await redeemAt('a', code, 'sale-a-1');
      await redeemAt('a', code, 'sale-a-1'); // the same sale's report again (another seq): the same redemption
      await redeemAt('b', code, 'sale-b-1');
      const firsts = await t.hub.db.query<{ sale_id: string }>(
        'SELECT sale_id FROM pricing_coupon_redemptions WHERE coupon_id = $1',
        [couponId],
      );
      expect(firsts.rows).toEqual([{ sale_id: 'sale-a-1' }]);
      const doubles = await t.call('GET', '/api/pricing/coupons/doubles', undefined, who());
      expect(doubles.status).toBe(200);
      const mine = doubles.body.doubles.filter((d: { couponId: string }) => d.couponId === couponId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        saleId: 'sale-b-1',
        storeId: stores.b.id,
        first: { saleId: 'sale-a-1', storeId: stores.a.id },
      });
      const { used } = await pullAll(stores.b.token);
      expect(used.has(couponId)).toBe(true);
      const check = await t.call('POST', '/api/pricing/coupons/check', { code }, { bearer: stores.b.token });
      expect(check.body).toMatchObject({ status: 'USED', usedStoreId: stores.a.id });
      const batches = await t.call('GET', `/api/pricing/promotions/${promotionId}/coupon-batches`, undefined, who());
      expect(batches.body.batches.find((b: { firstSerial: number }) => b.firstSerial === 1).redeemed).toBe(1);
      // bad cursors are 400s
      const bad = await t.call('GET', '/api/pricing/coupons/doubles?after=xyz', undefined, who());
      expect(bad.status).toBe(400);
    });

    it('rotation: new codes take the new key; old codes stay valid until the old key retires', async () => {
      const before = (await t.call('GET', '/api/pricing/keys', undefined, who())).body.keys as SigningKey[];
      const rotated = await t.call('POST', '/api/pricing/keys/rotate', { retireAfterDays: 1 }, who());
      expect(rotated.status).toBe(201);
      const newKey = rotated.body.key.keyId as string;
      expect(before.map((k) => k.keyId)).not.toContain(newKey);
      expect(statSync(keysFile).mode & 0o777).toBe(0o600);
      const fresh = await t.call(
        'POST',
        `/api/pricing/promotions/${promotionId}/coupons`,
        { count: 1, expiresAt: Date.now() + 30 * DAY },
        who(),
      );
      expect(readCoupon(fresh.body.codes[0])!.keyId).toBe(newKey);
      const { keys } = await pullAll(stores.a.token);
      const old = codes[3]!;
      expect(verifyCoupon(old, keys, Date.now())).toMatchObject({ ok: true });
      expect(verifyCoupon(fresh.body.codes[0], keys, Date.now() + 2 * DAY)).toMatchObject({ ok: true });
      expect(verifyCoupon(old, keys, Date.now() + 2 * DAY)).toMatchObject({ ok: false, refusal: 'RETIRED_KEY' });
      expect(logs.join('\n')).not.toContain(fresh.body.codes[0]);
      for (const body of [{ retireAfterDays: -1 }, { retireAfterDays: 'x' }, { other: 1 }]) {
        const res = await t.call('POST', '/api/pricing/keys/rotate', body, who());
        expect(res.status).toBe(400);
      }
    });
  });
}
