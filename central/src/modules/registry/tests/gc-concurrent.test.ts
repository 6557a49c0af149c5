import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { OCI_MEDIA_TYPES } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { GcRunningError } from '../gc.js';
import { digestOf, imageManifest, manifestBytes, pushBlob, registryHub, v2 } from './registry-test-support.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Issue #23, "garbage collection while pushes continue … an upload in progress is never swept": collections run one
 * after another while several clients push images (blobs, then the manifest; a blob the repository already has is
 * HEADed and skipped, as real clients do, and a manifest refused with MANIFEST_BLOB_UNKNOWN is pushed again after the
 * missing blobs are). Afterwards every pushed manifest and every blob it names reads back whole, old unreferenced blobs
 * are gone (rows and files), files no row names are gone, and an upload session in progress survived and completes.
 */
const cases = [
  ...dbTargets.map((target) => ({ target, grace: HOUR })),
  // no grace: every blob no manifest names yet is swept by the next run, so pushes race the sweep for real
  { target: dbTargets.at(-1)!, grace: 0 },
];
describe.each(cases)(
  'garbage collection while pushes continue, on $target.name, grace $grace ms',
  ({ target, grace }) => {
    const h = registryHub(target, {
      tuning: { registryGcGraceMs: grace, registryGcEveryMs: 7 * DAY, registryScanPollMs: 60_000 },
    });
    // the admin signs in again after the clock jumps two hours (a console session ends after 30 idle minutes, #27)
    let fresh: string | undefined;
    const adminCookie = () => fresh ?? h.admin;
    const admin = () => ({ cookie: adminCookie() });
    const blobPath = (digest: string) => {
      const hex = digest.slice('sha256:'.length);
      return join(h.parts.dir.path, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
    };
    const ageFile = async (path: string, ms: number) => {
      const when = (Date.now() - ms) / 1000;
      await utimes(path, when, when);
    };
    const blobRow = async (digest: string) =>
      (await h.t.hub.db.query('SELECT 1 FROM registry_blobs WHERE digest = $1', [digest])).rows.length === 1;

    /** A client's push of one image: HEAD each blob, upload the missing ones, PUT the manifest; again when refused. */
    const pushLikeAClient = async (repo: string, tag: string, blobs: readonly Buffer[]) => {
      const config = blobs[0]!;
      const manifest = imageManifest({
        config: { digest: digestOf(config), size: config.length },
        layers: blobs.slice(1).map((b) => ({ digest: digestOf(b), size: b.length })),
      });
      const body = manifestBytes(manifest);
      // with no grace and collections back to back, a loaded machine can see many in a row sweep a push's blobs
      for (let attempt = 1; attempt <= 100; attempt++) {
        for (const b of blobs) {
          const head = await v2(h.t, 'HEAD', `/v2/${repo}/blobs/${digestOf(b)}`, admin());
          if (head.status === 200) continue;
          expect(head.status).toBe(404);
          await pushBlob(h.t, adminCookie(), repo, b);
        }
        const put = await v2(h.t, 'PUT', `/v2/${repo}/manifests/${tag}`, {
          ...admin(),
          body,
          contentType: OCI_MEDIA_TYPES.imageManifest,
        });
        if (put.status === 201) return { repo, tag, digest: digestOf(body), body, blobs, attempts: attempt };
        // a collection removed a blob between the HEAD and the PUT: the spec's answer, and the client uploads it again
        expect(put.status, put.bytes.toString()).toBe(404);
        expect(put.json.errors[0].code).toBe('MANIFEST_BLOB_UNKNOWN');
      }
      throw new Error(`${repo}:${tag} was refused 100 times`);
    };

    it('loses nothing a manifest names, sweeps what none names, and never touches an upload in progress', async () => {
      const pushers = 4;
      const imagesEach = 3;
      // before: blobs no manifest names (some of them the pushers will re-use), an image that stays, a session
      const unreferenced = Array.from({ length: 6 }, () => randomBytes(1024 + Math.floor(Math.random() * 4096)));
      for (const b of unreferenced) await pushBlob(h.t, adminCookie(), 'gc/leftovers', b);
      const reused = Array.from({ length: pushers }, () => randomBytes(2048));
      for (let p = 0; p < pushers; p++) await pushBlob(h.t, adminCookie(), `gc/app-${p}`, reused[p]!);
      const keptImage = await pushLikeAClient('gc/base', 'v1', [Buffer.from('{"os":"linux"}'), randomBytes(3000)]);

      const wipBytes = randomBytes(300_000);
      const started = await v2(h.t, 'POST', '/v2/gc/wip/blobs/uploads/', admin());
      expect(started.status).toBe(202);
      const wip = started.headers.get('location')!;
      const firstPart = await v2(h.t, 'PATCH', wip, {
        ...admin(),
        body: wipBytes.subarray(0, 100_000),
        contentType: 'application/octet-stream',
        headers: { 'content-range': '0-99999' },
      });
      expect(firstPart.status).toBe(202);

      // files with no row: a blob whose row never committed, an upload part whose session is gone (both a day old)
      const orphan = randomBytes(5000);
      const orphanDigest = (await h.parts.storage.put(Readable.from([orphan]))).digest;
      await ageFile(blobPath(orphanDigest), DAY);
      const orphanUpload = join(h.parts.dir.path, 'uploads', randomUUID());
      await mkdir(join(h.parts.dir.path, 'uploads'), { recursive: true });
      await writeFile(orphanUpload, randomBytes(100));
      await ageFile(orphanUpload, DAY);

      // two hours on: everything above is past the grace
      h.t.clock.offsetMs += 2 * HOUR;
      fresh = await h.t.login();

      let pushing = true;
      const runs: string[] = [];
      const collector = (async () => {
        for (let i = 0; i < 200 && (pushing || runs.length < 3); i++) {
          try {
            runs.push(await h.parts.gc.run('ADMIN'));
          } catch (err) {
            if (!(err instanceof GcRunningError)) throw err;
          }
        }
      })();
      // the collector is awaited even when a push fails, so no collection runs on after this test (into a stopped hub)
      const pushed = (
        await Promise.all(
          Array.from({ length: pushers }, async (_, p) => {
            const out = [];
            for (let i = 0; i < imagesEach; i++) {
              const config = Buffer.from(JSON.stringify({ os: 'linux', pusher: p, image: i }));
              out.push(await pushLikeAClient(`gc/app-${p}`, `v${i}`, [config, randomBytes(8000), reused[p]!]));
            }
            return out;
          }),
        ).finally(async () => {
          pushing = false;
          await collector.catch(() => undefined);
        })
      ).flat();
      await collector;
      runs.push(await h.parts.gc.run('ADMIN'));
      expect(runs.length).toBeGreaterThanOrEqual(4);

      // every pushed manifest and every blob it names reads back whole
      for (const img of [...pushed, keptImage]) {
        const m = await v2(h.t, 'GET', `/v2/${img.repo}/manifests/${img.tag}`, admin());
        expect(m.status, `${img.repo}:${img.tag}`).toBe(200);
        expect(m.bytes.equals(img.body)).toBe(true);
        for (const b of img.blobs) {
          const got = await v2(h.t, 'GET', `/v2/${img.repo}/blobs/${digestOf(b)}`, admin());
          expect(got.status, `${img.repo} blob ${digestOf(b)}`).toBe(200);
          expect(got.bytes.equals(b)).toBe(true);
        }
      }
      // and in the tables: no manifest names a blob without a row and a file
      const { rows: refs } = await h.t.hub.db.query<{ child_digest: string }>(
        `SELECT DISTINCT child_digest FROM registry_manifest_refs WHERE kind = 'BLOB'`,
      );
      expect(refs.length).toBeGreaterThanOrEqual(pushed.length + 2);
      for (const r of refs) {
        expect(await blobRow(r.child_digest), r.child_digest).toBe(true);
        expect(await h.parts.storage.stat(r.child_digest), r.child_digest).not.toBeNull();
      }

      // what nothing names, old, is gone: rows, links, files
      for (const b of unreferenced) {
        expect(await blobRow(digestOf(b))).toBe(false);
        expect(await h.parts.storage.stat(digestOf(b))).toBeNull();
        expect((await v2(h.t, 'HEAD', `/v2/gc/leftovers/blobs/${digestOf(b)}`, admin())).status).toBe(404);
      }
      expect(await h.parts.storage.stat(orphanDigest)).toBeNull();
      expect(await stat(orphanUpload).catch(() => null)).toBeNull();

      // the upload in progress survived every run, and completes now
      const rest = await v2(h.t, 'PATCH', wip, {
        ...admin(),
        body: wipBytes.subarray(100_000, 200_000),
        contentType: 'application/octet-stream',
        headers: { 'content-range': '100000-199999' },
      });
      expect(rest.status, rest.bytes.toString()).toBe(202);
      const done = await v2(h.t, 'PUT', `${wip}?digest=${digestOf(wipBytes)}`, {
        ...admin(),
        body: wipBytes.subarray(200_000),
        contentType: 'application/octet-stream',
      });
      expect(done.status, done.bytes.toString()).toBe(201);
      const back = await v2(h.t, 'GET', `/v2/gc/wip/blobs/${digestOf(wipBytes)}`, admin());
      expect(back.bytes.equals(wipBytes)).toBe(true);

      // the runs are recorded, newest first, with what they removed
      const list = await h.t.call('GET', '/api/registry/gc/runs?limit=100', undefined, admin());
      expect(list.status).toBe(200);
      expect(list.body.runs.map((r: { id: string }) => r.id).slice(0, runs.length)).toEqual([...runs].reverse());
      expect(list.body.runs.every((r: { state: string }) => r.state === 'DONE')).toBe(true);
      const swept = list.body.runs.reduce((n: number, r: { sweptBlobs: number }) => n + r.sweptBlobs, 0);
      expect(swept).toBeGreaterThanOrEqual(unreferenced.length + 1);
      expect(list.body.runs[0].marked).toBe(refs.length);
    }, 300_000);

    it.runIf(grace > 0)(
      'starts a run through the API (202), answers 409 while one runs, and pages the list',
      async () => {
        const started = await h.t.call('POST', '/api/registry/gc/runs', undefined, admin());
        expect(started.status, JSON.stringify(started.body)).toBe(202);
        const id = started.body.id as string;
        const run = await waitFor('the requested run to end', async () => {
          const l = await h.t.call('GET', '/api/registry/gc/runs?limit=5', undefined, admin());
          const r = l.body.runs.find((x: { id: string }) => x.id === id);
          return r && r.state !== 'RUNNING' && r;
        });
        expect(run).toMatchObject({ state: 'DONE', trigger: 'ADMIN' });

        // a run in progress (as another hub's): a second is refused with its id, and nothing is added
        const running = randomUUID();
        await h.t.hub.db.query(
          `INSERT INTO registry_gc_runs (id, state, trigger, started_at) VALUES ($1, 'RUNNING', 'SCHEDULE', now())`,
          [running],
        );
        const before = (await h.t.hub.db.query('SELECT count(*)::int AS n FROM registry_gc_runs')).rows[0];
        const refused = await h.t.call('POST', '/api/registry/gc/runs', undefined, admin());
        expect(refused.status).toBe(409);
        expect(refused.body.runId).toBe(running);
        expect((await h.t.hub.db.query('SELECT count(*)::int AS n FROM registry_gc_runs')).rows[0]).toEqual(before);
        await h.t.hub.db.query(`UPDATE registry_gc_runs SET state = 'DONE', finished_at = now() WHERE id = $1`, [
          running,
        ]);

        const page1 = await h.t.call('GET', '/api/registry/gc/runs?limit=2', undefined, admin());
        expect(page1.body.runs).toHaveLength(2);
        const page2 = await h.t.call(
          'GET',
          `/api/registry/gc/runs?limit=2&before=${page1.body.next}`,
          undefined,
          admin(),
        );
        expect(page2.status).toBe(200);
        expect(page2.body.runs[0].startedAt).toBeLessThanOrEqual(page1.body.runs[1].startedAt);
        expect(page2.body.runs.map((r: { id: string }) => r.id)).not.toContain(page1.body.runs[1].id);

        expect((await h.t.call('GET', '/api/registry/gc/runs?limit=0', undefined, admin())).status).toBe(400);
        expect((await h.t.call('POST', '/api/registry/gc/runs', { now: true }, admin())).status).toBe(400);
        const store = await h.t.store('GC01', adminCookie());
        expect((await h.t.call('POST', '/api/registry/gc/runs', undefined, { bearer: store.token })).status).toBe(403);
      },
      120_000,
    );
  },
);
