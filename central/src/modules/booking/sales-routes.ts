import { Router } from 'express';
import type { BookingSales } from './sales.js';
import type { BookingService } from './service.js';
import type { TicketSigner } from './tickets.js';
import type { Waitlist } from './waitlist.js';

/** Confirm, cancel, tickets, the ticket key, waitlists (lane B). */
export function salesRoutes(
  _sales: BookingSales,
  _waitlist: Waitlist,
  _tickets: TicketSigner,
  _holds: BookingService,
): Router {
  return Router();
}
