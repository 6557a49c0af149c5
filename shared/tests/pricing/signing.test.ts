import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exitDoorKey,
  newSigningKeyPair,
  readCoupon,
  readExitToken,
  signCoupon,
  signExitToken,
  verifyCoupon,
  verifyExitToken,
} from '../../src/pricing/signing.js';
import type { SigningKey } from '../../src/pricing/types.js';
import { STORE_A, STORE_B, T0 } from './helpers.js';

const pair = newSigningKeyPair('k1');
const other = newSigningKeyPair('k1');
const keys: SigningKey[] = [{ keyId: 'k1', publicKey: pair.publicKey, createdAt: T0 - 1e9, retiredAt: null }];
const PROMO = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const claims = { keyId: 'k1', promotionId: PROMO, serial: 4711, expiresAt: T0 + 86_400_000 };
const code = signCoupon(pair.privateKey, claims);

const flipBit = (s: string, bit: number) => {
  const buf = Buffer.from(s, 'base64url');
  buf[Math.floor(bit / 8) % buf.length]! ^= 1 << (bit % 8);
  return buf.toString('base64url');
};

describe('coupons', () => {
  it('are short printable codes that verify offline and say which coupon they are', () => {
    expect(code).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(code.length).toBeLessThanOrEqual(125);
    expect(readCoupon(code)).toEqual(claims);
    expect(verifyCoupon(code, keys, T0)).toEqual({ ok: true, claims, couponId: `${PROMO}:4711` });
    expect(verifyCoupon(`  ${code}\n`, keys, T0).ok).toBe(true);
  });

  it('are refused when a single bit anywhere is flipped', () => {
    const bits = Buffer.from(code, 'base64url').length * 8;
    for (let bit = 0; bit < bits; bit++) {
      const v = verifyCoupon(flipBit(code, bit), keys, T0);
      expect(v.ok, `bit ${bit}`).toBe(false);
      if (!v.ok) expect(['FORGED', 'MALFORMED', 'UNKNOWN_KEY', 'EXPIRED']).toContain(v.refusal);
    }
    // A character changed in the text (also in the last character's unused bits) is refused too.
    const last = code.at(-1)!;
    const changed = code.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    expect(verifyCoupon(changed, keys, T0).ok).toBe(false);
  });

  it('signed by another key with the same id, or by an unknown key, or a retired one, are refused with why', () => {
    const forged = signCoupon(other.privateKey, claims);
    expect(verifyCoupon(forged, keys, T0)).toMatchObject({ ok: false, refusal: 'FORGED' });
    const unknown = signCoupon(other.privateKey, { ...claims, keyId: 'k9' });
    expect(verifyCoupon(unknown, keys, T0)).toMatchObject({ ok: false, refusal: 'UNKNOWN_KEY' });
    const retired = [{ ...keys[0]!, retiredAt: T0 }];
    expect(verifyCoupon(code, retired, T0 - 1).ok).toBe(true);
    const r = verifyCoupon(code, retired, T0);
    expect(r).toMatchObject({ ok: false, refusal: 'RETIRED_KEY' });
    if (!r.ok) expect(r.message).toContain('2026-11-30 12:00 UTC');
  });

  it('expire exactly at expiresAt', () => {
    expect(verifyCoupon(code, keys, claims.expiresAt - 1).ok).toBe(true);
    const v = verifyCoupon(code, keys, claims.expiresAt);
    expect(v).toEqual({ ok: false, refusal: 'EXPIRED', message: 'This coupon expired on 2026-12-01 12:00 UTC.' });
  });

  it('keep any id and time exactly (non-UUID promotions, odd milliseconds)', () => {
    const odd = { keyId: 'key_2', promotionId: 'spring-sale', serial: 0, expiresAt: T0 + 1234 };
    const c = signCoupon(pair.privateKey, odd);
    expect(readCoupon(c)).toEqual(odd);
    expect(verifyCoupon(c, [{ ...keys[0]!, keyId: 'key_2' }], T0)).toMatchObject({ ok: true, claims: odd });
  });

  it('verification never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.base64String()), (s) => {
        const v = verifyCoupon(s, keys, T0);
        expect(v.ok).toBe(false);
        if (!v.ok) expect(v.message.length).toBeGreaterThan(0);
        expect(verifyExitToken(s, keys, { storeId: STORE_A, at: T0 }).ok).toBe(false);
        expect(readCoupon(s)).toBeNull();
      }),
      { numRuns: 300 },
    );
    for (const s of ['', '\0', `${code}\0`, code.repeat(100), 'x'.repeat(5_000_000), null, undefined, 42, {}]) {
      expect(verifyCoupon(s as string, keys, T0)).toMatchObject({ ok: false, refusal: 'MALFORMED' });
    }
    const badKeys = [{ keyId: 'k1', publicKey: '!!', createdAt: 0, retiredAt: null }];
    expect(verifyCoupon(code, badKeys, T0)).toMatchObject({ ok: false, refusal: 'FORGED' });
  });

  it('an exit token is not a coupon and a coupon is not an exit token', () => {
    const t = signExitToken(pair.privateKey, {
      keyId: 'k1',
      sessionId: PROMO,
      storeId: STORE_A,
      itemCount: 1,
      totalMinor: 1,
      issuedAt: T0,
      validUntil: T0 + 1,
      audit: false,
    });
    expect(verifyCoupon(t, keys, T0)).toMatchObject({ ok: false, refusal: 'MALFORMED' });
    expect(verifyExitToken(code, keys, { storeId: STORE_A, at: T0 })).toMatchObject({
      ok: false,
      refusal: 'MALFORMED',
    });
  });
});

