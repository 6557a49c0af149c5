import type { Request, Response } from 'express';
import { Router } from 'express';
import { apiDoc, OCI_DIGEST, OCI_MEDIA_TYPES } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import { OciError } from './errors.js';
import type { RegistryParts } from './index.js';
import { MAX_MANIFEST_BYTES } from './manifest-parse.js';
import { MAX_PAGE, type Page } from './manifests.js';

/** `req.params.name` (express 5's `*name`: segments) as the repository name; `auth.require` has checked it. */
const nameOf = (req: Request): string => {
  const raw = req.params.name as unknown;
  return Array.isArray(raw) ? raw.join('/') : String(raw);
};

/** A manifest bigger than the registry takes: 413, with the spec's MANIFEST_INVALID in `errors`. */
class ManifestTooLargeError extends OciError {
  constructor(size: number | null) {
    super(
      'MANIFEST_INVALID',
      `the manifest is ${size === null ? 'over' : `${size} bytes, over`} the ${MAX_MANIFEST_BYTES}-byte limit`,
      { limit: MAX_MANIFEST_BYTES },
    );
  }
  override get status(): number {
    return 413;
  }
}

/** The request's body, at most MAX_MANIFEST_BYTES (no body parser runs under `/v2`). */
async function readManifestBody(req: Request, res: Response): Promise<Buffer> {
  const declared = Number(req.get('content-length') ?? Number.NaN);
  const tooLarge = (size: number | null) => {
    // the rest of the body is not read: the connection ends with this answer
    res.setHeader('Connection', 'close');
    return new ManifestTooLargeError(size);
  };
  if (declared > MAX_MANIFEST_BYTES) throw tooLarge(declared);
  // listeners, not `for await`: leaving an async iterator early destroys the socket, and the 413 with it
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MANIFEST_BYTES) done(tooLarge(null));
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    // a client gone before the end: nothing to store, nobody to answer
    const onClose = () => done(new OciError('MANIFEST_INVALID', 'the manifest ended before its last byte'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** A control character (NUL among them): in no tag, repository name or media type. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `n` and `last` of a listing (`tags/list`, `_catalog`): n is 1 to MAX_PAGE, MAX_PAGE when absent. */
function pageQuery(req: Request): { n: number; last: string | null } {
  const { n, last } = req.query;
  let size = MAX_PAGE;
  if (n !== undefined) {
    size = typeof n === 'string' && /^\d{1,7}$/.test(n) ? Number(n) : Number.NaN;
    if (!(size >= 1 && size <= MAX_PAGE))
      throw new OciError('SIZE_INVALID', `n must be a whole number from 1 to ${MAX_PAGE}`, { n });
  }
  if (last !== undefined && (typeof last !== 'string' || last.length > 255))
    throw new OciError('SIZE_INVALID', 'last must be one tag or repository name', { last });
  // no tag or name holds a control character, and the database cannot take a NUL in a text parameter (it was a 500)
  if (typeof last === 'string' && CONTROL.test(last))
    throw new OciError('SIZE_INVALID', 'last must be one tag or repository name: it holds a control character (NUL …)');
  return { n: size, last: typeof last === 'string' && last !== '' ? last : null };
}

/** The spec's `Link: <…?n=&last=>; rel="next"` when there is more after this page. */
function linkNext(res: Response, path: string, n: number, page: Page): void {
  const last = page.items.at(-1);
  if (page.more && last !== undefined)
    res.setHeader('Link', `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`);
}

/** The OCI manifest, tag, referrer and catalog routes under `/v2/` (lane: manifests). */
export function manifestRoutes(parts: RegistryParts, _ctx: HubContext): Router {
  const r = Router({ caseSensitive: true });
  const { auth, manifests } = parts;

  r.get(
    '/_catalog',
    apiDoc({
      summary: 'List repositories',
      description:
        'Paged with `n` and `last`; a `Link` header names the next page. Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: { 200: '`{ repositories }`' },
      access: ['admin'],
    }),
    auth.requireCatalog,
    async (req, res) => {
      const { n, last } = pageQuery(req);
      const page = await manifests.catalog(last, n);
      linkNext(res, '/v2/_catalog', n, page);
      res.json({ repositories: page.items });
    },
  );

  const pull = async (req: Request, res: Response) => {
    const m = await manifests.pull(nameOf(req), String(req.params.reference));
    res.status(200);
    res.setHeader('Content-Type', m.mediaType);
    res.setHeader('Content-Length', String(m.size));
    res.setHeader('Docker-Content-Digest', m.digest);
    res.setHeader('ETag', `"${m.digest}"`);
    if (req.method === 'HEAD') res.end();
    else res.end(m.body);
  };
  r.head(
    '/*name/manifests/:reference',
    apiDoc({
      summary: 'Check a manifest by tag or digest',
      description:
        'Its media type, size and digest in the headers. Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: { 200: 'present (`Content-Type`, `Docker-Content-Digest`)' },
      access: ['staff'],
    }),
    auth.require('pull'),
    pull,
  );
  r.get(
    '/*name/manifests/:reference',
    apiDoc({
      summary: 'Download a manifest by tag or digest',
      description:
        'Answered in its own media type (an OCI image manifest or index, or a Docker one). Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: { 200: { description: 'the manifest', mediaType: 'application/vnd.oci.image.manifest.v1+json' } },
      access: ['staff'],
    }),
    auth.require('pull'),
    pull,
  );

  r.put(
    '/*name/manifests/:reference',
    apiDoc({
      summary: 'Push a manifest under a tag or its digest',
      description:
        'Every blob and manifest it names must be in the repository first (MANIFEST_BLOB_UNKNOWN otherwise); a manifest with a `subject` answers `OCI-Subject`. Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      rawBody: [
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ],
      responses: { 201: 'stored (`Location`, `Docker-Content-Digest`)' },
      access: ['admin'],
    }),
    auth.require('push'),
    async (req, res) => {
      const name = nameOf(req);
      const caller = auth.callerOf(res);
      const body = await readManifestBody(req, res);
      const { digest, subject } = await manifests.put(
        name,
        String(req.params.reference),
        body,
        req.get('content-type') ?? '',
        caller,
      );
      res.status(201);
      res.setHeader('Location', `/v2/${name}/manifests/${digest}`);
      res.setHeader('Docker-Content-Digest', digest);
      if (subject) res.setHeader('OCI-Subject', subject);
      res.setHeader('Content-Length', '0');
      res.end();
    },
  );

  r.delete(
    '/*name/manifests/:reference',
    apiDoc({
      summary: 'Delete a manifest, or untag it',
      description:
        'Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: { 202: 'deleted' },
      access: ['admin'],
    }),
    auth.require('delete'),
    async (req, res) => {
      await manifests.delete(nameOf(req), String(req.params.reference));
      res.status(202).setHeader('Content-Length', '0');
      res.end();
    },
  );

  r.get(
    '/*name/tags/list',
    apiDoc({
      summary: 'List a repository’s tags',
      description:
        'Paged with `n` and `last`; a `Link` header names the next page. Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: { 200: '`{ name, tags }`' },
      access: ['staff'],
    }),
    auth.require('pull'),
    async (req, res) => {
      const name = nameOf(req);
      const { n, last } = pageQuery(req);
      const page = await manifests.tags(name, last, n);
      linkNext(res, `/v2/${name}/tags/list`, n, page);
      res.json({ name, tags: page.items });
    },
  );

  r.get(
    '/*name/referrers/:digest',
    apiDoc({
      summary: 'List the manifests that refer to a manifest',
      description:
        'Signatures, SBOMs and the like, as an image index; `artifactType` filters them (`OCI-Filters-Applied`). Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: {
        200: { description: 'an image index of descriptors', mediaType: 'application/vnd.oci.image.index.v1+json' },
      },
      access: ['staff'],
    }),
    auth.require('pull'),
    async (req, res) => {
      const digest = String(req.params.digest);
      if (!OCI_DIGEST.test(digest))
        throw new OciError('DIGEST_INVALID', `${digest} is not a sha256 digest (sha256:<64 hex>)`);
      const { artifactType } = req.query;
      if (artifactType !== undefined && (typeof artifactType !== 'string' || artifactType.length > 255))
        throw new OciError('MANIFEST_INVALID', 'artifactType must be given once, as one media type');
      if (typeof artifactType === 'string' && CONTROL.test(artifactType))
        throw new OciError(
          'MANIFEST_INVALID',
          'artifactType must be one media type: it holds a control character (NUL …)',
        );
      const filter = typeof artifactType === 'string' && artifactType !== '' ? artifactType : undefined;
      const descriptors = await manifests.referrers(nameOf(req), digest, filter);
      if (filter !== undefined) res.setHeader('OCI-Filters-Applied', 'artifactType');
      res.status(200);
      res.setHeader('Content-Type', OCI_MEDIA_TYPES.imageIndex);
      res.end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MEDIA_TYPES.imageIndex, manifests: descriptors }));
    },
  );

  return r;
}
