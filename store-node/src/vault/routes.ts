import { Router, type Response } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import type { StoreVaultService } from './vault-service.js';
import { storeApiDoc } from '../api-doc.js';

const listQuery = z.object({ q: z.string().max(200).optional() });
const idParams = z.object({ id: z.string().uuid() });

/** Types a browser shows inline without running anything of the document's (no HTML, no SVG: those download). */
const INLINE = /^(application\/pdf|image\/(png|jpeg|gif|webp)|text\/plain)(;|$)/i;

/**
 * The handheld's documents (issue #22), from the store's copy:
 *  - `GET /api/vault/documents?q=` → `{ items }`: what this store's staff may read, by folder then name, with whether
 *    each is on this device (readable with no hub); `q` matches names and folder names;
 *  - `GET /api/vault/documents/:id/content` → the bytes: from the cache, fetched from the hub first when not there;
 *    503 "not on this device yet…" when it is not and the hub cannot be asked. PDF, pictures and plain text open in
 *    the browser, the rest downloads; the answer runs nothing of its own (`sandbox`). Each open is audited at the hub.
 */
export function vaultRoutes(vault: StoreVaultService, deviceOf: (res: Response) => string): Router {
  const r = Router();
  r.get(
    '/vault/documents',
    storeApiDoc({
      audience: 'staff',
      tag: 'Documents',
      summary: 'The documents this store’s staff may read',
      description:
        'From the store’s copy, by folder then name, each saying whether it is on this device (readable with no hub); `q` matches names and folder names.',
      query: listQuery,
      responses: {
        200: '{ items }: each document’s id, name, folder path, tags, media type, size, version and whether it is on this device (cached)',
      },
    }),
    (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      res.setHeader('Cache-Control', 'no-store');
      res.json({ items: vault.list(q.q) });
    },
  );
  r.get(
    '/vault/documents/:id/content',
    storeApiDoc({
      audience: 'staff',
      tag: 'Documents',
      summary: 'Open a document',
      description:
        'The bytes, from this device’s cache or fetched from the hub first; 503 “not on this device yet…” when neither. PDF, pictures and plain text open in the browser, the rest downloads, and the answer runs nothing of its own (CSP sandbox). `X-Vault-Offline` says it came from the cache with no hub; each open is audited at the hub.',
      params: idParams,
      responses: { 200: { description: 'the document’s bytes', mediaType: 'application/octet-stream' } },
    }),
    async (req, res, next) => {
      try {
        const { id } = parseOrThrow(idParams, req.params, 'document id');
        const { doc, content, offline } = await vault.open(id, deviceOf(res));
        // the file was opened by `open` with the row the headers below come from; closed when the answer ends, however
        res.on('close', () => content.destroy());
        const inline = INLINE.test(doc.mediaType);
        res.setHeader('Content-Type', inline ? doc.mediaType : 'application/octet-stream');
        res.setHeader('Content-Length', String(doc.size));
        res.setHeader(
          'Content-Disposition',
          `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(doc.name)}`,
        );
        res.setHeader(
          'Content-Security-Policy',
          "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        );
        res.setHeader('Cache-Control', 'private, no-store');
        res.setHeader('ETag', `"${doc.sha256}"`);
        res.setHeader('X-Vault-Version', String(doc.versionNo));
        res.setHeader('X-Vault-Offline', String(offline));
        content.on('error', (err) => (res.headersSent ? res.destroy(err) : next(err)));
        content.pipe(res);
      } catch (err) {
        next(err);
      }
    },
  );
  return r;
}
