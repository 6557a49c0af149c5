import { AppError } from '@storefleet/shared';
import type { HubSettings } from '../../kernel/hub-settings.js';
import { HttpPaymentProvider, SimulatedPaymentProvider, type PaymentProvider, type PaymentStatus } from './payments.js';
import type { Warehouse } from './types.js';
import { SimulatedWarehouse } from './warehouse.js';

/** A production hub with no payment provider named: orders are refused with this 503 until one is. */
export class NoPaymentProviderError extends AppError {
  constructor() {
    super(
      'unavailable',
      'no payment provider is configured: set PAYMENT_PROVIDER (orders cannot be paid until the hub has one)',
    );
  }
}

/**
 * Stands where no payment provider was named (production): every call fails with NoPaymentProviderError, so nothing
 * is ever approved by accident. The orders module refuses new orders before they reach it.
 */
export class NoPaymentProvider implements PaymentProvider {
  async authorise(): Promise<never> {
    throw new NoPaymentProviderError();
  }

  async void(): Promise<never> {
    throw new NoPaymentProviderError();
  }

  async capture(): Promise<never> {
    throw new NoPaymentProviderError();
  }

  async status(): Promise<PaymentStatus> {
    throw new NoPaymentProviderError();
  }
}

/** Stands where no warehouse adapter was named (production): a shipment is refused, so the order fails and is compensated. */
export class NoWarehouse implements Warehouse {
  async createShipment(): Promise<never> {
    throw new Error('no warehouse adapter is configured: set WAREHOUSE_ADAPTER');
  }

  async cancelShipment(): Promise<void> {
    // Nothing was ever shipped through no adapter.
  }
}

/** The payment provider the hub's settings name (see hub-settings.ts: in demo/test mode the simulator when none is). */
export function paymentProviderFor(choice: HubSettings['payments']): PaymentProvider {
  if (!choice) return new NoPaymentProvider();
  return choice.adapter === 'http' ? new HttpPaymentProvider(choice.url) : new SimulatedPaymentProvider();
}

export function warehouseFor(choice: HubSettings['warehouse']): Warehouse {
  return choice ? new SimulatedWarehouse() : new NoWarehouse();
}
