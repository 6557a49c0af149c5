import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HubModule, discoverModules } from '@storefleet/central';
import { dbTargets } from '@storefleet/central/testing';
import { OCI_MEDIA_TYPES } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubContext } from '../../../central/src/kernel/module-contract.js';
import { registryParts } from '../../../central/src/modules/registry/index.js';
import type { StoreNode } from '../../src/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const target = dbTargets.at(-1)!;
const ADMIN = { email: 'releases-admin@example.test', password: 'correct horse battery staple' };
const digestOf = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Every file under `dir` (the hub's registry folder), recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );

/**
 * Releases end to end (issue #23): the hub announces a tag of a release repository, the store node pulls it from the
 * hub's `/v2/` with its store token, checks every file by digest, runs it and reports RUNNING through its outbox (the
 * hub's "which store runs which release" shows it); a blob changed on the hub's disk makes the pull FAILED with a
 * digest message (the store keeps running the older release); and the store node serves the store's devices as a
 * pull-through cache — skopeo copies the release from the store node with the hub's digests, and offline from the
 * cache.
 */
describe(`releases to stores (${target.name})`, () => {
  let f: SyncFixture;
  let proxy: TcpProxy;
  let storeA: StoreNode;
  let idA: string;
  let idB: string;
  let admin: string;
  let ctx: HubContext | undefined;
  let v1: { digest: string; blobs: string[] };
  const scratch: string[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(f.hubUrl + path, {
      method,
      headers: { cookie: admin, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const push = async (path: string, body: Buffer, contentType: string) => {
    const res = await fetch(f.hubUrl + path, {
      method: path.includes('/manifests/') ? 'PUT' : 'POST',
      headers: { cookie: admin, 'content-type': contentType },
      body: new Uint8Array(body),
    });
    if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  };
  /** Pushes config + layers and the manifest under `tag`; resolves with the manifest's and the blobs' digests. */
  const pushImage = async (repo: string, tag: string, layers: string[]) => {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } }));
    const blobs = [config, ...layers.map((l) => Buffer.from(l))];
    for (const b of blobs)
      await push(`/v2/${repo}/blobs/uploads/?digest=${digestOf(b)}`, b, 'application/octet-stream');
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MEDIA_TYPES.imageManifest,
        config: { mediaType: OCI_MEDIA_TYPES.imageConfig, digest: digestOf(config), size: config.length },
        layers: blobs.slice(1).map((b) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: digestOf(b),
          size: b.length,
        })),
      }),
    );
    await push(`/v2/${repo}/manifests/${tag}`, manifest, OCI_MEDIA_TYPES.imageManifest);
    return { digest: digestOf(manifest), blobs: blobs.map(digestOf) };
  };
  const storeList = async (store: StoreNode) => {
    const res = await fetch(`${store.url}/api/registry/releases`);
    expect(res.status).toBe(200);
    return (await res.json()) as {
      releases: { track: string; releaseId: string; state: string; detail: string; bytes: number }[];
      running: { track: string; releaseId: string; digest: string }[];
    };
  };
  const hubStores = async (releaseId: string) => {
    const r = await call('GET', `/api/registry/releases/${releaseId}/stores`);
    expect(r.status).toBe(200);
    return new Map<string, { state: string; detail: string; bytes: number }>(
      r.body.items.map((i: { storeId: string }) => [i.storeId, i]),
    );
  };

  beforeAll(async () => {
    const modules = (await discoverModules()).map(
      (m): HubModule =>
        m.name === 'registry'
          ? {
              ...m,
              routes: (c) => {
                ctx = c;
                return m.routes!(c);
              },
            }
          : m,
    );
    const dataDir = target.name === 'pglite' ? mkdtempSync(join(tmpdir(), 'sf-releases-')) : undefined;
    f = await SyncFixture.start(target, { ...(dataDir ? { dataDir } : {}), modules });
    await f.hub.auth.createUser({ ...ADMIN, name: 'Releases admin', role: 'ADMIN' });
    const login = await fetch(`${f.hubUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    admin = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    // store A reaches the hub through a proxy the test can cut (offline); B directly
    proxy = await TcpProxy.start(Number(new URL(f.hubUrl).port));
    const reg = await f.hub.fleet.register({ code: 'RGA', name: 'Store RGA', kind: 'STORE', lat: 40, lon: -74 });
    f.credentials.set('RGA', reg.credential!);
    idA = reg.credential!.storeId;
    storeA = await f.store('RGA', { hub: { url: proxy.url, ...reg.credential! } });
    await f.store('RGB');
    idB = f.credentials.get('RGB')!.storeId;
    v1 = await pushImage('releases/app', 'v1', ['layer one of the app', 'layer two of the app, a little longer']);
  }, 180_000);
  afterAll(async () => {
    await proxy?.close();
    await f?.stop();
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('announced: each store downloads, verifies and runs it, and the hub shows RUNNING', async () => {
    const r = await call('POST', '/api/registry/releases', { repository: 'releases/app', tag: 'v1', note: 'first' });
    expect(r.status).toBe(201);
    const id = r.body.id as string;
    const mine = await waitFor('store A runs v1', async () => {
      const l = await storeList(storeA);
      return l.running.find((x) => x.track === 'app' && x.releaseId === id) ? l : null;
    });
    expect(mine.releases.find((x) => x.track === 'app')).toMatchObject({ releaseId: id, state: 'RUNNING' });
    // every file on the store's disk, by digest
    for (const d of [v1.digest, ...v1.blobs]) {
      const file = join(f.dir, 'RGA-registry', 'blobs', 'sha256', d.slice(7));
      expect(existsSync(file)).toBe(true);
      expect(digestOf(readFileSync(file))).toBe(d);
    }
    const stores = await waitFor('the hub shows both stores RUNNING', async () => {
      const s = await hubStores(id);
      return s.get(idA)?.state === 'RUNNING' && s.get(idB)?.state === 'RUNNING' ? s : null;
    });
    expect(stores.get(idA)!.bytes).toBe(r.body.size);
    const list = await call('GET', '/api/registry/releases?track=app');
    expect(list.body.items[0].states).toMatchObject({ RUNNING: 2, PENDING: 0 });
  }, 120_000);

  it('a blob changed on the hub’s disk: the pull FAILS with a digest message; the store keeps running v1', async () => {
    const v2 = await pushImage('releases/app', 'v2', ['layer one of the app', 'layer two, version 2']);
    const changed = v2.blobs.at(-1)!;
    const file = filesUnder(registryParts(ctx!).dir.path).find((p) => p.includes(changed.slice(7)));
    expect(file, 'the changed layer’s file on the hub').toBeDefined();
    const bytes = readFileSync(file!);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(file!, bytes);
    expect(statSync(file!).size).toBe(bytes.length);

    const r = await call('POST', '/api/registry/releases', { repository: 'releases/app', tag: 'v2', storeIds: [idA] });
    expect(r.status).toBe(201);
    const failed = await waitFor('store A reports FAILED', async () => {
      const s = await hubStores(r.body.id);
      return s.get(idA)?.state === 'FAILED' ? s.get(idA) : null;
    });
    expect(failed.detail).toMatch(/digest mismatch/);
    const local = await storeList(storeA);
    expect(local.releases.find((x) => x.track === 'app')).toMatchObject({ releaseId: r.body.id, state: 'FAILED' });
    expect(local.running.find((x) => x.track === 'app')).toMatchObject({ digest: v1.digest });
    expect(existsSync(join(f.dir, 'RGA-registry', 'blobs', 'sha256', changed.slice(7)))).toBe(false);
  }, 120_000);

  it('a pull-through cache for the store’s devices: skopeo gets the hub’s digests, and offline from the cache', async () => {
    const tool = await pushImage('releases/tool', 't1', ['a tool nobody announced']);
    const skopeo = (ref: string, dir: string) =>
      new Promise<{ code: number; err: string }>((resolve) => {
        const policy = join(dir, '..', `${Math.random().toString(36).slice(2)}-policy.json`);
        writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
        execFile(
          'skopeo',
          [
            '--policy',
            policy,
            'copy',
            '--preserve-digests',
            '--src-tls-verify=false',
            `docker://${ref}`,
            `oci:${dir}:x`,
          ],
          { timeout: 120_000, env: { ...process.env, HOME: join(dir, '..') } },
          (error, _stdout, stderr) => resolve({ code: error ? 1 : 0, err: String(stderr) }),
        );
      });
    const layoutDigest = (dir: string) =>
      (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }).manifests[0]!
        .digest;
    const storeHost = new URL(storeA.url!).host;
    const root = mkdtempSync(join(tmpdir(), 'sf-releases-skopeo-'));
    scratch.push(root);

    const online = await skopeo(`${storeHost}/releases/app:v1`, join(root, 'online'));
    expect(online.err).toBe('');
    expect(online.code).toBe(0);
    expect(layoutDigest(join(root, 'online'))).toBe(v1.digest);
    for (const d of v1.blobs) expect(existsSync(join(root, 'online', 'blobs', 'sha256', d.slice(7)))).toBe(true);

    // a release repository the store was never told of: fetched from the hub on the miss, and kept
    const miss = await fetch(`${storeA.url}/v2/releases/tool/manifests/t1`);
    expect(miss.status).toBe(200);
    expect(miss.headers.get('docker-content-digest')).toBe(tool.digest);
    const blob = await fetch(`${storeA.url}/v2/releases/tool/blobs/${tool.blobs[1]}`);
    expect(blob.status).toBe(200);
    expect(await blob.text()).toBe('a tool nobody announced');
    // not a release repository
    expect((await fetch(`${storeA.url}/v2/images/web/manifests/v1`)).status).toBe(404);

    // offline: the proxy now leads nowhere
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as { port: number }).port;
    await new Promise<void>((r) => dead.close(() => r()));
    proxy.retarget(deadPort);
    proxy.cut();

    const offline = await skopeo(`${storeHost}/releases/app:v1`, join(root, 'offline'));
    expect(offline.err).toBe('');
    expect(offline.code).toBe(0);
    expect(layoutDigest(join(root, 'offline'))).toBe(v1.digest);
    expect((await fetch(`${storeA.url}/v2/releases/tool/manifests/t1`)).headers.get('docker-content-digest')).toBe(
      tool.digest,
    );
    const ranged = await fetch(`${storeA.url}/v2/releases/tool/blobs/${tool.blobs[1]}`, {
      headers: { range: 'bytes=2-5' },
    });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('tool');
    const gone = await fetch(`${storeA.url}/v2/releases/app/manifests/never-pushed`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('MANIFEST_UNKNOWN');
    const noBlob = await fetch(`${storeA.url}/v2/releases/app/blobs/${digestOf('nothing like this')}`);
    expect(noBlob.status).toBe(404);
    expect(((await noBlob.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('BLOB_UNKNOWN');
    proxy.retarget(Number(new URL(f.hubUrl).port));
  }, 240_000);
});
