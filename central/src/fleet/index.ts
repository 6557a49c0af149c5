export { FleetService } from './fleet-service.js';
export { FleetRepository } from './fleet-repository.js';
export { fleetRoutes } from './routes.js';
export type { Location, LocationKind, NewLocation, StoreCredential } from './types.js';
export const fleetMigrations = new URL('./schema/', import.meta.url);
