import { pipeline } from 'node:stream';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  AppError,
  decimalCountParam,
  ForbiddenError,
  parseOrThrow,
  uuidSchema,
  ValidationError,
  vaultNameSchema,
  vaultSubjectSchema,
  vaultTagSchema,
} from '@storefleet/shared';
import { principalOf, requireAuth } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { LeveledNode } from './documents.js';
import { uploadDigestOf } from './documents-content.js';
import type { NodeCursor } from './documents-repository.js';
import type { StoredVersion } from './documents-repository.js';
import type { VaultParts } from './index.js';
import { SealedTamperedError } from './sealed-store.js';
import type { TrashedNode } from './trash.js';
import type { VaultCaller, VaultNode } from './types.js';

const LEVEL_NAMES = [null, 'READ', 'WRITE', 'DELETE', 'SHARE', 'OWNER'] as const;

/** A node as the API shows it (api.md): the caller's level by name; `path` only where one node is read. */
export function nodeJson(n: VaultNode & { readonly level: number }, extra: Record<string, unknown> = {}) {
  return {
    id: n.id,
    kind: n.kind,
    parentId: n.parentId,
    name: n.name,
    owner: n.owner,
    tags: n.tags,
    offline: n.offline,
    currentVersionId: n.currentVersionId,
    size: n.size,
    mediaType: n.mediaType,
    state: n.state,
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
    level: LEVEL_NAMES[n.level] ?? null,
    ...extra,
  };
}

export function versionJson(v: StoredVersion, currentId: string | null) {
  return {
    id: v.id,
    versionNo: v.versionNo,
    size: v.size,
    mediaType: v.mediaType,
    sha256: v.sha256,
    scanState: v.scanState,
    scanDetail: v.scanDetail,
    hasThumbnail: v.hasThumbnail,
    restoredFrom: v.restoredFrom,
    createdBy: v.createdBy,
    createdAt: v.createdAt,
    current: v.id === currentId,
  };
}

const trashJson = (n: TrashedNode) =>
  nodeJson(n, { trashedAt: n.trashedAt, trashedBy: n.trashedBy, purgeAt: n.purgeAt });

/** Ids are UUIDs (a malformed one is a 400), compared lower-cased. */
const idOf = (raw: unknown, what: string): string => parseOrThrow(uuidSchema, raw, what).toLowerCase();

const limit = decimalCountParam(1, 200, 'items a page').optional();
const pageQuery = z.object({ after: z.string().min(1).max(512).optional(), limit });
const versionQuery = z.object({ version: decimalCountParam(1, 1_000_000_000, 'version').optional() });
const booleanParam = z.enum(['true', 'false']).transform((v) => v === 'true');
const tagsParam = z
  .string()
  .max(32 * 41)
  .transform((s) => [
    ...new Set(
      s
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    ),
  ])
  .pipe(z.array(vaultTagSchema).max(32, 'at most 32 tags'));
const uploadQuery = z.strictObject({
  name: vaultNameSchema,
  tags: tagsParam.optional(),
  offline: booleanParam.optional(),
});
const newFolder = z.strictObject({ parentId: uuidSchema, name: vaultNameSchema });
const nodeChange = z.strictObject({
  name: vaultNameSchema.optional(),
  parentId: uuidSchema.optional(),
  tags: z.array(vaultTagSchema).max(32, 'at most 32 tags').optional(),
  offline: z.boolean().optional(),
});
const searchQuery = z.strictObject({
  q: z.string().trim().min(1).max(200).optional(),
  tag: vaultTagSchema.optional(),
  owner: vaultSubjectSchema.optional(),
  folderId: uuidSchema.optional(),
  after: z.string().min(1).max(512).optional(),
  limit,
});

