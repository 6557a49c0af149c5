/**
 * The reads the hub answers from its last answer while its database is unreachable (issue #27): what a lane, a kiosk,
 * the console's product page and the shop need to say whether something is in stock and where. Every other read gets
 * 503 then (a stale order, hold or report could mislead someone into acting on it). Matched on the path under `/api`,
 * as express matches routes (case-insensitively, a trailing slash allowed).
 *
 * Not here, on purpose: `GET /api/reservations/:id` and `GET /api/stores/:storeId/reservations` (a hold's state
 * decides a hand-over), `/api/inventory/.../movements`, `/api/inventory/alerts`, `/api/inventory/incidents` (reports).
 */
export const AVAILABILITY_READS: readonly { readonly route: string; readonly pattern: RegExp }[] = [
  { route: '/api/inventory/stores/:storeId/stock', pattern: /^\/api\/inventory\/stores\/[^/]+\/stock\/?$/i },
  {
    route: '/api/inventory/stores/:storeId/stock/:sku',
    pattern: /^\/api\/inventory\/stores\/[^/]+\/stock\/[^/]+\/?$/i,
  },
  { route: '/api/inventory/skus/:sku/stock', pattern: /^\/api\/inventory\/skus\/[^/]+\/stock\/?$/i },
  { route: '/api/inventory/nearby', pattern: /^\/api\/inventory\/nearby\/?$/i },
  { route: '/api/catalog/products', pattern: /^\/api\/catalog\/products\/?$/i },
  { route: '/api/catalog/products/:sku', pattern: /^\/api\/catalog\/products\/[^/]+\/?$/i },
  { route: '/api/catalog/categories', pattern: /^\/api\/catalog\/categories\/?$/i },
];

/** Whether `method path` (path with its `/api` prefix, without the query) is an availability read. */
export function isAvailabilityRead(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && AVAILABILITY_READS.some((r) => r.pattern.test(path));
}
