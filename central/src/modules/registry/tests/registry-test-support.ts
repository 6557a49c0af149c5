import { modulesKeepingContext } from '../../../../tests/support/modules-keeping-context.js';
import { createHash } from 'node:crypto';
import { OCI_MEDIA_TYPES } from '@storefleet/shared';
import { afterAll, beforeAll } from 'vitest';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { type RegistryParts, registryParts } from '../index.js';

/**
 * Helpers for the registry's HTTP tests (lane: manifests; other lanes may import them): raw `/v2/` calls, blobs and
 * manifests pushed as a client pushes them, and manifest builders.
 */

/** A hub on `target` for one test file, signed in as head office, with the registry's parts of that hub. */
export interface RegistryHub {
  readonly t: TestHub;
  readonly admin: string;
  readonly parts: RegistryParts;
}

/** Starts a hub in `beforeAll` (stopped in `afterAll`); read its fields inside tests. */
export function registryHub(target: DbTarget, overrides: Parameters<typeof TestHub.start>[1] = {}): RegistryHub {
  const s: { t?: TestHub; admin?: string; context?: () => HubContext } = {};
  beforeAll(async () => {
    const { modules, context } = await modulesKeepingContext('registry');
    s.context = context;
    s.t = await TestHub.start(target, { modules, ...overrides });
    s.admin = await s.t.login();
  }, 180_000);
  afterAll(async () => {
    await s.t?.stop();
  });
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`registryHub.${what} read before beforeAll`);
    return v;
  };
  return {
    get t() {
      return need(s.t, 't');
    },
    get admin() {
      return need(s.admin, 'admin');
    },
    get parts() {
      return registryParts(need(s.context, 'parts')());
    },
  };
}

export interface V2Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Buffer;
  /** The body parsed as JSON when it is JSON, else undefined. */
  readonly json: any;
}

