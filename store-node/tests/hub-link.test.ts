import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '@storefleet/central';
import { createStoreNode } from '../src/index.js';

describe('store node ↔ hub credential', () => {
  let hub: Hub;
  let hubUrl: string;
  let cred: { storeId: string; secret: string };

  beforeAll(async () => {
    hub = await createHub({ dataDir: 'memory', port: 0, logLevel: 'silent', mode: 'test' });
    hubUrl = await hub.start();
    const reg = await hub.fleet.register({ code: 'S100', name: 'Main St', kind: 'STORE', lat: 40, lon: -73 });
    cred = reg.credential!;
  });
  afterAll(() => hub?.stop());

  const nodeWith = (hubCfg: { url: string; storeId: string; secret: string }) =>
    createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-link-')), 's.sqlite'),
      port: 0,
      logLevel: 'silent',
      hub: hubCfg,
    });

  it('gets a token the hub accepts for its own store only', async () => {
    const node = nodeWith({ url: hubUrl, ...cred });
    try {
      const token = await node.hubLink.token();
      expect(node.hubLink.state).toBe('connected');
      expect(await node.hubLink.token()).toBe(token); // cached until near expiry
      const own = await fetch(`${hubUrl}/api/locations/${cred.storeId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(own.status).toBe(200);
      expect(((await own.json()) as { name: string }).name).toBe('Main St');
    } finally {
      await node.stop();
    }
  });

  it('reports a refused credential as unauthorized on /healthz', async () => {
    const node = nodeWith({ url: hubUrl, storeId: cred.storeId, secret: 'not-the-secret' });
    try {
      await expect(node.hubLink.token()).rejects.toThrow(/hub refused the store credential: 401/);
      const url = await node.start();
      const health = (await (await fetch(`${url}/healthz`)).json()) as { hub: { state: string } };
      expect(health.hub.state).toBe('unauthorized');
      expect(JSON.stringify(health)).not.toContain('not-the-secret');
    } finally {
      await node.stop();
    }
  });

  it('reports an unreachable hub and keeps serving', async () => {
    const node = nodeWith({ url: 'http://127.0.0.1:9', ...cred });
    try {
      await expect(node.hubLink.token()).rejects.toThrow(/unreachable/);
      expect(node.hubLink.state).toBe('unreachable');
      const url = await node.start();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await node.stop();
    }
  });
});
