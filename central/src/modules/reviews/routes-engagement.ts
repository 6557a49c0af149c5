import { pipeline } from 'node:stream';
import type { Request, Response } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  AppError,
  NotFoundError,
  parseOrThrow,
  RateLimitedError,
  uuidSchema,
  ValidationError,
} from '@storefleet/shared';
import { isHeadOffice, principalOf, requireAuth, requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { REPORT_REASONS, type ReportReason } from './engagement.js';
import type { ReviewsParts } from './index.js';
import { declaredMediaType } from './photo-types.js';

const idOf = (raw: unknown, what: string): string => parseOrThrow(uuidSchema, raw, what).toLowerCase();

const voteBody = z.strictObject({ customerId: uuidSchema, helpful: z.boolean() });
const reportBody = z.strictObject({
  customerId: uuidSchema,
  reason: z.enum(REPORT_REASONS as [ReportReason, ...ReportReason[]]),
  note: z.string().trim().max(1000).optional(),
});
const responseBody = z.strictObject({
  body: z.string().trim().min(1).max(2000),
  as: z.string().trim().min(1).max(60),
});
const uploadQuery = z.strictObject({ customerId: uuidSchema });

/** The sha-256 (hex) of a `Repr-Digest` / `Content-Digest: sha-256=:<base64>:` header, or null (400 when malformed). */
function digestOf(req: Request): string | null {
  let found: string | null = null;
  for (const name of ['repr-digest', 'content-digest']) {
    const raw = req.headers[name];
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (value.length > 1024) throw new ValidationError(`${name}: too long`);
    for (const member of value.split(',')) {
      const m = /^\s*([a-z0-9-]+)\s*=\s*(.*?)\s*$/i.exec(member);
      if (!m) throw new ValidationError(`${name}: not an RFC 9530 digest (sha-256=:<base64>:)`);
      if (m[1]!.toLowerCase() !== 'sha-256') continue;
      const b64 = /^:([A-Za-z0-9+/]{43}=):$/.exec(m[2]!);
      if (!b64) throw new ValidationError(`${name}: sha-256 must be 32 bytes in base64 between colons`);
      const hex = Buffer.from(b64[1]!, 'base64').toString('hex');
      if (found !== null && found !== hex) throw new ValidationError(`${name} gives another sha-256 than before`);
      found = hex;
    }
  }
  return found;
}

/** Answers a rate-limit refusal with its Retry-After header (the problem body names the limit). */
async function limited<T>(res: Response, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RateLimitedError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    throw err;
  }
}

/**
 * Lane B's routes (see access-matrix.ts for each path and who may call it): photos (a streamed upload, served back),
 * votes, reports, the brand's response. Validate → call the part → answer.
 */
