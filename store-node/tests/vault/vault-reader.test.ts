import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import {
  HubContentUnreachable,
  NOT_ON_DEVICE_YET,
  StoreVaultRepository,
  StoreVaultService,
  VaultCache,
} from '../../src/vault/index.js';
import { sha256 } from './vault-hub-fixture.js';

/** A stream's bytes, whole. */
async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

const id = (n: number) => `7a1d0c00-0000-4000-8000-${String(n).padStart(12, '0')}`;
const versionOf = (n: number, v = 1) => `7b2e0d00-0000-4000-8000-${String(n * 100 + v).padStart(12, '0')}`;

/**
 * The store's document reader without a hub process: the feed's ordering rules (newest changeSeq wins, a removal is
 * not undone by an older entry), the digest check before anything is kept, the offline prefetch's retries while the
 * hub is away, and the refusal when a document is neither cached nor fetchable.
 */
describe('the store’s document reader', () => {
  let node: StoreNode;
  let dir: string;
  const served = new Map<string, Buffer>();
  let hubUp = true;
  let fetches = 0;
  const logged: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const log = {
    info: (obj: Record<string, unknown>, msg: string) => logged.push({ level: 'info', obj, msg }),
    warn: (obj: Record<string, unknown>, msg: string) => logged.push({ level: 'warn', obj, msg }),
    error: (obj: Record<string, unknown>, msg: string) => logged.push({ level: 'error', obj, msg }),
  } as unknown as Logger;
  let vault: StoreVaultService;

  const entry = (type: string, payload: unknown) => ({ seq: 1, type, createdAt: 1, payload });
  const doc = (n: number, changeSeq: number, text: string, o: { offline?: boolean; v?: number; sha?: string } = {}) =>
    entry('vault.doc', {
      documentId: id(n),
      changeSeq,
      name: `Document ${n}.txt`,
      path: ['Folder'],
      tags: [],
      mediaType: 'text/plain',
      size: Buffer.byteLength(text),
      versionId: versionOf(n, o.v ?? 1),
      versionNo: o.v ?? 1,
      sha256: o.sha ?? sha256(Buffer.from(text)),
      offline: o.offline ?? false,
      updatedAt: 1,
    });
  const removed = (n: number, changeSeq: number) =>
    entry('vault.doc-removed', { documentId: id(n), changeSeq, reason: 'REVOKED' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-vault-reader-'));
    node = createStoreNode({ dbPath: join(dir, 'store.sqlite'), port: 0, logLevel: 'silent' });
    vault = new StoreVaultService(
      new StoreVaultRepository(node.db),
      new VaultCache(join(dir, 'cache')),
      node.sync,
      async (documentId, versionNo) => {
        fetches++;
        if (!hubUp) throw new HubContentUnreachable('connection refused');
        const bytes = served.get(`${documentId}@${versionNo}`);
        return bytes ? new Response(new Uint8Array(bytes)) : new Response('{}', { status: 404 });
      },
      log,
      Date.now,
      { retryBaseMs: 50, retryCapMs: 200, online: () => hubUp },
    );
    vault.start();
  });
  afterAll(async () => {
    vault.stop();
    await node.stop();
  });

  it('keeps the newest entry: a late older one is ignored, a removal is not undone by an entry older than it', () => {
    expect(vault.applyDoc(doc(1, 10, 'ten'))).toBe(true);
    expect(vault.applyDoc(doc(1, 5, 'five'))).toBe(false);
    expect(vault.applyDoc(doc(1, 10, 'ten again'))).toBe(false);
    expect(vault.list().map((d) => d.size)).toEqual([3]);
    expect(vault.applyRemoved(removed(1, 12))).toBe(true);
    expect(vault.list()).toEqual([]);
    expect(vault.applyDoc(doc(1, 11, 'eleven'))).toBe(false); // sent before the revoke, arrived after it
    expect(vault.list()).toEqual([]);
    expect(vault.applyDoc(doc(1, 13, 'shared again'))).toBe(true);
    expect(vault.list().map((d) => d.documentId)).toEqual([id(1)]);
    expect(() => vault.applyDoc(entry('vault.doc', { documentId: id(1), changeSeq: 99 }))).toThrow();
  });

  it('bytes that do not match the feed’s digest are discarded and logged, never served', async () => {
    served.set(`${id(2)}@1`, Buffer.from('tampered on the way'));
    vault.applyDoc(doc(2, 20, 'the real text'));
    await expect(vault.open(id(2), 'Handheld 1')).rejects.toMatchObject({ status: 409 });
    expect(readdirSync(join(dir, 'cache'))).not.toContain(id(2));
    expect(readdirSync(join(dir, 'cache')).filter((f) => f.includes('.part-'))).toEqual([]);
    expect(logged.find((l) => l.level === 'error' && l.obj.documentId === id(2))?.msg).toMatch(/did not match/);
    expect(vault.list().find((d) => d.documentId === id(2))!.cached).toBe(false);
  });

  it('an offline document is fetched in the background, retried while the hub is away, kept by id', async () => {
    hubUp = false;
    served.set(`${id(3)}@1`, Buffer.from('offline text'));
    const before = fetches;
    vault.applyDoc(doc(3, 30, 'offline text', { offline: true }));
    for (let i = 0; i < 200 && fetches - before < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(fetches - before).toBeGreaterThanOrEqual(2); // tried, then tried again after the backoff
    expect(vault.list().find((d) => d.documentId === id(3))!.cached).toBe(false);
    // not on the device and the hub away: the sentence that says what to do
    await expect(vault.open(id(3), 'Handheld 1')).rejects.toMatchObject({ status: 503, message: NOT_ON_DEVICE_YET });

    hubUp = true;
    for (let i = 0; i < 200 && !vault.list().find((d) => d.documentId === id(3))!.cached; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(vault.list().find((d) => d.documentId === id(3))!.cached).toBe(true);
    expect(readFileSync(join(dir, 'cache', id(3)), 'utf8')).toBe('offline text');

    hubUp = false;
    const opened = await vault.open(id(3), 'Handheld 1');
    expect(opened.offline).toBe(true);
    expect((await bytesOf(opened.content)).toString('utf8')).toBe('offline text');
    hubUp = true;
  });

  it('a new version is fetched again on open; the old bytes are never served for it', async () => {
    served.set(`${id(4)}@1`, Buffer.from('first'));
    vault.applyDoc(doc(4, 40, 'first'));
    expect((await bytesOf((await vault.open(id(4), 'Handheld 1')).content)).toString('utf8')).toBe('first');
    served.set(`${id(4)}@2`, Buffer.from('second, longer'));
    vault.applyDoc(doc(4, 41, 'second, longer', { v: 2 }));
    expect(vault.list().find((d) => d.documentId === id(4))!.cached).toBe(false);
    hubUp = false;
    await expect(vault.open(id(4), 'Handheld 1')).rejects.toMatchObject({ status: 503 });
    hubUp = true;
    const opened = await vault.open(id(4), 'Handheld 1');
    expect((await bytesOf(opened.content)).toString('utf8')).toBe('second, longer');
    expect(opened.doc.versionNo).toBe(2);
  });

  it('a read of the old version in flight while a new one is fetched, or the document removed, gets the old bytes whole', async () => {
    const old = Buffer.alloc(256 * 1024, 'old version. ');
    const newer = Buffer.alloc(100 * 1024, 'the newer one. ');
    served.set(`${id(5)}@1`, old);
    served.set(`${id(5)}@2`, newer);
    vault.applyDoc(doc(5, 50, old.toString('utf8')));
    // two readers of version 1: the headers each would send come from `doc`, the bytes from `content`
    const first = await vault.open(id(5), 'Handheld 1');
    const second = await vault.open(id(5), 'Handheld 2');
    expect(first.doc).toMatchObject({ versionNo: 1, size: old.length, sha256: sha256(old) });
    // version 2 arrives and is fetched into the cache before either reader has read a byte
    vault.applyDoc(doc(5, 51, newer.toString('utf8'), { v: 2 }));
    const opened2 = await vault.open(id(5), 'Handheld 3');
    expect(opened2.doc.versionNo).toBe(2);
    expect(readFileSync(join(dir, 'cache', id(5)))).toEqual(newer);
    const got = await bytesOf(first.content);
    expect(got.length).toBe(first.doc.size);
    expect(sha256(got)).toBe(first.doc.sha256);
    // then the document is revoked: its file goes, the reader still in flight finishes with what it opened
    vault.applyRemoved(removed(5, 52));
    expect(readdirSync(join(dir, 'cache'))).not.toContain(id(5));
    const got2 = await bytesOf(second.content);
    expect(sha256(got2)).toBe(second.doc.sha256);
    expect(got2.length).toBe(second.doc.size);
    expect(sha256(await bytesOf(opened2.content))).toBe(sha256(newer));
  });
});
