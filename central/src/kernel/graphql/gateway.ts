import express, { type Request, type RequestHandler, type Response } from 'express';
import { apiDoc, parseOrThrow } from '@storefleet/shared';
import { z } from 'zod';
import DataLoader from 'dataloader';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  isTypeDefinitionNode,
  isTypeExtensionNode,
  Kind,
  parse,
} from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { mergeResolvers, mergeTypeDefs } from '@graphql-tools/merge';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { maskError } from './errors.js';
import { badTextInVariables, refuseBadTextLiterals } from './bad-text.js';
import { INTROSPECTION_COST, MAX_FIELDS, MAX_FIRST, queryLimits } from './limits.js';
import type { GraphqlContext, GraphqlContribution } from './types.js';

/** The root types every contribution extends (`extend type Query { … }`), so no module owns them. */
const ROOTS = /* GraphQL */ `
  "What anyone may read; each field authorizes its caller."
  type Query { _hub: String }
  type Mutation { _hub: String }
`;

export interface GatewayOptions {
  /** What the hub core and each module add (HubModule.graphql), in the hub's module order. */
  readonly contributions: readonly GraphqlContribution[];
  readonly log: Logger;
  readonly metrics: Registry;
  readonly now: () => number;
  /** Deepest selection run (GRAPHQL_MAX_DEPTH) and most cost run (GRAPHQL_MAX_COST): kernel/graphql/limits.ts. */
  readonly maxDepth: number;
  readonly maxCost: number;
  /** The largest JSON body /graphql reads (a query and its variables); more is a 413 before anything is parsed. */
  readonly bodyLimit?: string;
}

/**
 * The hub's GraphQL endpoint (issue #26): one schema stitched from what the hub core and each module contribute,
 * served by graphql-yoga as an express handler. The caller is whoever the hub's authentication made of the request
 * (`req.principal` staff, `req.customer` a customer, else nobody), so GraphQL and REST agree on who asks; resolvers
 * authorize. Mount it after the JSON parser, the text checks, authentication and idempotency (`graphqlRouter`).
 *
 * What it refuses before anything runs: a batch (one operation a request), an operation too deep or too costly
 * (limits.ts), a query that does not parse or validate. GraphiQL is off (it loads from a CDN; the docs page is
 * /api-docs/); introspection is on (the schema is the documentation, and holds no data).
 */
export function graphqlGateway(o: GatewayOptions): GraphqlGateway {
  const schema = makeExecutableSchema({
    typeDefs: withoutOrphanExtensions(mergeTypeDefs([ROOTS, ...o.contributions.map((c) => c.typeDefs)])),
    resolvers: mergeResolvers(o.contributions.map((c) => c.resolvers)),
    // the resolvers of a dropped extension (CartLine.product without the carts module) have no field to serve
    resolverValidationOptions: { requireResolversToMatchSchema: 'ignore' },
  });
  const operations = new Counter({
    name: 'storefleet_hub_graphql_operations_total',
    help: 'GraphQL operations at /graphql by outcome: ok, error (a resolver failed), refused (too deep or costly), invalid',
    labelNames: ['outcome'],
    registers: [o.metrics],
  });
  const limits = queryLimits(o.maxDepth, o.maxCost);
  const plugins: Plugin[] = [
    {
      onValidate: ({ addValidationRule }) => {
        addValidationRule(limits);
        addValidationRule(refuseBadTextLiterals);
      },
    },
    {
      onResultProcess: ({ result }) => {
        for (const r of Array.isArray(result) ? result : [result]) {
          if (!r || typeof r !== 'object' || !('errors' in r || 'data' in r)) continue;
          // nothing ran (no parse, not valid, refused): the request was bad, whatever the client accepts (yoga would
          // answer 200 to an `Accept: application/json` client); the http extension is yoga's and never sent
          if (!('data' in r) && (r as { errors?: unknown[] }).errors?.length) {
            const bad = r as { errors: GraphQLError[]; extensions?: Record<string, unknown> };
            bad.extensions = { ...bad.extensions, http: { status: 400 } };
            bad.errors = bad.errors.map(asBadInput);
          }
          const errors = (r as { errors?: readonly { extensions?: { code?: unknown } }[] }).errors ?? [];
          const codes = errors.map((e) => e.extensions?.code);
          const outcome =
            errors.length === 0
              ? 'ok'
              : codes.some((c) => c === 'QUERY_TOO_DEEP' || c === 'QUERY_TOO_COSTLY')
                ? 'refused'
                : (r as { data?: unknown }).data === undefined
                  ? 'invalid'
                  : 'error';
          operations.inc({ outcome });
        }
      },
    },
  ];
  const yoga = createYoga<{ req: Request; res: Response }, GraphqlContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    batching: false,
    // /graphql answers its own site only, as /api does: yoga's default CORS would answer any Origin with credentials
    // allowed (a sibling site could read a signed-in caller's answers), and costs a header pass every request.
    // JSON only (graphqlRouter refuses other bodies before yoga), so yoga's multipart parser never has work.
    cors: false,
    multipart: false,
    logging: {
      debug: () => undefined,
      info: () => undefined,
      warn: (...args: unknown[]) => o.log.warn({ args }, 'graphql'),
      error: (...args: unknown[]) => o.log.error({ args }, 'graphql'),
    },
    maskedErrors: { maskError: maskError(o.log) },
    plugins,
    context: ({ req, res }) => contextFor(req, res, o.now),
  });
  // yoga answers with a Response, which goes out through express's `res.send`: the hub's Idempotency-Key handling
  // keeps what is sent that way, so a retried mutation with the same key gets the first answer, not a second run
  // the schema is handed out with the handler: the subscriptions socket (subscriptions.ts) serves this very instance
  const handler: RequestHandler = async (req, res, next) => {
    try {
      const refused = refusedBeforeYoga(req);
      if (refused) {
        operations.inc({ outcome: 'invalid' });
        // as yoga answers a refusal: the `http` extension says the status and is not sent
        const { http: _status, ...extensions } = refused.extensions;
        res.status(400).json({ errors: [{ message: refused.message, extensions }] });
        return;
      }
      const answer = await yoga.handleNodeRequestAndResponse(req, res, { req, res });
      res.status(answer.status);
      answer.headers.forEach((value, name) => {
        if (name !== 'content-length' && name !== 'set-cookie') res.setHeader(name, value);
      });
      const cookies = answer.headers.getSetCookie();
      if (cookies.length) res.append('Set-Cookie', cookies);
      res.send(Buffer.from(await answer.arrayBuffer()));
    } catch (err) {
      next(err);
    }
  };
  return Object.assign(handler, { schema, maxDepth: o.maxDepth, maxCost: o.maxCost });
}

