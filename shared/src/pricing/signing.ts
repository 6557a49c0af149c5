import type { CouponRefusal, SigningKey } from './types.js';

/**
 * Signed codes the hub issues and stores verify offline with the hub's public keys (Ed25519, node:crypto): single-use
 * coupons and Scan & Go exit tokens. A code is printable ASCII (`[A-Za-z0-9._-]`, at most 200 characters) so it fits a
 * QR code, a Code 128 barcode on paper and a typed field. CONTRACT STUB: lane A implements.
 */

/** A new signing key pair: the public half (raw 32 bytes, base64url) goes to stores, the private half never leaves the hub. */
export interface SigningKeyPair {
  readonly keyId: string;
  readonly publicKey: string;
  /** PKCS#8 DER as base64url. */
  readonly privateKey: string;
}
export function newSigningKeyPair(_keyId?: string): SigningKeyPair {
  throw new Error('not built');
}

export interface CouponClaims {
  readonly keyId: string;
  readonly promotionId: string;
  /** The code's number within its promotion (1, 2, …): `<promotionId>:<serial>` is the coupon's id. */
  readonly serial: number;
  /** Refused from this time on (epoch ms). */
  readonly expiresAt: number;
}
export const couponIdOf = (c: Pick<CouponClaims, 'promotionId' | 'serial'>): string => `${c.promotionId}:${c.serial}`;

export function signCoupon(_privateKey: string, _claims: CouponClaims): string {
  throw new Error('not built');
}
/** The claims of a well-formed code, unverified (to say which coupon a refused code was); null when it is not one. */
export function readCoupon(_code: string): CouponClaims | null {
  return null;
}
export type CouponCheck =
  | { readonly ok: true; readonly claims: CouponClaims; readonly couponId: string }
  | { readonly ok: false; readonly refusal: CouponRefusal; readonly message: string };
export function verifyCoupon(_code: string, _keys: readonly SigningKey[], _at: number): CouponCheck {
  return { ok: false, refusal: 'MALFORMED', message: 'not built' };
}

/** What a Scan & Go exit token says: checked at the door with no network. */
export interface ExitClaims {
  readonly keyId: string;
  readonly sessionId: string;
  readonly storeId: string;
  readonly itemCount: number;
  readonly totalMinor: number;
  readonly issuedAt: number;
  /** The door accepts it until then (epoch ms). */
  readonly validUntil: number;
  /** Drawn at random by the hub when it signed: tells the associate to check the bag. */
  readonly audit: boolean;
}
export const EXIT_REFUSALS = [
  'FORGED',
  'MALFORMED',
  'EXPIRED',
  'NOT_YET',
  'WRONG_STORE',
  'UNKNOWN_KEY',
  'RETIRED_KEY',
] as const;
export type ExitRefusal = (typeof EXIT_REFUSALS)[number];
export type ExitCheck =
  | { readonly ok: true; readonly claims: ExitClaims }
  | { readonly ok: false; readonly refusal: ExitRefusal; readonly message: string };
export function signExitToken(_privateKey: string, _claims: ExitClaims): string {
  throw new Error('not built');
}
export function verifyExitToken(
  _token: string,
  _keys: readonly SigningKey[],
  _where: { readonly storeId: string; readonly at: number },
): ExitCheck {
  return { ok: false, refusal: 'MALFORMED', message: 'not built' };
}