export function engagementRoutes(parts: ReviewsParts, ctx: HubContext): Router {
  const r = Router();
  const eng = parts.engagement;

  r.post(
    '/reviews/photos',
    apiDoc({
      summary: 'Upload a photo for a customer’s review',
      description:
        'The body is the image (JPEG, PNG or WebP), streamed; a `Repr-Digest`/`Content-Digest` sha-256 is checked when sent. Name it in a review’s `photoIds`. Rate-limited (429 with `Retry-After`). Head office (a web or app backend acting for its signed-in customer) or a store’s own credential (its kiosk) for a customer that store deals with; another store’s customer is missing (404). People at a store write no review for a customer.',
      query: uploadQuery,
      rawBody: ['image/jpeg', 'image/png', 'image/webp'],
      responses: { 201: 'the photo' },
      access: ['admin', 'store'],
    }),
    requireAuth,
    async (req, res) => {
      const caller = principalOf(req);
      eng.access.assertMayActForCustomers(caller);
      const { customerId } = parseOrThrow(uploadQuery, req.query, 'upload');
      const rawLength = req.headers['content-length'];
      const contentLength = rawLength !== undefined && /^\d{1,20}$/.test(rawLength) ? Number(rawLength) : null;
      const sha256 = digestOf(req);
      await eng.access.check(caller, customerId.toLowerCase());
      const type = declaredMediaType(req.headers['content-type']);
      if (type !== null && type.length > 255) throw new AppError('unsupported-media-type', 'Content-Type is too long');
      const photo = await limited(res, () =>
        parts.photos.upload(ctx.db, customerId.toLowerCase(), req, type ?? undefined, {
          at: ctx.now(),
          contentLength,
          sha256,
        }),
      );
      res.status(201).json(photo);
    },
  );

  r.get(
    '/reviews/photos/:photoId',
    apiDoc({
      summary: 'Download a review’s photo',
      description: 'A photo of an approved review (any, for head office); it takes no query parameters.',
      responses: { 200: { description: 'the image', mediaType: 'image/*' } },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const id = idOf(req.params.photoId, 'photo id');
      if (Object.keys(req.query).length > 0) throw new ValidationError('a photo takes no query parameters');
      const found = await parts.photos.open(ctx.db, id, isHeadOffice(principalOf(req)));
      if (!found) throw new NotFoundError('photo', id);
      res.status(200);
      res.setHeader('Content-Type', found.photo.mediaType);
      res.setHeader('Content-Length', String(found.photo.size));
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // a photo's bytes never change (content-addressed); who may see it can (the review may be hidden): private
      res.setHeader('Cache-Control', 'private, max-age=300');
      res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
      // pipeline: a client that goes away closes the file too
      pipeline(found.body, res, (err) => {
        if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE')
          ctx.log.warn({ err, photoId: id }, 'reviews: a photo could not be sent to the end');
      });
    },
  );

  r.post(
    '/reviews/:reviewId/votes',
    apiDoc({
      summary: 'Vote a review helpful or not, for a customer',
      description:
        'One vote per customer (a new one replaces it); rate-limited. Head office (a web or app backend acting for its signed-in customer) or a store’s own credential (its kiosk) for a customer that store deals with; another store’s customer is missing (404). People at a store write no review for a customer.',
      body: voteBody,
      responses: { 200: '`{ reviewId, helpful, unhelpful, vote }`: the counts after the vote' },
      access: ['admin', 'store'],
    }),
    requireAuth,
    async (req, res) => {
      const reviewId = idOf(req.params.reviewId, 'review id');
      const body = parseOrThrow(voteBody, req.body, 'vote');
      const counts = await limited(res, () =>
        eng.vote(principalOf(req), reviewId, body.customerId.toLowerCase(), body.helpful),
      );
      res.status(200).json({ reviewId, helpful: counts.helpful, unhelpful: counts.unhelpful, vote: body.helpful });
    },
  );

  r.post(
    '/reviews/:reviewId/reports',
    apiDoc({
      summary: 'Report a review’s content, for a customer',
      description:
        'One report per customer; a moderator closes them (`…/reports/resolve`); rate-limited. Head office (a web or app backend acting for its signed-in customer) or a store’s own credential (its kiosk) for a customer that store deals with; another store’s customer is missing (404). People at a store write no review for a customer.',
      body: reportBody,
      responses: { 201: '`{ reviewId, reason, note }`' },
      access: ['admin', 'store'],
    }),
    requireAuth,
    async (req, res) => {
      const reviewId = idOf(req.params.reviewId, 'review id');
      const body = parseOrThrow(reportBody, req.body, 'report');
      const note = body.note === undefined || body.note === '' ? null : body.note;
      await limited(res, () =>
        eng.report(principalOf(req), reviewId, body.customerId.toLowerCase(), body.reason, note),
      );
      res.status(201).json({ reviewId, reason: body.reason, note });
    },
  );

  r.put(
    '/reviews/:reviewId/response',
    apiDoc({
      summary: 'Answer a review as the brand',
      description: 'Replaces an earlier answer.',
      body: responseBody,
      responses: { 200: 'the review with its response' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const reviewId = idOf(req.params.reviewId, 'review id');
      const body = parseOrThrow(responseBody, req.body, 'response');
      res.status(200).json(await eng.respond(principalOf(req), reviewId, body.body, body.as));
    },
  );

  r.delete(
    '/reviews/:reviewId/response',
    apiDoc({
      summary: 'Remove the brand’s answer to a review',
      responses: { 204: 'removed' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const reviewId = idOf(req.params.reviewId, 'review id');
      await eng.removeResponse(principalOf(req), reviewId);
      res.status(204).end();
    },
  );

  return r;
}
