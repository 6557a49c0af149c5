import { Router } from 'express';
import type { BookingService } from './service.js';

/** Venues, shows, seat maps and holds (lane A). */
export function bookingRoutes(_holds: BookingService): Router {
  return Router();
}
