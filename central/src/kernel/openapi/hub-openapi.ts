import { buildOpenApi, type OpenApiGroup } from '@storefleet/shared';

/**
 * The hub's OpenAPI document (issue #26): every router the hub mounts, each under the tag of the module or hub part
 * that owns it. `/graphql` is one of them (its router's own apiDoc, kernel/graphql/gateway.ts); its schema is the SDL,
 * served by introspection at `/graphql` itself.
 */
export function hubOpenApi(groups: readonly OpenApiGroup[]): object {
  return buildOpenApi({
    title: 'Storefleet hub',
    version: '1.0.0',
    description:
      'The hub’s HTTP API: console and store routes, the modules’ routes and the customer-facing API. Errors are ' +
      'RFC 9457 problem+json; every write accepts an `Idempotency-Key`. Built from the routes themselves.',
    groups,
  });
}
