import { describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { signedInHub } from './support/signed-in-hub.js';

/**
 * A JSON body nested thousands of levels deep parses (JSON.parse is not recursive) but overflows the stack of any
 * recursive walk after it: with an Idempotency-Key the request fingerprint's JSON.stringify answered 500.
 */
describe('a deeply nested JSON body', () => {
  const hub = signedInHub(dbTargets[0]!);
  const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

  it('is refused with 400 problem+json, with or without an Idempotency-Key, and the hub stays up', async () => {
    for (const key of ['deep-1', undefined]) {
      const res = await fetch(`${hub.t.url}/api/customers`, {
        method: 'POST',
        headers: { cookie: hub.admin, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
        body: deep(8_000),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/nests deeper than 64 levels/);
    }
    const health = await fetch(`${hub.t.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('still takes a body nested as deep as the limit allows', async () => {
    const res = await fetch(`${hub.t.url}/api/customers`, {
      method: 'POST',
      headers: { cookie: hub.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x', extra: JSON.parse(deep(60)) }),
    });
    // Refused by the route's own schema (400 validation), not by the depth rule.
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).not.toMatch(/nests deeper/);
  });
});
