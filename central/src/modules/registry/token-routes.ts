import { Router } from 'express';
import { apiDoc, OCI_NAME, UnauthorizedError, ValidationError } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import type { VouchedPrincipal } from '../../kernel/credentials.js';
import { REGISTRY_SERVICE } from './auth.js';
import type { RegistryParts } from './index.js';
import type { TokenAccess } from './token.js';

const MAX_SCOPES = 20;
const REPOSITORY_ACTIONS = ['pull', 'push', 'delete', '*'];

/**
 * The Docker token spec's `scope` values: each parameter may hold several scopes separated by spaces;
 * `repository:<name>:<actions>` or `registry:catalog:*`. Anything else is a 400 (a typo should not pass silently as
 * a token that grants nothing).
 */
export function parseScopes(raw: unknown): TokenAccess[] {
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const scopes: TokenAccess[] = [];
  for (const value of values) {
    if (typeof value !== 'string' || value.length > 2_000)
      throw new ValidationError('scope must be repository:<name>:<actions> or registry:catalog:*');
    for (const scope of value.split(' ').filter(Boolean)) {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first < 0 || last === first)
        throw new ValidationError(`scope ${JSON.stringify(scope)} is not type:name:actions`);
      const type = scope.slice(0, first);
      const name = scope.slice(first + 1, last);
      const actions = scope.slice(last + 1).split(',');
      if (type === 'registry') {
        if (name !== 'catalog' || actions.join(',') !== '*')
          throw new ValidationError(`scope ${JSON.stringify(scope)}: the registry scope is registry:catalog:*`);
        scopes.push({ type, name, actions });
      } else if (type === 'repository') {
        if (name.length > 255 || !OCI_NAME.test(name))
          throw new ValidationError(
            `scope ${JSON.stringify(scope)}: the repository name is not one the OCI spec allows`,
          );
        if (!actions.every((a) => REPOSITORY_ACTIONS.includes(a)))
          throw new ValidationError(`scope ${JSON.stringify(scope)}: actions are pull, push, delete or *`);
        scopes.push({ type, name, actions: [...new Set(actions)] });
      } else throw new ValidationError(`scope ${JSON.stringify(scope)}: the type is repository or registry`);
      if (scopes.length > MAX_SCOPES) throw new ValidationError(`at most ${MAX_SCOPES} scopes in one token`);
    }
  }
  return scopes;
}

/** `Authorization: Basic …` → name and secret; undefined when the header is another scheme; 401 when unreadable. */
function basicCredential(header: string | undefined): { name: string; secret: string } | undefined {
  const m = /^Basic +([A-Za-z0-9+/=]*) *$/i.exec(header ?? '');
  if (!m) {
    if (header && /^Basic\b/i.test(header)) throw new UnauthorizedError('the Basic credential is not base64');
    return undefined;
  }
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new UnauthorizedError('the Basic credential must be name:secret');
  return { name: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * `GET /api/registry/token` (lane: auth): the Docker token spec's realm. The caller proves who they are with HTTP
 * Basic (e-mail and password, or store id and secret) or a hub credential; the answer's token grants the asked
 * scopes as far as the policy allows (what it does not is left out; the client then gets a 401 or 403 at `/v2/`).
 */
export function tokenRoutes(parts: RegistryParts, ctx: HubContext): Router {
  const r = Router();
  r.get(
    '/registry/token',
    apiDoc({
      summary: 'Get a registry token (the Docker token realm)',
      description:
        'Prove who you are with HTTP Basic (an e-mail and password, or a store’s id and secret) or a hub credential; `scope` (repeatable, space-separated: `repository:<name>:<actions>` or `registry:catalog:*`) asks for access, and the token grants what the policy allows (what it does not is left out). No credential is a 401 with a Basic challenge.',
      responses: { 200: '`{ token, access_token, expires_in, issued_at }`' },
      access: ['staff'],
    }),
    async (req, res) => {
      const service = req.query.service;
      if (service !== undefined && service !== REGISTRY_SERVICE)
        throw new ValidationError(`service must be ${REGISTRY_SERVICE}`);
      const requested = parseScopes(req.query.scope);
      let vouched: VouchedPrincipal | undefined;
      try {
        const basic = basicCredential(req.get('authorization'));
        // a hub credential's principal is read again for what the token must carry (a store's credential version)
        vouched = basic
          ? await ctx.credentials.check(basic.name, basic.secret, req.ip ?? '')
          : req.principal && (await ctx.credentials.current(req.principal));
        if (!vouched) throw new UnauthorizedError('sign in: HTTP Basic (e-mail and password, or store id and secret)');
      } catch (err) {
        if (err instanceof UnauthorizedError) res.setHeader('WWW-Authenticate', `Basic realm="${REGISTRY_SERVICE}"`);
        throw err;
      }
      const issued = await parts.auth.issue(vouched, requested);
      res.setHeader('Cache-Control', 'no-store');
      res.json({
        token: issued.token,
        access_token: issued.token,
        expires_in: issued.expiresIn,
        issued_at: new Date(issued.issuedAt).toISOString(),
      });
    },
  );
  return r;
}
