import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ForbiddenError, presentedCredential, UnauthorizedError } from '@storefleet/shared';
import type { AuthService } from './auth-service.js';
import { SESSION_COOKIE } from './authenticate.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Guards `GET /metrics` (its labels name stores): a scraper presents `Authorization: Bearer <metricsToken>`
 * (HUB_METRICS_TOKEN), compared in constant time; otherwise the caller needs an ADMIN session (cookie or bearer).
 * With no token configured only ADMIN gets in. 401 without a credential that works, 403 for a credential of someone
 * else (a store, a store's staff). The token is never logged (Authorization headers are redacted).
 */
export function metricsAccess(auth: AuthService, metricsToken: string | undefined): RequestHandler {
  const expected = metricsToken ? digest(metricsToken) : undefined;
  return async (req, _res, next) => {
    let credential: string | undefined;
    try {
      credential = presentedCredential(req.get('Authorization'), req.get('Cookie'), SESSION_COOKIE);
    } catch {
      throw new UnauthorizedError(
        'metrics need an ADMIN session or the metrics token; the session cookie is unreadable',
      );
    }
    if (!credential) throw new UnauthorizedError('metrics need an ADMIN session or the metrics token');
    // Equal-length digests: the comparison takes the same time whatever was sent.
    if (expected && timingSafeEqual(digest(credential), expected)) return next();
    const who = await auth.principalFor(credential).catch((err: unknown) => {
      throw err instanceof UnauthorizedError
        ? new UnauthorizedError('metrics need an ADMIN session or the metrics token')
        : err;
    });
    if (who.kind !== 'user' || who.role !== 'ADMIN')
      throw new ForbiddenError('metrics are for head office: an ADMIN session or the metrics token');
    next();
  };
}
