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
 * What a caller sees of an error, so that every error leaves with a code:
 * - the hub's own errors (AppError) keep their message (they name the entity and are meant for callers) and get their
 *   code;
 * - a GraphQLError that already has a code (a refusal, RATE_LIMITED on a socket) passes as it is;
 * - graphql's own errors without one — a query that does not parse or validate, variables that do not fit (no path, or
 *   an argument of the query named in `nodes`) — are the caller's: BAD_USER_INPUT, with graphql's message;
 * - anything else, a resolver's GraphQLError without a code included (it says nothing a caller could act on, and may
 *   say what it should not), is logged with its path and answered INTERNAL with a message that gives nothing away.
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
    const coded = original instanceof GraphQLError ? original : gql && !original ? gql : undefined;
    if (coded?.extensions?.code) return coded;
    // graphql's own: before execution (no original error), or an argument its variables could not fill (in the query)
    const graphqlOwn =
      !original || (original instanceof GraphQLError && !original.originalError && (original.nodes?.length ?? 0) > 0);
    if (gql && graphqlOwn)
      return new GraphQLError(gql.message, { ...base, extensions: { ...gql.extensions, code: 'BAD_USER_INPUT' } });
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
