import type { Logger } from 'pino';
import type { HubGet } from '../hub-link/hub-get.js';
import type { BootstrapSink } from '../sync/bootstrap.js';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';
import type { BookingService } from './booking-service.js';

export { BookingRepository } from './booking-repository.js';
export { BookingService, BOOKING_OFFLINE, NO_TICKET_KEY } from './booking-service.js';
export { bookingHubCaller } from './hub-client.js';
export { bookingRoutes } from './routes.js';
export const bookingMigrations = new URL('./schema/', import.meta.url);

/** The key is asked for again this often while the hub answers (a rotated key reaches the door within minutes). */
const KEY_REFRESH_MS = 5 * 60_000;
const KEY_RETRY_MS = 30_000;

/** The hub's booking feed entries for this store: the shows it runs and the bookings of them cancelled. */
export function registerBookingFeed(feed: FeedHandlerRegistry, booking: BookingService): void {
  feed.register('booking.show', (_db, entry) => booking.applyShow(entry));
  feed.register('booking.cancelled', (_db, entry) => booking.applyCancelled(entry));
}

/** The sink of the hub's `booking` cold-start section. */
export const bookingSink =
  (booking: BookingService): BootstrapSink =>
  (_db, rows) =>
    booking.applySection(rows);

/**
 * Fetches the hub's ticket public key (`GET /api/booking/ticket-key`) at start and every few minutes, keeping it in
 * the store's file so the door checks tickets while the hub is unreachable. The returned function stops it; a fetch
 * still in flight then ends without touching the (closing) database.
 */
export function keepTicketKey(booking: BookingService, hubGet: HubGet, log: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const again = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => void fetchKey(), ms);
    timer.unref();
  };
  const fetchKey = async () => {
    try {
      const { algorithm, publicKey } = (await hubGet('/api/booking/ticket-key')) as {
        algorithm?: unknown;
        publicKey?: unknown;
      };
      if (stopped) return;
      if (algorithm !== 'Ed25519' || typeof publicKey !== 'string' || !booking.saveTicketKey(publicKey))
        throw new Error('the hub sent no Ed25519 ticket key');
      again(KEY_REFRESH_MS);
    } catch (err) {
      if (stopped) return;
      log.warn({ err: (err as Error).message }, 'ticket key not fetched; retrying in 30 s');
      again(KEY_RETRY_MS);
    }
  };
  void fetchKey();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
