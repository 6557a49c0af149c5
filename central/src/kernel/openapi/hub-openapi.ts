import { buildOpenApi, type OpenApiGroup } from '@storefleet/shared';

/**
 * The hub's OpenAPI document (issue #26): every router the hub mounts, each under the tag of the module or hub part
 * that owns it, and the GraphQL endpoint, which is one path whose schema is its SDL (served at `/graphql` itself).
 */
export function hubOpenApi(groups: readonly OpenApiGroup[]): object {
  return buildOpenApi({
    title: 'Storefleet hub',
    version: '1.0.0',
    description:
      'The hub’s HTTP API: console and store routes, the modules’ routes and the customer-facing API. Errors are ' +
      'RFC 9457 problem+json; every write accepts an `Idempotency-Key`. Built from the routes themselves.',
    groups,
    extraPaths: { '/graphql': GRAPHQL_PATH },
  });
}

const graphqlRequest = {
  type: 'object',
  required: ['query'],
  properties: {
    query: { type: 'string', description: 'A GraphQL document.' },
    operationName: { type: ['string', 'null'] },
    variables: { type: ['object', 'null'], additionalProperties: true },
  },
};

const graphqlAnswer = {
  description:
    'A GraphQL result: `data`, and `errors` each with `extensions.code` (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, ' +
    'BAD_USER_INPUT, QUERY_TOO_DEEP, QUERY_TOO_COSTLY, …).',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          data: { type: ['object', 'null'], additionalProperties: true },
          errors: { type: 'array', items: { type: 'object', additionalProperties: true } },
        },
      },
    },
  },
};

const graphqlSecurity = [{}, { customerBearer: [] }, { customerCookie: [] }, { sessionCookie: [] }, { bearer: [] }];

/** `/graphql` as an OpenAPI path item: the same authentication as REST (a customer's or a staff session, or nobody). */
const GRAPHQL_PATH = {
  post: {
    operationId: 'postGraphql',
    summary: 'GraphQL: products, the customer’s cart and orders, and their mutations',
    description:
      'Queries and mutations for web and app clients. Depth (10) and cost (5,000) limits refuse a query before it ' +
      'runs. Subscriptions (cartChanged, orderStatus) use graphql-ws on the same path.',
    tags: ['graphql'],
    requestBody: { required: true, content: { 'application/json': { schema: graphqlRequest } } },
    responses: { 200: graphqlAnswer },
    security: graphqlSecurity,
    'x-access': ['public', 'customer', 'staff'],
  },
  get: {
    operationId: 'getGraphql',
    summary: 'GraphQL over GET (queries only)',
    tags: ['graphql'],
    parameters: [
      { name: 'query', in: 'query', required: true, schema: { type: 'string' } },
      { name: 'operationName', in: 'query', required: false, schema: { type: 'string' } },
      { name: 'variables', in: 'query', required: false, schema: { type: 'string' }, description: 'JSON' },
    ],
    responses: { 200: graphqlAnswer },
    security: graphqlSecurity,
    'x-access': ['public', 'customer', 'staff'],
  },
};
