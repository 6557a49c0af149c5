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
  r.get('/', parts.auth.base);
  r.use(blobRoutes(parts, ctx));
  r.use(manifestRoutes(parts, ctx));
  r.use(ociNotFound);
  r.use(ociErrorHandler(ctx.log));
  return r;
}
