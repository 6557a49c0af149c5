import { Router } from 'express';
import type { EventHandler } from '../../../kernel/event-handlers.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { SocketHandler } from '../../../kernel/module-sockets.js';

/**
 * Tracking (issue #18): drivers' positions over a WebSocket, ETAs recomputed, the "arriving" geofence, the customer's
 * tracking page (a token link, no sign-in), proof of delivery, and a failed delivery's return to its store.
 * Placeholder until the tracking lane lands: nothing mounted.
 */
export interface TrackingParts {
  readonly routes: Router;
  readonly sockets: Record<string, SocketHandler>;
  readonly eventHandlers: Record<string, EventHandler>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function trackingParts(_ctx: HubContext): TrackingParts {
  return { routes: Router(), sockets: {}, eventHandlers: {}, start: async () => {}, stop: async () => {} };
}