export interface V2Request {
  readonly cookie?: string;
  readonly bearer?: string;
  readonly body?: Buffer | string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

/** One call to the registry's `/v2/` API with the caller's hub credential. */
export async function v2(t: TestHub, method: string, path: string, req: V2Request = {}): Promise<V2Answer> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.cookie) headers.cookie = req.cookie;
  if (req.bearer) headers.authorization = `Bearer ${req.bearer}`;
  if (req.contentType) headers['content-type'] = req.contentType;
  // a Buffer goes as a plain Uint8Array copy: fetch's body type refuses a Buffer, which may sit on a shared buffer
  const body = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : req.body;
  const res = await fetchRetryingReset(t.url + path, { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  if ((res.headers.get('content-type') ?? '').includes('json') && bytes.length > 0) {
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, bytes, json };
}

/**
 * fetch, sent once more when the connection was reset before an answer: under load the hub may close a kept-alive
 * socket (its 5 s idle timeout) just as the client reuses it, so the request never reached the hub. The registry's
 * writes are content-addressed (a second PUT of the same bytes is the same result), and `body` is a Buffer or string
 * here, so sending again is safe.
 */
async function fetchRetryingReset(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (!['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(cause?.code ?? '')) throw err;
    return fetch(url, init);
  }
}

export const digestOf = (bytes: Buffer | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Pushes `bytes` as a blob of `repo` (a monolithic upload, `POST …/blobs/uploads/?digest=`); resolves with its digest. */
export async function pushBlob(t: TestHub, cookie: string, repo: string, bytes: Buffer | string): Promise<string> {
  const digest = digestOf(bytes);
  const res = await v2(t, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    cookie,
    body: Buffer.from(bytes),
    contentType: 'application/octet-stream',
  });
  if (res.status !== 201) throw new Error(`blob push to ${repo} answered ${res.status}: ${res.bytes.toString()}`);
  return digest;
}

/** The bytes a manifest object is pushed as (tests compare pulls against these). */
export const manifestBytes = (manifest: unknown): Buffer => Buffer.from(JSON.stringify(manifest, null, 2));

/** Pushes a manifest by tag or digest; resolves with its digest (throws on any answer but 201). */
export async function pushManifest(
  t: TestHub,
  cookie: string,
  repo: string,
  ref: string,
  manifest: unknown,
  mediaType: string = OCI_MEDIA_TYPES.imageManifest,
): Promise<string> {
  const body = manifestBytes(manifest);
  const res = await v2(t, 'PUT', `/v2/${repo}/manifests/${ref}`, { cookie, body, contentType: mediaType });
  if (res.status !== 201) throw new Error(`manifest push to ${repo}:${ref} answered ${res.status}: ${res.bytes}`);
  return res.headers.get('docker-content-digest') ?? digestOf(body);
}

export interface DescriptorOf {
  readonly digest: string;
  readonly size: number;
  readonly mediaType?: string;
}

/** An OCI image manifest (an artefact manifest when `artifactType` is given) naming `config` and `layers`. */
export function imageManifest(m: {
  readonly config: DescriptorOf;
  readonly layers: readonly DescriptorOf[];
  readonly subject?: DescriptorOf;
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
  readonly mediaType?: string;
}): Record<string, unknown> {
  const docker = m.mediaType === OCI_MEDIA_TYPES.dockerManifest;
  return {
    schemaVersion: 2,
    mediaType: m.mediaType ?? OCI_MEDIA_TYPES.imageManifest,
    ...(m.artifactType ? { artifactType: m.artifactType } : {}),
    config: {
      mediaType:
        m.config.mediaType ?? (docker ? 'application/vnd.docker.container.image.v1+json' : OCI_MEDIA_TYPES.imageConfig),
      digest: m.config.digest,
      size: m.config.size,
    },
    layers: m.layers.map((l) => ({
      mediaType:
        l.mediaType ??
        (docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip'),
      digest: l.digest,
      size: l.size,
    })),
    ...(m.subject
      ? {
          subject: {
            mediaType: m.subject.mediaType ?? OCI_MEDIA_TYPES.imageManifest,
            digest: m.subject.digest,
            size: m.subject.size,
          },
        }
      : {}),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  };
}

/** An OCI image index (or Docker manifest list with its media type) of platform manifests. */
export function imageIndex(
  manifests: readonly (DescriptorOf & { readonly platform?: { os: string; architecture: string } })[],
  mediaType: string = OCI_MEDIA_TYPES.imageIndex,
): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType,
    manifests: manifests.map((d) => ({
      mediaType:
        d.mediaType ??
        (mediaType === OCI_MEDIA_TYPES.dockerManifestList
          ? OCI_MEDIA_TYPES.dockerManifest
          : OCI_MEDIA_TYPES.imageManifest),
      digest: d.digest,
      size: d.size,
      ...(d.platform ? { platform: d.platform } : {}),
    })),
  };
}

/** Pushes a config and one layer per string, then an image manifest of them; resolves with what a test checks. */
export async function pushImage(
  t: TestHub,
  cookie: string,
  repo: string,
  ref: string,
  layers: readonly string[],
  extra: { readonly subject?: DescriptorOf; readonly artifactType?: string; readonly mediaType?: string } = {},
): Promise<{ digest: string; size: number; body: Buffer; blobs: DescriptorOf[] }> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', layers }));
  const configDesc = { digest: await pushBlob(t, cookie, repo, config), size: config.length };
  const layerDescs: DescriptorOf[] = [];
  for (const l of layers) layerDescs.push({ digest: await pushBlob(t, cookie, repo, l), size: Buffer.byteLength(l) });
  const manifest = imageManifest({ config: configDesc, layers: layerDescs, ...extra });
  const body = manifestBytes(manifest);
  const digest = await pushManifest(t, cookie, repo, ref, manifest, extra.mediaType);
  return { digest, size: body.length, body, blobs: [configDesc, ...layerDescs] };
}
