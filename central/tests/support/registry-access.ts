import { modulesKeepingContext } from './modules-keeping-context.js';
import { createHash, randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { OCI_MEDIA_TYPES } from '@storefleet/shared';
import type { HubAccessRole, HubAccessRow } from '../../src/kernel/access-matrix.js';
import type { HubModule } from '../../src/kernel/module-contract.js';
import { registryParts } from '../../src/modules/registry/index.js';
import { rawCall } from './raw-http.js';
import type { TestHub } from './test-hub.js';
import { csrfHeaderFor } from './csrf-headers.js';
import { waitFor } from './wait-for.js';

/** A release repository every store pulls, and an image repository only head office writes. */
export const RELEASE_REPO = 'releases/matrix-app';
export const IMAGE_REPO = 'team/matrix-app';
const SBOM_TYPE = 'application/vnd.example.sbom.v1+json';

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An OCI call of the fixture as head office: fails the fixture on any answer but `want`. */
async function v2(
  t: TestHub,
  admin: string,
  method: string,
  path: string,
  want: number,
  body?: Buffer | string,
  contentType = 'application/octet-stream',
) {
  const res = await rawCall(t.url, {
    method,
    path,
    headers: { cookie: admin, ...csrfHeaderFor(admin), ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body }),
  });
  if (res.status !== want) throw new Error(`registry fixture: ${method} ${path} → ${res.status} ${res.text}`);
  return res;
}

async function pushBlob(t: TestHub, admin: string, repo: string, bytes: Buffer | string) {
  const digest = sha256(bytes);
  await v2(t, admin, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, 201, bytes);
  return { digest, size: Buffer.byteLength(bytes) };
}

async function newSession(t: TestHub, admin: string, repo: string): Promise<string> {
  const res = await v2(t, admin, 'POST', `/v2/${repo}/blobs/uploads/`, 202);
  const location = String(res.headers.location ?? '');
  const id = /\/blobs\/uploads\/([^/?]+)/.exec(location)?.[1];
  if (!id) throw new Error(`registry fixture: no session in Location ${location}`);
  return id;
}

/** An image manifest of `config` and `layer`, as bytes (what a client pushes). */
function imageManifest(
  config: { digest: string; size: number },
  layer: { digest: string; size: number },
  extra: Record<string, unknown> = {},
) {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MEDIA_TYPES.imageManifest,
    config: { mediaType: OCI_MEDIA_TYPES.imageConfig, ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    ...extra,
  });
}

/**
 * The registry's things for the authorization matrix and the fuzz test (issue #23), pushed over `/v2/` as head office
 * would: in `releases/matrix-app` a config blob, a layer and a manifest tagged `v1`, with a referrer (an SBOM whose
 * subject is that manifest); in `team/matrix-app` the same blobs, a manifest tagged `base` and `matrix-delete` (the
 * DELETE's tag), a blob for the blob DELETE, the manifest the PUT sends, and four upload sessions (GET, PATCH, PUT
 * and DELETE each use one); a release of `v1` announced to store A.
 */
