import { randomBytes } from 'node:crypto';

export {
  createLogger,
  createRegistry,
  errorHandler,
  httpMetrics,
  markRoutePrefix,
  metricsRoute,
  notFoundHandler,
  requireJsonBody,
} from '@storefleet/shared';

/** 256 random bits for an HMAC key, base64url. */
export function newSecretKey(): string {
  return randomBytes(32).toString('base64url');
}
