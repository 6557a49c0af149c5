import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TYPED_CODE_MAX_TRIES, typedCodeHash, type FeedEntry } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { CODE_MISSES_PER_WINDOW } from '../src/bopis/bopis-service.js';

/** A store node with no hub, its typed-code key saved; holds arrive as the hub's feed entries would. */
async function desk(dbPath: string, typedKey: string) {
  const node = createStoreNode({ dbPath, port: 0, logLevel: 'silent', mode: 'test' });
  await node.start();
  node.bopis.saveTypedCodeKey(typedKey);
  const hold = (customerRef: string, code: string) => {
    const id = randomUUID();
    const payload = {
      id,
      customerRef,
      status: 'CONFIRMED',
      lines: [{ sku: 'TEA-GREEN', qty: 1 }],
      expiresAt: Date.now() + 72 * 3_600_000,
      createdAt: Date.now(),
      updatedAt: Date.now(),
      pickupCodeHash: typedCodeHash(typedKey, code),
    };
    node.bopis.applyFeed({ seq: 0, type: 'reservation.changed', createdAt: Date.now(), payload } as FeedEntry);
    return id;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const search = (q: string) => call('GET', `/api/bopis/pickups?q=${encodeURIComponent(q)}`);
  return { node, hold, call, search };
}

describe('the desk’s search box cannot get round the typed-code limits', () => {
  const nodes: StoreNode[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
  });
  const fresh = () => ({
    path: join(mkdtempSync(join(tmpdir(), 'sf-code-lock-')), 's.sqlite'),
    key: randomBytes(32).toString('base64url'),
  });

  it('a hold locked by 5 wrong codes is not found by its right code in the search box', async () => {
    const { path, key } = fresh();
    const d = await desk(path, key);
    nodes.push(d.node);
    const id = d.hold('Lee Park', 'ACD3EF');
    for (let i = 0; i < TYPED_CODE_MAX_TRIES; i++)
      expect((await d.call('POST', `/api/bopis/pickups/${id}/verify-code`, { code: 'XXX-XXX' })).body.matched).toBe(
        false,
      );
    expect((await d.call('POST', `/api/bopis/pickups/${id}/verify-code`, { code: 'ACD-3EF' })).status).toBe(409);
    const found = await d.search('ACD-3EF');
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual([]);
    expect(found.body.by).not.toBe('pickup-code');
  });

  it('a six-letter name that matches nobody is not a code miss: names never meet the 429', async () => {
    const { path, key } = fresh();
    const d = await desk(path, key);
    nodes.push(d.node);
    d.hold('Rita Quinn', 'QQQ777');
    for (let i = 0; i < CODE_MISSES_PER_WINDOW + 5; i++) {
      const r = await d.search(['Robert', 'Louise', 'Damian', 'Hannah'][i % 4]!);
      expect(r.status).toBe(200);
      expect(r.body.items).toEqual([]);
    }
    // the store's code budget is untouched: the right code still opens the hold
    const found = await d.search('qqq777');
    expect(found.status).toBe(200);
    expect(found.body.by).toBe('pickup-code');
  });

  it('names typed 3 + 3 with a space (“Ann Lee”, “Joe Doe”) are names: past the store’s cap they never meet the 429', async () => {
    const { path, key } = fresh();
    const d = await desk(path, key);
    nodes.push(d.node);
    d.hold('Rita Quinn', 'QQQ777');
    const names = ['Ann Lee', 'Joe Doe', 'Bob Ray', 'Sue Kim', 'ann lee'];
    for (let i = 0; i < CODE_MISSES_PER_WINDOW + 5; i++) {
      const r = await d.search(names[i % names.length]!);
      expect(r.status).toBe(200);
      expect(r.body.items).toEqual([]);
      expect(r.body.by).toBe('text');
    }
    // the store's code budget is untouched: the right code, typed with its dash, still opens the hold
    const found = await d.search('QQQ-777');
    expect(found.status).toBe(200);
    expect(found.body.by).toBe('pickup-code');
  });

  it('the store-wide code-miss cap survives a restart of the node', async () => {
    const { path, key } = fresh();
    const first = await desk(path, key);
    first.hold('Rita Quinn', 'QQQ777');
    for (let i = 0; i < CODE_MISSES_PER_WINDOW; i++)
      expect((await first.search(`${String(i).padStart(3, '0')}-AAA`)).body.items).toEqual([]);
    expect((await first.search('QQQ-777')).status).toBe(429);
    await first.node.stop();
    const again = await desk(path, key);
    nodes.push(again.node);
    const refused = await again.search('QQQ-777');
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toMatch(/scan the customer’s QR/);
  });
});
