import type { Logger } from 'pino';
import type { HubLink } from '../hub-link/hub-link.js';
import type { BopisService } from './bopis-service.js';

export { BopisService } from './bopis-service.js';
export { bopisRoutes } from './routes.js';
export const bopisMigrations = new URL('./schema/', import.meta.url);

/** Fetches the hub's pickup-code key (until it succeeds, then daily), so codes verify offline afterwards. */
export function keepPickupKey(bopis: BopisService, hubUrl: string, link: HubLink, log: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  const fetchKey = async () => {
    try {
      const res = await fetch(`${hubUrl}/api/reservations/pickup-key`, { headers: { authorization: `Bearer ${await link.token()}` }, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      bopis.savePublicKey(((await res.json()) as { publicKey: string }).publicKey);
      timer = setTimeout(() => void fetchKey(), 86_400_000);
    } catch (err) {
      if (!bopis.publicKey()) log.warn({ err: (err as Error).message }, 'pickup-code key not fetched yet; retrying');
      timer = setTimeout(() => void fetchKey(), 30_000);
    }
    timer.unref();
  };
  void fetchKey();
  return () => clearTimeout(timer);
}
