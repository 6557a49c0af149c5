import { pipeline } from 'node:stream/promises';
import { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import { byteRange, OCI_DIGEST, OCI_NAME, OCI_TAG, PROBLEM_CONTENT_TYPE } from '@storefleet/shared';
import type { Logger } from 'pino';
import { callerOf } from '../access/screen-guard.js';
import { storeApiDoc } from '../api-doc.js';
import { BlobDigestError } from './blob-cache.js';
import { HubRefusal, HubRegistryUnreachable } from './hub-registry.js';
import { isReleaseRepository, type StoreReleases } from './store-releases.js';

const TAG = 'Releases (OCI)';
const V2 =
  'A pull-through cache of the hub’s release repositories (`releases/…` only) for the store’s devices, from the node’s copy, fetched from the hub on a miss and kept (checked against its digest first); offline a miss is 404. Errors are the OCI spec’s `{ errors: [{ code, message }] }` inside a problem. A paired handheld sends its device token as `Authorization: Bearer`; an unpaired device gets 401 with a Basic challenge.';

/** An error of the node's OCI API: the spec's code, its status, and words for people. */
class OciAnswer extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The store node as a pull-through cache of the hub's release repositories for the store's devices (issue #23): the
 * OCI distribution API's read side — `GET /v2/`, `GET|HEAD /v2/<name>/manifests/<tag|digest>`,
 * `GET|HEAD /v2/<name>/blobs/<digest>` (with `Range`) — for `releases/…` only, from the node's copy (the releases it
 * pulled, and whatever a device asked for before), fetched from the hub on a miss and kept (checked against its
 * digest first) while the hub answers; offline, a miss is 404 MANIFEST_UNKNOWN / BLOB_UNKNOWN.
 *
 * Who may pull: the node's own machine (a trusted address: the back office, the shell) and paired handhelds (their
 * device token as `Authorization: Bearer`, as every other device route); the screen guard keeps kiosks, POS and
 * pickup screens out (403); an unpaired device is 401 with a Basic challenge naming no realm to fetch a token from
 * (clients send the device token they were given: `skopeo --src-registry-token`). Nothing is pushed here: other methods
 * and paths fall through to the node's 404.
 */
