import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

describe('vault master keys that cannot be opened', () => {
  let dir: string;
  let t: TestHub;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vault-keys-broken-'));
    // a folder where the keys file should be: unreadable as a keys file
    t = await TestHub.start(dbTargets[0]!, { vaultKeysFile: dir });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the hub still starts and the vault answers 503 with the reason', async () => {
    const admin = await t.login();
    const res = await t.call('GET', '/api/vault/keys', undefined, { cookie: admin });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.detail).toContain('master keys could not be opened');
    expect(res.body.detail).toContain(dir);
    const rotate = await t.call('POST', '/api/vault/keys/rotate', undefined, { cookie: admin });
    expect(rotate.status).toBe(503);
    expect((await t.call('GET', '/api/healthz')).status).toBeLessThan(500);
  });
});
