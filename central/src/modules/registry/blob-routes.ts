import type { Request, Response } from 'express';
import { Router } from 'express';
import { pipeline } from 'node:stream/promises';
import { apiDoc, byteRange, OCI_DIGEST } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import { OciError } from './errors.js';
import type { RegistryParts } from './index.js';
import { UploadRangeError, type UploadState } from './upload-sessions.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A digest of any algorithm, as the spec writes them: told apart from sha256 to say only sha256 is taken. */
const ANY_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const CONTENT_RANGE = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})$/;

/**
 * The OCI blob and upload routes under `/v2/` (lane: blobs): HEAD/GET (ranges)/DELETE of blobs, POST (monolithic
 * with `?digest=`, a session, or `?mount=&from=`), GET/PATCH/PUT/DELETE of an upload session. Every route asks auth
 * for its action first; bodies are streams (never held in memory); Locations are relative (`/v2/…`).
 */
export function blobRoutes(parts: RegistryParts, _ctx: HubContext): Router {
  const r = Router({ caseSensitive: true });
  const { auth, blobs } = parts;
  const uploads = blobs.uploads;

  r.post(
    '/*name/blobs/uploads',
    apiDoc({
      summary: 'Upload a blob: in one request, by mount, or by starting a session',
      description:
        'With `?digest=` the body is the whole blob (201); with `?mount=<digest>&from=<repository>` a blob the caller may pull there is linked (201), else a session starts; without either a session starts (202, `Location` and `Docker-Upload-UUID`). Bodies are streamed. Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      rawBody: ['application/octet-stream'],
      responses: {
        201: 'the blob is stored (`Location`, `Docker-Content-Digest`)',
        202: 'an upload session (`Location`, `Range`)',
      },
      access: ['admin'],
    }),
    auth.require('push'),
    async (req, res) => {
      const name = nameOf(req);
      const caller = auth.callerOf(res);
      const digest = queryOf(req, 'digest');
      const mount = queryOf(req, 'mount');
      if (digest !== undefined) {
        const d = digestOf(digest);
        if (await clientGone(req, () => blobs.importBlob(name, d, req, contentLength(req)))) return;
        return created(res, name, d);
      }
      if (mount !== undefined) {
        const d = digestOf(mount);
        const from = queryOf(req, 'from');
        // auth.require('push') checked the name `from` and the caller's pull right on it; a blob `from` does not link
        // gets a session, as the spec says
        if (from !== undefined && (await blobs.mount(name, from, d))) return created(res, name, d);
      }
      const state = await blobs.startUpload(name, caller, req.get('idempotency-key'));
      sessionHeaders(res, state);
      res.status(202).end();
    },
  );

  r.get(
    '/*name/blobs/uploads/:uuid',
    apiDoc({
      summary: 'Read an upload session’s progress',
      description:
        'The `Range` received so far. Another caller’s session is BLOB_UPLOAD_UNKNOWN. Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: { 204: 'the session (`Location`, `Range`)' },
      access: ['admin'],
    }),
    auth.require('push'),
    async (req, res) => {
      const state = await uploads.status(nameOf(req), auth.callerOf(res), uuidOf(req));
      sessionHeaders(res, state);
      res.status(204).end();
    },
  );

  r.patch(
    '/*name/blobs/uploads/:uuid',
    apiDoc({
      summary: 'Send the next chunk of an upload',
      description:
        'The body is streamed; `Content-Range` (optional) must start where the session is, else 416 with the session’s `Range`. Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      rawBody: ['application/octet-stream'],
      responses: { 202: 'the chunk is taken (`Location`, `Range`)', 416: 'the chunk is out of order' },
      access: ['admin'],
    }),
    auth.require('push'),
    async (req, res) => {
      const name = nameOf(req);
      const id = uuidOf(req);
      const range = contentRangeOf(req);
      let state: UploadState | undefined;
      const gone = await clientGone(req, async () => {
        state = await answeringRange(res, () => uploads.append(name, auth.callerOf(res), id, req, range));
      });
      if (gone || !state) return;
      sessionHeaders(res, state);
      res.status(202).end();
    },
  );

  r.put(
    '/*name/blobs/uploads/:uuid',
    apiDoc({
      summary: 'Complete an upload',
      description:
        'Names the blob with `?digest=sha256:<hex>` and may carry the last chunk; the content must hash to the digest (DIGEST_INVALID otherwise). Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      rawBody: ['application/octet-stream'],
      responses: { 201: 'the blob is stored (`Location`, `Docker-Content-Digest`)' },
      access: ['admin'],
    }),
    auth.require('push'),
    async (req, res) => {
      const name = nameOf(req);
      const id = uuidOf(req);
      const raw = queryOf(req, 'digest');
      if (raw === undefined)
        throw new OciError('DIGEST_INVALID', 'a PUT that completes an upload names the blob: ?digest=sha256:<hex>');
      const digest = digestOf(raw);
      let stored: { digest: string } | undefined;
      const gone = await clientGone(req, async () => {
        stored = await answeringRange(res, () =>
          uploads.complete(name, auth.callerOf(res), id, digest, hasBody(req) ? req : undefined),
        );
      });
      if (gone || !stored) return;
      created(res, name, stored.digest);
    },
  );

  r.delete(
    '/*name/blobs/uploads/:uuid',
    apiDoc({
      summary: 'Cancel an upload session',
      description:
        'Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: { 204: 'cancelled' },
      access: ['admin'],
    }),
    auth.require('push'),
    async (req, res) => {
      await uploads.cancel(nameOf(req), auth.callerOf(res), uuidOf(req));
      res.setHeader('Content-Length', '0');
      res.status(204).end();
    },
  );

  r.head(
    '/*name/blobs/:digest',
    apiDoc({
      summary: 'Check that a repository holds a blob',
      description:
        'Its size and digest in the headers. Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: { 200: 'present (`Content-Length`, `Docker-Content-Digest`)' },
      access: ['staff'],
    }),
    auth.require('pull'),
    async (req, res) => {
      const name = nameOf(req);
      const digest = digestOf(req.params.digest);
      // a row whose file is gone answers 404 too: the client uploads the blob again
      const blob = await blobs.present(name, digest);
      if (!blob) throw new OciError('BLOB_UNKNOWN', `blob ${digest} is not in repository ${name}`, { digest });
      blobHeaders(res, digest, blob.size);
      res.status(200).end();
    },
  );

  r.get(
    '/*name/blobs/:digest',
    apiDoc({
      summary: 'Download a blob',
      description:
        'Streamed; a `Range` request answers 206 (416 when outside the blob). Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: {
        200: { description: 'the blob', mediaType: 'application/octet-stream' },
        206: { description: 'the range asked for', mediaType: 'application/octet-stream' },
      },
      access: ['staff'],
    }),
    auth.require('pull'),
    async (req, res) => {
      const name = nameOf(req);
      const digest = digestOf(req.params.digest);
      // one link check (and touch) for the answer: the size, the range within it, then the bytes
      const { size, range, stream } = await blobs.read(name, digest, (n) => rangeOf(req, res, n));
      blobHeaders(res, digest, range ? range.end - range.start + 1 : size);
      if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      res.status(range ? 206 : 200);
      try {
        await pipeline(stream, res);
      } catch (err) {
        // the client went away mid-blob (or the disk failed mid-read): nothing more can be said on this answer
        if (res.headersSent) {
          req.socket.destroy();
          return;
        }
        throw err;
      }
    },
  );

  r.delete(
    '/*name/blobs/:digest',
    apiDoc({
      summary: 'Unlink a blob from a repository',
      description:
        'The bytes go at the next garbage collection when no repository links them. Errors are problem+json that also carry the OCI `errors` array (`[{ code, message, detail }]`) registry clients read.',
      tags: ['registry'],
      responses: { 202: 'unlinked' },
      access: ['admin'],
    }),
    auth.require('delete'),
    async (req, res) => {
      await blobs.unlink(nameOf(req), digestOf(req.params.digest));
      res.setHeader('Content-Length', '0');
      res.status(202).end();
    },
  );

  return r;
}

