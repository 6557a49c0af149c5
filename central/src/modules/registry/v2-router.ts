import { apiDoc } from '@storefleet/shared';
import { Router } from 'express';
import type { HubContext } from '../../kernel/module-contract.js';
import { blobRoutes } from './blob-routes.js';
import { ociErrorHandler, ociNotFound } from './errors.js';
import type { RegistryParts } from './index.js';
import { manifestRoutes } from './manifest-routes.js';

/**
 * The OCI distribution API at the hub's root (`/v2/`): every answer carries `Docker-Distribution-API-Version`, the
 * caller is read once (`auth.authenticate`), each route then asks for the action it needs (`auth.require`). Paths
 * are case-sensitive (repository names are lower-case by the spec; `A` is refused as NAME_INVALID, not folded).
 */
export function v2Router(parts: RegistryParts, ctx: HubContext): Router {
  const r = Router({ caseSensitive: true });
  r.use((_req, res, next) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    next();
  });
  r.use(parts.auth.authenticate);
  r.get(
    '/',
    apiDoc({
      summary: 'Check the OCI distribution API version',
      description:
        'Answers 200 to any caller with a credential (a registry token, a session cookie or a store’s bearer token), else 401 with the `WWW-Authenticate` challenge naming the token realm (`GET /api/registry/token`). Every `/v2/` answer carries `Docker-Distribution-API-Version: registry/2.0`.',
      tags: ['registry'],
      responses: { 200: '`{}`', 401: 'no credential: the Bearer challenge' },
      access: ['staff'],
    }),
    parts.auth.base,
  );
  r.use(blobRoutes(parts, ctx));
  r.use(manifestRoutes(parts, ctx));
  r.use(ociNotFound);
  r.use(ociErrorHandler(ctx.log));
  return r;
}
