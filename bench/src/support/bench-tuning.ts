import { hubConfigFromEnv } from '@storefleet/central';

/** The hub's tuning knobs from this run's environment (HOLD_BATCHES_IN_FLIGHT …), checked as the hub checks them. */
export const benchTuning = () => hubConfigFromEnv(process.env).tuning;