/** `type/subtype` with optional parameters, at most 255 characters: what a stored document's Content-Type may be. */
const MEDIA_TYPE_RE =
  /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\s*;\s*[a-z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[a-z0-9!#$&^_.+-]+))*$/i;
function mediaTypeOf(req: Request): string {
  const raw = req.headers['content-type'];
  if (raw === undefined || raw.trim() === '') return 'application/octet-stream';
  const t = raw.trim();
  if (t.length > 255 || !MEDIA_TYPE_RE.test(t))
    throw new AppError('unsupported-media-type', 'Content-Type must be a media type like text/plain (type/subtype)');
  return t;
}
function contentLengthOf(req: Request): number | null {
  const raw = req.headers['content-length'];
  return raw !== undefined && /^\d{1,20}$/.test(raw) ? Number(raw) : null;
}

const encodeCursor = (c: NodeCursor) =>
  Buffer.from(JSON.stringify([c.folderFirst, c.name, c.id])).toString('base64url');
function decodeCursor(raw: string | undefined): NodeCursor | null {
  if (raw === undefined) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      (v[0] === 0 || v[0] === 1) &&
      typeof v[1] === 'string' &&
      v[1].length <= 1024 &&
      typeof v[2] === 'string' &&
      uuidSchema.safeParse(v[2]).success
    )
      return { folderFirst: v[0], name: v[1], id: v[2] };
  } catch {
    /* answered below */
  }
  throw new ValidationError('after: not a cursor this listing gave (use the `next` of the previous page)');
}

/** RFC 6266/8187: the name as UTF-8 for clients that read it, and an ASCII stand-in for those that do not. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/**
 * A store's token reads documents (its handheld's copy) but never changes the vault, opens its trash or searches it:
 * refused for who it is, before any node is looked up (so the answer tells nothing of the node either).
 */
const peopleOnly: RequestHandler = (req, _res, next) => {
  const p = principalOf(req);
  next(
    p.kind === 'user' ? undefined : new ForbiddenError('a store’s token reads documents; this is for people signed in'),
  );
};

