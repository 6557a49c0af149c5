import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { UnauthorizedError, type StoreId } from '@storefleet/shared';

const ISSUER = 'storefleet-hub';
const AUDIENCE = 'storefleet-store';

export interface StoreTokenClaims {
  readonly storeId: StoreId;
  /** The credential version the token was issued under; a rotation makes older tokens invalid. */
  readonly credentialVersion: number;
  readonly expiresAt: number;
}

/** Short-lived HS256 tokens a store node gets for its credential; the key is shared by all hub replicas. */
export class StoreTokens {
  readonly #key: Uint8Array;

  constructor(keyBase64url: string) {
    this.#key = Buffer.from(keyBase64url, 'base64url');
  }

  async issue(
    storeId: string,
    credentialVersion: number,
    now: number,
    ttlSeconds: number,
  ): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(now / 1000);
    const token = await new SignJWT({ cv: credentialVersion, kind: 'store' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(storeId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(this.#key);
    return { token, expiresAt: (iat + ttlSeconds) * 1000 };
  }

  /** Throws UnauthorizedError saying why (expired, bad signature, malformed). */
  async verify(token: string, now: number): Promise<StoreTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: new Date(now),
      });
      if (payload.kind !== 'store' || typeof payload.sub !== 'string' || typeof payload.cv !== 'number') {
        throw new UnauthorizedError('store token has the wrong claims');
      }
      return { storeId: payload.sub as StoreId, credentialVersion: payload.cv, expiresAt: (payload.exp ?? 0) * 1000 };
    } catch (err) {
      if (err instanceof UnauthorizedError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new UnauthorizedError('store token expired; request a new one');
      throw new UnauthorizedError('store token is not valid');
    }
  }
}
