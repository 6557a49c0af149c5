import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OCI_MEDIA_TYPES, type RegistryRelease, type RegistryReleaseStatus } from '@storefleet/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { waitFor } from '../support/sync-fixture.js';
import {
  HubRegistryUnreachable,
  RegistryBlobCache,
  STORE_NODE_NOT_RESTARTED,
  StoreReleaseRepository,
  StoreReleases,
} from '../../src/registry/index.js';

const digestOf = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * The store side of a release without a hub: a fake `/v2/` that counts what it is asked, so the test sees a pull
 * resumed after a crash fetch only what is missing, reports go up through the outbox in order, an unreachable hub is a
 * wait (not a failure), an older feed entry changes nothing, and the `store-node` track stops at VERIFIED.
 */
describe('a store’s release pull', () => {
  let dir: string;
  let node: StoreNode;
  let releases: StoreReleases;
  let cache: RegistryBlobCache;
  const files = new Map<string, Buffer>();
  const asked: string[] = [];
  let unreachable = false;
  let seq = 0;

  const layerA = Buffer.from('layer A bytes');
  const layerB = Buffer.from('layer B bytes, longer');
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MEDIA_TYPES.imageManifest,
      config: { mediaType: OCI_MEDIA_TYPES.imageConfig, digest: digestOf(config), size: config.length },
      layers: [layerA, layerB].map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: digestOf(l),
        size: l.length,
      })),
    }),
  );
  const entry = (track: string, extra: Partial<RegistryRelease> = {}): RegistryRelease => ({
    releaseId: randomUUID(),
    track,
    changeSeq: 1,
    repository: 'releases/app',
    tag: 'v1',
    digest: digestOf(manifest),
    mediaType: OCI_MEDIA_TYPES.imageManifest,
    size: manifest.length + config.length + layerA.length + layerB.length,
    note: '',
    withdrawn: false,
    announcedAt: Date.now(),
    ...extra,
  });
  const apply = (e: RegistryRelease) =>
    releases.applyRelease({ seq: ++seq, type: 'registry.release', payload: e, createdAt: Date.now() });
  const reports = (releaseId: string): RegistryReleaseStatus[] =>
    (
      node.db.prepare(`SELECT payload FROM sync_outbox WHERE type = 'registry.release-status' ORDER BY seq`).all() as {
        payload: string;
      }[]
    )
      .map((r) => JSON.parse(r.payload) as RegistryReleaseStatus)
      .filter((r) => r.releaseId === releaseId);
  const track = (name: string) => releases.list().releases.find((r) => r.track === name);
  /** Polls until `track`'s row is in `state` (bounded), then waits for the pull under way to end. */
  const reaches = async (name: string, state: string) => {
    await waitFor(`${name} ${state}`, () => track(name)?.state === state);
    await releases.idle();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-store-releases-'));
    node = createStoreNode({ dbPath: join(dir, 'store.sqlite'), port: 0, logLevel: 'silent', mode: 'test' });
    for (const b of [manifest, config, layerA, layerB]) files.set(digestOf(b), b);
    cache = new RegistryBlobCache(join(dir, 'registry'));
    releases = new StoreReleases(
      new StoreReleaseRepository(node.db),
      cache,
      node.sync,
      async (path) => {
        asked.push(path);
        if (unreachable) throw new HubRegistryUnreachable('connect ECONNREFUSED');
        const digest = path.split('/').at(-1)!;
        const bytes = files.get(digest);
        if (!bytes) return new Response('{"errors":[{"code":"BLOB_UNKNOWN","message":"no"}]}', { status: 404 });
        return new Response(new Uint8Array(bytes), {
          status: 200,
          headers: {
            'content-type': path.includes('/manifests/') ? OCI_MEDIA_TYPES.imageManifest : 'application/octet-stream',
          },
        });
      },
      node.log,
      Date.now,
      { retryBaseMs: 60_000 },
    );
    releases.start();
  });
  afterAll(async () => {
    releases?.stop();
    await releases?.idle();
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    asked.length = 0;
    unreachable = false;
  });

  it('resumed after a crash: a blob already on disk is not fetched again; DOWNLOADING → VERIFIED → RUNNING go up in order', async () => {
    // a crash after layer A was kept: its checked file is there
    writeFileSync(cache.pathOf(digestOf(layerA)), layerA);
    const e = entry('app');
    expect(apply(e)).toBe(true);
    await reaches('app', 'RUNNING');
    expect(asked.filter((p) => p.includes(digestOf(layerA)))).toEqual([]);
    expect(asked.filter((p) => p.includes(digestOf(layerB)))).toHaveLength(1);
    const sent = reports(e.releaseId);
    expect(sent.map((r) => r.state)).toEqual(['DOWNLOADING', 'VERIFIED', 'RUNNING']);
    expect(sent.at(-1)).toMatchObject({ digest: e.digest, track: 'app', bytes: e.size });
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at).toBeGreaterThan(sent[i - 1]!.at);
    expect(releases.list().running).toEqual([expect.objectContaining({ track: 'app', releaseId: e.releaseId })]);
    // the same entry again, or an older one, changes nothing
    expect(apply(e)).toBe(false);
    expect(apply({ ...entry('app'), changeSeq: 1 })).toBe(false);
    expect(() => apply({ ...entry('app'), digest: 'sha256:nope' })).toThrow();
  });

  it('an unreachable hub is a wait, not a failure; the store-node track stops at VERIFIED', async () => {
    unreachable = true;
    // another repository: its manifest is not on this node yet (the blobs from the first test are)
    const e = entry('store-node', { changeSeq: 1, repository: 'releases/store-node' });
    apply(e);
    await waitFor('the wait recorded', () => /waiting for the hub/.test(track('store-node')?.detail ?? ''));
    await releases.idle();
    const row = track('store-node')!;
    expect(row.state).toBe('DOWNLOADING');
    expect(row.detail).toMatch(/waiting for the hub/);
    expect(reports(e.releaseId).map((r) => r.state)).toEqual(['DOWNLOADING']);

    unreachable = false;
    apply({ ...e, changeSeq: 2, releaseId: randomUUID() });
    await reaches('store-node', 'VERIFIED');
    await waitFor('the not-restarted note', () => track('store-node')?.detail === STORE_NODE_NOT_RESTARTED);
    const next = track('store-node')!;
    expect(next.state).toBe('VERIFIED');
    expect(next.detail).toBe(STORE_NODE_NOT_RESTARTED);
    expect(releases.list().running.some((r) => r.track === 'store-node')).toBe(false);
  });
});
