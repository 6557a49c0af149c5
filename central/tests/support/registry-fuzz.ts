import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { OCI_MEDIA_TYPES } from '@storefleet/shared';
import type { RawRequest } from './raw-http.js';
import { IMAGE_REPO, RELEASE_REPO, type RegistryAccessFixture } from './registry-access.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Repository names the spec refuses (some only once decoded), beside the fixture's real ones. */
const HOSTILE_NAMES = [
  'A',
  'Releases/Matrix-App',
  '..',
  'a/..',
  '%2e%2e',
  'releases%2Fmatrix-app',
  'a//b',
  '-a',
  'a-',
  'a__b_',
  '%00',
  'a%00b',
  '%E0%A4%A',
  '%%%',
  'x'.repeat(300),
  `${'a/'.repeat(200)}a`,
  'r%C3%A9',
];
const HOSTILE_DIGESTS = [
  'sha256:',
  `sha256:${'A'.repeat(64)}`,
  `sha256:${'a'.repeat(63)}`,
  `sha256:${'a'.repeat(65)}`,
  `sha512:${'a'.repeat(128)}`,
  `md5:${'a'.repeat(32)}`,
  'sha256%3Aabc',
  '%00',
  'sha256:../../etc/passwd',
  'latest',
  `sha256:${'0'.repeat(64)}`,
];
const HOSTILE_REFERENCES = ['v1', 'latest', '-x', '.x', 'x'.repeat(129), '%00', 'a%20b', '%E0%A4%A', ''];
const QUERIES = [
  '',
  '?n=0',
  '?n=-1',
  '?n=abc',
  `?n=${'9'.repeat(40)}`,
  '?n=1&n=2',
  '?last=%00',
  `?last=${'z'.repeat(300)}`,
  '?n=2&last=releases',
  '?digest=',
  `?digest=sha256:${'b'.repeat(64)}`,
  '?digest=sha256:nope',
  '?digest=a&digest=b',
  `?mount=sha256:${'c'.repeat(64)}&from=A`,
  `?mount=sha256:${'c'.repeat(64)}&from=${RELEASE_REPO}`,
  `?mount=%00&from=${IMAGE_REPO}`,
  '?artifactType=%00',
  `?artifactType=${'t'.repeat(2000)}`,
  '?%E0%A4%A=1',
];
const CONTENT_RANGES = ['0-0', '0-', '5-2', '-1-3', 'bytes=0-10', '0-99999999999999999999', 'a-b', '1-1', '0-4', '%00'];
const RANGES = [
  'bytes=0-',
  'bytes=5-1',
  'bytes=-5',
  'bytes=0-1,3-4',
  `bytes=${'9'.repeat(20)}-`,
  'items=0-1',
  'bytes=x-y',
];
const CONTENT_TYPES = [
  OCI_MEDIA_TYPES.imageManifest,
  OCI_MEDIA_TYPES.imageIndex,
  OCI_MEDIA_TYPES.dockerManifest,
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/json',
  'application/octet-stream',
  'text/plain; charset=%%%',
  '',
];
/** Bearer tokens that are not the registry's: malformed, unsigned, signed by nobody, or for another audience. */
const BAD_TOKENS = [
  'a.b.c',
  '..',
  `${b64({ alg: 'none' })}.${b64({ aud: 'storefleet-registry', access: [] })}.`,
  `${b64({ alg: 'HS256' })}.${b64({ aud: 'storefleet-registry', exp: 9e15 })}.${'A'.repeat(43)}`,
  `${b64({ alg: 'HS256' })}.${b64({ aud: ['storefleet-registry'] })}.x`,
  `${b64({ alg: 'HS256' })}.%00.x`,
  'x'.repeat(8_000),
];
const manifestBodies = (fx: RegistryAccessFixture) =>
  fc.oneof(
    fc.constantFrom(
      '',
      '\u0000',
      'a\u0000b',
      '{',
      '[]',
      'null',
      '{"schemaVersion":1}',
      '{"schemaVersion":2}',
      JSON.stringify({ schemaVersion: 2, config: { digest: 'sha256:zz', size: -1 }, layers: [] }),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MEDIA_TYPES.imageManifest,
        config: { mediaType: OCI_MEDIA_TYPES.imageConfig, ...fx.config },
        layers: [{ mediaType: 'x', digest: `sha256:${'d'.repeat(64)}`, size: 1 }],
      }),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MEDIA_TYPES.imageManifest,
        config: { mediaType: OCI_MEDIA_TYPES.imageConfig, ...fx.config, size: Number.MAX_SAFE_INTEGER + 2 },
        layers: [],
      }),
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MEDIA_TYPES.imageIndex, manifests: [{ digest: '%00' }] }),
      `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
      JSON.stringify({ schemaVersion: 2, annotations: { k: 'v'.repeat(100_000) } }),
    ),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  );

/**
 * Hostile calls at the registry's `/v2/` routes (issue #23): names and digests the spec refuses, upload sessions that
 * are not the caller's or do not exist, Content-Range and Range at the edges, manifests that are not, odd `n`/`last`,
 * bearer tokens nobody signed, NUL bytes. The fixture's names, digests and sessions come up some of the time, so a
 * call reaches the check it aims at.
 */
export function registryHostileRequest(
  fx: RegistryAccessFixture,
  callers: readonly Record<string, string>[],
): fc.Arbitrary<RawRequest & { route: string }> {
  const name = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(RELEASE_REPO, IMAGE_REPO, 'team/unknown') },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
  );
  const digest = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(fx.layer.digest, fx.config.digest, fx.manifest.digest) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_DIGESTS) },
  );
  const reference = fc.oneof(digest, fc.constantFrom(...HOSTILE_REFERENCES));
  const session = fc.oneof(
    fc.constantFrom(...Object.values(fx.sessions)),
    fc.constantFrom(randomUUID(), 'not-a-uuid', '..', '%00', 'x'.repeat(300)),
  );
  const shape = fc.constantFrom('base', 'catalog', 'blob', 'uploads', 'upload', 'manifest', 'tags', 'referrers');
  return fc
    .record({
      shape,
      name,
      digest,
      reference,
      session,
      query: fc.constantFrom(...QUERIES),
      method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      caller: fc.option(fc.constantFrom(...callers), { freq: 5 }),
      badToken: fc.option(fc.constantFrom(...BAD_TOKENS), { freq: 4 }),
      contentRange: fc.option(fc.constantFrom(...CONTENT_RANGES), { freq: 3 }),
      range: fc.option(fc.constantFrom(...RANGES), { freq: 3 }),
      contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 2 }),
      body: fc.option(manifestBodies(fx), { freq: 2 }),
    })
    .map((g) => {
      const paths: Record<string, string> = {
        base: '/v2/',
        catalog: '/v2/_catalog',
        blob: `/v2/${g.name}/blobs/${g.digest}`,
        uploads: `/v2/${g.name}/blobs/uploads/`,
        upload: `/v2/${g.name}/blobs/uploads/${g.session}`,
        manifest: `/v2/${g.name}/manifests/${g.reference}`,
        tags: `/v2/${g.name}/tags/list`,
        referrers: `/v2/${g.name}/referrers/${g.digest}`,
      };
      const headers: Record<string, string> = { ...(g.caller ?? {}) };
      if (g.badToken !== null) headers.authorization = `Bearer ${g.badToken}`;
      if (g.contentRange !== null) headers['content-range'] = g.contentRange;
      if (g.range !== null) headers.range = g.range;
      const withBody = g.body !== null && g.method !== 'GET' && g.method !== 'HEAD';
      if (g.contentType !== null) headers['content-type'] = g.contentType;
      else if (withBody) headers['content-type'] = 'application/octet-stream';
      return {
        route: `${g.method} /v2 ${g.shape}`,
        method: g.method,
        path: paths[g.shape]! + g.query,
        headers,
        ...(withBody ? { body: g.body! } : {}),
      };
    });
}