function nameOf(req: Request): string {
  const n = (req.params as { name?: string | string[] }).name;
  return Array.isArray(n) ? n.join('/') : String(n ?? '');
}

function queryOf(req: Request, key: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new OciError('BLOB_UPLOAD_INVALID', `?${key}= is given more than once`);
  return v;
}

function digestOf(value: unknown): string {
  const d = typeof value === 'string' ? value : '';
  if (OCI_DIGEST.test(d)) return d;
  if (ANY_DIGEST.test(d) && !d.startsWith('sha256:'))
    throw new OciError('DIGEST_INVALID', `digest ${d.slice(0, 100)}: this registry accepts sha256 digests only`);
  throw new OciError(
    'DIGEST_INVALID',
    `${JSON.stringify(d.slice(0, 100))} is not a digest (sha256:<64 lower-case hex>)`,
  );
}

function uuidOf(req: Request): string {
  const id = String(req.params.uuid ?? '');
  if (!UUID.test(id)) throw new OciError('BLOB_UPLOAD_UNKNOWN', `there is no upload session ${id.slice(0, 80)}`);
  return id;
}

function contentLength(req: Request): number | undefined {
  const v = req.get('content-length');
  return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
}

/** Whether the request carries a body (a PUT's last chunk): a length above 0, or a chunked one. */
function hasBody(req: Request): boolean {
  const len = contentLength(req);
  return (len !== undefined && len > 0) || req.get('transfer-encoding') !== undefined;
}

