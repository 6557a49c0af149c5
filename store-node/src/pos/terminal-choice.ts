import { AppError } from '@storefleet/shared';
import { STORE_MODES, type StoreNodeConfig } from '../config.js';
import type { Authorisation, PaymentTerminal, RefundOutcome, VoidOutcome } from './payment-terminal.js';
import { SimulatedTerminal } from './simulated-terminal.js';

export const NO_TERMINAL =
  'no card terminal is configured at this store node: set STORE_PAYMENT_TERMINAL (the node runs in production mode). Take cash, or call a supervisor';

/**
 * Stands where no card terminal was named on a production node: a card tender is refused at once with a 503 that says
 * so (the basket stays open for another tender); nothing is ever approved by a simulator nobody chose.
 */
export class NoTerminal implements PaymentTerminal {
  async authorise(): Promise<Authorisation> {
    throw new AppError('unavailable', NO_TERMINAL);
  }

  async void(): Promise<VoidOutcome> {
    return { voided: false, reason: NO_TERMINAL };
  }

  async refund(): Promise<RefundOutcome> {
    return { refunded: false, reason: NO_TERMINAL };
  }
}

/** Which terminal the node runs with, and what its start-up log and `/healthz` say about it. */
export interface TerminalChoice {
  readonly terminal: PaymentTerminal;
  readonly inUse: 'supplied' | 'simulator' | 'none';
  readonly warning: string | undefined;
}

/**
 * The terminal object given, else the one named (`STORE_PAYMENT_TERMINAL`), else in demo/test mode the simulator, else
 * none. A production node without one, or told to use the simulator, gets a warning.
 */
export function chooseTerminal(
  config: Pick<StoreNodeConfig, 'mode' | 'paymentTerminal' | 'paymentTerminalName'>,
): TerminalChoice {
  if (config.paymentTerminal) return { terminal: config.paymentTerminal, inUse: 'supplied', warning: undefined };
  const mode = config.mode ?? 'production';
  if (!STORE_MODES.includes(mode))
    throw new Error(`STORE_MODE (mode) must be one of ${STORE_MODES.join(', ')}, not "${String(mode)}"`);
  const production = mode === 'production';
  if (config.paymentTerminalName === 'simulator' || !production) {
    const warning = production
      ? 'STORE_PAYMENT_TERMINAL=simulator in production: every card is approved and no money moves'
      : undefined;
    return { terminal: new SimulatedTerminal(), inUse: 'simulator', warning };
  }
  return {
    terminal: new NoTerminal(),
    inUse: 'none',
    warning: `${NO_TERMINAL.split(':')[0]}: card tenders are refused until STORE_PAYMENT_TERMINAL names one`,
  };
}
