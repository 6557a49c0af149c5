import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, decimalCountParam, parseOrThrow } from '@storefleet/shared';
import { principalOf, requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { ReviewsParts } from './index.js';
import { CURSOR_PATTERN, QUEUE_KINDS, REJECT_REASONS } from './moderation.js';

/** Queue page sizes. */
export const MODERATION_MAX_LIMIT = 100;
export const MODERATION_DEFAULT_LIMIT = 20;
/** A moderator's note at most this long (characters). */
export const MAX_NOTE = 500;

/** A note: plain text (no NUL or other control characters but newlines and tabs), trimmed; empty = none. */
const note = z
  .string()
  .max(MAX_NOTE, `at most ${MAX_NOTE} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
  .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/, 'no control characters')
  .transform((s) => s.trim() || null)
  .nullable()
  .optional()
  .transform((s) => s ?? null);

const queueQuery = z.strictObject({
  kind: z.enum(QUEUE_KINDS as ['MANUAL_REVIEW', 'REJECTED', 'REPORTED']).default('MANUAL_REVIEW'),
  limit: decimalCountParam(1, MODERATION_MAX_LIMIT, 'reviews').default(MODERATION_DEFAULT_LIMIT),
  after: z.string().regex(CURSOR_PATTERN, 'a cursor from the previous page’s `next`').optional(),
});

/** Why a review is refused (training learns "generated" from FAKE only); OTHER when not said. */
const reason = z.enum(REJECT_REASONS as ['FAKE', 'OFFENSIVE', 'OFF_TOPIC', 'SPAM', 'OTHER']).optional();

const decisionBody = z.strictObject({
  decision: z.enum(['APPROVE', 'REJECT']),
  note,
  /** A rejection's reason (an approval has none: 400). */
  reason,
  /** The status the moderator saw: when another moderator has decided since, 409 instead of overriding them. */
  seen: z.enum(['APPROVED', 'MANUAL_REVIEW', 'REJECTED']).optional(),
});

/** `reason`: a removal's (a kept review has none: 400). */
const resolveBody = z.strictObject({ remove: z.boolean(), note, reason });

/** Lane E's routes (see access-matrix.ts for each path and who may call it): head office's moderators only. */
export function moderationRoutes(parts: ReviewsParts, _ctx: HubContext): Router {
  const r = Router();
  const admin = requireRole('ADMIN');

  r.get(
    '/reviews/moderation',
    apiDoc({
      summary: 'Read the moderation queue',
      description:
        'Reviews waiting for a person (`MANUAL_REVIEW`), rejected or reported, each with its reasons; paged by `after`.',
      query: queueQuery,
      responses: { 200: 'a page of the queue' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const q = parseOrThrow(queueQuery, req.query, 'query');
      res.json(await parts.moderation.queue(principalOf(req), q.kind, q.limit, q.after ?? null));
    },
  );

  r.post(
    '/reviews/:reviewId/moderation',
    apiDoc({
      summary: 'Approve or reject a review',
      description:
        'With a note (and a reason to reject); `seen` is the status the moderator saw, so a decision on a review that changed meanwhile is a 409.',
      body: decisionBody,
      responses: { 200: 'the review with its new status' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const b = parseOrThrow(decisionBody, req.body, 'decision');
      res.json(
        await parts.moderation.decide(
          principalOf(req),
          String(req.params.reviewId),
          b.decision,
          b.note,
          b.seen ?? null,
          b.reason ?? null,
        ),
      );
    },
  );

  r.post(
    '/reviews/:reviewId/reports/resolve',
    apiDoc({
      summary: 'Close a review’s reports',
      description: 'Keeps it, or removes it (`remove: true`, with a reason).',
      body: resolveBody,
      responses: { 200: 'the review' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const b = parseOrThrow(resolveBody, req.body, 'resolution');
      res.json(
        await parts.moderation.resolveReports(
          principalOf(req),
          String(req.params.reviewId),
          b.remove,
          b.note,
          b.reason ?? null,
        ),
      );
    },
  );
  return r;
}
