import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, decimalCountParam, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { principalOf, requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { auditRepository } from './audit-repository.js';
import type { VaultParts } from './index.js';
import { actorOf, VAULT_AUDIT_ACTIONS } from './types.js';

const listQuery = z.strictObject({
  nodeId: uuidSchema.optional(),
  actor: z.string().min(1).max(200).optional(),
  action: z.enum(VAULT_AUDIT_ACTIONS).optional(),
  // the cursor: the seq of the last line of the page before (lines older than it)
  before: z
    .string()
    .regex(/^[0-9]{1,15}$/, 'a line number (seq) in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(1, 'a line number from 1'))
    .optional(),
  limit: decimalCountParam(1, 200, 'lines').default(50),
});
/** Verify takes nothing: an empty body or `{}`. */
const emptyBody = z.strictObject({}).optional();

/**
 * The audit trail and its verification (lane: audit), head office's only (access-matrix.ts): the lines newest first
 * with the names of the nodes they name where the vault still has them, and "verify the chain", itself audited with
 * its verdict.
 */
export function vaultAuditRoutes(parts: VaultParts, ctx: HubContext): Router {
  const r = Router();
  const admin = requireRole('ADMIN');

  r.get(
    '/vault/audit',
    apiDoc({
      summary: 'Read the audit trail, newest first',
      description: 'Each line names its node where the vault still has it; `next` pages to older lines (`before`).',
      query: listQuery,
      responses: { 200: '`{ items, next }`: a page of audit lines' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const f = parseOrThrow(listQuery, req.query, 'audit query');
      const page = await parts.audit.list(ctx.db, f);
      const ids = [...new Set(page.items.flatMap((i) => (i.nodeId ? [i.nodeId] : [])))];
      const names = await auditRepository.nodeNames(ctx.db, ids);
      res.json({
        items: page.items.map((i) => {
          const node = i.nodeId ? names.get(i.nodeId) : undefined;
          return { ...i, nodeName: node?.name ?? null, nodeKind: node?.kind ?? null };
        }),
        next: page.next,
      });
    },
  );

  r.post(
    '/vault/audit/verify',
    apiDoc({
      summary: 'Verify the audit trail’s hash chain',
      description: 'Checks the whole chain; the check itself is put on the trail with its verdict.',
      body: emptyBody,
      responses: { 200: 'the verdict: `{ ok, checked, firstBroken }`' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(emptyBody, req.body, 'verify request');
      const verdict = await parts.audit.verify(ctx.db);
      // the check itself is on the trail, with what it found (a later reader sees who looked and when it was whole)
      await ctx.db.transaction((tx) =>
        parts.audit.append(tx, {
          actor: actorOf(principalOf(req)),
          action: 'AUDIT_VERIFY',
          detail: { ok: verdict.ok, checked: verdict.checked, firstBroken: verdict.firstBroken },
          origin: req.ip ?? null,
        }),
      );
      res.json(verdict);
    },
  );

  return r;
}
