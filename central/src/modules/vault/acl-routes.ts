import type { Request } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  ForbiddenError,
  NotFoundError,
  parseOrThrow,
  uuidSchema,
  VAULT_PERMISSIONS,
  vaultLevel,
  vaultSubjectSchema,
} from '@storefleet/shared';
import { principalOf, requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import { permissionOf, type VaultGrant } from './acl.js';
import type { VaultParts } from './index.js';
import type { VaultCaller } from './types.js';

const nodeParams = z.strictObject({ id: uuidSchema });
const grantParams = z.strictObject({ id: uuidSchema, subject: vaultSubjectSchema });
const grantBody = z.strictObject({ permission: z.enum(VAULT_PERMISSIONS) });
const checkQuery = z.strictObject({
  nodeId: uuidSchema,
  permission: z.enum(VAULT_PERMISSIONS),
  userId: uuidSchema.optional(),
});
const groupParams = z.strictObject({ id: uuidSchema });
const memberParams = z.strictObject({ id: uuidSchema, userId: uuidSchema });
// a group's name as people type it: no control characters, at most 100 characters
const groupBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the rule refuses
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'a name has no control character'),
});

/** A person (console session); a store's token reads documents but never shares, checks or manages groups. */
function personOf(req: Request): Principal & { kind: 'user' } {
  const p = principalOf(req);
  if (p.kind !== 'user') throw new ForbiddenError('sharing and checks are for people signed in, not a store’s token');
  return p;
}
const callerOf = (req: Request, p: Principal): VaultCaller => ({ principal: p, origin: req.ip ?? null });

/** A grant as the API shows it. */
const grantJson = (g: VaultGrant) => ({
  nodeId: g.nodeId,
  nodeName: g.nodeName ?? null,
  subject: g.subject,
  permission: permissionOf(g.level),
  inherited: g.inherited ?? false,
  grantedBy: g.grantedBy,
  grantedAt: g.grantedAt,
});