/** Folders, documents, versions, trash, search (lane: documents): validate → call the service → answer. */
export function vaultRoutes(parts: VaultParts, ctx: HubContext): Router {
  const r = Router();
  const docs = parts.documents;
  const callerOf = (req: Request): VaultCaller => ({ principal: principalOf(req), origin: req.ip ?? null });
  const page = (q: { after?: string | undefined; limit?: number | undefined }) => ({
    after: q.after ?? null,
    limit: q.limit ?? 50,
  });

  r.get(
    '/vault/nodes/:id',
    apiDoc({
      summary: 'Read a folder or document',
      description:
        'With its path and the caller’s level on it (READ … OWNER). A node the caller may not read answers as a missing one (404).',
      responses: { 200: 'the node' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { node, path } = await docs.get(callerOf(req), idOf(req.params.id, 'node id'));
      res.json(nodeJson(node, { path }));
    },
  );
  r.get(
    '/vault/folders/:id/children',
    apiDoc({
      summary: 'List a folder’s children',
      description:
        'Only the children the caller may read, folders first, paged by the `next` cursor. A node the caller may not read answers as a missing one (404).',
      query: pageQuery,
      responses: { 200: '`{ items, next }`: a page of nodes' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const id = idOf(req.params.id, 'folder id');
      const q = parseOrThrow(pageQuery, req.query, 'page');
      const { items, next } = await docs.children(callerOf(req), id, page(q));
      res.json({ items: items.map((n) => nodeJson(n)), next });
    },
  );
  r.post(
    '/vault/folders',
    apiDoc({
      summary: 'Add a folder',
      description:
        'Needs WRITE on the parent. For people signed in: a store’s token reads documents but never writes (403).',
      body: newFolder,
      responses: { 201: 'the new folder' },
      access: ['staff'],
    }),
    peopleOnly,
    async (req, res) => {
      const body = parseOrThrow(newFolder, req.body, 'folder');
      res.status(201).json(nodeJson(await docs.createFolder(callerOf(req), body.parentId.toLowerCase(), body.name)));
    },
  );

  r.post(
    '/vault/folders/:id/documents',
    apiDoc({
      summary: 'Upload a new document into a folder',
      description:
        'The body is the document’s content, streamed and sealed as it arrives; its Content-Type is stored as the document’s media type. A `Repr-Digest`/`Content-Digest` sha-256 is checked when sent. Needs WRITE on the folder; people only (a store’s token is refused, 403).',
      query: uploadQuery,
      rawBody: ['application/octet-stream', '*/*'],
      responses: { 201: '`{ node, version }`: the new document and its first version' },
      access: ['staff'],
    }),
    peopleOnly,
    async (req, res) => {
      const folderId = idOf(req.params.id, 'folder id');
      const q = parseOrThrow(uploadQuery, req.query, 'upload');
      const meta = {
        name: q.name,
        tags: q.tags ?? [],
        offline: q.offline ?? false,
        mediaType: mediaTypeOf(req),
        contentLength: contentLengthOf(req),
        sha256: uploadDigestOf(req.headers),
      };
      const { node, version } = await docs.content.upload(callerOf(req), folderId, meta, req);
      res.status(201).json({ node: nodeJson(node), version: versionJson(version, node.currentVersionId) });
    },
  );
  r.put(
    '/vault/documents/:id/content',
    apiDoc({
      summary: 'Upload a new version of a document',
      description:
        'The body is the new content, streamed; it takes no query parameters. Needs WRITE; people only. A node the caller may not read answers as a missing one (404).',
      rawBody: ['application/octet-stream', '*/*'],
      responses: { 201: '`{ node, version }`: the document and its new current version' },
      access: ['staff'],
    }),
    peopleOnly,
    async (req, res) => {
      const id = idOf(req.params.id, 'document id');
      if (Object.keys(req.query).length > 0) throw new ValidationError('a new version takes no query parameters');
      const meta = {
        mediaType: mediaTypeOf(req),
        contentLength: contentLengthOf(req),
        sha256: uploadDigestOf(req.headers),
      };
      const { node, version } = await docs.content.put(callerOf(req), id, meta, req);
      res.status(201).json({ node: nodeJson(node), version: versionJson(version, node.currentVersionId) });
    },
  );

  r.get(
    '/vault/documents/:id/content',
    apiDoc({
      summary: 'Download a document’s content',
      description:
        'The current version, or `version`; streamed and checked as it is read: a part that fails its check cuts the transfer short (never a wrong byte). A node the caller may not read answers as a missing one (404).',
      query: versionQuery,
      responses: { 200: { description: 'the content, with its stored media type', mediaType: '*/*' } },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const id = idOf(req.params.id, 'document id');
      const q = parseOrThrow(versionQuery, req.query, 'version');
      const caller = callerOf(req);
      const { doc, version, body } = await docs.content.download(caller, id, q.version ?? null);
      res.status(200);
      res.setHeader('Content-Type', version.mediaType);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Length', String(version.size));
      res.setHeader('Content-Disposition', attachment(doc.name));
      res.setHeader('ETag', `"${version.sha256}"`);
      res.setHeader('X-Vault-Version', String(version.versionNo));
      res.setHeader('Cache-Control', 'private, no-store');
      // a stored page opened straight in a browser runs nothing and reaches nothing
      res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
      sendStream(ctx, body, res, (err) => {
        if (err instanceof SealedTamperedError)
          void docs.content
            .recordTampered(caller, doc, version, err)
            .catch((e: unknown) =>
              ctx.log.error({ err: e, documentId: doc.id }, 'vault: could not audit a cut download'),
            );
      });
    },
  );
  r.get(
    '/vault/documents/:id/versions',
    apiDoc({
      summary: 'List a document’s versions',
      description: 'A node the caller may not read answers as a missing one (404).',
      responses: { 200: '`{ items }`: the versions, the current one marked' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { doc, versions } = await docs.content.versions(callerOf(req), idOf(req.params.id, 'document id'));
      res.json({ items: versions.map((v) => versionJson(v, doc.currentVersionId)) });
    },
  );
  r.post(
    '/vault/documents/:id/versions/:no/restore',
    apiDoc({
      summary: 'Make an old version current again',
      description:
        'Adds a version with the old content. Needs WRITE; people only. A node the caller may not read answers as a missing one (404).',
      responses: { 201: '`{ node, version }`: the document and its new current version' },
      access: ['staff'],
    }),
    peopleOnly,
    async (req, res) => {
      const id = idOf(req.params.id, 'document id');
      const no = parseOrThrow(decimalCountParam(1, 1_000_000_000, 'version'), req.params.no, 'version number');
      const { node, version } = await docs.content.restore(callerOf(req), id, no);
      res.status(201).json({ node: nodeJson(node), version: versionJson(version, node.currentVersionId) });
    },
  );
  r.get(
    '/vault/documents/:id/thumbnail',
    apiDoc({
      summary: 'Read an image document’s thumbnail',
      description:
        'Images only (anything else is a 404). A node the caller may not read answers as a missing one (404).',
      query: versionQuery,
      responses: { 200: 'image/png' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const id = idOf(req.params.id, 'document id');
      const q = parseOrThrow(versionQuery, req.query, 'version');
      const body = await docs.content.thumbnail(callerOf(req), id, q.version ?? null);
      res.status(200).type('image/png');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Cache-Control', 'private, no-store');
      sendStream(ctx, body, res);
    },
  );

  r.patch(
    '/vault/nodes/:id',
    apiDoc({
      summary: 'Rename or move a node, or change its tags or offline flag',
      description:
        'Needs WRITE (and WRITE on a new parent); people only. A node the caller may not read answers as a missing one (404).',
      body: nodeChange,
      responses: { 200: 'the node' },
      access: ['staff'],
    }),
    peopleOnly,
    async (req, res) => {
      const id = idOf(req.params.id, 'node id');
      const change = parseOrThrow(nodeChange, req.body, 'node change');
      const node = await docs.update(callerOf(req), id, { ...change, parentId: change.parentId?.toLowerCase() });
      res.json(nodeJson(node));
    },
  );
  r.delete(
    '/vault/nodes/:id',
    apiDoc({
      summary: 'Move a node to the trash',
      description:
        'Needs DELETE; people only. It is purged for good after the trash period unless restored. A node the caller may not read answers as a missing one (404).',
      responses: { 200: 'the trashed node, with when it will be purged' },
      access: ['staff'],
    }),
    peopleOnly,
    async (req, res) => {
      res.json(trashJson(await docs.trash.remove(callerOf(req), idOf(req.params.id, 'node id'))));
    },
  );

  r.get(
    '/vault/trash',
    apiDoc({
      summary: 'List the trash',
      description: 'What the caller may restore; people only.',
      query: pageQuery,
      responses: { 200: '`{ items, next }`: a page of trashed nodes' },
      access: ['staff'],
    }),
    peopleOnly,
    async (req, res) => {
      const q = parseOrThrow(pageQuery, req.query, 'page');
      const after = q.after === undefined ? null : idOf(q.after, 'after');
      const { items, next } = await docs.trash.list(callerOf(req), { after, limit: q.limit ?? 50 });
      res.json({ items: items.map(trashJson), next });
    },
  );
  r.post(
    '/vault/trash/:id/restore',
    apiDoc({
      summary: 'Restore a node from the trash',
      description: 'People only. A node the caller may not read answers as a missing one (404).',
      responses: { 200: 'the restored node' },
      access: ['staff'],
    }),
    peopleOnly,
    async (req, res) => {
      res.json(nodeJson(await docs.trash.restore(callerOf(req), idOf(req.params.id, 'node id'))));
    },
  );
  r.delete(
    '/vault/trash/:id',
    apiDoc({
      summary: 'Empty a node from the trash for good, now',
      description: 'Needs OWNER; people only. A node the caller may not read answers as a missing one (404).',
      responses: { 204: 'purged' },
      access: ['staff'],
    }),
    peopleOnly,
    async (req, res) => {
      await docs.trash.purgeNow(callerOf(req), idOf(req.params.id, 'node id'));
      res.status(204).end();
    },
  );

  r.get(
    '/vault/search',
    apiDoc({
      summary: 'Search documents by name, tag, owner and full text',
      description: 'Only what the caller may read; people only. `next` is the cursor of the following page.',
      query: searchQuery,
      responses: { 200: '`{ items, next }`: a page of nodes' },
      access: ['staff'],
    }),
    peopleOnly,
    async (req, res) => {
      const q = parseOrThrow(searchQuery, req.query, 'search');
      const filter = {
        q: q.q ?? null,
        tag: q.tag ?? null,
        owner: q.owner ?? null,
        folderId: q.folderId?.toLowerCase() ?? null,
      };
      const { items, next } = await docs.search(callerOf(req), filter, {
        after: decodeCursor(q.after),
        limit: q.limit ?? 50,
      });
      res.json({ items: items.map((n: LeveledNode) => nodeJson(n)), next: next ? encodeCursor(next) : null });
    },
  );
  return r;
}

/**
 * Streams a plaintext to the response. A failure mid-stream (a segment failing its GCM check) destroys the response,
 * so the client sees a cut transfer (fewer bytes than Content-Length), never a wrong byte; a client that hangs up
 * just stops the read.
 */
function sendStream(
  ctx: HubContext,
  body: NodeJS.ReadableStream & { destroy(): void },
  res: Response,
  onError?: (err: unknown) => void,
) {
  pipeline(body, res, (err) => {
    if (!err) return;
    if (err instanceof SealedTamperedError) {
      onError?.(err);
      return;
    }
    if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE')
      ctx.log.warn({ err }, 'vault: a download stopped before its end');
  });
}
