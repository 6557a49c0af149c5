import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OCI_MEDIA_TYPES } from '@storefleet/shared';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import {
  HubRegistryUnreachable,
  RegistryBlobCache,
  registryV2Routes,
  StoreReleaseRepository,
  StoreReleases,
} from '../../src/registry/index.js';
import { waitFor } from '../support/sync-fixture.js';

const digestOf = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const ociError = (status: number, code: string, message: string) =>
  new Response(JSON.stringify({ errors: [{ code, message }] }), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/**
 * The store node's `/v2/` as the devices' pull-through cache, against a fake hub that counts what it is asked: a tag is
 * asked of the hub each time (a re-tag shows, a scan block is the hub's 403 DENIED and forgets the node's tag, a 404
 * too), the node's copy answers only while the hub is away; a digest is served from the node without asking; a suffix
 * Range is the blob's last bytes; two devices missing one blob at once make one download; a device that leaves
 * mid-blob leaves no file open and no error logged.
 */
describe('the store node’s pull-through cache', () => {
  let dir: string;
  let node: StoreNode;
  let releases: StoreReleases;
  let cache: RegistryBlobCache;
  let server: Server;
  let base: string;
  const logged: { level: number; msg: string }[] = [];
  const asked: { method: string; path: string }[] = [];
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const tags = new Map<string, string>();
  const refused = new Map<string, Response>();
  let unreachable = false;
  let blobGate: Promise<void> | null = null;
  let entered = 0;

  const manifestOf = (layer: string) => {
    const b = Buffer.from(layer);
    blobs.set(digestOf(b), b);
    const m = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MEDIA_TYPES.imageManifest,
        config: { mediaType: OCI_MEDIA_TYPES.imageConfig, digest: digestOf(b), size: b.length },
        layers: [],
      }),
    );
    manifests.set(digestOf(m), m);
    return digestOf(m);
  };
  const pull = async (reference: string, repo = 'releases/app') => {
    const res = await fetch(`${base}/v2/${repo}/manifests/${reference}`);
    const text = await res.text();
    return {
      status: res.status,
      digest: res.headers.get('docker-content-digest'),
      error: res.status >= 400 ? (JSON.parse(text) as { errors: { code: string; message: string }[] }).errors[0] : null,
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-pull-through-'));
    node = createStoreNode({ dbPath: join(dir, 'store.sqlite'), port: 0, logLevel: 'silent', mode: 'test' });
    cache = new RegistryBlobCache(join(dir, 'registry'));
    const log = pino(
      { level: 'debug' },
      {
        write: (line: string) => {
          const j = JSON.parse(line) as { level: number; msg: string };
          logged.push({ level: j.level, msg: j.msg });
        },
      },
    );
    releases = new StoreReleases(
      new StoreReleaseRepository(node.db),
      cache,
      node.sync,
      async (path, _accept, _signal, method = 'GET') => {
        asked.push({ method, path });
        if (unreachable) throw new HubRegistryUnreachable('connect ECONNREFUSED');
        const ref = path.split('/').at(-1)!;
        const refusal = refused.get(ref);
        if (refusal) return refusal.clone();
        if (path.includes('/blobs/')) {
          const bytes = blobs.get(ref);
          if (!bytes) return ociError(404, 'BLOB_UNKNOWN', 'no such blob');
          const gate = blobGate;
          const body = new ReadableStream<Uint8Array>({
            async start(c) {
              c.enqueue(bytes.subarray(0, 1));
              await gate;
              c.enqueue(bytes.subarray(1));
              c.close();
            },
          });
          return new Response(body, { status: 200 });
        }
        const digest = ref.startsWith('sha256:') ? ref : tags.get(ref);
        const bytes = digest ? manifests.get(digest) : undefined;
        if (!digest || !bytes) return ociError(404, 'MANIFEST_UNKNOWN', `no manifest ${ref}`);
        const headers = { 'content-type': OCI_MEDIA_TYPES.imageManifest, 'docker-content-digest': digest };
        return new Response(method === 'HEAD' ? null : new Uint8Array(bytes), { status: 200, headers });
      },
      log,
      Date.now,
      { resolveTimeoutMs: 10_000 },
    );
    const fetchBlob = releases.fetchBlob.bind(releases);
    releases.fetchBlob = (...args) => {
      entered++;
      return fetchBlob(...args);
    };
    const app = express();
    app.use((_req, res, next) => {
      res.locals.caller = { role: 'lane', scope: 'lane' };
      next();
    });
    app.use('/v2', registryV2Routes(releases, log));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    asked.length = 0;
    unreachable = false;
    refused.clear();
    blobGate = null;
    entered = 0;
  });

  it('a tag is asked of the hub each time: a re-tag shows, and the node’s copy answers only while the hub is away', async () => {
    const one = manifestOf('release one');
    const two = manifestOf('release two');
    tags.set('v1', one);
    expect(await pull('v1')).toMatchObject({ status: 200, digest: one });

    // unchanged at the hub: a HEAD, and the bytes from the node
    asked.length = 0;
    expect(await pull('v1')).toMatchObject({ status: 200, digest: one });
    expect(asked.map((a) => a.method)).toEqual(['HEAD']);

    tags.set('v1', two);
    expect(await pull('v1')).toMatchObject({ status: 200, digest: two });

    unreachable = true;
    expect(await pull('v1')).toMatchObject({ status: 200, digest: two });
    // a digest is the node's to answer without asking
    asked.length = 0;
    expect(await pull(one)).toMatchObject({ status: 200, digest: one });
    expect(asked).toEqual([]);
  });

  it('a scan block at the hub is 403 DENIED with the hub’s words, and the node forgets the tag', async () => {
    const blocked = manifestOf('release with a critical finding');
    tags.set('v2', blocked);
    expect(await pull('v2')).toMatchObject({ status: 200, digest: blocked });

    refused.set('v2', ociError(403, 'DENIED', 'the scan found CRITICAL CVE-2099-0001; pulls are blocked'));
    const denied = await pull('v2');
    expect(denied.status).toBe(403);
    expect(denied.error!.code).toBe('DENIED');
    expect(denied.error!.message).toContain('CVE-2099-0001');

    // offline now: the node no longer holds the tag it was refused
    unreachable = true;
    const gone = await pull('v2');
    expect(gone.status).toBe(404);
    expect(gone.error!.code).toBe('MANIFEST_UNKNOWN');
  });

  it('a tag the hub no longer has is 404 at the node too, online and then offline', async () => {
    const old = manifestOf('a release later untagged');
    tags.set('v3', old);
    expect(await pull('v3')).toMatchObject({ status: 200, digest: old });
    tags.delete('v3');
    expect((await pull('v3')).status).toBe(404);
    unreachable = true;
    const offline = await pull('v3');
    expect(offline.status).toBe(404);
    expect(offline.error!.code).toBe('MANIFEST_UNKNOWN');
  });

  it('a suffix Range answers the blob’s last bytes; a range outside it is 416 RANGE_INVALID', async () => {
    const bytes = Buffer.from('0123456789');
    await cache.keepBytes(digestOf(bytes), bytes);
    const get = (range: string) => fetch(`${base}/v2/releases/app/blobs/${digestOf(bytes)}`, { headers: { range } });

    const last = await get('bytes=-4');
    expect(last.status).toBe(206);
    expect(last.headers.get('content-range')).toBe('bytes 6-9/10');
    expect(await last.text()).toBe('6789');
    const more = await get('bytes=-100');
    expect(more.status).toBe(206);
    expect(await more.text()).toBe('0123456789');
    expect(await (await get('bytes=3-')).text()).toBe('3456789');

    for (const range of ['bytes=-0', 'bytes=10-', 'bytes=5-2', 'items=0-1']) {
      const bad = await get(range);
      expect(bad.status, range).toBe(416);
      expect(bad.headers.get('content-range')).toBe('bytes */10');
      expect(((await bad.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('RANGE_INVALID');
    }
  });

  it('two devices missing one blob at once: the hub is asked for it once, both get the bytes', async () => {
    const bytes = randomBytes(64 * 1024);
    const digest = digestOf(bytes);
    blobs.set(digest, bytes);
    let open!: () => void;
    blobGate = new Promise<void>((r) => {
      open = r;
    });
    const get = () =>
      fetch(`${base}/v2/releases/app/blobs/${digest}`).then(async (r) => Buffer.from(await r.arrayBuffer()));
    const first = get();
    const second = get();
    // both requests are in fetchBlob (or the old code asked the hub twice) before the hub's answer goes on
    await waitFor('both misses under way', () => entered >= 2 || asked.length >= 2, 60_000);
    open();
    const [a, b] = await Promise.all([first, second]);
    expect(digestOf(a)).toBe(digest);
    expect(digestOf(b)).toBe(digest);
    expect(asked.filter((x) => x.path.endsWith(digest))).toHaveLength(1);
    expect(cache.size(digest)).toBe(bytes.length);
  });

  it('a device gone mid-blob: the file is closed and nothing is logged as an error', async () => {
    const bytes = randomBytes(32 * 1024 * 1024);
    const digest = digestOf(bytes);
    await cache.keepBytes(digest, bytes);
    const file = cache.pathOf(digest);
    const openFiles = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === file;
        } catch {
          return false;
        }
      }).length;
    logged.length = 0;

    const abort = new AbortController();
    const res = await fetch(`${base}/v2/releases/app/blobs/${digest}`, { signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await waitFor('the blob’s file open while it is served', () => openFiles() > 0, 60_000);
    abort.abort();
    await reader.cancel().catch(() => {});

    await waitFor('the blob’s file closed', () => openFiles() === 0, 60_000);
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });
});