/**
 * A PATCH's `Content-Range: <start>-<end>` (inclusive), checked against its Content-Length (a chunked body is bounded
 * to it by the append); undefined without one.
 */
function contentRangeOf(req: Request): { start: number; end: number } | undefined {
  const header = req.get('content-range');
  if (header === undefined) return undefined;
  const m = CONTENT_RANGE.exec(header.trim());
  // malformed or not the body's length: a bad request (400); 416 is kept for a chunk out of order
  if (!m)
    throw new OciError(
      'BLOB_UPLOAD_INVALID',
      `Content-Range ${JSON.stringify(header.slice(0, 80))} is not <start>-<end>`,
    );
  const start = Number(m[1]);
  const end = Number(m[2]);
  const len = contentLength(req);
  if (end < start || (len !== undefined && len !== end - start + 1))
    throw new OciError(
      'BLOB_UPLOAD_INVALID',
      `Content-Range ${start}-${end} is ${end - start + 1} bytes, but the body is ${len ?? 'of no'} length`,
    );
  return { start, end };
}

/** A GET's `Range` within `size` (shared `byteRange`); 416 with `Content-Range: bytes *\/size` when unsatisfiable. */
function rangeOf(req: Request, res: Response, size: number): { start: number; end: number } | undefined {
  const header = req.get('range');
  if (header === undefined) return undefined;
  const range = byteRange(header, size);
  if (!range) {
    res.setHeader('Content-Range', `bytes */${size}`);
    throw new OciError(
      'RANGE_INVALID',
      `Range ${JSON.stringify(header.slice(0, 80))} is not within the blob's ${size} bytes`,
    );
  }
  return range;
}

function blobHeaders(res: Response, digest: string, length: number): void {
  res.setHeader('Content-Length', String(length));
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', `"${digest}"`);
}

function created(res: Response, name: string, digest: string): void {
  res.setHeader('Location', `/v2/${name}/blobs/${digest}`);
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('Content-Length', '0');
  res.status(201).end();
}

function sessionHeaders(res: Response, s: UploadState): void {
  res.setHeader('Location', `/v2/${s.repository}/blobs/uploads/${s.id}`);
  res.setHeader('Range', `0-${Math.max(s.received - 1, 0)}`);
  res.setHeader('Docker-Upload-UUID', s.id);
  res.setHeader('Content-Length', '0');
}

/** Runs `fn`; a chunk out of order answers 416 with the session's headers (where to resume), as the spec asks. */
async function answeringRange<T>(res: Response, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UploadRangeError) {
      sessionHeaders(res, err.upload);
      res.removeHeader('Content-Length');
    }
    throw err;
  }
}

/**
 * Runs `fn`, which reads the request's body; true when it failed because the client went away mid-body (nothing to
 * answer, and not the hub's failure: the session is as it was before the chunk).
 */
async function clientGone(req: Request, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    return false;
  } catch (err) {
    if (req.destroyed && !req.complete) return true;
    throw err;
  }
}
