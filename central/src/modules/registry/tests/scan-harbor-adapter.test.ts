import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { HARBOR_MEDIA } from '../scanner-http.js';
import {
  digestOf,
  imageManifest,
  manifestBytes,
  pushBlob,
  pushManifest,
  registryHub,
  v2,
} from './registry-test-support.js';

/** A scanner adapter as Harbor's pluggable scanner API describes it: pending once per scan, then the report. */
class FakeAdapter {
  readonly requests: { id: string; body: any; contentType: string }[] = [];
  readonly reportAsks: { id: string; accept: string }[] = [];
  /** Repositories whose artefacts' reports the adapter fails to make (500 with a message). */
  readonly broken = new Set<string>();
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer(async (req, res) => {
      const body = await read(req);
      const scan = /^\/api\/v1\/scan\/([^/]+)\/report$/.exec(req.url ?? '');
      if (req.method === 'POST' && req.url === '/api/v1/scan') {
        const id = `scan-${this.requests.length + 1}`;
        this.requests.push({ id, body: JSON.parse(body), contentType: req.headers['content-type'] ?? '' });
        res.writeHead(202, { 'content-type': HARBOR_MEDIA.scanResponse }).end(JSON.stringify({ id }));
        return;
      }
      if (req.method === 'GET' && scan) {
        const id = decodeURIComponent(scan[1]!);
        const request = this.requests.find((r) => r.id === id);
        if (!request) return void res.writeHead(404).end();
        this.reportAsks.push({ id, accept: req.headers.accept ?? '' });
        if (this.broken.has(request.body.artifact.repository))
          return void res
            .writeHead(500, { 'content-type': 'application/vnd.scanner.adapter.error+json; version=1.0' })
            .end(JSON.stringify({ error: { message: 'the vulnerability database is being updated' } }));
        if (this.reportAsks.filter((a) => a.id === id).length === 1)
          return void res.writeHead(302, { 'refresh-after': '1', location: req.url }).end();
        if (request.body.artifact.repository.includes('ungraded'))
          return void res.writeHead(200, { 'content-type': HARBOR_MEDIA.report }).end(
            JSON.stringify({
              generated_at: '2026-11-30T00:00:00Z',
              scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.50.0' },
              severity: 'Unknown',
              vulnerabilities: [
                {
                  id: 'CVE-2024-0002',
                  package: 'zlib',
                  version: '1.2',
                  severity: 'Unknown',
                  description: 'not graded',
                },
                { id: 'CVE-2024-0003', package: 'bash', version: '5.1', severity: 'Negligible', description: '' },
              ],
            }),
          );
        res.writeHead(200, { 'content-type': HARBOR_MEDIA.report }).end(
          JSON.stringify({
            generated_at: '2026-11-30T00:00:00Z',
            artifact: request.body.artifact,
            scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.50.0' },
            severity: 'Critical',
            vulnerabilities: [
              {
                id: 'CVE-2023-4863',
                package: 'libwebp',
                version: '1.2.4',
                fix_version: '1.3.2',
                severity: 'Critical',
                description: 'heap buffer overflow',
                links: ['https://nvd.nist.gov/vuln/detail/CVE-2023-4863'],
              },
              { id: 'CVE-2023-0001', package: 'tar', version: '1.34', severity: 'Negligible', description: '' },
            ],
          }),
        );
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const PUBLIC_URL = 'https://registry.example.test';

/**
 * Issue #23, the scanner interface shaped like Harbor's adapter: with REGISTRY_SCANNER=http the hub submits each pushed
 * manifest to the adapter once (per digest, across repositories), polls its report through the 302 "not yet", stores
 * it (Harbor's severities mapped to the registry's) and blocks pulls by policy; a failing adapter's reason is shown.
 */
describe.each([dbTargets.at(-1)!])('scans through a Harbor scanner adapter, on $name', (target) => {
  const fake = new FakeAdapter();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  const h = registryHub(target, {
    registryScanner: {
      adapter: 'http',
      get url() {
        return fake.url;
      },
    },
    registry: { publicUrl: PUBLIC_URL },
    tuning: { registryScanPollMs: 100, registryGcEveryMs: 7 * 86_400_000 },
  });
  const admin = () => ({ cookie: h.admin });

  const push = async (repos: readonly string[], tag: string) => {
    const config = Buffer.from(JSON.stringify({ os: 'linux', tag }));
    const layer = Buffer.from(`layer ${tag} ${Math.random()}`);
    const manifest = imageManifest({
      config: { digest: digestOf(config), size: config.length },
      layers: [{ digest: digestOf(layer), size: layer.length }],
    });
    for (const repo of repos) {
      await pushBlob(h.t, h.admin, repo, config);
      await pushBlob(h.t, h.admin, repo, layer);
      await pushManifest(h.t, h.admin, repo, tag, manifest);
    }
    return digestOf(manifestBytes(manifest));
  };

  it('submits once per digest, polls past the pending answer, stores the report and blocks by it', async () => {
    const digest = await push(['apps/harbor', 'apps/harbor-copy'], 'v1');
    const scan = await waitFor('the report', async () => {
      const s = await h.t.call('GET', `/api/registry/scans/${digest}`, undefined, admin());
      return s.status === 200 && s.body.state === 'DONE' && s.body;
    });
    const submitted = fake.requests.filter((r) => r.body.artifact.digest === digest);
    expect(submitted).toHaveLength(1);
    expect(submitted[0]!.contentType).toBe(HARBOR_MEDIA.scanRequest);
    expect(submitted[0]!.body.artifact).toMatchObject({
      repository: 'apps/harbor',
      digest,
      mime_type: 'application/vnd.oci.image.manifest.v1+json',
    });
    // where to pull from, and a token that pulls this repository only
    expect(submitted[0]!.body.registry.url).toBe(PUBLIC_URL);
    const authorization: string = submitted[0]!.body.registry.authorization;
    expect(authorization).toMatch(/^Bearer \S+$/);
    const token = authorization.slice('Bearer '.length);
    const asScanner = { bearer: token };
    const pulled = await v2(h.t, 'GET', `/v2/apps/harbor/manifests/${digest}`, asScanner);
    expect(pulled.status).toBe(200);
    expect(digestOf(pulled.bytes)).toBe(digest);
    expect((await v2(h.t, 'GET', '/v2/apps/harbor-copy/manifests/v1', asScanner)).status).toBe(401);
    expect((await v2(h.t, 'DELETE', `/v2/apps/harbor/manifests/${digest}`, asScanner)).status).toBe(403);
    expect((await v2(h.t, 'POST', '/v2/apps/harbor/blobs/uploads/', asScanner)).status).toBe(403);
    expect((await v2(h.t, 'GET', '/v2/_catalog', asScanner)).status).toBe(403);
    const asks = fake.reportAsks.filter((a) => a.id === submitted[0]!.id);
    expect(asks.length).toBeGreaterThanOrEqual(2);
    expect(asks.every((a) => a.accept === HARBOR_MEDIA.report)).toBe(true);
    // Negligible is kept in the report but counted as nothing
    expect(scan).toMatchObject({ worst: 'CRITICAL', counts: { critical: 1, high: 0, medium: 0, low: 0 } });
    expect(scan.report.ungraded).toEqual([
      { id: 'CVE-2023-0001', package: 'tar', version: '1.34', severity: 'Negligible', description: '' },
    ]);
    expect(scan.report.scanner).toEqual({ name: 'Trivy', vendor: 'Aqua Security', version: '0.50.0' });
    expect(scan.report.vulnerabilities[0]).toMatchObject({
      id: 'CVE-2023-4863',
      fixVersion: '1.3.2',
      severity: 'CRITICAL',
    });

    await h.t.hub.db.query(`UPDATE registry_repositories SET block_severity = 'CRITICAL' WHERE name = 'apps/harbor'`);
    const refused = await v2(h.t, 'GET', '/v2/apps/harbor/manifests/v1', admin());
    expect(refused.status).toBe(403);
    expect(refused.json.errors[0]).toMatchObject({ code: 'DENIED' });
    expect(refused.json.errors[0].message).toContain('CVE-2023-4863');
    expect((await v2(h.t, 'GET', '/v2/apps/harbor-copy/manifests/v1', admin())).status).toBe(200);
  }, 120_000);

  it('keeps a scan PENDING with the adapter’s reason while its reports fail', async () => {
    fake.broken.add('apps/harbor-broken');
    const digest = await push(['apps/harbor-broken'], 'v1');
    const scan = await waitFor('the failed ask to be recorded', async () => {
      const s = await h.t.call('GET', `/api/registry/scans/${digest}`, undefined, admin());
      return s.status === 200 && (s.body.detail ?? '').includes('500') && s.body;
    });
    expect(scan.state).toBe('PENDING');
    expect(scan.detail).toContain('the vulnerability database is being updated');
    expect((await v2(h.t, 'GET', '/v2/apps/harbor-broken/manifests/v1', admin())).status).toBe(200);
  }, 120_000);

  it('keeps Unknown and Negligible findings in the report without blocking a repository that blocks LOW', async () => {
    const digest = await push(['apps/ungraded'], 'v1');
    await h.t.hub.db.query(`UPDATE registry_repositories SET block_severity = 'LOW' WHERE name = 'apps/ungraded'`);
    const scan = await waitFor('the report', async () => {
      const s = await h.t.call('GET', `/api/registry/scans/${digest}`, undefined, admin());
      return s.status === 200 && s.body.state === 'DONE' && s.body;
    });
    expect(scan).toMatchObject({ worst: null, counts: { critical: 0, high: 0, medium: 0, low: 0 } });
    expect(scan.report.vulnerabilities).toEqual([]);
    expect(scan.report.ungraded.map((v: { id: string; severity: string }) => `${v.id} ${v.severity}`)).toEqual([
      'CVE-2024-0002 Unknown',
      'CVE-2024-0003 Negligible',
    ]);
    expect((await v2(h.t, 'GET', '/v2/apps/ungraded/manifests/v1', admin())).status).toBe(200);
  }, 120_000);
});

/** REGISTRY_SCANNER=http without REGISTRY_PUBLIC_URL: the adapter would get no address, so the scan FAILS, saying why. */
describe.each([dbTargets.at(-1)!])('a Harbor scanner adapter without a public URL, on $name', (target) => {
  const fake = new FakeAdapter();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  const h = registryHub(target, {
    registryScanner: {
      adapter: 'http',
      get url() {
        return fake.url;
      },
    },
    tuning: { registryScanPollMs: 100, registryGcEveryMs: 7 * 86_400_000 },
  });

  it('marks the scan FAILED naming REGISTRY_PUBLIC_URL and sends the adapter nothing; the pull goes on', async () => {
    const config = Buffer.from(JSON.stringify({ os: 'linux', tag: 'no-url' }));
    const layer = Buffer.from('layer without a public url');
    const manifest = imageManifest({
      config: { digest: await pushBlob(h.t, h.admin, 'apps/nourl', config), size: config.length },
      layers: [{ digest: await pushBlob(h.t, h.admin, 'apps/nourl', layer), size: layer.length }],
    });
    const digest = await pushManifest(h.t, h.admin, 'apps/nourl', 'v1', manifest);
    const scan = await waitFor('the scan to fail', async () => {
      const s = await h.t.call('GET', `/api/registry/scans/${digest}`, undefined, { cookie: h.admin });
      return s.status === 200 && s.body.state === 'FAILED' && s.body;
    });
    expect(scan.detail).toContain('REGISTRY_PUBLIC_URL');
    expect(fake.requests).toEqual([]);
    expect((await v2(h.t, 'GET', '/v2/apps/nourl/manifests/v1', { cookie: h.admin })).status).toBe(200);
  }, 120_000);
});