/** The gateway's handler, with the schema and limits it serves (the socket serves the same; the docs name them). */
export type GraphqlGateway = RequestHandler & {
  readonly schema: GraphQLSchema;
  readonly maxDepth: number;
  readonly maxCost: number;
};

/** Where graphql-ws clients subscribe: what an HTTP subscription is told. */
export const SUBSCRIPTIONS_OVER_HTTP = 'subscriptions run over the graphql-ws socket at /graphql';

/**
 * What is refused before yoga sees the request (BAD_USER_INPUT, 400):
 * - a subscription: yoga would subscribe over HTTP (server-sent events, or a 406 after subscribing) a stream no client
 *   abort reaches, outside the socket's per-connection bound, each one re-pricing the cart on every change, forever;
 * - variables holding text our databases cannot keep: GET's `variables` is JSON text the edge check cannot read.
 * The query is parsed here only when it names a subscription at all, so an ordinary query is parsed once, by yoga.
 */
function refusedBeforeYoga(req: Request): GraphQLError | undefined {
  const params = (req.method === 'GET' ? req.query : req.body) as Record<string, unknown> | undefined;
  const query = params?.query;
  if (typeof query !== 'string') return undefined;
  let variables = params?.variables;
  if (typeof variables === 'string') {
    try {
      variables = JSON.parse(variables);
    } catch {
      variables = undefined; // yoga answers JSON it cannot read
    }
  }
  const bad = badTextInVariables(variables);
  if (bad) return bad;
  if (!/\bsubscription\b/.test(query)) return undefined;
  let doc: DocumentNode;
  try {
    doc = parse(query, { noLocation: true });
  } catch {
    return undefined; // yoga answers a query that does not parse
  }
  const name = typeof params?.operationName === 'string' ? params.operationName : undefined;
  const runs = doc.definitions.some(
    (d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'subscription' && (!name || d.name?.value === name),
  );
  return runs ? new GraphQLError(SUBSCRIPTIONS_OVER_HTTP, { extensions: { code: 'BAD_USER_INPUT' } }) : undefined;
}

/** Yoga's own codes for a query that does not parse or validate (GRAPHQL_PARSE_FAILED…) are ours: BAD_USER_INPUT. */
function asBadInput(e: GraphQLError): GraphQLError {
  const code = e.extensions?.code;
  if (code === 'QUERY_TOO_DEEP' || code === 'QUERY_TOO_COSTLY' || code === 'BAD_USER_INPUT') return e;
  return new GraphQLError(e.message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    path: e.path,
    extensions: { ...e.extensions, code: 'BAD_USER_INPUT' },
  });
}

/**
 * Drops `extend type X` where no contribution defines X: a module extends another's type by name (catalog adds
 * `CartLine.product`), and a hub started without that other module must still start.
 */
function withoutOrphanExtensions(doc: DocumentNode): DocumentNode {
  const defined = new Set(doc.definitions.flatMap((d) => (isTypeDefinitionNode(d) ? [d.name.value] : [])));
  return {
    ...doc,
    definitions: doc.definitions.filter((d) => !isTypeExtensionNode(d) || defined.has(d.name.value)),
  };
}

