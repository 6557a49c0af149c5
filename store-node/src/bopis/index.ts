import type { Logger } from 'pino';
import type { HubGet } from '../hub-link/hub-get.js';
import type { BopisService } from './bopis-service.js';

export { BopisService } from './bopis-service.js';
export { bopisRoutes } from './routes.js';
export { holdsSink } from './holds-sink.js';
export const bopisMigrations = new URL('./schema/', import.meta.url);

/**
 * Fetches the hub's pickup-code key and this store's typed-code key (until it succeeds, then daily), so codes verify
 * offline afterwards. The returned
 * function stops it; a fetch still in flight then ends without touching the (closing) database.
 */
export function keepPickupKey(bopis: BopisService, hubGet: HubGet, log: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const again = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => void fetchKey(), ms);
    timer.unref();
  };
  const fetchKey = async () => {
    try {
      const { publicKey, typedCodeKey } = (await hubGet('/api/reservations/pickup-key')) as {
        publicKey: string;
        typedCodeKey?: unknown;
      };
      if (stopped) return;
      bopis.savePublicKey(publicKey);
      // The key this store hashes typed pickup codes with (older hubs send none: codes are then QR-only).
      if (typeof typedCodeKey === 'string' && /^[\w-]{20,100}$/.test(typedCodeKey))
        bopis.saveTypedCodeKey(typedCodeKey);
      again(86_400_000);
    } catch (err) {
      if (stopped) return;
      log.warn({ err: (err as Error).message }, 'pickup-code key not fetched; retrying in 30 s');
      again(30_000);
    }
  };
  void fetchKey();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