export async function registryAccessFixture(t: TestHub, o: { admin: string; storeAId: string }) {
  const { admin } = o;
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const layer = Buffer.from(`matrix layer ${randomUUID()}\n`.repeat(64));
  const [c, l, empty, sbom] = await Promise.all([
    pushBlob(t, admin, RELEASE_REPO, config),
    pushBlob(t, admin, RELEASE_REPO, layer),
    pushBlob(t, admin, RELEASE_REPO, '{}'),
    pushBlob(t, admin, RELEASE_REPO, JSON.stringify({ packages: ['matrix-app@1'] })),
    pushBlob(t, admin, IMAGE_REPO, config),
    pushBlob(t, admin, IMAGE_REPO, layer),
  ]);
  const manifest = imageManifest(c, l);
  const manifestDigest = sha256(manifest);
  await v2(t, admin, 'PUT', `/v2/${RELEASE_REPO}/manifests/v1`, 201, manifest, OCI_MEDIA_TYPES.imageManifest);
  // a referrer: an SBOM artefact whose subject is v1
  const referrer = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MEDIA_TYPES.imageManifest,
    artifactType: SBOM_TYPE,
    config: { mediaType: OCI_MEDIA_TYPES.emptyJson, ...empty },
    layers: [{ mediaType: SBOM_TYPE, ...sbom }],
    subject: { mediaType: OCI_MEDIA_TYPES.imageManifest, digest: manifestDigest, size: Buffer.byteLength(manifest) },
  });
  const referrerDigest = sha256(referrer);
  await v2(
    t,
    admin,
    'PUT',
    `/v2/${RELEASE_REPO}/manifests/${referrerDigest}`,
    201,
    referrer,
    OCI_MEDIA_TYPES.imageManifest,
  );

  const imageDigest = sha256(manifest);
  for (const tag of ['base', 'matrix-delete'])
    await v2(t, admin, 'PUT', `/v2/${IMAGE_REPO}/manifests/${tag}`, 201, manifest, OCI_MEDIA_TYPES.imageManifest);
  const [deletable, get, patch, put, del] = await Promise.all([
    pushBlob(t, admin, IMAGE_REPO, `a blob the DELETE row removes ${randomUUID()}`),
    newSession(t, admin, IMAGE_REPO),
    newSession(t, admin, IMAGE_REPO),
    newSession(t, admin, IMAGE_REPO),
    newSession(t, admin, IMAGE_REPO),
  ]);
  const sessions = { get, patch, put, delete: del };
  const announced = await t.call(
    'POST',
    '/api/registry/releases',
    { repository: RELEASE_REPO, tag: 'v1', track: 'matrix-app', storeIds: [o.storeAId] },
    { cookie: admin },
  );
  if (announced.status !== 201) throw new Error(`registry fixture: release → ${announced.status}`);
  return {
    config: c,
    layer: l,
    manifest: { digest: manifestDigest, body: manifest },
    referrer: { digest: referrerDigest, artifactType: SBOM_TYPE },
    image: { digest: imageDigest, deletableBlob: deletable.digest },
    sessions,
    releaseId: String(announced.body.id),
  };
}
/**
 * The hub's modules for `TestHub.start(target, { modules })`, with the registry's context kept so a test reaches the
 * registry's folder (`registryDir()`, read once the hub has started).
 */
export async function modulesKeepingRegistry(): Promise<{ modules: HubModule[]; registryDir(): string }> {
  const { modules, context } = await modulesKeepingContext('registry');
  return { modules, registryDir: () => registryParts(context()).dir.path };
}

/**
 * Every file under the registry's folder (blobs, upload sessions' partial files, anything left in between) as
 * `path size` lines, sorted: a refused `/v2/` request must leave it as it was, as it leaves the database.
 */
export async function registryFolderFingerprint(dir: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = await readdir(at, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = join(at, e.name);
      if (e.isDirectory()) await walk(path);
      else {
        const s = await stat(path).catch(() => null);
        lines.push(`${relative(dir, path)} ${s ? s.size : 'gone'}`);
      }
    }
  };
  await walk(dir);
  return lines.sort().join('\n');
}

/** The vulnerability scans pushes started have ended (the scan job writes their reports in the background). */
export async function registrySettled(t: TestHub): Promise<void> {
  await waitFor(
    'the registry scans a push started to end',
    async () =>
      (await t.hub.db.query<{ n: number }>("SELECT count(*)::int AS n FROM registry_scans WHERE state = 'PENDING'"))
        .rows[0]!.n === 0,
    120_000,
  );
}

export type RegistryAccessFixture = Awaited<ReturnType<typeof registryAccessFixture>>;

/** A `/v2/` or `/api/registry/` probe: the concrete path, and for writes a raw body and its headers. */
export interface RegistryProbe {
  readonly path: string;
  readonly body?: unknown;
  readonly rawBody?: string | Buffer;
  readonly headers?: Record<string, string>;
  readonly missing?: string;
}

/**
 * The matrix's call for a registry row as `role` (undefined for a row that is not the registry's). Pulls go to the
 * release repository, writes to the image repository; the upload rows use a session head office opened (another
 * caller is refused before the session is looked up, as a missing one would be).
 */