/** The per-request context: who asks, and the request's loaders (none outlives the request). */
export function contextFor(req: Request | undefined, res: Response | undefined, now: () => number): GraphqlContext {
  const loaders = new Map<string, DataLoader<unknown, unknown>>();
  return {
    principal: req?.principal,
    customer: req?.customer,
    req,
    res,
    now,
    loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>): DataLoader<K, V> {
      let l = loaders.get(name);
      if (!l) {
        l = new DataLoader<unknown, unknown>(batch as (keys: readonly unknown[]) => Promise<unknown[]>, {
          maxBatchSize: 1_000,
        });
        loaders.set(name, l);
      }
      return l as DataLoader<K, V>;
    },
  };
}

/** A GraphQL request over POST: one operation (a batch, an array, is refused), its variables, which to run. */
export const graphqlPostBody = z.strictObject({
  query: z.string().max(100_000),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().max(200).nullish(),
  extensions: z.record(z.string(), z.unknown()).nullish(),
});
/** The same over GET, in the query string (variables as JSON text); reads only: yoga refuses a mutation over GET. */
export const graphqlGetQuery = z.strictObject({
  query: z.string().max(100_000),
  variables: z.string().max(100_000).optional(),
  operationName: z.string().max(200).optional(),
  extensions: z.string().max(10_000).optional(),
});

const answers = {
  200: 'a GraphQL answer `{ data, errors }`: a field that failed has an error coded in `extensions.code` (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, CONFLICT, RATE_LIMITED, UNAVAILABLE, INTERNAL) beside the data that did not',
  400: 'nothing ran: the body is not one operation, the query does not parse or validate or is a subscription (BAD_USER_INPUT), or it is too deep (QUERY_TOO_DEEP) or costs or selects too much (QUERY_TOO_COSTLY)',
} as const;
/** What /graphql's documentation says of it, with the limits this hub runs (GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_COST). */
const about = (g: GraphqlGateway) =>
  'The hub’s GraphQL schema (introspection is on; the SDL is the reference). Anybody may call it: each field ' +
  'authorizes its caller — a staff session or store token as on /api, a customer’s `sfc_` token or `sf_customer` ' +
  'cookie, or nobody. An explicit `Authorization: Bearer` is the caller and no cookie is read beside it; with both a ' +
  'staff session cookie and a customer’s, a field that serves both kinds (a cart, orders) is UNAUTHENTICATED until ' +
  `one is dropped. This hub refuses, before it runs, an operation nesting more than ${g.maxDepth} fields ` +
  `(GRAPHQL_MAX_DEPTH) or costing more than ${g.maxCost.toLocaleString('en')} (GRAPHQL_MAX_COST; a field costs 1, a ` +
  `list field its \`first\` × what it selects per item, \`__schema\` and \`__type\` ${INTROSPECTION_COST} each; ` +
  `\`first\` is 1 to ${MAX_FIRST}) or selecting more than ${MAX_FIELDS.toLocaleString('en')} fields (aliases counted). ` +
  'Subscriptions (cartChanged, orderStatus) use graphql-ws on the same path (over HTTP one is refused, 400); a ' +
  'socket closes (4403) when its session ends. Text holding U+0000 or a lone surrogate is BAD_USER_INPUT.';

/**
 * `/graphql` as the hub mounts it: a JSON body (bounded; bad JSON is a 400 problem, not yoga's), the hub's text
 * checks (NUL bytes), its authentication and its `Idempotency-Key` handling (a retried mutation answers what the
 * first one did), the request's shape checked (one operation, a string query), then the gateway.
 */
export function graphqlRouter(
  gateway: GraphqlGateway,
  before: {
    readonly requireJson: RequestHandler;
    readonly text: RequestHandler;
    readonly auth: RequestHandler;
    readonly idempotency: RequestHandler;
  },
  bodyLimit = '256kb',
): express.Router {
  const r = express.Router();
  r.use(before.requireJson);
  r.use(express.json({ limit: bodyLimit }));
  r.use(before.text);
  r.use(before.auth);
  r.use(before.idempotency);
  r.get(
    '/',
    apiDoc({
      summary: 'Run a GraphQL query (reads)',
      description: about(gateway),
      query: graphqlGetQuery,
      responses: answers,
      access: ['public', 'customer', 'staff', 'store'],
      tags: ['graphql'],
    }),
    (req, res, next) => {
      parseOrThrow(graphqlGetQuery, req.query, 'query');
      gateway(req, res, next);
    },
  );
  r.post(
    '/',
    apiDoc({
      summary: 'Run a GraphQL query or mutation',
      description: about(gateway),
      body: graphqlPostBody,
      responses: answers,
      access: ['public', 'customer', 'staff', 'store'],
      tags: ['graphql'],
    }),
    (req, res, next) => {
      parseOrThrow(graphqlPostBody, req.body, 'body');
      gateway(req, res, next);
    },
  );
  return r;
}
