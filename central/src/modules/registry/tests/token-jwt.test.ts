import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type RegistryTokenClaims, signToken, TokenError, unverifiedAudience, verifyToken } from '../token.js';

const KEY = Buffer.alloc(32, 7);
const NOW = Date.UTC(2026, 10, 30, 12);
const claims = (over: Partial<RegistryTokenClaims> = {}): RegistryTokenClaims => ({
  iss: 'storefleet-hub',
  aud: 'storefleet-registry',
  sub: 'store:0b5c2c8e-0000-4000-8000-000000000001',
  iat: NOW / 1000,
  nbf: NOW / 1000,
  exp: NOW / 1000 + 300,
  jti: 'j1',
  access: [{ type: 'repository', name: 'releases/app', actions: ['pull'] }],
  sf: { kind: 'store', storeId: '0b5c2c8e-0000-4000-8000-000000000001' } as RegistryTokenClaims['sf'],
  sfv: 3,
  ...over,
});
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** A token signed with KEY over any header and payload (what an attacker who had the key could not do without it). */
const forge = (header: unknown, payload: unknown, key = KEY) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
};

describe('registry JWT (HS256)', () => {
  it('verifies what it signed, inside its lifetime', () => {
    const t = signToken(claims(), KEY, 'k1');
    expect(verifyToken(t, KEY, NOW).access).toEqual(claims().access);
    expect(verifyToken(t, KEY, NOW + 299_000).sub).toBe(claims().sub);
    expect(verifyToken(t, KEY, NOW).sfv).toBe(3);
    expect(unverifiedAudience(t)).toBe('storefleet-registry');
  });

  it('refuses expiry, a future nbf, another key, another audience or issuer, alg none and junk', () => {
    const t = signToken(claims(), KEY, 'k1');
    const refused = (token: string, at = NOW) => {
      expect(() => verifyToken(token, KEY, at)).toThrow(TokenError);
    };
    refused(t, NOW + 300_000);
    refused(signToken(claims({ nbf: NOW / 1000 + 3600 }), KEY, 'k1'));
    refused(signToken(claims(), Buffer.alloc(32, 8), 'k1'));
    refused(forge({ alg: 'HS256' }, { ...claims(), aud: 'storefleet-hub' }));
    refused(forge({ alg: 'HS256' }, { ...claims(), iss: 'someone' }));
    refused(forge({ alg: 'HS512' }, claims()));
    refused(`${b64({ alg: 'none' })}.${b64(claims())}.`);
    refused(forge({ alg: 'HS256' }, { ...claims(), sf: { kind: 'user', userId: 'u', role: 'ROOT', storeId: null } }));
    refused(forge({ alg: 'HS256' }, { ...claims(), access: 'everything' }));
    // a store's token names the credential version it was issued under; a person's names none
    const { sfv: _dropped, ...noVersion } = claims();
    refused(signToken(noVersion, KEY, 'k1'));
    refused(signToken(claims({ sf: { kind: 'user', userId: 'u', role: 'ADMIN', storeId: null } } as never), KEY, 'k1'));
    refused(forge({ alg: 'HS256' }, { ...claims(), sfv: -1 }));
    refused(forge({ alg: 'HS256' }, { ...claims(), sfv: '3' }));
    for (const junk of ['', 'a.b', 'a.b.c.d', '...', 'é.é.é', `${t}x`, t.replace(/\.[^.]+$/, '.AAAA')]) refused(junk);
  });
});
