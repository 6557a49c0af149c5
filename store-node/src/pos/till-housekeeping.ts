import type { Logger } from 'pino';
import type { PosService } from './pos-service.js';

/**
 * The till's part of the node's hourly housekeeping: voids open baskets nobody has touched for `basketExpiryMs` (an
 * approved card on one is voided at the terminal first), and asks the terminal again about card refunds left
 * waiting. Never throws: what the terminal cannot answer for stays, logged, and is tried next hour.
 */
export async function tillHousekeeping(
  pos: PosService,
  basketExpiryMs: number,
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<void> {
  try {
    const { expired, kept } = await pos.expireOpenBaskets(basketExpiryMs);
    if (expired.length)
      log.info(
        { expired: expired.length, saleIds: expired.slice(0, 20) },
        'voided open baskets nobody touched past the expiry',
      );
    if (kept.length)
      log.warn({ kept: kept.slice(0, 20) }, 'open baskets past the expiry could not be voided yet; will retry');
  } catch (err) {
    log.warn({ err }, 'expiring open baskets failed; will retry');
  }
  try {
    const { settled, waiting } = await pos.returns.resumeRefunds();
    if (settled || waiting)
      log[waiting ? 'warn' : 'info']({ settled, waiting }, 'card refunds left waiting for the terminal, asked again');
  } catch (err) {
    log.warn({ err }, 'asking the terminal about waiting card refunds failed; will retry');
  }
}
