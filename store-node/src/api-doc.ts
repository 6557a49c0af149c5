import { apiDoc, type DocumentedHandler, type RouteAccess, type RouteDoc } from '@storefleet/shared';

/**
 * Who may call a store-node route, in the node's own roles (`access-matrix.ts`), as one word a route's `apiDoc` can
 * name. The OpenAPI document speaks the hub's words (`public`, `staff`, `admin`), which fit the node only roughly, so
 * each route's description also says, in the node's words, who gets in and what the others get:
 * - `everyone`: every caller, an unpaired LAN device too → `public`;
 * - `screens`: the kiosk (the customers' screen) and every staff screen, not an unpaired device → `staff`: a kiosk is
 *   a paired or trusted screen, not a signed-in customer (the hub's `customer`);
 * - `staff`: the node's own screens and paired handhelds; a kiosk 403 → `staff`;
 * - `backOffice`: only the node's own unmarked screens (the back office on a trusted address) → `admin`: the store
 *   manager's desk, where pairing codes are minted and devices unpaired.
 * A screen marked for one job (POS, pickup desk) reaches only its own page's API: `pos`/`pickup` say when it does.
 */
export type StoreAudience = 'everyone' | 'screens' | 'staff' | 'backOffice';

const ACCESS: Record<StoreAudience, readonly RouteAccess[]> = {
  everyone: ['public'],
  screens: ['staff'],
  staff: ['staff'],
  backOffice: ['admin'],
};

const WHO: Record<StoreAudience, string> = {
  everyone: 'Open to every caller that reaches the node, an unpaired device too.',
  screens:
    'For the kiosk (the customers’ screen) and staff screens (the node’s own screens, paired handhelds); an unpaired device gets 401.',
  staff: 'For staff screens (the node’s own screens, paired handhelds); a kiosk gets 403, an unpaired device 401.',
  backOffice:
    'Only the node’s own back-office screens (a trusted address, no screen marker); a kiosk gets 403, and so do a paired handheld and a screen marked for one job.',
};

const SCREEN: Record<'pos' | 'pickup', string> = {
  pos: 'A screen marked as a POS lane may call it too.',
  pickup: 'A screen marked as the pickup desk may call it too.',
};

/** A store-node route's `RouteDoc`: `audience` instead of `access`, and `screen` when a single-job screen may call it. */
export interface StoreRouteDoc extends Omit<RouteDoc, 'access' | 'tags'> {
  readonly audience: StoreAudience;
  readonly screen?: 'pos' | 'pickup';
  /** The group in the docs page ("Point of sale"): the node has no modules for the generator to name groups after. */
  readonly tag: string;
}

/** `apiDoc` for a store-node route: the access in the document's words, who may call it in the node's. */
export function storeApiDoc({ audience, screen, tag, description, ...doc }: StoreRouteDoc): DocumentedHandler {
  const who = [WHO[audience], screen ? SCREEN[screen] : undefined].filter(Boolean).join(' ');
  return apiDoc({
    ...doc,
    tags: [tag],
    access: ACCESS[audience],
    description: description ? `${description}\n\n${who}` : who,
  });
}

/* The node's own routes, declared in store-node.ts, described here so that file keeps to wiring. */

export const HEALTH_DOC: StoreRouteDoc = {
  audience: 'everyone',
  tag: 'Node',
  summary: 'Whether the node is up and can record a sale',
  description:
    '503 with `status: disk-full` and why while the last write failed for lack of space. A kiosk and an unpaired device learn only that the node is up and whether the hub is reachable; staff screens also get the store id, which screen they are, the hub link’s state and error, and the card terminal in use.',
  responses: { 200: '{ status, name, online } (and for staff screens storeId, screen, hub, cardTerminal)' },
};

export const METRICS_DOC: StoreRouteDoc = {
  audience: 'staff',
  tag: 'Node',
  summary: 'Prometheus metrics',
  description: 'HTTP requests, sync, the hub link and devices, in the Prometheus text format.',
  responses: { 200: { description: 'the metrics', mediaType: 'text/plain' } },
};

export const SYNC_STATUS_DOC: StoreRouteDoc = {
  audience: 'staff',
  screen: 'pos',
  tag: 'Sync',
  summary: 'How this node’s sync with the hub stands',
  description:
    'Every staff screen’s basics, the pickup desk’s too: the phase, events not yet acknowledged, the feed’s cursor and head, parked entries, the first copy’s progress and the catalog’s.',
  responses: { 200: '{ storeId, phase, pendingUp, feedCursor, feedHead, …, parkedFeed, bootstrap, catalog }' },
};

export const KIOSK_PAGE_DOC: StoreRouteDoc = {
  audience: 'everyone',
  tag: 'Pages',
  summary: 'The kiosk page',
  description:
    'Served from the static files. Opened on the node’s own screen from its own pages or by a person, it marks the browser as a kiosk for the browser’s session (`sf_screen=kiosk`): from then on it reaches only what a kiosk may.',
  responses: { 200: { description: 'the page', mediaType: 'text/html' } },
};

export const FAVICON_DOC: StoreRouteDoc = {
  audience: 'everyone',
  tag: 'Pages',
  summary: 'The node’s icon',
  description: 'An SVG (also at /favicon.svg), asked for by every browser.',
  responses: { 200: { description: 'the icon', mediaType: 'image/svg+xml' } },
};