export function registryV2Routes(releases: StoreReleases, log: Logger): Router {
  const r = Router({ caseSensitive: true, strict: false });
  r.use((_req, res, next) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (callerOf(res).role === 'unpaired') {
      res.setHeader('WWW-Authenticate', 'Basic realm="storefleet-store"');
      throw new OciAnswer(401, 'UNAUTHORIZED', 'pair this device with the store node and send its token as Bearer');
    }
    next();
  });
  r.get(
    '/',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'OCI API version check',
      description: V2,
      responses: { 200: '{}' },
    }),
    (_req, res) => {
      res.json({});
    },
  );
  r.get(
    '/*name/manifests/:reference',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'A release manifest by tag or digest (HEAD too)',
      description: `${V2} Not a tag or a sha256 digest: 404 MANIFEST_UNKNOWN.`,
      responses: {
        200: {
          description: 'the manifest, with Docker-Content-Digest',
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
        },
      },
    }),
    async (req, res) => {
      const name = nameOf(req);
      const reference = req.params.reference as string;
      if (!OCI_DIGEST.test(reference) && !OCI_TAG.test(reference))
        throw new OciAnswer(404, 'MANIFEST_UNKNOWN', `${reference} is neither a tag nor a sha256 digest`);
      const found = await fromHub(
        () => releases.resolveManifest(name, reference),
        'MANIFEST_UNKNOWN',
        `${name}:${reference}`,
      );
      res.setHeader('Docker-Content-Digest', found.digest);
      res.setHeader('Content-Type', found.mediaType);
      res.setHeader('Content-Length', String(found.size));
      if (req.method === 'HEAD') return void res.end();
      res.end(releases.cache.read(found.digest));
    },
  );
  r.get(
    '/*name/blobs/:digest',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'A release blob by digest (HEAD and Range too)',
      description: `${V2} A blob is served under any release repository’s name: every store may pull every release. A Range outside the blob is 416.`,
      responses: {
        200: { description: 'the blob', mediaType: 'application/octet-stream' },
        206: { description: 'the range asked for', mediaType: 'application/octet-stream' },
      },
    }),
    async (req, res) => {
      const name = nameOf(req);
      const digest = req.params.digest as string;
      if (!OCI_DIGEST.test(digest)) throw new OciAnswer(404, 'BLOB_UNKNOWN', `${digest} is not a sha256 digest`);
      // a blob here is served under any release repository's name, whether or not that repository names it: every
      // store may pull every release, and the bytes are the digest's whoever asks
      let size = releases.cache.size(digest);
      if (size === null)
        size = await fromHub(() => releases.fetchBlob(name, digest), 'BLOB_UNKNOWN', `blob ${digest} of ${name}`);
      res.setHeader('Docker-Content-Digest', digest);
      res.setHeader('Accept-Ranges', 'bytes');
      res.type('application/octet-stream');
      const { start, end } = rangeOf(req.get('range'), size, res);
      if (req.get('range') !== undefined) res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
      res.setHeader('Content-Length', String(end - start + 1));
      if (req.method === 'HEAD' || size === 0) return void res.end();
      try {
        // pipeline closes the file however the answer ends (a client gone mid-blob included)
        await pipeline(releases.cache.open(digest, { start, end }), res);
      } catch (err) {
        if (req.destroyed || res.destroyed || (err as { code?: string })?.code === 'ERR_STREAM_PREMATURE_CLOSE')
          log.debug({ digest }, 'a device left mid-blob');
        else log.warn({ err, digest }, 'reading a cached blob failed mid-answer');
        res.destroy();
      }
    },
  );
  const answer: ErrorRequestHandler = (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    if (!(err instanceof OciAnswer)) log.error({ err }, 'store registry request failed');
    const e =
      err instanceof OciAnswer ? err : new OciAnswer(500, 'UNKNOWN', 'the store node could not answer; try again');
    res
      .status(e.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(
        JSON.stringify({
          type: 'about:blank',
          title: e.code,
          status: e.status,
          detail: e.message,
          errors: [{ code: e.code, message: e.message }],
        }),
      );
  };
  r.use(answer);
  return r;
}

/** A GET's `Range` within `size` (shared `byteRange`), the whole blob without one; else 416 as the hub answers. */
function rangeOf(header: string | undefined, size: number, res: Response): { start: number; end: number } {
  if (header === undefined) return { start: 0, end: size - 1 };
  const range = byteRange(header, size);
  if (!range) {
    res.setHeader('Content-Range', `bytes */${size}`);
    throw new OciAnswer(
      416,
      'RANGE_INVALID',
      `Range ${JSON.stringify(header.slice(0, 80))} is not within the blob's ${size} bytes`,
    );
  }
  return range;
}

/** The repository a route names: a release repository as the spec spells names, else 404 NAME_UNKNOWN. */
function nameOf(req: Request): string {
  const segments = (req.params as { name?: string | string[] }).name;
  const name = Array.isArray(segments) ? segments.join('/') : (segments ?? '');
  if (!OCI_NAME.test(name) || name.length > 255)
    throw new OciAnswer(400, 'NAME_INVALID', 'not a repository name as the OCI spec allows');
  if (!isReleaseRepository(name))
    throw new OciAnswer(404, 'NAME_UNKNOWN', `${name}: the store node serves release repositories (releases/…) only`);
  return name;
}

/** A miss fetched from the hub: its refusal or absence answers `code` (404), and so does an unreachable hub. */
async function fromHub<T>(fetch: () => Promise<T>, code: string, what: string): Promise<T> {
  try {
    return await fetch();
  } catch (err) {
    if (err instanceof HubRegistryUnreachable)
      throw new OciAnswer(404, code, `${what} is not on the store node, and the hub cannot be reached`);
    if (err instanceof HubRefusal && err.status === 403) throw new OciAnswer(403, 'DENIED', err.message);
    if (err instanceof HubRefusal) throw new OciAnswer(404, code, err.message);
    if (err instanceof BlobDigestError) throw new OciAnswer(502, code, err.message);
    throw err;
  }
}
