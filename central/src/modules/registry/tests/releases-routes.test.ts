import { createHash, randomUUID } from 'node:crypto';
import { OCI_MEDIA_TYPES, type RegistryRelease, registryReleaseSchema } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { parkedOf, StoreOutbox } from '../../../../tests/support/store-outbox.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

const digestOf = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Releases to stores at the hub: head office announces a tag of a release repository, every target store's feed gets
 * `registry.release` (store A and B read their own feeds), a withdraw tells them again, the stores' status reports
 * fill the console's "which store runs which release", and a late report never overwrites a newer one.
 */
describe.each(dbTargets)('registry releases ($name)', (target) => {
  let t: TestHub;
  let admin: string;
  let A: { id: string; token: string };
  let B: { id: string; token: string };
  let C: { id: string; token: string };
  let appDigest: string;
  let layerSize: number;

  /** One raw `/v2/` push of a blob (monolithic) or a manifest, as head office. */
  const push = async (path: string, body: Buffer, contentType: string) => {
    const res = await fetch(t.url + path, {
      method: path.includes('/manifests/') ? 'PUT' : 'POST',
      headers: { cookie: admin, 'content-type': contentType },
      body: new Uint8Array(body),
    });
    if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return res.headers.get('docker-content-digest');
  };
  const pushImage = async (repo: string, tag: string, layerText: string) => {
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    );
    const layer = Buffer.from(layerText);
    await push(`/v2/${repo}/blobs/uploads/?digest=${digestOf(config)}`, config, 'application/octet-stream');
    await push(`/v2/${repo}/blobs/uploads/?digest=${digestOf(layer)}`, layer, 'application/octet-stream');
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MEDIA_TYPES.imageManifest,
        config: { mediaType: OCI_MEDIA_TYPES.imageConfig, digest: digestOf(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length }],
      }),
    );
    await push(`/v2/${repo}/manifests/${tag}`, manifest, OCI_MEDIA_TYPES.imageManifest);
    return { digest: digestOf(manifest), size: manifest.length + config.length + layer.length };
  };
  /** The `registry.release` entries in a store's feed, oldest first (what the store's sync client is sent). */
  const feedOf = async (storeId: string): Promise<RegistryRelease[]> => {
    const { rows } = await t.hub.db.query<{ payload: unknown }>(
      `SELECT payload FROM sync_feed WHERE store_id = $1 AND type = 'registry.release' ORDER BY seq`,
      [storeId],
    );
    return rows.map((r) => registryReleaseSchema.parse(r.payload));
  };
  const announce = (body: unknown, who: { cookie?: string; bearer?: string } = { cookie: admin }) =>
    t.call('POST', '/api/registry/releases', body, who);
  const storesOf = async (releaseId: string) => {
    const r = await t.call('GET', `/api/registry/releases/${releaseId}/stores`, undefined, { cookie: admin });
    expect(r.status).toBe(200);
    return new Map<string, { state: string; detail: string; bytes: number; reportedAt: number | null }>(
      r.body.items.map((i: { storeId: string }) => [i.storeId, i]),
    );
  };
  const releaseCount = async () =>
    Number((await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM registry_releases')).rows[0]!.n);

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    A = await t.store('RELA', admin);
    B = await t.store('RELB', admin);
    C = await t.store('RELC', admin);
    const app = await pushImage('releases/app', 'v1', 'the app, version 1');
    appDigest = app.digest;
    layerSize = app.size;
    await pushImage('images/web', 'v1', 'not a release');
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('announced to every store: each store’s feed has the entry, pinned by digest, with its own changeSeq', async () => {
    const r = await announce({ repository: 'releases/app', tag: 'v1', note: 'first cut' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      repository: 'releases/app',
      tag: 'v1',
      track: 'app',
      digest: appDigest,
      mediaType: OCI_MEDIA_TYPES.imageManifest,
      note: 'first cut',
      storeIds: null,
      withdrawn: false,
      stores: 3,
      states: { PENDING: 3, DOWNLOADING: 0, VERIFIED: 0, RUNNING: 0, FAILED: 0 },
    });
    expect(r.body.size).toBeGreaterThanOrEqual(layerSize);
    for (const s of [A, B, C]) {
      const feed = await feedOf(s.id);
      expect(feed).toHaveLength(1);
      expect(feed[0]).toMatchObject({
        releaseId: r.body.id,
        track: 'app',
        changeSeq: 1,
        digest: appDigest,
        withdrawn: false,
        note: 'first cut',
      });
    }
    const listed = await t.call('GET', '/api/registry/releases', undefined, { cookie: admin });
    expect(listed.status).toBe(200);
    expect(listed.body.items[0]).toMatchObject({ id: r.body.id, stores: 3 });
  });

  it('announced to some stores: only those get it; another track counts on its own', async () => {
    const r = await announce({ repository: 'releases/app', tag: 'v1', track: 'app-canary', storeIds: [A.id] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ track: 'app-canary', storeIds: [A.id], stores: 1 });
    const a = await feedOf(A.id);
    expect(a.map((e) => [e.track, e.changeSeq])).toEqual([
      ['app', 1],
      ['app-canary', 1],
    ]);
    expect(await feedOf(B.id)).toHaveLength(1);
    const again = await announce({ repository: 'releases/app', tag: 'v1', storeIds: [B.id] });
    expect(again.status).toBe(201);
    expect((await feedOf(B.id)).map((e) => [e.track, e.changeSeq])).toEqual([
      ['app', 1],
      ['app', 2],
    ]);
    expect(await feedOf(C.id)).toHaveLength(1);
  });

  it('refuses what is not a release and changes nothing', async () => {
    const before = await releaseCount();
    const feedA = (await feedOf(A.id)).length;
    const notRelease = await announce({ repository: 'images/web', tag: 'v1' });
    expect(notRelease.status).toBe(400);
    expect(notRelease.body.detail).toMatch(/not a release repository/);
    const noTag = await announce({ repository: 'releases/app', tag: 'v9' });
    expect(noTag.status).toBe(404);
    const noStore = await announce({ repository: 'releases/app', tag: 'v1', storeIds: [randomUUID()] });
    expect(noStore.status).toBe(400);
    expect((await announce({ repository: 'releases/app' })).status).toBe(400);
    expect((await announce({ repository: 'releases/app', tag: 'v1', extra: 1 })).status).toBe(400);
    expect((await announce({ repository: 'releases/app', tag: 'v1' }, { bearer: A.token })).status).toBe(403);
    expect(await releaseCount()).toBe(before);
    expect(await feedOf(A.id)).toHaveLength(feedA);
    expect(
      (await t.call('POST', `/api/registry/releases/${randomUUID()}/withdraw`, {}, { cookie: admin })).status,
    ).toBe(404);
    expect((await t.call('GET', '/api/registry/releases/nope/stores', undefined, { cookie: admin })).status).toBe(400);
  });

  it('withdrawn: the stores it went to are told once', async () => {
    const r = await announce({ repository: 'releases/app', tag: 'v1', track: 'pilot', storeIds: [B.id, C.id] });
    expect(r.status).toBe(201);
    const w = await t.call('POST', `/api/registry/releases/${r.body.id}/withdraw`, {}, { cookie: admin });
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ id: r.body.id, withdrawn: true });
    for (const s of [B, C]) {
      const pilot = (await feedOf(s.id)).filter((e) => e.track === 'pilot');
      expect(pilot.map((e) => [e.changeSeq, e.withdrawn])).toEqual([
        [1, false],
        [2, true],
      ]);
    }
    expect((await feedOf(A.id)).some((e) => e.track === 'pilot')).toBe(false);
    const again = await t.call('POST', `/api/registry/releases/${r.body.id}/withdraw`, {}, { cookie: admin });
    expect(again.status).toBe(200);
    expect((await feedOf(B.id)).filter((e) => e.track === 'pilot')).toHaveLength(2);
    // a store's list no longer offers it
    const mine = await t.call('GET', `/api/registry/stores/${B.id}/releases`, undefined, { bearer: B.token });
    expect(mine.status).toBe(200);
    expect(mine.body.tracks.find((x: { track: string }) => x.track === 'pilot')).toBeUndefined();
  });

  it('status reports fill the console’s view; a stale or resent report changes nothing; a foreign one is refused', async () => {
    const r = await announce({ repository: 'releases/app', tag: 'v1', track: 'status', storeIds: [A.id, B.id] });
    expect(r.status).toBe(201);
    const id = r.body.id as string;
    const report = (state: string, at: number, extra: Record<string, unknown> = {}) => ({
      reportId: randomUUID(),
      releaseId: id,
      track: 'status',
      digest: appDigest,
      state,
      detail: '',
      bytes: 10,
      at,
      ...extra,
    });
    const outA = new StoreOutbox(t, A.id);
    const t0 = Date.now();
    const running = report('RUNNING', t0 + 2_000, { detail: 'running since the restart', bytes: layerSize });
    await outA.send(
      outA.event('registry.release-status', report('DOWNLOADING', t0)),
      outA.event('registry.release-status', report('VERIFIED', t0 + 1_000)),
      outA.event('registry.release-status', running),
    );
    let stores = await storesOf(id);
    expect(stores.get(A.id)).toMatchObject({ state: 'RUNNING', detail: 'running since the restart', bytes: layerSize });
    expect(stores.get(A.id)!.reportedAt).toBe(t0 + 2_000);
    expect(stores.get(B.id)).toMatchObject({ state: 'PENDING', reportedAt: null });
    expect(stores.has(C.id)).toBe(false);

    // late (an older `at`) and resent: RUNNING stays
    await outA.send(outA.event('registry.release-status', report('DOWNLOADING', t0 + 500)));
    await outA.send(outA.event('registry.release-status', running));
    stores = await storesOf(id);
    expect(stores.get(A.id)).toMatchObject({ state: 'RUNNING', bytes: layerSize });

    // B fails; C reports on a release not aimed at it (parked with the reason), and a malformed one
    const outB = new StoreOutbox(t, B.id);
    await outB.send(outB.event('registry.release-status', report('FAILED', t0, { detail: 'sha256 mismatch' })));
    const outC = new StoreOutbox(t, C.id);
    await outC.send(
      outC.event('registry.release-status', report('RUNNING', t0)),
      outC.event('registry.release-status', { releaseId: id }),
    );
    stores = await storesOf(id);
    expect(stores.get(B.id)).toMatchObject({ state: 'FAILED', detail: 'sha256 mismatch' });
    const parked = await parkedOf(t, admin, C.id);
    expect(parked.map((p) => p.reason)).toEqual([
      expect.stringMatching(/not aimed at store/),
      expect.stringMatching(/not a release status/),
    ]);

    const listed = await t.call('GET', '/api/registry/releases?track=status', undefined, { cookie: admin });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].states).toEqual({ PENDING: 0, DOWNLOADING: 0, VERIFIED: 0, RUNNING: 1, FAILED: 1 });

    // the store's own list: A reads its own, B's token cannot read A's
    const mine = await t.call('GET', `/api/registry/stores/${A.id}/releases`, undefined, { bearer: A.token });
    expect(mine.status).toBe(200);
    expect(mine.body.tracks.find((x: { track: string }) => x.track === 'status')).toMatchObject({
      release: { id, digest: appDigest },
      reported: { releaseId: id, state: 'RUNNING' },
    });
    expect((await t.call('GET', `/api/registry/stores/${A.id}/releases`, undefined, { bearer: B.token })).status).toBe(
      403,
    );
  });
});
