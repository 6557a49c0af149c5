import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { AppError, type ErrorType } from '@storefleet/shared';
import type { GraphqlErrorCode } from './types.js';

/** The hub's error types as GraphQL codes, as REST maps them to statuses (see GraphqlErrorCode). */
const CODES: Partial<Record<ErrorType, GraphqlErrorCode>> = {
  validation: 'BAD_USER_INPUT',
  unprocessable: 'BAD_USER_INPUT',
  'payload-too-large': 'BAD_USER_INPUT',
  unauthorized: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  'not-found': 'NOT_FOUND',
  conflict: 'CONFLICT',
  'rate-limited': 'RATE_LIMITED',
  unavailable: 'UNAVAILABLE',
  timeout: 'UNAVAILABLE',
};

/**
 * What a caller sees of an error a resolver threw: the hub's own errors keep their message (they name the entity and
 * are meant for callers) and get their code; graphql's own (a parse or validation error, a refused query) pass as
 * they are, coded BAD_USER_INPUT when they carry no code; anything else is logged with its path and answered as
 * INTERNAL with a message that gives nothing of the hub's inside away.
 */
export function maskError(log: Logger) {
  return (error: unknown): Error => {
    const gql = error instanceof GraphQLError ? error : undefined;
    const original = gql?.originalError ?? (gql ? undefined : error);
    const base = { nodes: gql?.nodes, source: gql?.source, positions: gql?.positions, path: gql?.path };
    if (original instanceof AppError) {
      const code = CODES[original.type] ?? 'INTERNAL';
      if (code === 'INTERNAL') log.error({ err: original, path: gql?.path }, 'graphql resolver failed');
      const message = code === 'INTERNAL' ? 'internal error' : original.message;
      return new GraphQLError(message, { ...base, extensions: { code, ...safeExtra(original) } });
    }
    if (original instanceof GraphQLError) return original;
    if (gql && !original) {
      return gql.extensions?.code
        ? gql
        : new GraphQLError(gql.message, { ...base, extensions: { ...gql.extensions, code: 'BAD_USER_INPUT' } });
    }
    log.error({ err: original, path: gql?.path }, 'graphql resolver failed');
    return new GraphQLError('internal error', { ...base, extensions: { code: 'INTERNAL' } });
  };
}

/** The problem body's extra members that help a caller (field issues, when to retry), never anything else. */
function safeExtra(e: AppError): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(e.extra.errors)) out.issues = e.extra.errors;
  if (typeof e.extra.retryAfterSeconds === 'number') out.retryAfterSeconds = e.extra.retryAfterSeconds;
  return out;
}