describe('exit tokens', () => {
  const exit = {
    keyId: 'k1',
    sessionId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c',
    storeId: STORE_A,
    itemCount: 7,
    totalMinor: 12_345,
    issuedAt: T0 + 17,
    validUntil: T0 + 15 * 60_000,
    audit: true,
  };
  const token = signExitToken(pair.privateKey, exit);
  const doorA = [{ keyId: 'k1', key: exitDoorKey(pair.privateKey, STORE_A) }];

  it('verify at their store within their window, with every claim back', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{1,200}$/);
    expect(verifyExitToken(token, keys, { storeId: STORE_A, at: T0 + 60_000, doorKeys: doorA })).toEqual({
      ok: true,
      claims: exit,
    });
  });

  it('seal the audit decision: without the door key an audited token cannot be told from another; the door reads both', () => {
    const audited = signExitToken(pair.privateKey, { ...exit, audit: true });
    const passed = signExitToken(pair.privateKey, { ...exit, audit: false });
    expect(audited.length).toBe(passed.length);
    const a = Buffer.from(audited, 'base64url');
    const p = Buffer.from(passed, 'base64url');
    const claimsEnd = a.length - 64;
    // every claim byte is the same (no readable flag) but the last 8 before the signature: the seal
    expect(a.subarray(0, claimsEnd - 8).equals(p.subarray(0, claimsEnd - 8))).toBe(true);
    expect(a.subarray(claimsEnd - 8, claimsEnd).equals(p.subarray(claimsEnd - 8, claimsEnd))).toBe(false);
    // the seal is HMAC-SHA256(door key, sessionId ‖ 0 ‖ audit bit), truncated to 8 bytes, and nothing else
    const seal = (audit: boolean) =>
      createHmac('sha256', Buffer.from(doorA[0]!.key, 'base64url'))
        .update(Buffer.concat([Buffer.from(exit.sessionId), Buffer.from([0, audit ? 1 : 0])]))
        .digest()
        .subarray(0, 8);
    expect(a.subarray(claimsEnd - 8, claimsEnd).equals(seal(true))).toBe(true);
    expect(p.subarray(claimsEnd - 8, claimsEnd).equals(seal(false))).toBe(true);
    // what the customer can read of either is the same
    expect(readExitToken(audited)).toEqual(readExitToken(passed));
    expect(readExitToken(audited)?.audit).toBe(false);
    // the door of the token's store reads each right, offline
    const at = T0 + 60_000;
    expect(verifyExitToken(audited, keys, { storeId: STORE_A, at, doorKeys: doorA })).toEqual({
      ok: true,
      claims: { ...exit, audit: true },
    });
    expect(verifyExitToken(passed, keys, { storeId: STORE_A, at, doorKeys: doorA })).toEqual({
      ok: true,
      claims: { ...exit, audit: false },
    });
    expect(readExitToken(audited, doorA)?.audit).toBe(true);
    expect(readExitToken(passed, doorA)?.audit).toBe(false);
    // a door with no door key for the token's key (or another store's) cannot tell: it checks the bag
    const doorB = [{ keyId: 'k1', key: exitDoorKey(pair.privateKey, STORE_B) }];
    for (const doorKeys of [[], doorB, [{ keyId: 'k2', key: doorA[0]!.key }]])
      expect(verifyExitToken(passed, keys, { storeId: STORE_A, at, doorKeys })).toEqual({
        ok: true,
        claims: { ...exit, audit: true },
        auditUnread: true,
      });
    // a store's door key is its own and per signing key
    expect(exitDoorKey(pair.privateKey, STORE_A)).not.toBe(exitDoorKey(pair.privateKey, STORE_B));
    expect(exitDoorKey(pair.privateKey, STORE_A)).not.toBe(exitDoorKey(other.privateKey, STORE_A));
  });

  it('are refused at another store, after their window, from the future, forged, or under a retired key', () => {
    expect(verifyExitToken(token, keys, { storeId: STORE_B, at: T0 })).toMatchObject({ refusal: 'WRONG_STORE' });
    expect(verifyExitToken(token, keys, { storeId: STORE_A, at: exit.validUntil })).toMatchObject({
      refusal: 'EXPIRED',
    });
    expect(verifyExitToken(token, keys, { storeId: STORE_A, at: T0 - 3_600_000 })).toMatchObject({
      refusal: 'NOT_YET',
    });
    for (let bit = 0; bit < Buffer.from(token, 'base64url').length * 8; bit += 3)
      expect(verifyExitToken(flipBit(token, bit), keys, { storeId: STORE_A, at: T0 }).ok).toBe(false);
    // Signed after its key was retired (the hub's clock), though checked before the retirement time at the door.
    const lateKeys = [{ ...keys[0]!, retiredAt: T0 }];
    expect(verifyExitToken(token, lateKeys, { storeId: STORE_A, at: T0 - 1 })).toMatchObject({
      refusal: 'RETIRED_KEY',
    });
    expect(verifyExitToken(token, [], { storeId: STORE_A, at: T0 })).toMatchObject({ refusal: 'UNKNOWN_KEY' });
  });

  it('refuses to sign what cannot be one', () => {
    expect(() => signExitToken(pair.privateKey, { ...exit, validUntil: exit.issuedAt - 1 })).toThrow(RangeError);
    expect(() => signCoupon(pair.privateKey, { ...claims, serial: -1 })).toThrow(RangeError);
    expect(() => newSigningKeyPair('bad id!')).toThrow(RangeError);
  });
});
