import { describe, expect, it } from 'vitest';
import { keyedRequestFingerprint } from '../src/index.js';

describe('an Idempotency-Key request fingerprint', () => {
  const fp = keyedRequestFingerprint('server-secret');
  const upload = (length: string, digest?: string) => ({
    method: 'PUT',
    originalUrl: '/api/vault/documents/d1/content',
    headers: { 'content-length': length, 'content-type': 'text/plain', ...(digest ? { 'repr-digest': digest } : {}) },
  });

  it('tells a streamed upload of another file from a retry of the same one', () => {
    expect(fp(upload('120'))).toBe(fp(upload('120')));
    expect(fp(upload('120'))).not.toBe(fp(upload('121')));
    expect(fp(upload('120', 'sha-256=:AAA=:'))).not.toBe(fp(upload('120', 'sha-256=:BBB=:')));
  });

  it('keeps a JSON request to its body: headers a client may vary do not make a faithful retry another request', () => {
    const json = (length: string) => ({
      method: 'POST',
      originalUrl: '/api/orders',
      body: { sku: 'A' },
      headers: { 'content-length': length, 'content-type': 'application/json' },
    });
    expect(fp(json('13'))).toBe(fp(json('15')));
    expect(fp({ ...json('13'), body: { sku: 'B' } })).not.toBe(fp(json('13')));
  });
});
