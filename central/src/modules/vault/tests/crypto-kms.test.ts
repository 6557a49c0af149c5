import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KmsKeyUnknownError, KmsUnwrapError, LocalKms } from '../kms.js';

describe('LocalKms: master keys in a file outside the database', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vault-kms-test-'));
    file = join(dir, 'keys', 'vault-keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the file with one 256-bit key, readable by its owner only, and leaves no temp or lock file', async () => {
    const kms = await LocalKms.open(file, { now: () => Date.UTC(2026, 10, 29, 12) });
    expect(kms.keyIds()).toEqual(['kek-2026-11-29-1']);
    expect(kms.currentKeyId()).toBe('kek-2026-11-29-1');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.keys).toHaveLength(1);
    expect(Buffer.from(json.keys[0].aes256, 'base64')).toHaveLength(32);
    expect(readdirSync(join(dir, 'keys'))).toEqual(['vault-keys.json']);
  });

  it('wraps a data key so only the same key id unwraps it, and an edited wrapped key is refused', async () => {
    const kms = await LocalKms.open(file);
    const dataKey = randomBytes(32);
    const { kekId, wrapped } = await kms.wrap(dataKey);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect((await kms.unwrap(kekId, wrapped)).equals(dataKey)).toBe(true);
    const edited = Buffer.from(wrapped);
    edited[30] = edited[30]! ^ 1;
    await expect(kms.unwrap(kekId, edited)).rejects.toBeInstanceOf(KmsUnwrapError);
    await expect(kms.unwrap(kekId, wrapped.subarray(0, 40))).rejects.toBeInstanceOf(KmsUnwrapError);
    await expect(kms.unwrap('kek-nope', wrapped)).rejects.toBeInstanceOf(KmsKeyUnknownError);
  });

  it('rotates: new wraps use the new key, data keys under the old one still unwrap, the file keeps both', async () => {
    const kms = await LocalKms.open(file);
    const dk = randomBytes(32);
    const old = await kms.wrap(dk);
    const next = await kms.rotate();
    expect(next).not.toBe(old.kekId);
    expect(kms.currentKeyId()).toBe(next);
    expect(kms.keyIds()).toEqual([old.kekId, next]);
    expect((await kms.wrap(dk)).kekId).toBe(next);
    expect((await kms.unwrap(old.kekId, old.wrapped)).equals(dk)).toBe(true);
    const reopened = await LocalKms.open(file);
    expect(reopened.keyIds()).toEqual([old.kekId, next]);
    expect((await reopened.unwrap(old.kekId, old.wrapped)).equals(dk)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a second process on the same file sees a rotation: at its next wrap, and when asked for a key it lacks', async () => {
    const replicaA = await LocalKms.open(file);
    const replicaB = await LocalKms.open(file);
    const first = replicaA.currentKeyId();
    expect(replicaB.currentKeyId()).toBe(first);
    const next = await replicaA.rotate();
    const dk = randomBytes(32);
    const wrappedByA = await replicaA.wrap(dk);
    expect((await replicaB.unwrap(next, wrappedByA.wrapped)).equals(dk)).toBe(true);
    const replicaC = await LocalKms.open(file);
    await replicaA.rotate();
    expect((await replicaC.wrap(dk)).kekId).toBe(replicaA.currentKeyId());
  });

  it('loses no key when two processes rotate at the same time', async () => {
    const replicas = await Promise.all([LocalKms.open(file), LocalKms.open(file), LocalKms.open(file)]);
    const made = await Promise.all(replicas.flatMap((r) => [r.rotate(), r.rotate()]));
    expect(new Set(made).size).toBe(6);
    const after = await LocalKms.open(file);
    expect(after.keyIds()).toHaveLength(7);
    for (const id of made) expect(after.keyIds()).toContain(id);
    expect(readdirSync(join(dir, 'keys'))).toEqual(['vault-keys.json']);
  });

  it('makes one file when several processes start on a missing file together', async () => {
    const replicas = await Promise.all(Array.from({ length: 4 }, () => LocalKms.open(file)));
    expect(new Set(replicas.map((r) => r.currentKeyId())).size).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys).toHaveLength(1);
  });

  it('tightens a keys file others may read to 0600 and says so', async () => {
    await LocalKms.open(file);
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    await LocalKms.open(file, { onWarning: (w) => warnings.push(w) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings.join()).toContain('0600');
  });

  it('refuses a file that is not a keys file, naming the file and not its content', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ format: 1, keys: [{ id: 'kek-1', aes256: 'c2VjcmV0' }] }));
    const err = await LocalKms.open(join(dir, 'bad.json')).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('bad.json');
    expect((err as Error).message).not.toContain('c2VjcmV0');
    writeFileSync(join(dir, 'junk.json'), 'not json {');
    await expect(LocalKms.open(join(dir, 'junk.json'))).rejects.toThrow('is not JSON');
  });

  it('never shows key material when logged or serialised', async () => {
    const kms = await LocalKms.open(file);
    const secret = JSON.parse(readFileSync(file, 'utf8')).keys[0].aes256 as string;
    const hexSecret = Buffer.from(secret, 'base64').toString('hex');
    for (const shown of [inspect(kms, { depth: 10, showHidden: true }), JSON.stringify(kms)]) {
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain(hexSecret);
    }
  });
});