export function registryProbe(
  fx: RegistryAccessFixture,
  row: HubAccessRow,
  role: HubAccessRole,
  storeAId: string,
): RegistryProbe | undefined {
  const key = `${row.method} ${row.path}`;
  const rel = `/v2/${RELEASE_REPO}`;
  const img = `/v2/${IMAGE_REPO}`;
  const octets = { 'content-type': 'application/octet-stream' };
  const patchBytes = Buffer.from(`patched by ${role}`);
  const putBytes = Buffer.from(`put by ${role} ${randomUUID()}`);
  const enc = encodeURIComponent;
  const probes: Record<string, () => RegistryProbe> = {
    'GET /v2': () => ({ path: '/v2/' }),
    'GET /v2/_catalog': () => ({ path: '/v2/_catalog?n=10' }),
    'HEAD /v2/*name/blobs/:digest': () => ({ path: `${rel}/blobs/${fx.layer.digest}` }),
    'GET /v2/*name/blobs/:digest': () => ({ path: `${rel}/blobs/${fx.layer.digest}` }),
    'DELETE /v2/*name/blobs/:digest': () => ({ path: `${img}/blobs/${fx.image.deletableBlob}` }),
    'POST /v2/*name/blobs/uploads': () => ({ path: `${img}/blobs/uploads/`, rawBody: '', headers: octets }),
    'GET /v2/*name/blobs/uploads/:uuid': () => ({
      path: `${img}/blobs/uploads/${fx.sessions.get}`,
      missing: `${img}/blobs/uploads/${randomUUID()}`,
    }),
    'PATCH /v2/*name/blobs/uploads/:uuid': () => ({
      path: `${img}/blobs/uploads/${fx.sessions.patch}`,
      rawBody: patchBytes,
      headers: octets,
      missing: `${img}/blobs/uploads/${randomUUID()}`,
    }),
    'PUT /v2/*name/blobs/uploads/:uuid': () => {
      const digest = `sha256:${createHash('sha256').update(putBytes).digest('hex')}`;
      return {
        path: `${img}/blobs/uploads/${fx.sessions.put}?digest=${digest}`,
        rawBody: putBytes,
        headers: octets,
        missing: `${img}/blobs/uploads/${randomUUID()}?digest=${digest}`,
      };
    },
    'DELETE /v2/*name/blobs/uploads/:uuid': () => ({
      path: `${img}/blobs/uploads/${fx.sessions.delete}`,
      missing: `${img}/blobs/uploads/${randomUUID()}`,
    }),
    'HEAD /v2/*name/manifests/:reference': () => ({ path: `${rel}/manifests/v1` }),
    'GET /v2/*name/manifests/:reference': () => ({ path: `${rel}/manifests/v1` }),
    'PUT /v2/*name/manifests/:reference': () => ({
      path: `${img}/manifests/pushed-by-${role.toLowerCase()}`,
      rawBody: fx.manifest.body,
      headers: { 'content-type': OCI_MEDIA_TYPES.imageManifest },
    }),
    'DELETE /v2/*name/manifests/:reference': () => ({ path: `${img}/manifests/matrix-delete` }),
    'GET /v2/*name/tags/list': () => ({ path: `${rel}/tags/list?n=5` }),
    'GET /v2/*name/referrers/:digest': () => ({
      path: `${rel}/referrers/${fx.manifest.digest}?artifactType=${enc(fx.referrer.artifactType)}`,
    }),
    'GET /api/registry/token': () => ({
      path: `/api/registry/token?service=storefleet-registry&scope=${enc(`repository:${RELEASE_REPO}:pull`)}`,
    }),
    'GET /api/registry/repositories': () => ({ path: '/api/registry/repositories' }),
    'GET /api/registry/repositories/:name': () => ({ path: `/api/registry/repositories/${enc(RELEASE_REPO)}` }),
    'PATCH /api/registry/repositories/:name': () => ({
      path: `/api/registry/repositories/${enc(IMAGE_REPO)}`,
      body: { blockSeverity: null },
    }),
    'GET /api/registry/stats': () => ({ path: '/api/registry/stats' }),
    'GET /api/registry/gc/runs': () => ({ path: '/api/registry/gc/runs' }),
    'POST /api/registry/gc/runs': () => ({ path: '/api/registry/gc/runs', body: {} }),
    'GET /api/registry/scans/:digest': () => ({ path: `/api/registry/scans/${fx.manifest.digest}` }),
    'POST /api/registry/scans/:digest': () => ({
      path: `/api/registry/scans/${fx.manifest.digest}`,
      body: { repository: RELEASE_REPO },
    }),
    'GET /api/registry/mirror': () => ({ path: '/api/registry/mirror' }),
    'POST /api/registry/mirror/runs': () => ({ path: '/api/registry/mirror/runs', body: {} }),
    'POST /api/registry/releases': () => ({
      path: '/api/registry/releases',
      body: { repository: RELEASE_REPO, tag: 'v1', track: 'matrix-app', storeIds: [storeAId] },
    }),
    'GET /api/registry/releases': () => ({ path: '/api/registry/releases' }),
    'POST /api/registry/releases/:id/withdraw': () => ({
      path: `/api/registry/releases/${fx.releaseId}/withdraw`,
      body: {},
    }),
    'GET /api/registry/releases/:id/stores': () => ({ path: `/api/registry/releases/${fx.releaseId}/stores` }),
    'GET /api/registry/stores/:storeId/releases': () => ({ path: `/api/registry/stores/${storeAId}/releases` }),
  };
  if (!row.path.startsWith('/v2') && !row.path.startsWith('/api/registry/')) return undefined;
  const make = probes[key];
  if (!make) throw new Error(`no registry probe for ${key}: add one to registry-access.ts`);
  return make();
}
