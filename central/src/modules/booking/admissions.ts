import type { EventHandler } from '../../kernel/event-handlers.js';
import type { HubContext } from '../../kernel/module-contract.js';

/** `booking.admitted` from a store's door (lane D): recorded once per ticket. */
export function admissionHandlers(_ctx: HubContext): Record<string, EventHandler> {
  return {};
}
