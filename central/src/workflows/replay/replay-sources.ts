import type { ReplaySource } from '../../kernel/ports/replay.js';
import { ordersReplay } from '../../modules/orders/index.js';
import { reservationsReplay } from './reservations-replay.js';
import { stockReplay } from '../../modules/inventory/index.js';

export { describeReplay } from './replay-check.js';
export { runReplay } from './replay-job.js';

/**
 * The three sources as the modules export them, for a caller outside a running hub's job (the CLI's `replay-check`,
 * the fleet bench): stock, then holds, then orders. Inside the hub the job asks the ports (`replaySources`).
 */
export function defaultReplaySources(): ReplaySource[] {
  return [stockReplay, reservationsReplay, ordersReplay];
}
