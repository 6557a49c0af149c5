import { OCI_MEDIA_TYPES } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { RegistryScans } from '../scans.js';
import { SIMULATOR_LABEL } from '../scanner-simulator.js';
import {
  imageIndex,
  imageManifest,
  manifestBytes,
  pushBlob,
  pushManifest,
  registryHub,
  v2,
} from './registry-test-support.js';

/**
 * Issue #23, vulnerability scans: a pushed image is scanned (the simulator reports what its config's test label
 * lists, after one pending poll), the report is stored and shown, and a repository that blocks CRITICAL refuses pulls
 * of an image with CRITICAL findings (403 DENIED naming them) while its other images still pull.
 */
// one database (Postgres when there is one): nothing here depends on the dialect, and each hub takes long to start
describe.each([dbTargets.at(-1)!])('vulnerability scans and the pull-blocking policy, on $name', (target) => {
  const h = registryHub(target, { tuning: { registryScanPollMs: 100, registryGcEveryMs: 7 * 86_400_000 } });
  const admin = () => ({ cookie: h.admin });

  /** Pushes an image whose config carries `labels`; resolves with its manifest digest and size. */
  const pushLabelled = async (repo: string, tag: string, labels: Record<string, string>) => {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: labels } }));
    const layer = `layer of ${repo}:${tag} ${Math.random()}`;
    const manifest = imageManifest({
      config: { digest: await pushBlob(h.t, h.admin, repo, config), size: config.length },
      layers: [{ digest: await pushBlob(h.t, h.admin, repo, layer), size: Buffer.byteLength(layer) }],
    });
    const digest = await pushManifest(h.t, h.admin, repo, tag, manifest);
    return { digest, size: manifestBytes(manifest).length };
  };
  const scanOf = (digest: string) => h.t.call('GET', `/api/registry/scans/${digest}`, undefined, admin());
  const scanned = (digest: string) =>
    waitFor(`the scan of ${digest}`, async () => {
      const s = await scanOf(digest);
      return s.status === 200 && s.body.state !== 'PENDING' && s.body;
    });
  const block = (repo: string, severity: string | null) =>
    h.t.hub.db.query('UPDATE registry_repositories SET block_severity = $2 WHERE name = $1', [repo, severity]);

  it('reports the findings of an image with the marker, blocks its pulls by policy, and lets other images pull', async () => {
    const repo = 'apps/scanned';
    const bad = await pushLabelled(repo, 'bad', {
      [SIMULATOR_LABEL]:
        'CVE-2024-0001:CRITICAL:openssl:3.0.1:3.0.2,CVE-2024-0002:CRITICAL:zlib:1.2.11,CVE-2024-0003:HIGH:curl:8.0.0',
    });
    const clean = await pushLabelled(repo, 'clean', { maintainer: 'head office' });
    const high = await pushLabelled(repo, 'high', { [SIMULATOR_LABEL]: 'CVE-2024-0009:HIGH:libxml2:2.9.0:2.9.14' });

    const report = await scanned(bad.digest);
    expect(report).toMatchObject({
      digest: bad.digest,
      repository: repo,
      state: 'DONE',
      worst: 'CRITICAL',
      counts: { critical: 2, high: 1, medium: 0, low: 0 },
    });
    expect(report.attempts).toBeGreaterThanOrEqual(2); // pending at the first ask
    expect(report.report.vulnerabilities.map((v: { id: string }) => v.id).sort()).toEqual([
      'CVE-2024-0001',
      'CVE-2024-0002',
      'CVE-2024-0003',
    ]);
    expect(report.report.vulnerabilities.find((v: { id: string }) => v.id === 'CVE-2024-0001')).toMatchObject({
      package: 'openssl',
      version: '3.0.1',
      fixVersion: '3.0.2',
      severity: 'CRITICAL',
    });
    expect(await scanned(clean.digest)).toMatchObject({ state: 'DONE', worst: null, counts: { critical: 0 } });
    expect(await scanned(high.digest)).toMatchObject({ state: 'DONE', worst: 'HIGH' });

    // no policy yet: everything pulls
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/bad`, admin())).status).toBe(200);

    await block(repo, 'CRITICAL');
    for (const ref of ['bad', bad.digest]) {
      for (const method of ['GET', 'HEAD']) {
        const refused = await v2(h.t, method, `/v2/${repo}/manifests/${ref}`, {
          ...admin(),
          headers: { accept: OCI_MEDIA_TYPES.imageManifest },
        });
        expect(refused.status, `${method} ${ref}`).toBe(403);
        if (method === 'GET') {
          expect(refused.json.errors[0].code).toBe('DENIED');
          expect(refused.json.errors[0].message).toContain('CVE-2024-0001');
          expect(refused.json.errors[0].message).toContain('CVE-2024-0002');
          expect(refused.json.errors[0].message).toContain('2 CRITICAL');
          expect(refused.json.errors[0].message).not.toContain('CVE-2024-0003');
        }
      }
    }
    const cleanPull = await v2(h.t, 'GET', `/v2/${repo}/manifests/clean`, admin());
    expect(cleanPull.status).toBe(200);
    expect(cleanPull.headers.get('docker-content-digest')).toBe(clean.digest);
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/high`, admin())).status).toBe(200);

    // HIGH and worse: the HIGH image is refused too, the clean one never is
    await block(repo, 'HIGH');
    const highPull = await v2(h.t, 'GET', `/v2/${repo}/manifests/high`, admin());
    expect(highPull.status).toBe(403);
    expect(highPull.json.errors[0].message).toContain('CVE-2024-0009');
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/clean`, admin())).status).toBe(200);

    // an index naming the vulnerable image is refused; one naming only the clean image is not
    await block(repo, 'CRITICAL');
    const badIndex = imageIndex([
      { digest: bad.digest, size: bad.size, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    await pushManifest(h.t, h.admin, repo, 'bad-index', badIndex, OCI_MEDIA_TYPES.imageIndex);
    const cleanIndex = imageIndex([{ digest: clean.digest, size: clean.size }]);
    await pushManifest(h.t, h.admin, repo, 'clean-index', cleanIndex, OCI_MEDIA_TYPES.imageIndex);
    const indexPull = await v2(h.t, 'GET', `/v2/${repo}/manifests/bad-index`, admin());
    expect(indexPull.status).toBe(403);
    expect(indexPull.json.errors[0].message).toContain('CVE-2024-0001');
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/clean-index`, admin())).status).toBe(200);

    // lifting the policy lets it pull again
    await block(repo, null);
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/bad`, admin())).status).toBe(200);
  }, 120_000);

  it('scans again on request, and answers bad requests without change', async () => {
    const first = await pushLabelled('apps/once', 'v1', { [SIMULATOR_LABEL]: 'CVE-2024-1000:LOW:bash:5.0' });
    const done = await scanned(first.digest);
    expect(done).toMatchObject({ state: 'DONE', worst: 'LOW', repository: 'apps/once' });

    const again = await h.t.call('POST', `/api/registry/scans/${first.digest}`, { repository: 'apps/once' }, admin());
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body.state).toBe('PENDING');
    const rescanned = await scanned(first.digest);
    expect(rescanned).toMatchObject({ state: 'DONE', worst: 'LOW' });
    expect(rescanned.requestedAt).toBeGreaterThanOrEqual(done.requestedAt);

    const unknown = `sha256:${'0'.repeat(64)}`;
    expect((await scanOf(unknown)).status).toBe(404);
    expect((await scanOf('sha256:nothex')).status).toBe(400);
    const notThere = await h.t.call('POST', `/api/registry/scans/${unknown}`, { repository: 'apps/once' }, admin());
    expect(notThere.status).toBe(404);
    const badBody = await h.t.call('POST', `/api/registry/scans/${first.digest}`, { repository: 'Bad Name' }, admin());
    expect(badBody.status).toBe(400);
    expect((await scanOf(first.digest)).body).toMatchObject({ state: 'DONE', requestedAt: rescanned.requestedAt });
    // not head office: refused
    const store = await h.t.store('SCN1', h.admin);
    expect(
      (await h.t.call('GET', `/api/registry/scans/${first.digest}`, undefined, { bearer: store.token })).status,
    ).toBe(403);
  }, 120_000);

  it('records UNSCANNED when no scanner is configured, and never blocks such a manifest', async () => {
    const repo = 'apps/unscanned';
    const img = await pushLabelled(repo, 'v1', { [SIMULATOR_LABEL]: 'CVE-2024-2000:CRITICAL:glibc:2.31' });
    await scanned(img.digest);
    await h.t.hub.db.query('DELETE FROM registry_scans WHERE digest = $1', [img.digest]);
    const without = new RegistryScans(h.parts.scans.ctx, h.parts.storage, () => undefined);
    await without.requested(repo, img.digest, OCI_MEDIA_TYPES.imageManifest);
    expect((await scanOf(img.digest)).body).toMatchObject({ state: 'UNSCANNED', scanner: 'none', worst: null });
    await block(repo, 'LOW');
    expect(await without.blockedReason(repo, img.digest)).toBeNull();
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/v1`, admin())).status).toBe(200);
  }, 120_000);
});
