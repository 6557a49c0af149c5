import type { Router } from 'express';
import type { EventHandler } from '../../../kernel/event-handlers.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { SocketHandler } from '../../../kernel/module-sockets.js';
import type { DriverApps } from '../carriers/driver-app.js';
import { DELIVERY_HOOKS } from '../ports.js';
import { DRIVERS_PATH, DriverSockets, driverSocket } from './driver-socket.js';
import { DriverService } from './driver-service.js';
import { handOverHandler } from './hand-over.js';
import { trackingRoutes } from './routes.js';
import { trackingDeps } from './tracking-deps.js';
import { TrackingLinks } from './tracking-links.js';

export { DRIVERS_PATH } from './driver-socket.js';
export { TRACK_PAGE, type TrackView } from './tracking-links.js';

/**
 * Tracking (issue #18): drivers' positions over a WebSocket (`/api/delivery/drivers`), ETAs recomputed, the
 * "arriving" geofence, the customer's tracking page (a token link, no sign-in), proof of delivery (a PIN for
 * age-restricted goods), a failed delivery's return to its store, and the store's hand-over of the goods to the driver.
 */
export interface TrackingParts {
  readonly routes: Router;
  readonly sockets: Record<string, SocketHandler>;
  readonly eventHandlers: Record<string, EventHandler>;
  /** Closes the carrier's drivers' sockets in this process: its token was rotated, or it was made inactive. */
  revokeDriver(carrierId: string): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** `apps`: the carriers reached through their driver app, whose offers go out and come back on the drivers' socket. */
export function trackingParts(ctx: HubContext, apps?: DriverApps): TrackingParts {
  const deps = trackingDeps({
    db: ctx.db,
    feed: ctx.feed,
    now: ctx.now,
    hooks: () => ctx.services.find(DELIVERY_HOOKS),
    log: ctx.log,
  });
  const drivers = new DriverService(deps, apps);
  const open = new DriverSockets(ctx.db, deps.repo, ctx.log);
  return {
    routes: trackingRoutes(new TrackingLinks(deps), deps.repo, ctx.db),
    sockets: { [DRIVERS_PATH]: driverSocket(drivers, open, ctx.log) },
    eventHandlers: { 'delivery.handed-to-driver': handOverHandler(deps) },
    revokeDriver: (carrierId) => open.revoke(carrierId),
    start: async () => {},
    stop: async () => open.stop(),
  };
}
