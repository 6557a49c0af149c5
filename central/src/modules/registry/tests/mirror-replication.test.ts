import { modulesKeepingContext } from '../../../../tests/support/modules-keeping-context.js';
import { randomBytes } from 'node:crypto';
import { readdir, stat, utimes } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { ADMIN, TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { registryParts } from '../index.js';
import { RegistryMirror } from '../mirror.js';
import { digestOf, imageManifest, manifestBytes, pushBlob, pushManifest, v2 } from './registry-test-support.js';

/** 3 MiB of noise: the base layer both images share, big enough to be cut off halfway. */
const BASE = randomBytes(3 * 1024 * 1024);
const CUT_AFTER = 1_300_000;

/**
 * An HTTP proxy in front of the source hub that, while `cutDigest` is set, answers each GET of that blob with its
 * headers and at most CUT_AFTER bytes, then drops the connection (a network that breaks mid-copy).
 */
class CuttingProxy {
  cutDigest: string | null = null;
  cuts = 0;
  /** Requests to the source's token service: each is a sign-in there (a slow password hash). */
  signIns = 0;
  readonly server: Server;
  constructor(readonly target: URL) {
    this.server = createServer((req, res) => {
      if (req.url?.startsWith('/api/registry/token')) this.signIns++;
      const cut = req.method === 'GET' && this.cutDigest !== null && req.url?.includes(`/blobs/${this.cutDigest}`);
      const up = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          if (!cut) {
            upRes.pipe(res);
            return;
          }
          this.cuts++;
          let sent = 0;
          upRes.on('data', (chunk: Buffer) => {
            if (sent >= CUT_AFTER) return;
            const part = chunk.subarray(0, CUT_AFTER - sent);
            sent += part.length;
            res.write(part);
            if (sent >= CUT_AFTER) {
              upRes.destroy();
              // let the bytes leave before the connection goes
              setTimeout(() => res.socket?.destroy(), 50);
            }
          });
        },
      );
      up.on('error', () => res.socket?.destroy());
      req.pipe(up);
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Run {
  id: string;
  state: string;
  blobsCopied: number;
  blobsSkipped: number;
  bytesCopied: number;
  manifestsCopied: number;
  detail: string | null;
}

describe.each([dbTargets.at(-1)!])('registry mirror on $name', (target) => {
  let source: TestHub;
  let mirror: TestHub;
  let sourceAdmin: string;
  let mirrorAdmin: string;
  let proxy: CuttingProxy;
  let mirrorContext: () => HubContext;
  const logs: string[] = [];

  beforeAll(async () => {
    source = await TestHub.start(target);
    sourceAdmin = await source.login();
    proxy = new CuttingProxy(new URL(source.url));
    const via = await proxy.listen();
    const kept = await modulesKeepingContext('registry');
    mirrorContext = kept.context;
    mirror = await TestHub.start(target, {
      modules: kept.modules,
      logLevel: 'debug',
      logDestination: { write: (line: string) => void logs.push(line) },
      tuning: { registryMirrorEveryMs: 3_600_000 },
      registry: { mirror: { url: via, username: ADMIN.email, secret: ADMIN.password, repositories: ['shop/'] } },
    });
    mirrorAdmin = await mirror.login();
  }, 240_000);
  afterAll(async () => {
    await mirror?.stop();
    await source?.stop();
    await proxy?.close();
  });

  async function runMirror(): Promise<Run> {
    const started = await mirror.call('POST', '/api/registry/mirror/runs', {}, { cookie: mirrorAdmin });
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    let run: Run | undefined;
    await waitFor(
      'the mirror run to end',
      async () => {
        // polled every 25 ms; a pause keeps the console route from crowding the copy on a loaded machine
        await new Promise((r) => setTimeout(r, 200));
        const m = await mirror.call('GET', '/api/registry/mirror', undefined, { cookie: mirrorAdmin });
        run = (m.body.runs as Run[]).find((r) => r.id === id);
        return run !== undefined && run.state !== 'RUNNING';
      },
      120_000,
    );
    return run!;
  }

  it('copies two images sharing a base layer by digest, the shared layer once, resuming a cut-off copy', async () => {
    // the source: two repositories whose images share BASE; a repository outside the mirrored prefix
    const base = await pushBlob(source, sourceAdmin, 'shop/app', BASE);
    const images: {
      repo: string;
      tag: string;
      digest: string;
      body: Buffer;
      blobs: { digest: string; bytes: Buffer }[];
    }[] = [];
    for (const [repo, tag, own] of [
      ['shop/app', 'v1', 'app layer'],
      ['shop/tool', 'latest', 'tool layer'],
    ] as const) {
      if (repo !== 'shop/app') await pushBlob(source, sourceAdmin, repo, BASE);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', repo }));
      const layer = Buffer.from(own.repeat(100));
      const c = await pushBlob(source, sourceAdmin, repo, config);
      const l = await pushBlob(source, sourceAdmin, repo, layer);
      const manifest = imageManifest({
        config: { digest: c, size: config.length },
        layers: [
          { digest: base, size: BASE.length },
          { digest: l, size: layer.length },
        ],
      });
      const digest = await pushManifest(source, sourceAdmin, repo, tag, manifest);
      images.push({
        repo,
        tag,
        digest,
        body: manifestBytes(manifest),
        blobs: [
          { digest: base, bytes: BASE },
          { digest: c, bytes: config },
          { digest: l, bytes: layer },
        ],
      });
    }
    await pushBlob(source, sourceAdmin, 'elsewhere/x', 'not mirrored');

    // what the mirror stores, it stores once: bytes from the source go to an upload file and are renamed to their
    // address; a blob another repository here holds is linked where it lies (no storage.put copies a file again)
    const parts = registryParts(mirrorContext());
    const puts = vi.spyOn(parts.storage, 'put');

    // first run: every copy of the base layer is cut off partway (each tag's try resumes where the last stopped)
    proxy.cutDigest = base;
    const first = await runMirror();
    proxy.cutDigest = null;
    expect(proxy.cuts).toBe(2);
    expect(first.state).toBe('FAILED');
    expect(first.detail).toContain('cut off');
    expect(first.manifestsCopied).toBe(0);
    expect(first.bytesCopied).toBeGreaterThanOrEqual(2 * CUT_AFTER);
    // one sign-in at the source for the catalog, one for every mirrored repository's pull together
    expect(proxy.signIns).toBe(2);
    const tokensAt = Date.now();

    // the partial copy is an upload session of the mirror: a garbage collection with its file 20 minutes old (past
    // the sweep of part files no session owns) keeps it, and the next run resumes it
    const sessions = await mirrorContext().db.query<{ id: string; repository: string; received: string }>(
      `SELECT id::text AS id, repository, received::text AS received FROM registry_uploads
       WHERE owner = 'system:registry-mirror'`,
    );
    expect(sessions.rows).toHaveLength(1);
    expect(Number(sessions.rows[0]!.received)).toBe(2 * CUT_AFTER);
    const part = join(parts.dir.path, 'uploads', sessions.rows[0]!.id);
    expect((await stat(part)).size).toBe(2 * CUT_AFTER);
    const past = new Date(Date.now() - 20 * 60_000);
    await utimes(part, past, past);
    expect(await readdir(join(parts.dir.path, 'uploads'))).toContain(sessions.rows[0]!.id);
    await parts.gc.run('ADMIN');
    expect((await stat(part)).size).toBe(2 * CUT_AFTER);

    // second run: the rest of the base layer only, then what is left; no byte crosses the network twice
    const second = await runMirror();
    expect(second.state, second.detail ?? '').toBe('DONE');
    expect(second.manifestsCopied).toBe(2);
    const small = images.flatMap((i) => i.blobs.slice(1)).reduce((n, b) => n + b.bytes.length, 0);
    expect(first.bytesCopied + second.bytesCopied).toBe(BASE.length + small);
    expect(second.bytesCopied).toBeLessThan(BASE.length);
    // over the network: the base once, 2 configs, 2 own layers; the base in the second repository from this hub's file
    expect(first.blobsCopied + second.blobsCopied).toBe(5);
    expect(second.blobsSkipped).toBeGreaterThanOrEqual(1);
    expect(puts).not.toHaveBeenCalled();
    // the finished copy's session is gone with its part file
    const left = await mirrorContext().db.query(
      `SELECT id FROM registry_uploads WHERE owner = 'system:registry-mirror'`,
    );
    expect(left.rows).toHaveLength(0);
    await expect(stat(part)).rejects.toThrow();

    // the mirror serves the same manifests and bytes by digest
    for (const img of images) {
      const m = await v2(mirror, 'GET', `/v2/${img.repo}/manifests/${img.tag}`, {
        cookie: mirrorAdmin,
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(m.status).toBe(200);
      expect(m.headers.get('docker-content-digest')).toBe(img.digest);
      expect(m.bytes.equals(img.body)).toBe(true);
      for (const b of img.blobs) {
        const got = await v2(mirror, 'GET', `/v2/${img.repo}/blobs/${b.digest}`, { cookie: mirrorAdmin });
        expect(got.status).toBe(200);
        expect(digestOf(got.bytes)).toBe(b.digest);
      }
    }
    expect((await v2(mirror, 'GET', '/v2/elsewhere/x/tags/list', { cookie: mirrorAdmin })).status).not.toBe(200);

    // the console's view: the base layer is stored once on the mirror too
    const stats = await mirror.call('GET', '/api/registry/stats', undefined, { cookie: mirrorAdmin });
    expect(stats.body.savedBytes).toBe(BASE.length);
    const status = await mirror.call('GET', '/api/registry/mirror', undefined, { cookie: mirrorAdmin });
    expect(status.body.configured).toBe(true);
    expect(status.body.source).toMatchObject({ username: ADMIN.email, repositories: ['shop/'] });
    expect(JSON.stringify(status.body)).not.toContain(ADMIN.password);
    expect(status.body.tags).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ repository: 'shop/app', tag: 'v1', digest: images[0]!.digest, state: 'DONE' }),
        expect.objectContaining({ repository: 'shop/tool', tag: 'latest', digest: images[1]!.digest, state: 'DONE' }),
      ]),
    );

    // a third run finds nothing new: no bytes move
    const third = await runMirror();
    expect(third).toMatchObject({ state: 'DONE', bytesCopied: 0, blobsCopied: 0, manifestsCopied: 0 });
    // the tokens of the first run served the next two (they live 300 s at the source, held until 10 s before)
    if (Date.now() - tokensAt < 240_000) expect(proxy.signIns).toBe(2);
    puts.mockRestore();
  }, 300_000);

  it('a wrong secret fails the run with a clear detail, and the secret is nowhere', async () => {
    const ctx = mirrorContext();
    const secret = 'wrong-secret-5b1f0c';
    const settings = ctx.settings.registry.mirror!;
    const wrongCtx: HubContext = {
      ...ctx,
      settings: { ...ctx.settings, registry: { ...ctx.settings.registry, mirror: { ...settings, secret } } },
    };
    const parts = registryParts(ctx);
    const wrong = new RegistryMirror(wrongCtx, parts.blobs, parts.manifests);
    const id = await wrong.runNow();
    await wrong.idle();
    const run = await parts.mirror.repository.run(id);
    expect(run?.state).toBe('FAILED');
    expect(run?.detail).toMatch(/refused the mirror's credential/);
    expect(run?.detail).toContain(ADMIN.email);
    expect(run?.detail).not.toContain(secret);
    const status = await mirror.call('GET', '/api/registry/mirror', undefined, { cookie: mirrorAdmin });
    expect(JSON.stringify(status.body)).not.toContain(secret);
    expect(logs.join('\n')).not.toContain(secret);
    expect(logs.join('\n')).not.toContain(ADMIN.password);
    expect(logs.join('\n')).not.toContain(Buffer.from(`${ADMIN.email}:${secret}`).toString('base64'));
  }, 120_000);
});