/** Grants, the check, vault groups (lane: permissions). See api.md in the lane prompts. */
export function vaultAclRoutes(parts: VaultParts, ctx: HubContext): Router {
  const r = Router();
  const { acl } = parts;
  const admin = requireRole('ADMIN');

  r.get(
    '/vault/nodes/:id/grants',
    apiDoc({
      summary: 'List a node’s grants, direct and inherited',
      description:
        'Needs SHARE; people only. An inherited grant from a folder the caller cannot read is only counted (`hiddenInherited`). A node the caller may not read answers as a missing one (404).',
      params: nodeParams,
      responses: { 200: '`{ items, hiddenInherited }`' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = personOf(req);
      const { id } = parseOrThrow(nodeParams, req.params, 'node id');
      await acl.require(ctx.db, p, id, 'SHARE');
      // a grant inherited from a folder the caller cannot read would name that folder and who may read it: such grants
      // are only counted (what is granted on a folder reaches everything under it, so a readable one shows in full)
      const grants = await acl.grants(ctx.db, id);
      const from = [...new Set(grants.filter((g) => g.inherited).map((g) => g.nodeId))];
      const readable = new Set<string>();
      for (const nodeId of from) if ((await acl.level(ctx.db, p, nodeId)) > 0) readable.add(nodeId);
      const shown = grants.filter((g) => !g.inherited || readable.has(g.nodeId));
      res.json({ items: shown.map(grantJson), hiddenInherited: grants.length - shown.length });
    },
  );
  r.put(
    '/vault/nodes/:id/grants/:subject',
    apiDoc({
      summary: 'Share a node with a person, group or store',
      description:
        'Needs SHARE (OWNER to give OWNER); people only. Replaces the subject’s grant on the node. A node the caller may not read answers as a missing one (404).',
      params: grantParams,
      body: grantBody,
      responses: { 200: 'the grant' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = personOf(req);
      const { id, subject } = parseOrThrow(grantParams, req.params, 'grant');
      const { permission } = parseOrThrow(grantBody, req.body, 'grant');
      const g = await ctx.db.transaction((tx) => acl.grant(tx, callerOf(req, p), id, subject, permission));
      res.json(grantJson(g));
    },
  );
  r.delete(
    '/vault/nodes/:id/grants/:subject',
    apiDoc({
      summary: 'Revoke a grant',
      description: 'Needs SHARE; people only. A node the caller may not read answers as a missing one (404).',
      params: grantParams,
      responses: { 204: 'revoked' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = personOf(req);
      const { id, subject } = parseOrThrow(grantParams, req.params, 'grant');
      await ctx.db.transaction((tx) => acl.revoke(tx, callerOf(req, p), id, subject));
      res.status(204).end();
    },
  );

  // "may I (or, for head office, may this person) do P on N?" — read from the database now, like every check
  r.get(
    '/vault/check',
    apiDoc({
      summary: 'Ask whether a permission is held on a node',
      description:
        'Read from the database now. One’s own check answers a missing node and an unreadable one alike; asking about another person (`userId`) is head office’s (403 otherwise). People only.',
      query: checkQuery,
      responses: { 200: '`{ allowed, level, permission }`' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = personOf(req);
      const q = parseOrThrow(checkQuery, req.query, 'check');
      let level: number;
      if (q.userId !== undefined && q.userId !== p.userId) {
        if (p.role !== 'ADMIN') throw new ForbiddenError('asking about another person needs the role ADMIN');
        // head office may know whether a node exists; what the person may do is their own level
        if (!(await acl.exists(ctx.db, q.nodeId))) throw new NotFoundError('node', q.nodeId);
        level = await acl.levelOfUser(ctx.db, q.userId, q.nodeId);
      } else {
        // one's own check: a node one cannot read and a missing one answer alike (existence is not told)
        level = await acl.level(ctx.db, p, q.nodeId);
      }
      res.json({
        allowed: level >= vaultLevel(q.permission),
        level: permissionOf(level),
        permission: q.permission,
      });
    },
  );

  r.get(
    '/vault/groups',
    apiDoc({
      summary: 'List vault groups',
      responses: { 200: '`{ items }`: the groups with their members' },
      access: ['admin'],
    }),
    admin,
    async (_req, res) => {
      res.json({ items: (await acl.groups(ctx.db)).map(groupJson) });
    },
  );
  r.post(
    '/vault/groups',
    apiDoc({
      summary: 'Add a vault group',
      body: groupBody,
      responses: { 201: 'the group' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const p = personOf(req);
      const { name } = parseOrThrow(groupBody, req.body, 'group');
      const g = await ctx.db.transaction((tx) => acl.createGroup(tx, callerOf(req, p), name));
      res.status(201).json(groupJson(g));
    },
  );
  r.get(
    '/vault/groups/:id',
    apiDoc({
      summary: 'Read a group and its members',
      params: groupParams,
      responses: { 200: 'the group' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const { id } = parseOrThrow(groupParams, req.params, 'group id');
      res.json(groupJson(await acl.group(ctx.db, id)));
    },
  );
  r.delete(
    '/vault/groups/:id',
    apiDoc({
      summary: 'Delete a group',
      params: groupParams,
      responses: { 204: 'deleted' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const p = personOf(req);
      const { id } = parseOrThrow(groupParams, req.params, 'group id');
      await ctx.db.transaction((tx) => acl.deleteGroup(tx, callerOf(req, p), id));
      res.status(204).end();
    },
  );
  r.put(
    '/vault/groups/:id/members/:userId',
    apiDoc({
      summary: 'Add a person to a group',
      params: memberParams,
      responses: { 200: 'the group' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const p = personOf(req);
      const { id, userId } = parseOrThrow(memberParams, req.params, 'group member');
      const g = await ctx.db.transaction((tx) => acl.addMember(tx, callerOf(req, p), id, userId));
      res.json(groupJson(g));
    },
  );
  r.delete(
    '/vault/groups/:id/members/:userId',
    apiDoc({
      summary: 'Take a person out of a group',
      params: memberParams,
      responses: { 204: 'removed' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const p = personOf(req);
      const { id, userId } = parseOrThrow(memberParams, req.params, 'group member');
      await ctx.db.transaction((tx) => acl.removeMember(tx, callerOf(req, p), id, userId));
      res.status(204).end();
    },
  );
  return r;
}

const groupJson = (g: { id: string; name: string; members: readonly unknown[] }) => ({
  id: g.id,
  name: g.name,
  members: g.members,
});
